"""JWTAuthenticationMiddleware: Django's own auth tools see the token's user; nothing is refused."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import AsyncClient, Client
from django.test.utils import CaptureQueriesContext

from tests.contrib.conftest import BAD, MIDDLEWARE, access_token, bad_tokens, bearer
from tests.support import login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("with_middleware")]


def who(response):
    assert response.status_code == 200, response.content
    return response.json()["user"]


def test_login_required_sees_the_token_user(alice):
    response = Client().get("/mw/private/", **bearer(access_token(alice)))
    assert who(response) == "alice"
    assert response.json()["jwt"] is True


def test_login_required_without_token_redirects_to_login(alice):
    response = Client().get("/mw/private/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("kind", BAD)
def test_bad_token_is_anonymous_never_an_error(alice, kind):
    token = bad_tokens(alice)[kind]
    assert Client().get("/mw/private/", **bearer(token)).status_code == 302
    assert who(Client().get("/mw/whoami/", **bearer(token))) is None


@pytest.mark.parametrize("header", ["Bearer a b", "Bearer ", "Bearer \x00", "Bearer " + "x" * 9000])
def test_malformed_header_is_anonymous(alice, header):
    assert who(Client().get("/mw/whoami/", HTTP_AUTHORIZATION=header)) is None


def test_session_user_kept_without_djwto_credential(alice, bob):
    client = Client()
    client.force_login(bob)
    assert who(client.get("/mw/whoami/")) == "bob"
    # Another scheme is not a djwto credential either.
    assert who(client.get("/mw/whoami/", HTTP_AUTHORIZATION="Basic Ym9iOnB3")) == "bob"


def test_token_wins_over_session(alice, bob):
    client = Client()
    client.force_login(bob)
    assert who(client.get("/mw/whoami/", **bearer(access_token(alice)))) == "alice"


@pytest.mark.parametrize("kind", BAD)
def test_bad_token_does_not_fall_back_to_session(alice, bob, kind):
    client = Client()
    client.force_login(bob)
    assert who(client.get("/mw/whoami/", **bearer(bad_tokens(alice)[kind]))) is None


def test_permission_required_mixin_reads_perms_from_the_database(alice, bob):
    token = access_token(alice)
    assert who(Client().get("/mw/reports/", **bearer(token))) == "alice"
    assert Client().get("/mw/reports/", **bearer(access_token(bob))).status_code == 403
    # Django checks the database, not the token's user.perms claim.
    alice.user_permissions.remove(Permission.objects.get(codename="perm1"))
    assert Client().get("/mw/reports/", **bearer(token)).status_code == 403


def test_inactive_or_deleted_user_is_anonymous(alice):
    token = access_token(alice)
    alice.is_active = False
    alice.save()
    assert who(Client().get("/mw/whoami/", **bearer(token))) is None


def test_no_query_until_user_is_touched(alice):
    token = access_token(alice)
    client = Client()
    client.get("/mw/untouched/", **bearer(token))  # warm caches (content types, ...)
    with CaptureQueriesContext(connection) as untouched:
        assert client.get("/mw/untouched/", **bearer(token)).status_code == 200
    assert len(untouched) == 0
    with CaptureQueriesContext(connection) as touched:
        assert who(client.get("/mw/whoami/", **bearer(token))) == "alice"
    assert len(touched) == 1


def test_works_without_authentication_middleware(settings, alice):
    settings.MIDDLEWARE = [MIDDLEWARE]
    assert who(Client().get("/mw/private/", **bearer(access_token(alice)))) == "alice"
    assert Client().get("/mw/private/").status_code == 302


async def _aget(path, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await AsyncClient().get(path, headers=headers)


@pytest.mark.django_db(transaction=True)
def test_async_view_with_auser(alice):
    import asyncio

    token = access_token(alice)
    response = asyncio.run(_aget("/mw/awhoami/", token))
    assert who(response) == "alice"
    for kind, bad in bad_tokens(alice).items():
        response = asyncio.run(_aget("/mw/awhoami/", bad))
        assert who(response) is None, kind
    assert who(asyncio.run(_aget("/mw/awhoami/"))) is None


# --- cookie modes ----------------------------------------------------------------------------


@pytest.fixture(params=["ONE-COOKIE", "TWO-COOKIES"])
def cookie_mode(request, settings):
    settings.DJWTO_MODE = request.param
    return request.param


def test_cookie_user_on_safe_request(cookie_mode, alice, password, csrf_client):
    session = login(csrf_client, cookie_mode, "alice", password)
    assert who(csrf_client.get("/mw/private/")) == "alice"
    assert session.access


def test_cookie_unsafe_request_needs_csrf(cookie_mode, alice, password, csrf_client):
    session = login(csrf_client, cookie_mode, "alice", password)
    assert who(csrf_client.post("/mw/whoami/")) is None
    assert who(csrf_client.post("/mw/whoami/", HTTP_X_CSRFTOKEN="A" * 32)) is None
    assert who(csrf_client.post("/mw/whoami/", **session.csrf_headers())) == "alice"


def test_cookie_mode_ignores_bearer_header(cookie_mode, alice, bob):
    client = Client()
    client.force_login(bob)
    # No cookie credential: the session user stays, the header is not read in cookie modes.
    assert who(client.get("/mw/whoami/", **bearer(access_token(alice)))) == "bob"
