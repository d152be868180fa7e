"""Helpers of the end-to-end tests: the demo project (demo/) served by real server processes.

Nothing here uses pytest-django's test database: every server gets its own copy of a SQLite
file that was migrated (and given the demo users) once per session, and the tests talk to it
over HTTP only, with ``requests`` or headless Chromium.

Servers are started lazily, at most once per configuration, and all are stopped at the end of
the session (SIGTERM, then SIGKILL after a timeout), whether the tests passed or not. A pool
rather than a parametrised session fixture keeps that true whatever order the tests run in.

Cookies: the demo runs as shipped, with ``DJWTO_COOKIE_SECURE`` on. ``requests`` (through
``http.cookiejar``) never sends a ``Secure`` cookie over http, while browsers do to loopback
hosts, which they treat as potentially trustworthy; :class:`LoopbackCookiePolicy` teaches the
``requests`` sessions of these tests the browsers' rule. ``test_gunicorn.py`` shows the other
way: a server with ``DJWTO_COOKIE_SECURE=0`` and a plain ``requests.Session``.
"""

from __future__ import annotations

import http.cookiejar
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import requests

from tests.support import COOKIE_MODES, REPO, P
from tests.support.processes import ServerProcess, free_port, run_or_fail, spawn

DEMO = REPO / "demo"
MANAGE = DEMO / "manage.py"
PYTHON = sys.executable
PASSWORD = "pass"  # the demo users' (demo/.../demo_users.py)
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")
#: The demo's key in these tests (tests only: the demo itself ships none).
DEMO_SIGNING_KEY = "demo-only-djwto-signing-key-PUBLIC-do-not-use-in-production"

# Whatever the test run's own environment says about these must not reach the demo.
_SCRUBBED = ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "DEMO_DB_PATH", "PYTHONPATH")


def demo_env(**overrides: str) -> dict[str, str]:
    """The environment of a demo process: the test run's, without its Django/djwto settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in _SCRUBBED and not key.startswith(("DJWTO_", "DJANGO_"))
    }
    env["DJANGO_SETTINGS_MODULE"] = "djwto_project.settings"
    # The demo generates its key on first run; these tests give it a known HS256 one instead.
    env["DJWTO_SIGNING_KEY"] = DEMO_SIGNING_KEY
    env["PYTHONUNBUFFERED"] = "1"
    env.update(overrides)
    return env


def run_manage(env: dict[str, str], *args: str) -> None:
    run_or_fail([PYTHON, str(MANAGE), *args], env=env, what=f"`manage.py {' '.join(args)}`")


@dataclass
class DemoServer(ServerProcess):
    """One running demo server process."""

    name: str
    mode: str
    port: int
    proc: subprocess.Popen
    log_path: Path
    env: dict[str, str] = field(repr=False)
    host: str = "127.0.0.1"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str, host: str | None = None) -> str:
        return f"http://{host or self.host}:{self.port}{path}"


class DemoServerPool:
    """Starts each server configuration once, on first use; stops them all at the end."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.servers: dict[str, DemoServer] = {}
        self.cleanups: list = []
        self._template_db: Path | None = None

    def template_db(self) -> Path:
        """A SQLite file migrated and holding alice and bob, made once and copied per server."""
        if self._template_db is None:
            path = self.workdir / "template.sqlite3"
            env = demo_env(DEMO_DB_PATH=str(path))
            run_manage(env, "migrate", "--noinput", "-v", "0")
            run_manage(env, "demo_users")
            self._template_db = path
        return self._template_db

    def fresh_sqlite(self, name: str) -> Path:
        path = self.workdir / f"{name}.sqlite3"
        shutil.copyfile(self.template_db(), path)
        return path

    def get(
        self,
        name: str,
        *,
        mode: str,
        server: str = "runserver",
        env: dict[str, str] | None = None,
        prepare: bool = False,
    ) -> DemoServer:
        """The server called ``name``; started with ``env`` on top of the demo's defaults.

        Without ``DATABASE_URL`` in ``env`` it gets its own copy of the template SQLite file.
        ``prepare`` runs ``migrate`` and ``demo_users`` against its database first (for a
        database other than the template's).
        """
        if name in self.servers:
            return self.servers[name]
        port = free_port()
        overrides = {"DJWTO_MODE": mode, **(env or {})}
        if "DATABASE_URL" not in overrides:
            overrides["DEMO_DB_PATH"] = str(self.fresh_sqlite(name))
        full_env = demo_env(**overrides)
        if prepare:
            run_manage(full_env, "migrate", "--noinput", "-v", "0")
            run_manage(full_env, "demo_users")
        if server == "runserver":
            cmd = [PYTHON, str(MANAGE), "runserver", "--noreload", f"127.0.0.1:{port}"]
        elif server == "gunicorn":
            gunicorn = Path(PYTHON).with_name("gunicorn")
            cmd = [str(gunicorn)] if gunicorn.exists() else [PYTHON, "-m", "gunicorn"]
            cmd += [
                "--chdir",
                str(DEMO),
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--graceful-timeout",
                "5",
                "--access-logfile",
                "-",
                "djwto_project.wsgi",
            ]
        else:  # pragma: no cover - a typo in a test
            raise ValueError(server)
        log_path = self.workdir / f"{name}.log"
        proc = spawn(cmd, env=full_env, log_path=log_path)
        demo = DemoServer(
            name=name, mode=mode, port=port, proc=proc, log_path=log_path, env=full_env
        )
        self.servers[name] = demo
        demo.wait_ready()
        return demo

    def shipped(self, mode: str) -> DemoServer:
        """The demo as shipped (runserver, its own SQLite copy, Secure cookies) in ``mode``."""
        return self.get(f"runserver-{mode}", mode=mode)

    def stop_all(self) -> None:
        errors = []
        for demo in self.servers.values():
            try:
                demo.stop()
            except Exception as exc:  # keep stopping the others
                errors.append(exc)
        for cleanup in reversed(self.cleanups):
            try:
                cleanup()
            except Exception as exc:
                errors.append(exc)
        if errors:
            raise errors[0]


