"""The demo, as ``make demo`` serves it (``manage.py serve``: daphne): one login, then djwto's
view, the DRF view, the Ninja view and the websocket echo, in the JSON and a cookie mode."""

from __future__ import annotations

import asyncio
import json

import pytest
import requests
import websockets

from tests.e2e.support import MANAGE, PYTHON, demo_env, run_manage
from tests.support.processes import LocalServer, free_port, spawn

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module", params=["JSON", "ONE-COOKIE"])
def demo(request, tmp_path_factory):
    mode = request.param
    db = tmp_path_factory.mktemp("demo") / "db.sqlite3"
    env = demo_env(DJWTO_MODE=mode, DEMO_DB_PATH=str(db), DJWTO_COOKIE_SECURE="0")
    run_manage(env, "migrate", "--noinput")
    run_manage(env, "demo_users")
    port = free_port()
    log_path = db.with_suffix(".log")
    server = LocalServer(
        name=f"demo {mode}",
        proc=spawn([PYTHON, str(MANAGE), "serve", f"127.0.0.1:{port}"], env=env, log_path=log_path),
        log_path=log_path,
        port=port,
    )
    try:
        server.wait_ready()
        yield mode, f"127.0.0.1:{port}"
    finally:
        server.stop()


def echo(base: str, **kwargs) -> tuple[dict, dict]:
    async def talk():
        async with websockets.connect(f"ws://{base}/ws/echo/", **kwargs) as ws:
            hello = json.loads(await ws.recv())
            await ws.send(json.dumps({"message": "hi"}))
            return hello, json.loads(await ws.recv())

    return asyncio.run(talk())


def closed_code(base: str, **kwargs) -> int:
    async def talk():
        async with websockets.connect(f"ws://{base}/ws/echo/", **kwargs) as ws:
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await ws.recv()
            return closed.value.rcvd.code

    return asyncio.run(talk())


def test_one_login_four_frameworks(demo):
    mode, base = demo
    http = requests.Session()
    response = http.post(
        f"http://{base}/login/", json={"username": "alice", "password": "pass"}, timeout=10
    )
    assert response.status_code == 200, response.text
    if mode == "JSON":
        access = response.json()["access"]
        headers = {"Authorization": f"Bearer {access}"}
        ws_kwargs = {"subprotocols": ["bearer", access]}
    else:
        headers = {"X-CSRFToken": http.cookies["csrftoken"], "Origin": f"http://{base}"}
        cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies if c.path == "/")
        ws_kwargs = {"additional_headers": {"Cookie": cookie, "Origin": f"http://{base}"}}

    def get(path):
        return http.get(f"http://{base}{path}", headers=headers, timeout=10)

    assert get("/testapp/protect/").json() == {"username": "alice"}
    assert get("/api/drf/me/").json() == {"username": "alice", "framework": "DRF"}
    posted = http.post(f"http://{base}/api/drf/me/", headers=headers, timeout=10)
    assert posted.status_code == 200, posted.text
    assert get("/api/ninja/me").json() == {"username": "alice", "framework": "Ninja"}
    assert echo(base, **ws_kwargs) == (
        {"hello": "alice"},
        {"echo": {"message": "hi"}, "user": "alice"},
    )


def test_anonymous_and_forged(demo):
    mode, base = demo
    assert requests.get(f"http://{base}/api/drf/me/", timeout=10).status_code == 401
    assert requests.get(f"http://{base}/api/ninja/me", timeout=10).status_code == 401
    assert closed_code(base) == 4401
    if mode == "JSON":
        assert closed_code(base, subprotocols=["bearer", "a.b.c"]) == 4401
    else:
        forged = {"Cookie": "jwt_access=a.b.c"}
        assert closed_code(base, additional_headers=forged) == 4401


def test_page_has_the_new_buttons(demo):
    _, base = demo
    page = requests.get(f"http://{base}/", timeout=10).text
    for marker in ('data-action="drf_get"', 'data-action="ninja_get"', 'id="btn-ws-connect"'):
        assert marker in page
