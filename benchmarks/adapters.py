#!/usr/bin/env python
"""The adapters' costs: DRF + djwto against DRF + simplejwt, and the middleware's overhead.

    python benchmarks/adapters.py [--quick]

Plain functions, so ``make bench`` can call them from its own runner:

- :func:`setup` configures Django when nobody has (in-memory SQLite, migrated) and creates the
  benchmark user; inside a configured project it only creates the user.
- :func:`bench_drf` times a DRF ``APIView`` on the stateless path (no user query): djwto's
  ``JWTAuthentication`` + ``IsJWTAuthenticated`` against simplejwt's
  ``JWTStatelessUserAuthentication`` + ``IsAuthenticated``, one Bearer token per request.
  ``distinct=True`` sends a new token each time, so djwto's verified-token cache never hits.
  Target: djwto ≤ 0.60 × simplejwt. :func:`bench_drf_authenticate` times the authentication
  classes alone, without DRF's own per-request cost that both sides pay.
- :func:`bench_middleware` times a view that never touches ``request.user`` behind Django's
  usual middleware stack, with and without ``JWTAuthenticationMiddleware``, for a request with
  a Bearer token and one without. Target: ≤ 1.05 × without it.

Each returns a dict of µs per request (median over rounds of batch means) and the ratio (the
median of per-round ratios, so a slow moment hits both sides alike). Times are the process's
CPU time, not wall-clock time, so other processes on a busy machine count less. Requests are
calls of Django's ``WSGIHandler`` with a prebuilt environ: no test client, no network.
"""

from __future__ import annotations

import argparse
import gc
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

DRF_TARGET = 0.60
MIDDLEWARE_TARGET = 1.05
USERNAME = "adapters-bench"
STACK = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
JWT_MIDDLEWARE = "djwto.middleware.JWTAuthenticationMiddleware"
urlpatterns: list[Any] = []  # filled by setup(); this module is the URLconf of its requests


def setup() -> None:
    """Configure Django if needed, migrate an in-memory database, create the user."""
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            SECRET_KEY="adapters-bench-only-secret-key-not-for-production-0123456789",
            DEBUG=False,
            ALLOWED_HOSTS=["testserver"],
            USE_TZ=True,
            DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
            INSTALLED_APPS=[
                "django.contrib.contenttypes",
                "django.contrib.auth",
                "django.contrib.sessions",
                "django.contrib.messages",
                "rest_framework",
                "rest_framework_simplejwt",
                "djwto",
            ],
            MIDDLEWARE=[],
            DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
            CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            DJWTO_SIGNING_KEY="adapters-bench-only-djwto-signing-key-0123456789abcdefghijklmnop",
            SIMPLE_JWT={"SIGNING_KEY": "adapters-bench-only-simplejwt-key-0123456789abcdefghij"},
            ROOT_URLCONF=__name__,
        )
        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    else:
        django.setup()
    _build_urls()
    from django.contrib.auth import get_user_model

    get_user_model()._default_manager.get_or_create(username=USERNAME)


def _build_urls() -> None:
    from django.http import HttpResponse
    from django.urls import path
    from rest_framework.permissions import IsAuthenticated
    from rest_framework.response import Response
    from rest_framework.views import APIView
    from rest_framework_simplejwt.authentication import JWTStatelessUserAuthentication

    from djwto.contrib.drf import IsJWTAuthenticated, JWTAuthentication

    class DjwtoView(APIView):
        authentication_classes = [JWTAuthentication]
        permission_classes = [IsJWTAuthenticated]

        def get(self, request: Any) -> Response:
            return Response({"ok": True})

    class SimpleJWTView(APIView):
        authentication_classes = [JWTStatelessUserAuthentication]
        permission_classes = [IsAuthenticated]

        def get(self, request: Any) -> Response:
            return Response({"ok": True})

    def untouched(request: Any) -> HttpResponse:
        return HttpResponse(b"ok")

    urlpatterns[:] = [
        path("drf/djwto/", DjwtoView.as_view()),
        path("drf/simplejwt/", SimpleJWTView.as_view()),
        path("untouched/", untouched),
    ]


# --- requests --------------------------------------------------------------------------------