# --- HTTP clients -----------------------------------------------------------------------------


class LoopbackCookiePolicy(http.cookiejar.DefaultCookiePolicy):
    """``http.cookiejar``'s policy, but sending ``Secure`` cookies to loopback hosts over http
    as Chromium and Firefox do (they treat http://127.0.0.1 and http://localhost as potentially
    trustworthy origins). Everything else is the default policy."""

    def return_ok_secure(self, cookie, request) -> bool:
        if cookie.secure and urlsplit(request.get_full_url()).hostname in LOOPBACK:
            return True
        return super().return_ok_secure(cookie, request)


class LoopbackSession(requests.Session):
    """A ``requests.Session`` whose jar follows :class:`LoopbackCookiePolicy`.

    ``Session.prepare_request`` copies the jar into a fresh one with the default policy, so the
    Cookie header is built again here from the session's own jar (and its policy).
    """

    def __init__(self) -> None:
        super().__init__()
        self.cookies.set_policy(LoopbackCookiePolicy())

    def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        prepared = super().prepare_request(request)
        if not request.cookies:
            prepared.headers.pop("Cookie", None)
            prepared.prepare_cookies(self.cookies)
        return prepared


class DemoClient:
    """One user agent talking to a demo server the way its mode asks.

    JSON mode: tokens kept here, sent as ``Authorization: Bearer``. Cookie modes: tokens in
    the cookie jar, and every unsafe request sends ``X-CSRFToken`` from the csrftoken cookie
    (unless ``csrf=False``).
    """

    def __init__(self, demo: DemoServer, *, loopback_secure: bool = True):
        self.demo = demo
        self.mode = demo.mode
        self.session = LoopbackSession() if loopback_secure else requests.Session()
        self.tokens: dict[str, str] = {}

    @property
    def cookie_mode(self) -> bool:
        return self.mode in COOKIE_MODES

    def cookie(self, name: str) -> str | None:
        for cookie in self.session.cookies:
            if cookie.name == name:
                return cookie.value
        return None

    def raw_token(self, kind: str) -> str | None:
        """The current raw refresh or access token, wherever this mode keeps it."""
        if not self.cookie_mode:
            return self.tokens.get(kind)
        if kind == "refresh":
            return self.cookie("jwt_refresh")
        if self.mode == "ONE-COOKIE":
            return self.cookie("jwt_access")
        return self.cookie("jwt_access_token")

    def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = "access",
        csrf: bool = True,
        headers: dict[str, str] | None = None,
        **kwargs,
    ) -> requests.Response:
        headers = dict(headers or {})
        if self.cookie_mode:
            csrftoken = self.cookie("csrftoken")
            if csrf and csrftoken and method not in ("GET", "HEAD", "OPTIONS"):
                headers.setdefault("X-CSRFToken", csrftoken)
        elif token and self.tokens.get(token):
            headers.setdefault("Authorization", f"Bearer {self.tokens[token]}")
        kwargs.setdefault("timeout", 10)
        return self.session.request(method, self.demo.url(path), headers=headers, **kwargs)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def login(
        self, username: str = "alice", password: str = PASSWORD, **kwargs
    ) -> requests.Response:
        kwargs.setdefault("json", {"username": username, "password": password})
        response = self.session.post(self.demo.url("/login/"), timeout=10, **kwargs)
        if response.status_code == 200 and not self.cookie_mode:
            body = response.json()
            self.tokens = {"access": body["access"], "refresh": body["refresh"]}
        return response

    def refresh_call(self, action: str, **kwargs) -> requests.Response:
        response = self.post(f"{P}/{action}/", token="refresh", **kwargs)
        if response.status_code == 200 and not self.cookie_mode:
            body = response.json()
            self.tokens = {
                "access": body.get("access", self.tokens.get("access")),
                "refresh": body.get("refresh", self.tokens.get("refresh")),
            }
        return response

    def present_refresh(self, raw: str, action: str) -> requests.Response:
        """POST ``raw`` as the refresh token to ``action``, bypassing this client's state:
        how an attacker (or a stale tab) would present a token that is no longer current."""
        url = self.demo.url(f"{P}/{action}/")
        if not self.cookie_mode:
            return requests.post(url, headers={"Authorization": f"Bearer {raw}"}, timeout=10)
        csrftoken = self.cookie("csrftoken") or "x" * 32
        return requests.post(
            url,
            headers={
                "Cookie": f"jwt_refresh={raw}; csrftoken={csrftoken}",
                "X-CSRFToken": csrftoken,
            },
            timeout=10,
        )
