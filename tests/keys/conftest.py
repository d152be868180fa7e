"""Demo servers with the keys a test gives (``DEMO_KEYS``), restarted at will on one database."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.support import MANAGE, PYTHON, DemoServer, DemoServerPool, demo_env
from tests.support.processes import free_port, spawn


@pytest.fixture(scope="module")
def keys_db(tmp_path_factory) -> Path:
    """A migrated demo database with alice and bob, kept across restarts."""
    return DemoServerPool(tmp_path_factory.mktemp("keys-demo")).fresh_sqlite("keys")


@pytest.fixture
def start_demo(tmp_path, keys_db) -> Iterator[Callable[..., DemoServer]]:
    """``start_demo(keys)``: a JSON-mode demo (runserver) with ``DJWTO_KEYS = keys``."""
    servers: list[DemoServer] = []

    def start(keys: list[dict], mode: str = "JSON") -> DemoServer:
        for running in servers:
            running.stop()  # a restart: one server at a time, on the same database
        port = free_port()
        name = f"keys-{len(servers)}"
        env = demo_env(
            DJWTO_MODE=mode,
            DEMO_DB_PATH=str(keys_db),
            DEMO_KEYS=json.dumps(keys),
            DJWTO_SIGNING_KEY="",
        )
        log_path = tmp_path / f"{name}.log"
        cmd = [PYTHON, str(MANAGE), "runserver", "--noreload", f"127.0.0.1:{port}"]
        proc = spawn(cmd, env=env, log_path=log_path)
        server = DemoServer(name=name, mode=mode, port=port, proc=proc, log_path=log_path, env=env)
        servers.append(server)
        server.wait_ready()
        return server

    yield start
    for server in servers:
        server.stop()
