"""Server processes the tests start (the demo in tests/e2e, gunicorn in tests/sessions).

Each runs with its output in a log file, gets SIGTERM on Linux if the test process dies, and is
stopped with SIGTERM, then SIGKILL after a timeout.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from .constants import REPO

START_TIMEOUT = 30.0  # seconds for a server to answer its first request
STOP_TIMEOUT = 10.0  # seconds between SIGTERM and SIGKILL


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    """In the child, before exec: on Linux, get SIGTERM when the test process dies, so a
    killed test run (a CI timeout, a second Ctrl-C) leaves no server behind."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            PR_SET_PDEATHSIG = 1
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        except Exception:  # best effort: the fixtures stop the servers anyway
            pass


def run_or_fail(cmd: list[str], *, env: dict[str, str], what: str) -> None:
    """Run ``cmd`` to its end in the repository; fail the test with its output if it fails."""
    result = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        pytest.fail(
            f"{what} exited {result.returncode}:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}",
            pytrace=False,
        )


def spawn(cmd: list[str], *, env: dict[str, str], log_path: Path) -> subprocess.Popen:
    """Start ``cmd`` in the repository, its output going to ``log_path``."""
    with open(log_path, "wb") as log:  # the child keeps its own handle
        return subprocess.Popen(
            cmd,
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
        )


def tail(path: Path, chars: int = 6000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return "(no log)"


class ServerProcess:
    """Waiting for, reading the log of, and stopping a server; a subclass sets ``name``,
    ``proc``, ``log_path`` and ``url(path)``, and the path that answers 200 when ready."""

    name: str
    proc: subprocess.Popen | None
    log_path: Path
    ready_path = "/"

    def url(self, path: str) -> str:
        raise NotImplementedError

    def log(self) -> str:
        return tail(self.log_path)

    def wait_ready(self, deadline: float | None = None) -> None:
        """Return once ``ready_path`` answers 200; fail the test (with the log) if the server
        exits or stays silent until ``deadline`` (default: START_TIMEOUT from now)."""
        assert self.proc is not None, "not started"
        if deadline is None:
            deadline = time.monotonic() + START_TIMEOUT
        last_error: object = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(
                    f"server {self.name} exited {self.proc.returncode} while starting:\n"
                    f"{self.log()}",
                    pytrace=False,
                )
            try:
                response = requests.get(self.url(self.ready_path), timeout=2)
                if response.status_code == 200:
                    return
                last_error = f"GET {self.ready_path} answered {response.status_code}"
            except requests.RequestException as exc:
                last_error = exc
            time.sleep(0.1)
        self.stop()
        pytest.fail(
            f"server {self.name} did not answer within {START_TIMEOUT:.0f}s "
            f"({last_error}):\n{self.log()}",
            pytrace=False,
        )

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it is still there after STOP_TIMEOUT seconds."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=STOP_TIMEOUT)


@dataclass
class LocalServer(ServerProcess):
    """A server started with :func:`spawn` on 127.0.0.1:``port``, ready when ``ready_path``
    answers 200."""

    name: str
    proc: subprocess.Popen | None
    log_path: Path
    port: int
    ready_path: str = "/"

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"
