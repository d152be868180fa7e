"""The websocket middleware over a real ASGI server (daphne) and a real client (websockets)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import pytest
import requests
import websockets

from djwto.contrib.channels import CLOSE_INVALID_TOKEN
from tests.support import REPO
from tests.support.processes import LocalServer, free_port, spawn

pytestmark = pytest.mark.e2e
DAPHNE = [sys.executable, "-m", "daphne", "-b", "127.0.0.1"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.contrib.e2e_settings",
        "DJWTO_E2E_DB": str(tmp_path_factory.mktemp("ws") / "db.sqlite3"),
        "PYTHONPATH": str(REPO),
    }
    setup = (
        "import django; django.setup();"
        "from django.core.management import call_command; call_command('migrate', verbosity=0);"
        "from django.contrib.auth import get_user_model;"
        "get_user_model().objects.create_user('alice', password='pass')"
    )
    subprocess.run([sys.executable, "-c", setup], cwd=REPO, env=env, check=True, timeout=120)
    port = free_port()
    log_path = tmp_path_factory.mktemp("ws-log") / "daphne.log"
    server = LocalServer(
        name="daphne",
        proc=spawn(
            [*DAPHNE, "-p", str(port), "tests.contrib.asgi:application"],
            env=env,
            log_path=log_path,
        ),
        log_path=log_path,
        port=port,
        ready_path="/mw/untouched/",  # a plain view: this server runs without the middleware
    )
    try:
        server.wait_ready()
        yield f"127.0.0.1:{port}"
    finally:
        server.stop()


def test_login_over_http_then_websocket(server):
    response = requests.post(
        f"http://{server}/login/", data={"username": "alice", "password": "pass"}, timeout=10
    )
    assert response.status_code == 200, response.text
    access = response.json()["access"]

    async def talk():
        async with websockets.connect(
            f"ws://{server}/ws/whoami/", subprotocols=["bearer", access]
        ) as ws:
            assert ws.subprotocol == "bearer"
            first = json.loads(await ws.recv())
            await ws.send(json.dumps({"hi": "there"}))
            return first, json.loads(await ws.recv())

    first, echo = asyncio.run(talk())
    assert first == {"user": "alice", "jwt": True, "subprotocols": ["bearer"]}
    assert echo == {"echo": {"hi": "there"}, "user": "alice"}


def test_forged_token_closes_with_4401(server):
    async def talk():
        async with websockets.connect(
            f"ws://{server}/ws/whoami/", subprotocols=["bearer", "a.b.c"]
        ) as ws:
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await ws.recv()
            return closed.value.rcvd.code

    assert asyncio.run(talk()) == CLOSE_INVALID_TOKEN
