"""T. Transport: T1-T9. The Authorization header, tokens in the wrong places, CSRF on cookie
credentials (and login), mode confusion, cookie scoping and duplicates, the payload cookie."""

from __future__ import annotations

import base64
import json

import pytest
from django.test import Client

from djwto.backends import encode
from djwto.exceptions import DjwtoError
from djwto.transports import parse_bearer
from tests.security.helpers import (
    access_claims,
    cookie_header,
    nothing_written,
    refresh_claims,
    segments,
)
from tests.support import (
    ACCESS_COOKIE,
    ACCESS_PATHS,
    COOKIE_MODES,
    CSRF,
    JWS_RE,
    REFRESH_ENDPOINTS,
    P,
    assert_no_token_issued,
    assert_rejected,
    login,
)

pytestmark = pytest.mark.django_db
FOREIGN = "https://evil.example"


# --- T1 ---------------------------------------------------------------------------------------

MALFORMED_AUTHORIZATION = {
    "empty": ("", "token_missing"),
    "scheme_only": ("Bearer", "token_missing"),
    "scheme_space": ("Bearer ", "token_invalid"),
    "scheme_two_spaces": ("Bearer  ", "token_invalid"),
    "two_spaces_then_token": ("Bearer  {t}", "token_invalid"),
    "two_tokens": ("Bearer {t} {t}", "token_invalid"),
    "a_b": ("Bearer a b", "token_invalid"),
    "basic": ("Basic x", "token_missing"),
    "basic_with_token": ("Basic {t}", "token_missing"),
    "token_scheme": ("Token {t}", "token_missing"),
    "jwt_scheme": ("JWT {t}", "token_missing"),
    "no_scheme": ("{t}", "token_missing"),
    "duplicated_comma_space": ("Bearer {t}, Bearer {t}", "token_invalid"),
    "duplicated_comma": ("Bearer {t},Bearer {t}", "token_invalid"),
    "crlf": ("Bearer {t}\r\n", "token_invalid"),
    "crlf_injection": ("Bearer {t}\r\nX-Admin: 1", "token_invalid"),
    "lf": ("Bearer\n{t}", "token_missing"),
    "tab": ("Bearer\t{t}", "token_missing"),
    "trailing_space": ("Bearer {t} ", "token_invalid"),
    "leading_space": (" Bearer {t}", "token_missing"),
    "nul": ("Bearer {t}\x00", "token_invalid"),
    "quoted": ('Bearer "{t}"', "token_invalid"),
    "bearer_equals": ("Bearer={t}", "token_missing"),
}


@pytest.mark.parametrize("case", list(MALFORMED_AUTHORIZATION))
def test_T1_authorization_header_malformed(settings, alice, case):
    settings.DJWTO_MODE = "JSON"
    template, code = MALFORMED_AUTHORIZATION[case]
    token = encode(access_claims(alice))
    for path in ACCESS_PATHS:
        with nothing_written():
            response = Client().post(path, HTTP_AUTHORIZATION=template.format(t=token))
        assert_rejected(response, code=code)


def test_T1_missing_header(settings, alice):
    settings.DJWTO_MODE = "JSON"
    for path in ACCESS_PATHS:
        assert_rejected(Client().post(path), code="token_missing")
        if path != "/validate_access/":  # POST only
            assert_rejected(Client().get(path), code="token_missing")
    for endpoint in REFRESH_ENDPOINTS:
        assert_rejected(Client().post(f"{P}/{endpoint}/"), code="token_missing")


@pytest.mark.parametrize(
    "case",
    ["scheme_space", "a_b", "basic_with_token", "duplicated_comma", "crlf", "trailing_space"],
)
def test_T1_authorization_header_malformed_refresh(settings, alice, case):
    settings.DJWTO_MODE = "JSON"
    template, code = MALFORMED_AUTHORIZATION[case]
    token = encode(refresh_claims(alice))
    for endpoint in REFRESH_ENDPOINTS:
        with nothing_written():
            response = Client().post(
                f"{P}/{endpoint}/", HTTP_AUTHORIZATION=template.format(t=token)
            )
        assert_rejected(response, code=code)