def _environ(path: str, token: str | None) -> dict[str, Any]:
    headers = {} if token is None else {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    return base_environ("GET", path, **headers)


def _handler(middleware: list[str]) -> Callable[[dict[str, Any]], bytes]:
    from django.core.handlers.wsgi import WSGIHandler
    from django.test.utils import override_settings

    with override_settings(MIDDLEWARE=middleware, ROOT_URLCONF=__name__):
        handler = WSGIHandler()

    def start_response(status: str, headers: Any, exc_info: Any = None) -> None:
        if not status.startswith("2"):
            raise SystemExit(f"benchmark request answered {status}")

    def call(environ: dict[str, Any]) -> bytes:
        env = environ.copy()
        env["wsgi.input"] = io.BytesIO(b"")
        response = handler(env, start_response)
        body = b"".join(response)
        response.close()
        return body

    return call


def _user() -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model()._default_manager.get(username=USERNAME)


def djwto_token(user: Any) -> str:
    from djwto.backends import encode
    from djwto.claims import build_access_claims, build_refresh_claims

    return encode(build_access_claims(build_refresh_claims(user)))


def simplejwt_token(user: Any) -> str:
    from rest_framework_simplejwt.tokens import AccessToken

    return str(AccessToken.for_user(user))


def _time(ops: dict[str, Callable[[], Any]], rounds: int, batch: int) -> dict[str, list[float]]:
    """µs per call of each op, one batch mean per round; ops interleaved within a round."""
    samples: dict[str, list[float]] = {name: [] for name in ops}
    for op in ops.values():
        op()  # warm-up
    for _ in range(rounds):
        for name, op in ops.items():
            gc.collect()
            start = time.process_time_ns()
            for _ in range(batch):
                op()
            samples[name].append((time.process_time_ns() - start) / batch / 1000)
    return samples


def _ratio(samples: dict[str, list[float]], a: str, b: str) -> float:
    return statistics.median(x / y for x, y in zip(samples[a], samples[b], strict=True))


def _run(
    ops: dict[str, Callable[[], Any]], rounds: int, batch: int, a: str, b: str
) -> tuple[dict[str, list[float]], float]:
    from django.test.utils import override_settings

    with override_settings(ROOT_URLCONF=__name__):
        samples = _time(ops, rounds, batch)
    return samples, _ratio(samples, a, b)


def bench_drf(rounds: int = 15, batch: int = 300, *, distinct: bool = False) -> dict[str, Any]:
    """DRF + djwto against DRF + simplejwt, stateless path; ``ratio`` = djwto / simplejwt."""
    from django.test.utils import override_settings

    user = _user()
    call = _handler([])
    with override_settings(ROOT_URLCONF=__name__):
        if distinct:
            # Fresh tokens, made untimed; each op pops one (djwto's cache never hits).
            needed = (rounds + 1) * batch + 1
            djwto_pool = [_environ("/drf/djwto/", djwto_token(user)) for _ in range(needed)]
            sj_pool = [_environ("/drf/simplejwt/", simplejwt_token(user)) for _ in range(needed)]
            ops = {
                "djwto": lambda: call(djwto_pool.pop()),
                "simplejwt": lambda: call(sj_pool.pop()),
            }
        else:
            djwto_env = _environ("/drf/djwto/", djwto_token(user))
            sj_env = _environ("/drf/simplejwt/", simplejwt_token(user))
            ops = {"djwto": lambda: call(djwto_env), "simplejwt": lambda: call(sj_env)}
    samples, ratio = _run(ops, rounds, batch, "djwto", "simplejwt")
    return {
        "djwto_us": statistics.median(samples["djwto"]),
        "simplejwt_us": statistics.median(samples["simplejwt"]),
        "ratio": ratio,
        "target": DRF_TARGET,
        "ok": ratio <= DRF_TARGET,
        "distinct_tokens": distinct,
    }


def bench_drf_authenticate(rounds: int = 15, batch: int = 1000) -> dict[str, Any]:
    """The authentication step alone: ``authenticate(request)`` of each class on a fresh DRF
    ``Request`` (built alike for both); ``ratio`` = djwto / simplejwt."""
    from django.core.handlers.wsgi import WSGIRequest
    from rest_framework.request import Request
    from rest_framework_simplejwt.authentication import JWTStatelessUserAuthentication

    from djwto.contrib.drf import JWTAuthentication

    user = _user()
    djwto_env = _environ("/", djwto_token(user))
    sj_env = _environ("/", simplejwt_token(user))
    djwto_auth, sj_auth = JWTAuthentication(), JWTStatelessUserAuthentication()

    def request(environ: dict[str, Any]) -> Request:
        env = environ.copy()
        env["wsgi.input"] = io.BytesIO(b"")
        return Request(WSGIRequest(env))

    ops = {
        "djwto": lambda: djwto_auth.authenticate(request(djwto_env)),
        "simplejwt": lambda: sj_auth.authenticate(request(sj_env)),
    }
    samples, ratio = _run(ops, rounds, batch, "djwto", "simplejwt")
    return {
        "djwto_us": statistics.median(samples["djwto"]),
        "simplejwt_us": statistics.median(samples["simplejwt"]),
        "ratio": ratio,
        "target": DRF_TARGET,
        "ok": ratio <= DRF_TARGET,
    }


def bench_middleware(rounds: int = 15, batch: int = 300, *, token: bool = True) -> dict[str, Any]:
    """A view that never touches ``request.user``: Django's stack with and without djwto's
    middleware; ``ratio`` = with / without. ``token``: the request carries a Bearer token."""
    environ = _environ("/untouched/", djwto_token(_user()) if token else None)
    without = _handler(STACK)
    with_jwt = _handler([*STACK, JWT_MIDDLEWARE])
    ops = {"with": lambda: with_jwt(environ), "without": lambda: without(environ)}
    samples, ratio = _run(ops, rounds, batch, "with", "without")
    return {
        "with_us": statistics.median(samples["with"]),
        "without_us": statistics.median(samples["without"]),
        "ratio": ratio,
        "target": MIDDLEWARE_TARGET,
        "ok": ratio <= MIDDLEWARE_TARGET,
        "token": token,
    }


def run(quick: bool = False) -> dict[str, dict[str, Any]]:
    """Every figure of this module, keyed by scenario."""
    setup()
    rounds, batch = (3, 50) if quick else (15, 300)
    return {
        "drf_stateless": bench_drf(rounds, batch),
        "drf_stateless_distinct_tokens": bench_drf(rounds, batch, distinct=True),
        "drf_authenticate_step": bench_drf_authenticate(rounds, batch * 3),
        "middleware_with_token": bench_middleware(rounds, batch, token=True),
        "middleware_without_token": bench_middleware(rounds, batch, token=False),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="few rounds, small batches")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    results = run(quick=args.quick)
    if args.json:
        print(json.dumps(results, indent=1))
        return 0
    for name, result in results.items():
        figures = ", ".join(
            f"{key[:-3]} {value:.1f} µs" for key, value in result.items() if key.endswith("_us")
        )
        verdict = "ok" if result["ok"] else "OVER TARGET"
        print(
            f"{name:32} {figures}; ratio {result['ratio']:.2f} "
            f"(target ≤ {result['target']:.2f}: {verdict})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
