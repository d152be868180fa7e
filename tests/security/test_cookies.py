"""The cookie rules: Secure + SameSite on every auth cookie, HttpOnly on token cookies only, the
refresh cookie's Path, Domain only when configured, Max-Age within the token's lifetime, a
cookie over 4096 bytes refused with a clear error, deletion repeating Path and Domain, and
Secure off only by an explicit setting (warned outside DEBUG)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from djwto.checks import check_djwto_settings
from djwto.conf import clear_derived
from djwto.models import DeniedToken
from tests.security.helpers import nothing_written
from tests.support import (
    COOKIE_MODES,
    TOKEN_COOKIES,
    P,
    assert_no_token_issued,
    decode_unverified,
    login,
)

pytestmark = pytest.mark.django_db
ACCESS_NAMES = {
    "ONE-COOKIE": ("jwt_access",),
    "TWO-COOKIES": ("jwt_access_token", "jwt_access_payload"),
}


@pytest.fixture(params=COOKIE_MODES)
def cookie_mode(request, settings):
    settings.DJWTO_MODE = request.param
    return request.param


def issuing_responses(client, mode, password) -> dict:
    """Every response that issues cookies: login, refresh_access, update_refresh."""
    session = login(client, mode, "alice", password)
    assert session.login_response.status_code == 200
    return {
        "login": session.login_response,
        "refresh_access": session.post_refresh(f"{P}/refresh_access/"),
        "update_refresh": session.post_refresh(f"{P}/update_refresh/"),
    }


def auth_cookies(response) -> dict:
    return {
        name: m
        for name, m in response.cookies.items()
        if name.startswith("jwt_") or name == "csrftoken"
    }


# --- Secure, SameSite, HttpOnly -----------------------------------------------------------------


@pytest.mark.parametrize("same_site", [None, "Lax", "Strict", "None"])
def test_cookie_secure_and_samesite_on_every_auth_cookie(
    cookie_mode, settings, alice, password, same_site
):
    if same_site is not None:
        settings.DJWTO_SAME_SITE = same_site
    for name, response in issuing_responses(
        Client(enforce_csrf_checks=True), cookie_mode, password
    ).items():
        cookies = auth_cookies(response)
        expected = {"csrftoken", *ACCESS_NAMES[cookie_mode]}
        if name != "refresh_access":
            expected.add("jwt_refresh")
        assert set(cookies) == expected, (name, set(cookies))
        for cookie_name, morsel in cookies.items():
            assert morsel["secure"] is True, (name, cookie_name)
            expected = same_site or "Lax"
            if cookie_name == "csrftoken":
                expected = settings.CSRF_COOKIE_SAMESITE  # Django's own setting, Lax by default
            assert morsel["samesite"] == expected, (name, cookie_name)


def test_cookie_httponly_on_token_cookies_only(cookie_mode, alice, password):
    for name, response in issuing_responses(
        Client(enforce_csrf_checks=True), cookie_mode, password
    ).items():
        for cookie_name, morsel in auth_cookies(response).items():
            if cookie_name in TOKEN_COOKIES:
                assert morsel["httponly"] is True, (name, cookie_name)
            else:  # jwt_access_payload and csrftoken: read by JavaScript, hold nothing secret
                assert not morsel["httponly"], (name, cookie_name)


def test_cookie_refresh_path_and_token_paths(cookie_mode, alice, password):
    for name, response in issuing_responses(
        Client(enforce_csrf_checks=True), cookie_mode, password
    ).items():
        for cookie_name, morsel in auth_cookies(response).items():
            expected = P if cookie_name == "jwt_refresh" else "/"
            assert morsel["path"] == expected, (name, cookie_name)


@pytest.mark.parametrize("domain", [None, "djwto.test", ".djwto.test"])
def test_cookie_no_domain_unless_configured(cookie_mode, settings, alice, password, domain):
    settings.DJWTO_DOMAIN = domain
    for name, response in issuing_responses(
        Client(enforce_csrf_checks=True), cookie_mode, password
    ).items():
        for cookie_name, morsel in auth_cookies(response).items():
            if cookie_name.startswith("jwt_"):
                assert morsel["domain"] == (domain or ""), (name, cookie_name)
            else:
                assert morsel["domain"] == ""  # csrftoken: CSRF_COOKIE_DOMAIN, unset here


# --- Max-Age -----------------------------------------------------------------------------------


@pytest.mark.parametrize("session_cap", [None, timedelta(hours=2)])
def test_cookie_max_age_within_the_token_lifetime(
    cookie_mode, settings, alice, password, session_cap
):
    settings.DJWTO_MAX_SESSION_LIFETIME = session_cap
    for name, response in issuing_responses(
        Client(enforce_csrf_checks=True), cookie_mode, password
    ).items():
        now = int(time.time())
        cookies = auth_cookies(response)
        tokens = {n: decode_unverified(cookies[n].value) for n in cookies if n in TOKEN_COOKIES}
        assert tokens, name
        for cookie_name, claims in tokens.items():
            max_age = int(cookies[cookie_name]["max-age"])
            assert 0 < max_age <= claims["exp"] - now + 1, (name, cookie_name, max_age)
            lifetime = (
                settings.DJWTO_REFRESH_TOKEN_LIFETIME
                if claims["type"] == "refresh"
                else settings.DJWTO_ACCESS_TOKEN_LIFETIME
            )
            assert max_age <= lifetime.total_seconds()
            if session_cap and claims["type"] == "refresh":
                assert max_age <= session_cap.total_seconds()
        if "jwt_access_payload" in cookies:
            access = tokens["jwt_access_token"]
            assert int(cookies["jwt_access_payload"]["max-age"]) <= access["exp"] - now + 1


# --- over 4096 bytes -----------------------------------------------------------------------------


def grant_permissions(user, count: int) -> None:
    content_type = ContentType.objects.get_for_model(DeniedToken)
    perms = Permission.objects.bulk_create(
        [
            Permission(
                codename=f"can_do_thing_number_{i:04d}",
                name=f"Thing {i}",
                content_type=content_type,
            )
            for i in range(count)
        ]
    )
    user.user_permissions.add(*perms)


def _assert_too_large(response, *, names_cookie: bool) -> None:
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"error", "code"} and body["code"] == "token_too_large"
    assert "permissions" in body["error"] and "claims" in body["error"]
    if names_cookie:
        assert "cookie" in body["error"] and "4096" in body["error"]
    assert "no-store" in response["Cache-Control"]
    assert_no_token_issued(response)
    assert not [n for n in response.cookies if n.startswith("jwt_")]


@pytest.mark.parametrize("count", [120, 300])
def test_cookie_over_4096_bytes_is_refused_with_a_clear_error(cookie_mode, alice, password, count):
    """Decision: a 500 JSON ``token_too_large`` naming the cookie, the limit and the cause.

    It is the server's problem (the project's claims do not fit), not the client's, and it must
    reach the operator's 5xx alerts; a silently dropped cookie would look like a logout.
    """
    grant_permissions(alice, count)
    with nothing_written():
        response = Client(enforce_csrf_checks=True).post(
            "/login/", {"username": "alice", "password": password}
        )
    _assert_too_large(response, names_cookie=count == 120)


def test_cookie_too_large_after_permissions_grew_writes_nothing(cookie_mode, alice, password):
    session = login(Client(enforce_csrf_checks=True), cookie_mode, "alice", password)
    grant_permissions(alice, 150)
    for endpoint in ("refresh_access", "update_refresh"):
        with nothing_written():
            response = session.client.post(f"{P}/{endpoint}/", **session.csrf_headers())
        _assert_too_large(response, names_cookie=True)
    # The refresh token was not burned: after trimming, the same token still rotates.
    alice.user_permissions.clear()
    response = session.client.post(f"{P}/update_refresh/", **session.csrf_headers())
    assert response.status_code == 200, response.content


def test_cookie_size_limits_in_json_mode(settings, alice, password):
    """JSON mode has no cookie limit, but never issues a token its own reader would refuse."""
    settings.DJWTO_MODE = "JSON"
    grant_permissions(alice, 120)
    session = login(Client(), "JSON", "alice", password)
    assert session.login_response.status_code == 200
    assert 4096 < len(session.access) <= 8192  # too big for a cookie, fine for a header
    response = Client().get("/protected/", HTTP_AUTHORIZATION=f"Bearer {session.access}")
    assert response.status_code == 200
    content_type = ContentType.objects.get_for_model(DeniedToken)
    alice.user_permissions.add(
        *Permission.objects.bulk_create(
            [
                Permission(
                    codename=f"another_long_permission_{i:04d}",
                    name=str(i),
                    content_type=content_type,
                )
                for i in range(200)
            ]
        )
    )
    with nothing_written():
        response = Client().post("/login/", {"username": "alice", "password": password})
    _assert_too_large(response, names_cookie=False)
    assert "DJWTO_MAX_TOKEN_BYTES" in response.json()["error"]


# --- deletion ----------------------------------------------------------------------------------


@pytest.mark.parametrize("domain", [None, ".djwto.test"])
@pytest.mark.parametrize("method", ["post", "delete"])
def test_cookie_delete_repeats_path_and_domain(
    cookie_mode, settings, alice, password, domain, method
):
    settings.DJWTO_DOMAIN = domain
    session = login(Client(enforce_csrf_checks=True), cookie_mode, "alice", password)
    issued = session.login_response.cookies
    response = getattr(session.client, method)(f"{P}/logout/", **session.csrf_headers())
    assert response.status_code == 200
    expected = {"jwt_refresh", *ACCESS_NAMES[cookie_mode]}
    assert expected <= set(response.cookies)
    for name in expected:
        cleared = response.cookies[name]
        assert cleared.value == "" and str(cleared["max-age"]) == "0"
        assert cleared["path"] == issued[name]["path"]
        assert cleared["domain"] == issued[name]["domain"] == (domain or "")
        assert cleared["secure"] == issued[name]["secure"]
        assert cleared["samesite"] == issued[name]["samesite"]


# --- Secure off only by setting ---------------------------------------------------------------


def test_cookie_secure_is_the_default_whatever_the_request(settings, alice, password):
    assert not hasattr(settings, "DJWTO_COOKIE_SECURE")
    settings.DEBUG = True  # not derived from DEBUG ...
    for mode in COOKIE_MODES:
        settings.DJWTO_MODE = mode
        clear_derived()
        # ... nor from the scheme: the test client speaks plain HTTP.
        response = Client().post(
            "/login/", {"username": "alice", "password": password}, secure=False
        )
        assert response.status_code == 200
        for name, morsel in auth_cookies(response).items():
            assert morsel["secure"] is True, (mode, name)


def test_cookie_secure_off_only_by_setting_and_warned(settings, alice, password):
    settings.DJWTO_MODE = "ONE-COOKIE"
    settings.DJWTO_COOKIE_SECURE = False
    response = Client().post("/login/", {"username": "alice", "password": password})
    assert response.status_code == 200
    assert not response.cookies["jwt_access"]["secure"]
    assert not response.cookies["jwt_refresh"]["secure"]
    settings.DEBUG = False
    assert "djwto.W004" in [m.id for m in check_djwto_settings()]
    settings.DEBUG = True
    assert "djwto.W004" not in [m.id for m in check_djwto_settings()]
    settings.DEBUG = False
    settings.DJWTO_COOKIE_SECURE = True
    assert "djwto.W004" not in [m.id for m in check_djwto_settings()]


def test_cookie_csrf_cookie_follows_django_when_djwto_secure_is_off(settings, alice, password):
    settings.DJWTO_MODE = "TWO-COOKIES"
    settings.DJWTO_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = True
    response = Client().post("/login/", {"username": "alice", "password": password})
    assert response.cookies["csrftoken"]["secure"] is True
    assert not response.cookies["jwt_access_token"]["secure"]