@pytest.mark.parametrize("scheme", ["bearer", "Bearer", "BEARER", "bEaReR"])
def test_T1_scheme_is_case_insensitive(settings, alice, scheme):
    settings.DJWTO_MODE = "JSON"
    token = encode(access_claims(alice))
    for path in ACCESS_PATHS:
        assert Client().get(path, HTTP_AUTHORIZATION=f"{scheme} {token}").status_code in (200, 405)
    assert (
        Client().post("/validate_access/", HTTP_AUTHORIZATION=f"{scheme} {token}").status_code
        == 200
    )


def test_T1_parse_bearer_contract():
    assert parse_bearer("Bearer abc") == "abc"
    assert parse_bearer("bearer abc") == "abc"
    for header in ("", "Bearer", "Bearer ", "Bearer a b", "Basic a", "Bearer  a", "a"):
        with pytest.raises(DjwtoError) as info:
            parse_bearer(header)
        assert info.value.status_code == 401


# --- T2 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "param", ["access_token", "token", "jwt", "access", "jwt_access", "Authorization"]
)
def test_T2_access_token_in_query_string_or_form_is_ignored(access_carrier, alice, param):
    token = encode(access_claims(alice))
    client = access_carrier.client()
    for path in ACCESS_PATHS:
        with nothing_written():
            response = client.post(f"{path}?{param}={token}")
        assert_rejected(response, code="token_missing")
        if path != "/validate_access/":  # POST only
            assert_rejected(client.get(f"{path}?{param}={token}"), code="token_missing")
        with nothing_written():
            response = client.post(path, {param: token})
        assert_rejected(response, code="token_missing")
        with nothing_written():
            response = client.post(
                path, json.dumps({param: token}), content_type="application/json"
            )
        assert_rejected(response, code="token_missing")


def test_T2_refresh_token_in_query_string_is_ignored(refresh_carrier, alice):
    token = encode(refresh_claims(alice))
    for endpoint in REFRESH_ENDPOINTS:
        with nothing_written():
            response = refresh_carrier.client().post(f"{P}/{endpoint}/?refresh={token}")
        assert_rejected(response, code="token_missing")


def test_T2_refresh_token_in_a_form_field_cookie_modes(settings, alice):
    token = encode(refresh_claims(alice))
    for mode in COOKIE_MODES:
        settings.DJWTO_MODE = mode
        for endpoint in REFRESH_ENDPOINTS:
            with nothing_written():
                response = Client().post(f"{P}/{endpoint}/", {"refresh": token})
            assert_rejected(response, code="token_missing")


@pytest.mark.parametrize("content_type", ["multipart", "urlencoded", "text/plain"])
def test_T2_refresh_token_in_a_form_field_json_mode(settings, alice, content_type):
    """Only a JSON body ``{"refresh"}`` or the header carry a refresh token in JSON mode."""
    settings.DJWTO_MODE = "JSON"
    token = encode(refresh_claims(alice))
    for endpoint in REFRESH_ENDPOINTS:
        with nothing_written():
            if content_type == "multipart":
                response = Client().post(f"{P}/{endpoint}/", {"refresh": token})
            elif content_type == "urlencoded":
                response = Client().post(
                    f"{P}/{endpoint}/",
                    f"refresh={token}",
                    content_type="application/x-www-form-urlencoded",
                )
            else:
                response = Client().post(
                    f"{P}/{endpoint}/", json.dumps({"refresh": token}), content_type="text/plain"
                )
        assert_rejected(response, code="token_missing")
    # The JSON body itself works.
    response = Client().post(
        f"{P}/validate_refresh/", {"refresh": token}, content_type="application/json"
    )
    assert response.status_code == 200


# --- T3 ---------------------------------------------------------------------------------------

CSRF_TARGETS = [
    ("post", "/protected/"),
    ("post", "/aprotected/"),
    ("post", "/fn/"),
    ("put", "/protected/"),
    ("delete", "/protected/"),
    ("patch", "/afn/"),
    ("post", "/validate_access/"),
    ("post", f"{P}/refresh_access/"),
    ("post", f"{P}/update_refresh/"),
    ("post", f"{P}/validate_refresh/"),
    ("post", f"{P}/logout/"),
    ("delete", f"{P}/logout/"),
    ("post", f"{P}/logout_all/"),
]
CSRF_ATTACKS = {
    "no_header": {},
    "wrong_header": {"HTTP_X_CSRFTOKEN": "B" * 32},
    "header_not_matching_cookie": {"HTTP_X_CSRFTOKEN": "x" * 64},
    "foreign_origin": {"HTTP_ORIGIN": FOREIGN, "csrf": True},
    "null_origin": {"HTTP_ORIGIN": "null", "csrf": True},
    "no_csrf_cookie": {"drop_cookie": True, "csrf": True},
}


