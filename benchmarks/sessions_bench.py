#!/usr/bin/env python
"""What session records (``DJWTO_SESSION_RECORDS``) cost a login and a rotation.

    python benchmarks/sessions_bench.py [--quick] [--json PATH]

Standalone: it configures its own Django (an in-memory SQLite database, djwto's default
database store, the MD5 password hasher so that the login's hashing does not drown what is
measured, no middleware) and calls one ``WSGIHandler`` with prebuilt WSGI environs, as
``benchmarks/bench.py`` does. Each round times a batch of logins and a chain of rotations (each
rotates the refresh token the previous one issued) with records off and on, in alternating
order; we report the median over rounds of the mean µs per call, and the ratio on/off as the
median of the per-round ratios.

From Python: ``run(quick: bool) -> list[dict]``, one dict per operation with ``operation``
(``"login"`` or ``"rotation"``), ``off_us``, ``on_us`` and ``ratio``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from benchmarks.wsgi import base_environ  # noqa: E402

PASSWORD = "correct horse battery staple"
REFRESH = "/api/token/refresh"


def setup_django() -> None:
    import django
    from django.conf import settings

    if settings.configured:
        return
    settings.configure(
        SECRET_KEY="sessions-bench-only-django-secret-key-0123456789abcdef",
        DEBUG=False,
        ALLOWED_HOSTS=["testserver"],
        USE_TZ=True,
        ROOT_URLCONF="djwto.urls",
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "djwto"],
        MIDDLEWARE=[],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        DJWTO_SIGNING_KEY="sessions-bench-only-signing-key-of-more-than-64-bytes-0123456789abcd",
        DJWTO_MODE="JSON",
    )
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, run_syncdb=True)
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user("alice", "alice@example.com", PASSWORD)


def environ(path: str, body: bytes, **headers: str) -> dict[str, Any]:
    """A POST of ``body`` from a browser-like client (its user agent and address are recorded)."""
    env = base_environ(
        "POST",
        path,
        REMOTE_ADDR="192.0.2.10",
        HTTP_USER_AGENT="sessions-bench/1.0",
        CONTENT_TYPE="application/json",
        CONTENT_LENGTH=str(len(body)),
    )
    env["wsgi.input"] = io.BytesIO(body)
    env.update(headers)
    return env


class Calls:
    """Prebuilt requests against one WSGI handler."""

    def __init__(self) -> None:
        from django.core.handlers.wsgi import WSGIHandler

        self.handler = WSGIHandler()
        self.login_body = json.dumps({"username": "alice", "password": PASSWORD}).encode()
        self.refresh = ""

    def call(self, env: dict[str, Any]) -> dict[str, Any]:
        status: list[str] = []
        chunks = self.handler(env, lambda s, h, *a: status.append(s))
        body = b"".join(chunks)
        if not status[0].startswith("200"):
            raise SystemExit(f"{env['PATH_INFO']} answered {status[0]}: {body[:300]!r}")
        return json.loads(body)

    def login(self) -> None:
        self.refresh = self.call(environ("/login/", self.login_body))["refresh"]

    def rotation(self) -> None:
        env = environ(
            f"{REFRESH}/update_refresh/", b"", HTTP_AUTHORIZATION=f"Bearer {self.refresh}"
        )
        self.refresh = self.call(env)["refresh"]


def time_batch(func: Callable[[], None], n: int) -> float:
    """Mean µs of ``n`` calls (after two unmeasured ones)."""
    func()
    func()
    start = time.perf_counter()
    for _ in range(n):
        func()
    return (time.perf_counter() - start) / n * 1e6


def run(quick: bool) -> list[dict[str, Any]]:
    """Login and rotation µs with records off and on; one dict per operation."""
    setup_django()
    from django.test.utils import override_settings

    rounds, batch = (2, 10) if quick else (15, 200)
    calls = Calls()
    samples: dict[str, dict[str, list[float]]] = {
        op: {"off": [], "on": [], "ratio": []} for op in ("login", "rotation")
    }
    for index in range(rounds):
        order = ("off", "on") if index % 2 == 0 else ("on", "off")
        for operation in ("login", "rotation"):
            measured = {}
            for state in order:
                with override_settings(DJWTO_SESSION_RECORDS=state == "on"):
                    calls.login()  # a fresh family for the rotations
                    func = calls.login if operation == "login" else calls.rotation
                    measured[state] = time_batch(func, batch)
            for state in ("off", "on"):
                samples[operation][state].append(measured[state])
            samples[operation]["ratio"].append(measured["on"] / measured["off"])
    return [
        {
            "operation": operation,
            "off_us": round(statistics.median(values["off"]), 1),
            "on_us": round(statistics.median(values["on"]), 1),
            "ratio": round(statistics.median(values["ratio"]), 3),
        }
        for operation, values in samples.items()
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 rounds of 10 calls (a smoke run)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON here")
    args = parser.parse_args(argv)
    results = run(args.quick)
    print(f"{'operation':<10} {'records off µs':>15} {'records on µs':>15} {'on/off':>8}")
    for row in results:
        print(
            f"{row['operation']:<10} {row['off_us']:>15.1f} {row['on_us']:>15.1f} "
            f"{row['ratio']:>7.3f}×"
        )
    if args.json:
        with open(args.json, "w") as out:
            json.dump(results, out, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
