"""djwto.test's clients: logged in without a password in every mode, sync and async."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django.test import Client

from djwto.test import AsyncJWTClient, JWTClient
from tests.support import COOKIE_MODES, CSRF, MODES, P, assert_error, bearer


def test_a_logged_in_client_reaches_protected_views(mode, alice):
    client = JWTClient()
    client.force_jwt_login(alice)
    for path in ("/protected/", "/fn/", "/perm/"):
        response = client.get(path)
        assert response.status_code == 200, (path, response.content)
        assert response.json()["username"] == "alice"
    response = client.post("/protected/")
    assert response.status_code == 200, response.content
    assert response.json()["method"] == "POST"


def test_json_mode_sends_bearer_and_no_cookie(settings, alice):
    settings.DJWTO_MODE = "JSON"
    client = JWTClient()
    tokens = client.force_jwt_login(alice)
    assert not client.cookies
    response = client.get("/protected/")
    assert response.wsgi_request.headers["Authorization"] == f"Bearer {tokens.access}"


@pytest.mark.parametrize("mode", COOKIE_MODES)
def test_cookie_modes_set_the_cookies_and_send_the_csrf_header(settings, alice, mode):
    settings.DJWTO_MODE = mode
    client = JWTClient(enforce_csrf_checks=True)
    client.force_jwt_login(alice)
    assert {"jwt_refresh", settings.CSRF_COOKIE_NAME} <= set(client.cookies)
    get = client.get("/protected/")
    assert "X-Csrftoken" not in get.wsgi_request.headers
    post = client.post("/protected/")
    assert post.status_code == 200, post.content
    assert post.wsgi_request.headers["X-CSRFToken"] == client.cookies["csrftoken"].value

    # The same cookies without the header are refused: the client's header is what passes.
    bare = Client(enforce_csrf_checks=True)
    bare.cookies = client.cookies
    assert_error(bare.post("/protected/"), 403, "csrf_failed")


def test_the_request_s_own_authorization_wins(settings, alice, bob):
    settings.DJWTO_MODE = "JSON"
    client = JWTClient()
    client.force_jwt_login(alice)
    other = client.force_jwt_login(bob)
    assert client.get("/protected/").json()["username"] == "bob"
    client.force_jwt_login(alice)
    assert client.get("/protected/", **bearer(other.access)).json()["username"] == "bob"


def test_json_refresh_endpoints_get_the_refresh_token_and_keep_the_answer(settings, alice):
    settings.DJWTO_MODE = "JSON"
    settings.DJWTO_ALLOW_REFRESH_UPDATE = True
    client = JWTClient()
    first = client.force_jwt_login(alice)
    first_refresh = first.refresh
    response = client.post(f"{P}/update_refresh/")
    assert response.status_code == 200, response.content
    assert client.jwt_tokens.refresh == response.json()["refresh"] != first_refresh
    # The next rotation presents the new token (the old one would be refused as reused).
    assert client.post(f"{P}/update_refresh/").status_code == 200
    assert client.get("/protected/").status_code == 200


@pytest.mark.parametrize("mode", MODES)
def test_logout_forgets_the_tokens_and_revokes_the_session(settings, alice, mode):
    settings.DJWTO_MODE = mode
    client = JWTClient()
    tokens = client.force_jwt_login(alice)
    client.jwt_logout()
    assert_error(client.get("/protected/"), 401, "token_missing")
    assert client.jwt_tokens is None and "jwt_refresh" not in client.cookies
    settings.DJWTO_MODE = "JSON"  # the revocation holds whichever way the token travels
    refused = Client().post(f"{P}/refresh_access/", **bearer(tokens.refresh))
    assert_error(refused, 401, "token_revoked")


def test_logout_without_a_login_does_nothing(db):
    client = JWTClient()
    client.jwt_logout()
    assert client.jwt_tokens is None


@pytest.mark.parametrize("mode", MODES)
def test_mode_argument_overrides_the_setting(settings, alice, mode):
    settings.DJWTO_MODE = "JSON"
    client = JWTClient()
    client.force_jwt_login(alice, mode=mode)
    settings.DJWTO_MODE = mode
    assert client.get("/protected/").status_code == 200
    assert bool(client.cookies) is (mode != "JSON")


def test_the_async_client_in_every_mode(alice, mode):
    client = AsyncJWTClient()
    client.force_jwt_login(alice)

    async def requests():
        return await client.get("/aprotected/"), await client.post("/aprotected/")

    get, post = async_to_sync(requests)()
    assert get.status_code == 200, get.content
    assert get.json()["db_user"] == "alice"
    assert post.status_code == 200, post.content
    assert post.json()["method"] == "POST"


def test_the_async_client_keeps_an_explicit_header(settings, alice, bob):
    settings.DJWTO_MODE = "JSON"
    client = AsyncJWTClient()
    client.force_jwt_login(alice)
    other = AsyncJWTClient().force_jwt_login(bob)

    async def requests():
        return (
            await client.get("/aprotected/", headers={"Authorization": f"Bearer {other.access}"}),
            await client.get("/aprotected/", headers={"X-CSRFToken": CSRF}),
        )

    explicit, implicit = async_to_sync(requests)()
    assert explicit.json()["username"] == "bob"
    assert implicit.json()["username"] == "alice"
