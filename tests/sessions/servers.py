"""Real server processes for test_cross_process.py: gunicorn serving tests/sessions/server_*.

Every server is a separate gunicorn master with its own workers (separate processes, no shared
memory); what they share is PostgreSQL (users, and the ``DatabaseStore`` table) and Redis
(the ``CacheStore`` keys). Servers are stopped with SIGTERM, then SIGKILL after a timeout,
and on Linux they also get SIGTERM if the test process dies.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.support import PASSWORD, REPO
from tests.support.processes import START_TIMEOUT, ServerProcess, free_port, run_or_fail, spawn

GUNICORN = Path(sys.executable).with_name("gunicorn")
SETTINGS = "tests.sessions.server_settings"

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
        and not (key.startswith("DJWTO_") and key != "DJWTO_TEST_POSTGRES_URL")
    }
    env.update(DJANGO_SETTINGS_MODULE=SETTINGS, PYTHONUNBUFFERED="1", **overrides)
    return env


def prepare_database(env: dict[str, str]) -> None:
    """Migrate the servers' database and create alice and bob, in a child process."""
    run_or_fail([sys.executable, "-c", _PREPARE], env=env, what="preparing the servers' database")


class Server(ServerProcess):
    ready_path = "/ping/"

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
        self.proc = spawn(
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
            log_path=self.log_path,
        )

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def start_all(servers: list[Server]) -> None:
    """Start every server at once, then wait until each answers."""
    for server in servers:
        server.start()
    deadline = time.monotonic() + START_TIMEOUT
    for server in servers:
        server.wait_ready(deadline)
