"""djwto.contrib.channels: the handshake's token, through Channels' WebsocketCommunicator."""

from __future__ import annotations

import asyncio
import json

import pytest
from channels.testing import WebsocketCommunicator

from djwto.contrib.channels import CLOSE_FORBIDDEN, CLOSE_INVALID_TOKEN
from tests.contrib.conftest import BAD, access_token, bad_tokens
from tests.contrib.ws import application

pytestmark = pytest.mark.django_db(transaction=True)
COOKIE = {"ONE-COOKIE": "jwt_access", "TWO-COOKIES": "jwt_access_token"}


def connect(*, subprotocols=None, cookies=None, origin=None, path="/ws/whoami/"):
    """(accepted, what the consumer sent first or the close code) for one handshake."""

    async def run():
        headers = [(b"host", b"testserver")]
        if cookies:
            cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
            headers.append((b"cookie", cookie.encode()))
        if origin:
            headers.append((b"origin", origin.encode()))
        communicator = WebsocketCommunicator(
            application, path, headers=headers, subprotocols=subprotocols
        )
        connected, subprotocol = await communicator.connect()
        assert connected, subprotocol
        output = await communicator.receive_output()
        if output["type"] == "websocket.close":
            return subprotocol, ("closed", output["code"])
        first = json.loads(output["text"])
        await communicator.send_json_to({"hello": 1})
        echo = await communicator.receive_json_from()
        await communicator.disconnect()
        return subprotocol, (first, echo)

    return asyncio.run(run())


def test_json_mode_token_in_subprotocol(alice):
    subprotocol, (first, echo) = connect(subprotocols=["bearer", access_token(alice)])
    assert subprotocol == "bearer"
    # The consumer never sees the token.
    assert first == {"user": "alice", "jwt": True, "subprotocols": ["bearer"]}
    assert echo == {"echo": {"hello": 1}, "user": "alice"}


def test_other_subprotocols_kept(alice):
    _, (first, _) = connect(subprotocols=["chat", "bearer", access_token(alice)])
    assert first["subprotocols"] == ["chat", "bearer"]


def test_no_token_is_anonymous(alice):
    _, (first, echo) = connect()
    assert first == {"user": None, "jwt": False, "subprotocols": []}
    assert echo["user"] == ""


def test_query_string_token_is_never_read(alice):
    _, (first, _) = connect(path=f"/ws/whoami/?token={access_token(alice)}")
    assert first["user"] is None


@pytest.mark.parametrize("kind", BAD)
def test_bad_token_closes_4401(alice, kind):
    subprotocol, result = connect(subprotocols=["bearer", bad_tokens(alice)[kind]])
    assert result == ("closed", CLOSE_INVALID_TOKEN)
    assert subprotocol == "bearer"


def test_inactive_user_closes_4401(alice):
    token = access_token(alice)
    alice.is_active = False
    alice.save()
    assert connect(subprotocols=["bearer", token])[1] == ("closed", CLOSE_INVALID_TOKEN)


def test_bearer_without_token_closes_nothing(alice):
    _, (first, _) = connect(subprotocols=["bearer"])
    assert first["user"] is None


@pytest.fixture(params=["ONE-COOKIE", "TWO-COOKIES"])
def cookie_mode(request, settings):
    settings.DJWTO_MODE = request.param
    return request.param


def test_cookie_mode_reads_the_access_cookie(cookie_mode, alice):
    cookies = {COOKIE[cookie_mode]: access_token(alice)}
    _, (first, _) = connect(cookies=cookies, origin="http://testserver")
    assert first == {"user": "alice", "jwt": True, "subprotocols": []}
    # Scripts send no Origin; they cannot be tricked into a handshake.
    assert connect(cookies=cookies)[1][0]["user"] == "alice"


def test_cookie_mode_refuses_foreign_origin(cookie_mode, alice):
    cookies = {COOKIE[cookie_mode]: access_token(alice)}
    assert connect(cookies=cookies, origin="https://evil.example")[1] == (
        "closed",
        CLOSE_FORBIDDEN,
    )


@pytest.mark.parametrize("kind", BAD)
def test_cookie_mode_bad_cookie_closes(cookie_mode, alice, kind):
    cookies = {COOKIE[cookie_mode]: bad_tokens(alice)[kind]}
    assert connect(cookies=cookies)[1] == ("closed", CLOSE_INVALID_TOKEN)


def test_wrong_mode(cookie_mode, alice, settings):
    # A subprotocol token in a cookie mode is not read (and not shown to the consumer).
    _, (first, _) = connect(subprotocols=["bearer", access_token(alice)])
    assert first == {"user": None, "jwt": False, "subprotocols": ["bearer"]}
    settings.DJWTO_MODE = "JSON"
    _, (first, _) = connect(cookies={COOKIE[cookie_mode]: access_token(alice)})
    assert first["user"] is None


def test_http_scopes_pass_through_untouched():
    from djwto.contrib.channels import JWTAuthMiddleware

    seen = {}

    async def inner(scope, receive, send):
        seen.update(scope)

    asyncio.run(JWTAuthMiddleware(inner)({"type": "http", "path": "/"}, None, None))
    assert seen == {"type": "http", "path": "/"}


def test_bearer_as_last_subprotocol_is_no_token(alice):
    _, (first, _) = connect(subprotocols=["chat", "bearer"])
    assert first == {"user": None, "jwt": False, "subprotocols": ["chat", "bearer"]}
