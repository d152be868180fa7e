"""Where tokens travel: JSON bodies and Bearer headers, or cookies with djwto's own CSRF check."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from django.test import Client

from djwto.exceptions import InvalidToken, NotAuthenticated
from djwto.test import tokens_for
from djwto.transports import parse_bearer
from tests.support import COOKIE_MODES, P, bearer, decode_unverified, login

NO_CSRF_MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]


def post_login(client, password, path="/login/", **extra):
    return client.post(path, {"username": "alice", "password": password}, **extra)


def max_age(morsel) -> int:
    return int(morsel["max-age"])


# --- JSON ----------------------------------------------------------------------------------


def test_json_login_body_holds_both_tokens_and_nothing_else(settings, alice, password):
    settings.DJWTO_MODE = "JSON"
    response = post_login(Client(), password)
    assert set(response.json()) == {"refresh", "access"}
    assert not response.cookies.get("jwt_access") and not response.cookies.get("jwt_refresh")
    assert "csrftoken" not in response.cookies


def test_json_refresh_access_answers_the_presented_refresh_and_a_new_access(alice, password):
    s = login(Client(), "JSON", "alice", password)
    response = Client().post(f"{P}/refresh_access/", **bearer(s.refresh))
    body = response.json()
    assert set(body) == {"refresh", "access"}
    assert body["refresh"] == s.refresh
    assert body["access"] != s.access


def test_json_update_refresh_answers_a_new_pair(alice, password):
    s = login(Client(), "JSON", "alice", password)
    body = Client().post(f"{P}/update_refresh/", **bearer(s.refresh)).json()
    assert set(body) == {"refresh", "access"}
    assert body["refresh"] != s.refresh and body["access"] != s.access


@pytest.mark.parametrize("how", ["header", "json"])
def test_json_refresh_token_from_header_or_json_body(alice, how):
    # (Form fields are left to tests/security, T2: the catalogue says they are ignored.)
    s = tokens_for(alice)
    if how == "header":
        response = Client().post(f"{P}/refresh_access/", **bearer(s.refresh))
    else:
        response = Client().post(
            f"{P}/refresh_access/", {"refresh": s.refresh}, content_type="application/json"
        )
    assert response.status_code == 200, response.content
    assert (
        decode_unverified(response.json()["access"])["refresh_jti"]
        == decode_unverified(s.refresh)["jti"]
    )


def test_json_access_token_in_a_body_is_not_a_credential(alice):
    s = tokens_for(alice)
    response = Client().post("/protected/", {"access": s.access, "refresh": s.refresh})
    assert response.status_code == 401
    response = Client().post(
        "/validate_access/", {"access": s.access}, content_type="application/json"
    )
    assert response.status_code == 401


def test_json_header_wins_over_body(alice):
    s = tokens_for(alice)
    response = Client().post(
        f"{P}/refresh_access/",
        {"refresh": s.refresh},
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer junk",
    )
    assert response.status_code == 401


@pytest.mark.parametrize("header", ["Bearer x", "bearer x", "BEARER x", "bEaReR x"])
def test_bearer_scheme_is_case_insensitive(header):
    assert parse_bearer(header) == "x"


@pytest.mark.parametrize(
    "header,exc",
    [
        ("Bearer", NotAuthenticated),
        ("Basic x", NotAuthenticated),
        ("Bearer ", InvalidToken),
        ("Bearer a b", InvalidToken),
        ("Bearer  a", InvalidToken),
        ("Token x", NotAuthenticated),
    ],
)
def test_bearer_needs_exactly_one_token(header, exc):
    with pytest.raises(exc):
        parse_bearer(header)


def test_lower_case_bearer_is_accepted_by_protected_views(alice):
    s = tokens_for(alice)
    response = Client().get("/protected/", HTTP_AUTHORIZATION=f"bearer {s.access}")
    assert response.status_code == 200


@pytest.mark.parametrize("header", ["Bearer {t} {t}", "Basic {t}", "Bearer", "{t}"])
def test_malformed_authorization_header_is_401(alice, header):
    s = tokens_for(alice)
    response = Client().get("/protected/", HTTP_AUTHORIZATION=header.format(t=s.access))
    assert response.status_code == 401
    assert response.json()["code"] in ("token_missing", "token_invalid")


def test_json_mode_ignores_cookies(settings, alice, password):
    settings.DJWTO_MODE = "ONE-COOKIE"
    client = Client()
    post_login(client, password)
    settings.DJWTO_MODE = "JSON"
    assert client.get("/protected/").status_code == 401


# --- cookies ---------------------------------------------------------------------------------


def test_one_cookie_login_sets_two_scoped_httponly_secure_cookies(settings, alice, password):
    settings.DJWTO_MODE = "ONE-COOKIE"
    response = post_login(Client(), password)
    assert response.status_code == 200
    access, refresh = response.cookies["jwt_access"], response.cookies["jwt_refresh"]
    assert access["path"] == "/" and refresh["path"] == P
    for morsel in (access, refresh):
        assert morsel["httponly"] is True
        assert morsel["secure"] is True
        assert morsel["samesite"] == "Lax"
        assert morsel["domain"] == ""
    assert abs(max_age(access) - 300) <= 1
    assert abs(max_age(refresh) - 86400) <= 1
    assert decode_unverified(access.value)["type"] == "access"
    assert decode_unverified(refresh.value)["type"] == "refresh"
    assert "jwt_access_token" not in response.cookies
    assert "jwt_access_payload" not in response.cookies


@pytest.mark.parametrize("mode", COOKIE_MODES)
def test_cookie_bodies_hold_no_token(settings, alice, password, mode):
    settings.DJWTO_MODE = mode
    client = Client()
    response = post_login(client, password)
    tokens = [m.value for name, m in response.cookies.items() if name.startswith("jwt_")]
    assert tokens
    assert set(response.json()) == {"msg"}
    for path in (f"{P}/refresh_access/", f"{P}/update_refresh/"):
        response = client.post(path)
        assert response.status_code == 200, response.content
        assert set(response.json()) == {"msg"}
        for token in tokens:
            assert token.encode() not in response.content


def test_two_cookies_login_splits_the_access_token(settings, alice, password):
    settings.DJWTO_MODE = "TWO-COOKIES"
    response = post_login(Client(), password)
    token = response.cookies["jwt_access_token"]
    payload = response.cookies["jwt_access_payload"]
    assert "jwt_access" not in response.cookies
    assert token["httponly"] is True
    assert payload["httponly"] == ""
    assert payload["path"] == "/" and payload["secure"] is True
    assert abs(max_age(payload) - 300) <= 1
    assert json.loads(base64.b64decode(payload.value)) == decode_unverified(token.value)
    # The payload holds no signature: it is not the token.
    assert token.value.split(".")[2] not in base64.b64decode(payload.value).decode()


def test_two_cookies_payload_cookie_alone_is_not_a_credential(settings, alice, password):
    settings.DJWTO_MODE = "TWO-COOKIES"
    response = post_login(Client(), password)
    client = Client()
    client.cookies["jwt_access_payload"] = response.cookies["jwt_access_payload"].value
    assert client.get("/protected/").status_code == 401
    assert client.post("/validate_access/").status_code == 401


def test_two_cookies_reads_only_the_token_cookie(settings, alice, bob, password):
    settings.DJWTO_MODE = "TWO-COOKIES"
    alices = post_login(Client(), password)
    bobs = Client().post("/login/", {"username": "bob", "password": password})
    client = Client()
    client.cookies["jwt_access_token"] = alices.cookies["jwt_access_token"].value
    client.cookies["jwt_access_payload"] = bobs.cookies["jwt_access_payload"].value
    assert client.get("/protected/").json()["username"] == "alice"


@pytest.mark.parametrize("mode", COOKIE_MODES)
def test_refresh_cookie_is_not_an_access_credential(settings, alice, password, mode):
    settings.DJWTO_MODE = mode
    response = post_login(Client(), password)
    client = Client()
    client.cookies["jwt_refresh"] = response.cookies["jwt_refresh"].value
    assert client.get("/protected/").status_code == 401
    access_name = "jwt_access" if mode == "ONE-COOKIE" else "jwt_access_token"
    # and the access cookie is no refresh credential
    client = Client()
    client.cookies["jwt_refresh"] = response.cookies[access_name].value
    assert client.post(f"{P}/refresh_access/").status_code == 401


def test_cookie_settings_same_site_domain_secure(settings, alice, password):
    settings.DJWTO_MODE = "TWO-COOKIES"
    settings.DJWTO_SAME_SITE = "Strict"
    settings.DJWTO_DOMAIN = "example.com"
    settings.DJWTO_COOKIE_SECURE = False
    response = post_login(Client(), password)
    for name in ("jwt_access_token", "jwt_access_payload", "jwt_refresh"):
        morsel = response.cookies[name]
        assert morsel["samesite"] == "Strict"
        assert morsel["domain"] == "example.com"
        assert morsel["secure"] == ""
        assert "Secure" not in morsel.output()


@pytest.mark.parametrize("mode", COOKIE_MODES)
def test_logout_delete_clears_with_the_same_path_and_domain(settings, mode, db):
    settings.DJWTO_MODE = mode
    settings.DJWTO_DOMAIN = "example.com"
    response = Client().delete(f"{P}/logout/")
    assert response.status_code == 200
    expected = {"jwt_refresh": P}
    expected.update(
        {"jwt_access": "/"}
        if mode == "ONE-COOKIE"
        else {"jwt_access_token": "/", "jwt_access_payload": "/"}
    )
    assert {name for name in response.cookies if name.startswith("jwt_")} == set(expected)
    for name, path in expected.items():
        morsel = response.cookies[name]
        assert morsel.value == ""
        assert morsel["path"] == path
        assert morsel["domain"] == "example.com"
        assert max_age(morsel) == 0
        assert morsel["secure"] is True and morsel["samesite"] == "Lax"


def test_json_mode_logout_sets_no_cookie(settings, db):
    settings.DJWTO_MODE = "JSON"
    response = Client().delete(f"{P}/logout/")
    assert response.status_code == 200
    assert not [n for n in response.cookies if n.startswith("jwt_")]


def test_duplicate_credential_cookies_are_refused(settings, alice, password):
    settings.DJWTO_MODE = "ONE-COOKIE"
    access = post_login(Client(), password).cookies["jwt_access"].value
    response = Client().get("/protected/", HTTP_COOKIE=f"jwt_access={access}; jwt_access={access}")
    assert response.status_code == 401
    assert response.json()["code"] == "token_ambiguous"
    # A cookie whose name merely ends like ours is not a duplicate.
    response = Client().get("/protected/", HTTP_COOKIE=f"xjwt_access=1; jwt_access={access}")
    assert response.status_code == 200


def test_a_token_too_big_for_a_cookie_is_a_clear_server_error(settings, alice, password):
    settings.DJWTO_MODE = "ONE-COOKIE"
    settings.DJWTO_ISS_CLAIM = "https://" + "x" * 4100
    response = post_login(Client(), password)
    assert response.status_code == 500
    assert response.json()["code"] == "token_too_large"
    assert not [n for n in response.cookies if n.startswith("jwt_")]
    settings.DJWTO_MODE = "JSON"
    assert post_login(Client(), password).status_code == 200


# --- CSRF in cookie modes ----------------------------------------------------------------


@pytest.fixture(params=COOKIE_MODES)
def cookie_session(request, settings, alice, password):
    settings.DJWTO_MODE = request.param
    session = login(Client(enforce_csrf_checks=True), request.param, "alice", password)
    assert session.login_response.status_code == 200
    return session


UNSAFE_TARGETS = [
    "/protected/",
    "/aprotected/",
    "/validate_access/",
    f"{P}/validate_refresh/",
    f"{P}/refresh_access/",
    f"{P}/update_refresh/",
    f"{P}/logout/",
]


@pytest.mark.parametrize("path", UNSAFE_TARGETS)
def test_cookie_post_without_csrf_token_is_403(cookie_session, path):
    response = cookie_session.client.post(path)
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert "error" in response.json()


@pytest.mark.parametrize("path", UNSAFE_TARGETS)
def test_cookie_post_with_csrf_token_is_200(cookie_session, path):
    response = cookie_session.client.post(path, **cookie_session.csrf_headers())
    assert response.status_code == 200, response.content


def test_cookie_post_with_a_wrong_csrf_token_is_403(cookie_session):
    response = cookie_session.client.post("/protected/", HTTP_X_CSRFTOKEN="x" * 32)
    assert response.status_code == 403


def test_cookie_get_needs_no_csrf_token(cookie_session):
    assert cookie_session.client.get("/protected/").status_code == 200


@pytest.mark.parametrize("path", ["/protected/", f"{P}/refresh_access/", f"{P}/logout/"])
def test_csrf_is_enforced_without_the_csrf_middleware(settings, cookie_session, path):
    settings.MIDDLEWARE = NO_CSRF_MIDDLEWARE
    assert cookie_session.client.post(path).status_code == 403
    assert cookie_session.client.post(path, **cookie_session.csrf_headers()).status_code == 200


@pytest.mark.urls("tests.core.urls")
def test_csrf_is_enforced_on_a_csrf_exempt_view(cookie_session):
    assert cookie_session.client.post("/exempt/").status_code == 403
    assert (
        cookie_session.client.post("/exempt/", **cookie_session.csrf_headers()).status_code == 200
    )


def test_csrf_enforced_for_the_decorators(cookie_session):
    assert cookie_session.client.post("/fn/").status_code == 403


def test_logout_delete_with_cookies_needs_csrf(cookie_session):
    assert cookie_session.client.delete(f"{P}/logout/").status_code == 403
    response = cookie_session.client.delete(f"{P}/logout/", **cookie_session.csrf_headers())
    assert response.status_code == 200


def test_djwto_csrf_false_disables_the_check(settings, cookie_session):
    settings.DJWTO_CSRF = False
    assert cookie_session.client.post("/protected/").status_code == 200
    assert cookie_session.client.post(f"{P}/refresh_access/").status_code == 200


def test_csrf_false_login_sets_no_csrf_cookie(settings, alice, password):
    settings.DJWTO_MODE = "ONE-COOKIE"
    settings.DJWTO_CSRF = False
    response = post_login(Client(), password)
    assert response.status_code == 200
    assert "csrftoken" not in response.cookies


def test_json_bearer_post_needs_no_csrf_token_even_with_the_middleware(settings, alice, password):
    settings.DJWTO_MODE = "JSON"
    s = login(Client(enforce_csrf_checks=True), "JSON", "alice", password)
    assert s.login_response.status_code == 200
    for path in ("/protected/", "/aprotected/", "/fn/", "/validate_access/"):
        assert s.client.post(path, **bearer(s.access)).status_code == 200, path
    assert s.client.post(f"{P}/refresh_access/", **bearer(s.refresh)).status_code == 200


@pytest.mark.parametrize("mode", COOKIE_MODES)
def test_login_sets_and_rotates_the_csrf_cookie(settings, alice, password, mode):
    settings.DJWTO_MODE = mode
    client = Client(enforce_csrf_checks=True)
    first = post_login(client, password).cookies["csrftoken"]
    assert first.value and first["httponly"] == ""
    second = post_login(client, password).cookies["csrftoken"]
    assert second.value != first.value
    # The old token no longer passes.
    assert client.post("/protected/", HTTP_X_CSRFTOKEN=first.value).status_code == 403
    assert client.post("/protected/", HTTP_X_CSRFTOKEN=second.value).status_code == 200


@pytest.mark.parametrize("mode", COOKIE_MODES)
def test_login_sets_the_csrf_cookie_without_the_middleware(settings, alice, password, mode):
    settings.DJWTO_MODE = mode
    settings.MIDDLEWARE = NO_CSRF_MIDDLEWARE
    response = post_login(Client(enforce_csrf_checks=True), password)
    assert response.cookies["csrftoken"].value


def test_a_junk_bearer_header_does_not_skip_csrf_in_cookie_mode(cookie_session):
    response = cookie_session.client.post("/protected/", HTTP_AUTHORIZATION="Bearer junk")
    assert response.status_code == 403


# --- login CSRF --------------------------------------------------------------------------


@pytest.mark.parametrize("mode", COOKIE_MODES)
def test_cross_site_login_is_refused_in_cookie_modes(settings, alice, password, mode):
    settings.DJWTO_MODE = mode
    response = post_login(Client(), password, HTTP_SEC_FETCH_SITE="cross-site")
    assert response.status_code == 403
    assert not [n for n in response.cookies if n.startswith("jwt_")]
    response = post_login(Client(), password, HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert post_login(Client(), password, HTTP_ORIGIN="http://testserver").status_code == 200
    assert post_login(Client(), password).status_code == 200


@pytest.mark.parametrize(
    "origin,trusted,ok",
    [
        ("https://app.example.com", ["https://app.example.com"], True),
        ("https://a.example.com", ["https://*.example.com"], True),
        ("http://a.example.com", ["https://*.example.com"], False),
        ("https://a.example.org", ["https://*.example.com"], False),
        ("https://example.com", [], False),
        ("https://other.example.com", ["https://app.example.com"], False),
        # as CsrfViewMiddleware: the port is part of a wildcard origin, and *.d matches d itself
        ("https://a.example.com:8443", ["https://*.example.com:8443"], True),
        ("https://a.example.com:9999", ["https://*.example.com:8443"], False),
        ("https://a.example.com:8443", ["https://*.example.com"], False),
        ("https://example.com", ["https://*.example.com"], True),
        ("https://evilexample.com", ["https://*.example.com"], False),
    ],
)
def test_login_origin_and_csrf_trusted_origins(settings, alice, password, origin, trusted, ok):
    settings.DJWTO_MODE = "ONE-COOKIE"
    settings.CSRF_TRUSTED_ORIGINS = trusted
    response = post_login(Client(), password, HTTP_ORIGIN=origin)
    assert response.status_code == (200 if ok else 403)


@pytest.mark.parametrize("origin", ["http://[", "https://[::1", "null", ""])
def test_login_with_a_malformed_origin_is_refused_not_a_500(settings, alice, password, origin):
    settings.DJWTO_MODE = "ONE-COOKIE"
    settings.CSRF_TRUSTED_ORIGINS = ["https://*.example.com"]
    response = post_login(Client(raise_request_exception=False), password, HTTP_ORIGIN=origin)
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"


def test_login_origin_with_a_disallowed_host_is_refused(settings, alice, password):
    settings.DJWTO_MODE = "ONE-COOKIE"
    response = post_login(
        Client(), password, HTTP_ORIGIN="http://testserver", HTTP_HOST="evil.example"
    )
    assert response.status_code in (400, 403)
    assert not [n for n in response.cookies if n.startswith("jwt_")]


def test_login_csrf_checks_off_with_djwto_csrf_false(settings, alice, password):
    settings.DJWTO_MODE = "ONE-COOKIE"
    settings.DJWTO_CSRF = False
    assert post_login(Client(), password, HTTP_SEC_FETCH_SITE="cross-site").status_code == 200


def test_json_login_is_not_subject_to_login_csrf(settings, alice, password):
    settings.DJWTO_MODE = "JSON"
    assert post_login(Client(), password, HTTP_ORIGIN="https://evil.example").status_code == 200


# --- per-view mode -------------------------------------------------------------------------


@pytest.mark.urls("tests.core.urls")
def test_view_mode_attribute_overrides_the_setting(settings, alice, password):
    settings.DJWTO_MODE = "JSON"
    response = post_login(Client(), password, path="/cookie-login/")
    assert response.status_code == 200
    assert set(response.json()) == {"msg"}
    assert response.cookies["jwt_access"].value
    client = Client()
    client.cookies["jwt_access"] = response.cookies["jwt_access"].value
    assert client.get("/cookie-only/").status_code == 200
    assert client.get("/protected/").status_code == 401  # follows DJWTO_MODE=JSON

    settings.DJWTO_MODE = "ONE-COOKIE"
    body = post_login(Client(), password, path="/json-login/").json()
    assert set(body) == {"refresh", "access"}
    assert Client().get("/json-only/", **bearer(body["access"])).status_code == 200
    assert Client().get("/fn-json-only/", **bearer(body["access"])).status_code == 200
    assert Client().post("/json-refresh/", **bearer(body["refresh"])).status_code == 200


@pytest.mark.urls("tests.core.urls")
def test_unknown_view_mode_is_improperly_configured(db):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="XML"):
        Client().get("/bad-mode/")


def test_cookie_max_age_follows_the_lifetime_settings(settings, alice, password):
    settings.DJWTO_MODE = "ONE-COOKIE"
    settings.DJWTO_ACCESS_TOKEN_LIFETIME = timedelta(seconds=90)
    settings.DJWTO_REFRESH_TOKEN_LIFETIME = timedelta(hours=2)
    response = post_login(Client(), password)
    assert abs(max_age(response.cookies["jwt_access"]) - 90) <= 1
    assert abs(max_age(response.cookies["jwt_refresh"]) - 7200) <= 1


@pytest.mark.parametrize("secure", [True, False])
def test_the_csrf_cookie_is_as_secure_as_the_token_cookies(settings, alice, password, secure):
    settings.DJWTO_MODE = "ONE-COOKIE"
    settings.DJWTO_COOKIE_SECURE = secure
    settings.CSRF_COOKIE_SECURE = False
    response = post_login(Client(), password)
    assert bool(response.cookies["csrftoken"]["secure"]) is secure
    assert bool(response.cookies["jwt_access"]["secure"]) is secure
