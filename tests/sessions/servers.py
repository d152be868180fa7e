"""Real server processes for test_cross_process.py: gunicorn serving tests/sessions/server_*.

Every server is a separate gunicorn master with its own workers (separate processes, no shared
memory); what they share is PostgreSQL (users, and the ``DatabaseStore`` table) and Redis
(the ``CacheStore`` keys). Servers are stopped with SIGTERM, then SIGKILL after a timeout,
and on Linux they also get SIGTERM if the test process dies.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from .support import PASSWORD

REPO = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
SETTINGS = "tests.sessions.server_settings"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 5.0

_PREPARE = f"""
import django
django.setup()
from django.core.management import call_command
from django.contrib.auth import get_user_model
call_command("migrate", verbosity=0, interactive=False)
for name in ("alice", "bob"):
    get_user_model().objects.create_user(name, name + "@djwto.com", {PASSWORD!r})
"""


def server_env(**overrides: str) -> dict[str, str]:
    """The test run's environment without its Django/djwto settings, plus ``overrides``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH")
        and not (key.startswith("DJWTO_") and not key.startswith("DJWTO_PG_"))
    }
    env.update(DJANGO_SETTINGS_MODULE=SETTINGS, PYTHONUNBUFFERED="1", **overrides)
    return env


def prepare_database(env: dict[str, str]) -> None:
    """Migrate the servers' database and create alice and bob, in a child process."""
    result = subprocess.run(
        [sys.executable, "-c", _PREPARE],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        pytest.fail(
            f"preparing the servers' database failed:\n{result.stderr[-4000:]}", pytrace=False
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        except Exception:
            pass


class Server:
    def __init__(
        self, name: str, env: dict[str, str], log_dir: Path, *, workers: int = 2, threads: int = 4
    ):
        self.name = name
        self.env = env
        self.log_path = log_dir / f"{name}.log"
        self.workers = workers
        self.threads = threads
        self.port = 0
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.port = free_port()
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [
                    str(GUNICORN),
                    "--chdir",
                    str(REPO),
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    str(self.workers),
                    "--threads",
                    str(self.threads),
                    "--timeout",
                    "30",
                    "--graceful-timeout",
                    "2",
                    "--log-level",
                    "warning",
                    "tests.sessions.server_wsgi:application",
                ],
                env=self.env,
                cwd=REPO,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-6000:]
        except OSError:
            return "(no log)"

    def wait_ready(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(
                    f"server {self.name} exited {self.proc.returncode} while starting:\n"
                    f"{self.log()}",
                    pytrace=False,
                )
            try:
                if requests.get(self.url("/ping/"), timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        pytest.fail(
            f"server {self.name} did not answer within {START_TIMEOUT:.0f}s:\n{self.log()}",
            pytrace=False,
        )

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(STOP_TIMEOUT)


def start_all(servers: list[Server]) -> None:
    """Start every server at once, then wait until each answers."""
    for server in servers:
        server.start()
    deadline = time.monotonic() + START_TIMEOUT
    for server in servers:
        server.wait_ready(deadline)