@pytest.fixture(params=COOKIE_MODES)
def cookie_session(request, settings, alice, password):
    settings.DJWTO_MODE = request.param
    settings.DJWTO_COOKIE_SECURE = True
    session = login(Client(enforce_csrf_checks=True), request.param, "alice", password)
    assert session.login_response.status_code == 200
    return session


@pytest.mark.parametrize("method,path", CSRF_TARGETS, ids=[f"{m}{p}" for m, p in CSRF_TARGETS])
@pytest.mark.parametrize("attack", list(CSRF_ATTACKS))
def test_T3_csrf_on_cookie_credentials(cookie_session, method, path, attack):
    options = dict(CSRF_ATTACKS[attack])
    extra = {k: v for k, v in options.items() if k.startswith("HTTP_")}
    if options.get("csrf"):
        extra.setdefault("HTTP_X_CSRFTOKEN", cookie_session.client.cookies["csrftoken"].value)
    client = cookie_session.client
    if options.get("drop_cookie"):
        del client.cookies["csrftoken"]
    with nothing_written():
        response = getattr(client, method)(path, **extra)
    assert_rejected(response, 403, code="csrf_failed")
    # Not even a clearing Set-Cookie: a forged cross-site request must not log the user out.
    assert not [name for name in response.cookies if name.startswith("jwt_")]


def test_T3_same_requests_pass_with_the_csrf_token(cookie_session):
    """The positive control: the same client, with its X-CSRFToken, gets through."""
    headers = cookie_session.csrf_headers()
    assert cookie_session.client.post("/protected/", **headers).status_code == 200
    assert cookie_session.client.post(f"{P}/refresh_access/", **headers).status_code == 200
    same_origin = {"HTTP_ORIGIN": "http://testserver", **cookie_session.csrf_headers()}
    assert cookie_session.client.post("/aprotected/", **same_origin).status_code == 200


@pytest.mark.parametrize("endpoint", REFRESH_ENDPOINTS)
def test_T3_get_never_changes_state(cookie_session, endpoint):
    for method in ("get", "head"):
        with nothing_written():
            response = getattr(cookie_session.client, method)(f"{P}/{endpoint}/")
        assert response.status_code == 405
        assert_no_token_issued(response)
        assert not response.cookies
    with nothing_written():
        assert cookie_session.client.get("/protected/").status_code == 200


# --- T4 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    ["", "Bearer ", "Bearer junk", "Bearer {access}", "Basic eDp5", "Bearer", "Token {access}"],
)
@pytest.mark.parametrize(
    "path", ["/protected/", "/aprotected/", "/fn/", "/afn/", f"{P}/update_refresh/", f"{P}/logout/"]
)
def test_T4_bearer_header_never_skips_csrf_in_cookie_modes(cookie_session, authorization, path):
    header = authorization.format(access=cookie_session.access)
    with nothing_written():
        response = cookie_session.client.post(path, HTTP_AUTHORIZATION=header)
    assert_rejected(response, 403, code="csrf_failed")


def test_T4_bearer_header_alone_is_not_a_cookie_mode_credential(cookie_session):
    access = cookie_session.access
    client = Client(enforce_csrf_checks=True)
    for path in ("/protected/", "/aprotected/", "/fn/"):
        assert_rejected(
            client.get(path, HTTP_AUTHORIZATION=f"Bearer {access}"), code="token_missing"
        )


def test_T4_cookies_are_not_a_json_mode_credential(settings, cookie_session):
    settings.DJWTO_MODE = "JSON"
    for path in ("/protected/", "/aprotected/", "/fn/"):
        assert_rejected(cookie_session.client.get(path), code="token_missing")
    assert_rejected(
        cookie_session.client.post(f"{P}/refresh_access/", **cookie_session.csrf_headers()),
        code="token_missing",
    )


# --- T5 ---------------------------------------------------------------------------------------

CROSS_SITE_LOGIN = {
    "foreign_origin": {"HTTP_ORIGIN": FOREIGN},
    "null_origin": {"HTTP_ORIGIN": "null"},
    "other_port": {"HTTP_ORIGIN": "http://testserver:8080"},
    "https_other_scheme": {"HTTP_ORIGIN": "https://testserver"},
    "suffix_host": {"HTTP_ORIGIN": "http://testserver.evil.example"},
    "sec_fetch_cross_site": {"HTTP_SEC_FETCH_SITE": "cross-site"},
    "sec_fetch_cross_site_upper": {"HTTP_SEC_FETCH_SITE": "Cross-Site"},
    "both": {"HTTP_ORIGIN": FOREIGN, "HTTP_SEC_FETCH_SITE": "cross-site"},
}


@pytest.mark.parametrize("mode", COOKIE_MODES)
@pytest.mark.parametrize("attack", list(CROSS_SITE_LOGIN))
def test_T5_login_csrf_cross_site_form_post(settings, alice, password, mode, attack):
    settings.DJWTO_MODE = mode
    client = Client(enforce_csrf_checks=True)
    with nothing_written():
        response = client.post(
            "/login/", {"username": "alice", "password": password}, **CROSS_SITE_LOGIN[attack]
        )
    assert_rejected(response, 403, code="csrf_failed")
    assert not response.cookies


@pytest.mark.parametrize(
    "origin",
    [
        "http://[",
        "http://[::1",
        "://",
        "",
        " ",
        "http://",
        "http://testserver:99999",
        "http://\x00",
        "javascript:x",
        "http://testserver@evil.example",
        "http://testserver.",
        "HTTP://TESTSERVER/",
    ],
)
def test_T5_malformed_origin_is_refused_not_a_500(settings, alice, password, origin):
    for mode in COOKIE_MODES:
        settings.DJWTO_MODE = mode
        with nothing_written():
            response = Client(enforce_csrf_checks=True).post(
                "/login/", {"username": "alice", "password": password}, HTTP_ORIGIN=origin
            )
        assert_rejected(response, 403, code="csrf_failed")
        assert not response.cookies


@pytest.mark.parametrize("mode", COOKIE_MODES)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_ORIGIN": "http://testserver"},
        {"HTTP_SEC_FETCH_SITE": "same-origin"},
        {"HTTP_SEC_FETCH_SITE": "none"},
    ],
)
def test_T5_scripts_and_same_origin_still_log_in(settings, alice, password, mode, headers):
    settings.DJWTO_MODE = mode
    response = Client(enforce_csrf_checks=True).post(
        "/login/", {"username": "alice", "password": password}, **headers
    )
    assert response.status_code == 200
    assert response.cookies["jwt_refresh"].value


def test_T5_trusted_origin_logs_in(settings, alice, password):
    settings.DJWTO_MODE = "ONE-COOKIE"
    settings.CSRF_TRUSTED_ORIGINS = ["https://app.djwto.test", "https://*.trusted.test"]
    for origin in ("https://app.djwto.test", "https://a.trusted.test"):
        response = Client().post(
            "/login/", {"username": "alice", "password": password}, HTTP_ORIGIN=origin
        )
        assert response.status_code == 200, origin
    for origin in (
        "https://trusted.test.evil.example",
        "http://a.trusted.test",
        "https://app.djwto.test.evil.example",
    ):
        response = Client().post(
            "/login/", {"username": "alice", "password": password}, HTTP_ORIGIN=origin
        )
        assert_rejected(response, 403, code="csrf_failed")


# --- T6 ---------------------------------------------------------------------------------------


def test_T6_refresh_cookie_is_scoped_to_the_refresh_path(cookie_session):
    morsel = cookie_session.login_response.cookies["jwt_refresh"]
    assert morsel["path"] == P
    assert morsel["httponly"] and morsel["secure"]


@pytest.mark.parametrize("path", ACCESS_PATHS)
def test_T6_refresh_cookie_is_never_an_access_credential(cookie_session, path):
    refresh = cookie_session.refresh
    mode = cookie_session.mode
    client = Client(enforce_csrf_checks=True)
    kw = {"HTTP_X_CSRFTOKEN": CSRF}
    with nothing_written():
        response = client.post(
            path, HTTP_COOKIE=cookie_header(jwt_refresh=refresh, csrftoken=CSRF), **kw
        )
    assert_rejected(response, code="token_missing")
    with nothing_written():
        response = client.post(
            path, HTTP_COOKIE=cookie_header(**{ACCESS_COOKIE[mode]: refresh}, csrftoken=CSRF), **kw
        )
    assert_rejected(response, code="token_wrong_type")


@pytest.mark.parametrize("domain", [None, ".djwto.test"])
@pytest.mark.parametrize("how", ["post", "delete", "forged"])
def test_T6_logout_clears_with_the_same_path_and_domain(cookie_session, settings, domain, how):
    settings.DJWTO_DOMAIN = domain
    set_response = cookie_session.client.post(
        f"{P}/update_refresh/", **cookie_session.csrf_headers()
    )
    assert set_response.status_code == 200
    client = cookie_session.client
    if how == "post":
        response = client.post(f"{P}/logout/", **cookie_session.csrf_headers())
        assert response.status_code == 200
    elif how == "delete":
        response = client.delete(f"{P}/logout/", **cookie_session.csrf_headers())
        assert response.status_code == 200
    else:
        client.cookies["jwt_refresh"] = "eyJhbGciOiJub25lIn0.e30.AAAA"
        with nothing_written():
            response = client.post(f"{P}/logout/", **cookie_session.csrf_headers())
        assert_rejected(response, code="token_invalid")
    names = [n for n in set_response.cookies if n.startswith("jwt_")]
    assert names
    for name in names:
        issued, cleared = set_response.cookies[name], response.cookies[name]
        assert cleared.value == ""
        assert str(cleared["max-age"]) == "0"
        assert "1970" in cleared["expires"]
        for attr in ("path", "domain", "secure", "samesite", "httponly"):
            assert cleared[attr] == issued[attr], (name, attr)
        assert issued["domain"] == (domain or "")


# --- T7 ---------------------------------------------------------------------------------------


def _dupes(name: str, good: str) -> dict[str, str]:
    return {
        "good_then_junk": f"{name}={good}; {name}=junk",
        "junk_then_good": f"{name}=junk; {name}={good}",
        "good_twice": f"{name}={good}; {name}={good}",
        "spaced_name": f"{name}={good}; {name} =junk",
        "spaced_name_first": f"{name} =junk;{name}={good}",
        "other_cookie_between": f"{name}={good}; a=b; {name}=x",
    }


@pytest.mark.parametrize("variant", list(_dupes("n", "v")))
def test_T7_duplicate_access_cookies_are_ambiguous(cookie_session, variant):
    name = ACCESS_COOKIE[cookie_session.mode]
    raw = _dupes(name, cookie_session.access)[variant] + f"; csrftoken={CSRF}"
    for method, path in (("get", "/protected/"), ("post", "/aprotected/"), ("get", "/fn/")):
        with nothing_written():
            response = getattr(Client(enforce_csrf_checks=True), method)(
                path, HTTP_COOKIE=raw, HTTP_X_CSRFTOKEN=CSRF
            )
        assert_rejected(response, code="token_ambiguous")


@pytest.mark.parametrize("variant", list(_dupes("n", "v")))
def test_T7_duplicate_refresh_cookies_are_ambiguous(cookie_session, variant):
    raw = _dupes("jwt_refresh", cookie_session.refresh)[variant] + f"; csrftoken={CSRF}"
    for endpoint in REFRESH_ENDPOINTS:
        with nothing_written():
            response = Client(enforce_csrf_checks=True).post(
                f"{P}/{endpoint}/", HTTP_COOKIE=raw, HTTP_X_CSRFTOKEN=CSRF
            )
        assert_rejected(response, code="token_ambiguous")


def test_T7_similar_names_are_not_duplicates(cookie_session):
    name = ACCESS_COOKIE[cookie_session.mode]
    raw = (
        f"x{name}=junk; {name}_old=junk; {name}={cookie_session.access}; "
        f"jwt_access_payload=e30; csrftoken={CSRF}"
    )
    response = Client().get("/protected/", HTTP_COOKIE=raw)
    assert response.status_code == 200


# --- T8 ---------------------------------------------------------------------------------------


@pytest.fixture
def two_cookies(settings, bob, password):
    settings.DJWTO_MODE = "TWO-COOKIES"
    session = login(Client(enforce_csrf_checks=True), "TWO-COOKIES", "bob", password)
    assert session.login_response.status_code == 200
    return session


def test_T8_payload_cookie_never_grants_permissions(two_cookies):
    claims = json.loads(base64.b64decode(two_cookies.client.cookies["jwt_access_payload"].value))
    claims["user"]["perms"] = ["testapp.perm1", "testapp.perm2"]
    claims["user"]["username"] = "alice"
    forged = base64.b64encode(json.dumps(claims).encode()).decode()
    two_cookies.client.cookies["jwt_access_payload"] = forged
    for path in ("/perm/", "/aperm/", "/fnperm/", "/afnperm/"):
        response = two_cookies.client.get(path)
        assert_rejected(response, 403, code="permission_denied")
    assert two_cookies.client.get("/protected/").json()["username"] == "bob"


def test_T8_payload_cookie_alone_is_401(two_cookies, alice):
    payload = two_cookies.client.cookies["jwt_access_payload"].value
    token = encode(access_claims(alice))
    for cookie in (payload, token, segments(token)[1], ".".join(segments(token)[:2])):
        client = Client(enforce_csrf_checks=True)
        for path in ("/protected/", "/aprotected/", "/fn/", "/validate_access/"):
            with nothing_written():
                response = client.post(
                    path,
                    HTTP_COOKIE=cookie_header(jwt_access_payload=cookie, csrftoken=CSRF),
                    HTTP_X_CSRFTOKEN=CSRF,
                )
            assert_rejected(response, code="token_missing")


def test_T8_payload_cookie_holds_no_signature_or_secret(two_cookies, settings):
    morsel = two_cookies.login_response.cookies["jwt_access_payload"]
    token = two_cookies.access
    value = morsel.value
    assert "." not in value and segments(token)[2] not in value
    claims = json.loads(base64.b64decode(value))
    assert claims["type"] == "access" and claims["user"]["username"] == "bob"
    text = json.dumps(claims)
    for secret in (
        settings.DJWTO_SIGNING_KEY,
        settings.SECRET_KEY,
        token,
        two_cookies.refresh,
        segments(two_cookies.refresh)[2],
    ):
        assert secret not in text and secret not in value
    assert not morsel["httponly"]


# --- T9 ---------------------------------------------------------------------------------------


def test_T9_token_responses_are_no_store_and_cookie_modes_do_not_echo(alice_session):
    s = alice_session
    responses = {
        "login": s.login_response,
        "refresh_access": s.post_refresh(f"{P}/refresh_access/"),
        "update_refresh": s.post_refresh(f"{P}/update_refresh/"),
        "validate_refresh": s.client.post(f"{P}/validate_refresh/", **s.refresh_headers()),
        "validate_access": s.client.post("/validate_access/", **s.access_headers()),
        "logout": s.client.post(f"{P}/logout/", **s.refresh_headers()),
    }
    for name, response in responses.items():
        assert response.status_code == 200, (name, response.content)
        cache_control = response["Cache-Control"]
        assert "no-store" in cache_control and "private" in cache_control, name
        body = response.json()
        if s.cookie_mode:
            assert set(body) == {"msg"}, (name, body)
            assert_no_token_issued_in_body(response)
        elif name in ("login", "update_refresh", "refresh_access"):
            assert {"refresh", "access"} <= set(body)


def assert_no_token_issued_in_body(response) -> None:
    assert not JWS_RE.search(response.content.decode())


def test_T9_errors_and_options_are_no_store_too(settings):
    settings.DJWTO_MODE = "JSON"
    for method, path in (
        ("options", "/login/"),
        ("get", "/login/"),
        ("options", f"{P}/refresh_access/"),
        ("post", f"{P}/refresh_access/"),
    ):
        response = getattr(Client(), method)(path)
        assert "no-store" in response.get("Cache-Control", ""), (method, path)
