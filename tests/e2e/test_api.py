"""The demo's HTTP contract, end to end: a real server per mode, driven with ``requests``.

Each test logs in afresh, so the tests do not depend on each other's order.
"""

from __future__ import annotations

import base64
import json
import time

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import OctKey

from tests.support import COOKIE_MODES, assert_error, cookie_attrs, set_cookie_headers
from tests.support import P as REFRESH

from .support import DEMO_SIGNING_KEY, DemoClient

pytestmark = pytest.mark.e2e

VALID = {"msg": "Token is valid"}


def ok(response: requests.Response) -> dict:
    assert response.status_code == 200, (response.status_code, response.text[:500])
    assert response.headers["Content-Type"].startswith("application/json"), response.headers
    return response.json()


def decode_payload_cookie(value: str) -> dict:
    """The ``jwt_access_payload`` cookie: standard base64 of JSON, maybe in double quotes."""
    value = value.strip('"')
    return json.loads(base64.b64decode(value + "=" * (-len(value) % 4)))


def verified_claims(raw: str) -> dict:
    """A token's claims, after checking its HS256 signature with the demo's key."""
    token = jwt.decode(raw, OctKey.import_key(DEMO_SIGNING_KEY), algorithms=["HS256"])
    return token.claims


def access_claims(client: DemoClient) -> dict:
    """The claims of the client's current access token, read the way its mode allows."""
    if client.mode == "JSON":
        return verified_claims(client.tokens["access"])
    return ok(client.get("/testapp/claims/"))["claims"]


# --- the page ---------------------------------------------------------------------------------


def test_page_is_served_with_its_mode_and_assets(demo):
    response = requests.get(demo.url("/"), timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert f'data-mode="{demo.mode}"' in response.text
    assert "csrftoken" in set_cookie_headers(response)  # for the page's first unsafe request
    for asset in ("/static/testapp/demo.js", "/static/testapp/demo.css"):
        assert requests.get(demo.url(asset), timeout=10).status_code == 200, asset


# --- login ------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["json", "form"])
def test_login_accepts_json_and_form_bodies(demo, body):
    client = DemoClient(demo)
    credentials = {"username": "alice", "password": "pass"}
    response = client.login(**({"json": credentials} if body == "json" else {"data": credentials}))
    payload = ok(response)
    if demo.mode == "JSON":
        assert set(payload) >= {"refresh", "access"}
    else:
        assert payload == {"msg": "Tokens successfully created."}


@pytest.mark.parametrize("username,password", [("alice", "wrong"), ("nobody", "pass")])
def test_login_with_wrong_credentials_is_401(demo, username, password):
    client = DemoClient(demo)
    assert_error(client.login(username, password), 401)
    assert client.raw_token("access") is None and client.raw_token("refresh") is None


@pytest.mark.parametrize("mode", COOKIE_MODES)
def test_login_cookies_have_the_documented_attributes(demo_pool, mode):
    demo = demo_pool.shipped(mode)
    client = DemoClient(demo)
    response = client.login()
    ok(response)
    cookies = {name: cookie_attrs(header) for name, header in set_cookie_headers(response).items()}
    http_only = {"jwt_refresh": True}
    if demo.mode == "ONE-COOKIE":
        http_only["jwt_access"] = True
    else:
        http_only.update({"jwt_access_token": True, "jwt_access_payload": False})
    for name, must_be_http_only in http_only.items():
        attrs = cookies.get(name)
        assert attrs is not None, f"no Set-Cookie for {name}: {sorted(cookies)}"
        assert bool(attrs.get("httponly")) is must_be_http_only, (name, attrs)
        assert attrs.get("secure") is True, (name, attrs)  # DJWTO_COOKIE_SECURE defaults on
        assert str(attrs.get("samesite", "")).lower() == "lax", (name, attrs)
        expected_path = REFRESH if name == "jwt_refresh" else "/"
        assert attrs.get("path") == expected_path, (name, attrs)
    assert "csrftoken" in cookies, "login must set (rotate) the csrftoken cookie"
    if demo.mode == "TWO-COOKIES":
        assert "jwt_access" not in cookies, "TWO-COOKIES splits the access token in two cookies"


def test_access_claims_carry_user_email_perms_and_session(demo):
    client = DemoClient(demo)
    ok(client.login("alice"))
    claims = access_claims(client)
    assert claims["type"] == "access"
    assert claims["iss"] == "djwto-demo"
    for name in ("sub", "iat", "exp", "jti", "refresh_iat", "refresh_jti", "sid"):
        assert name in claims, (name, claims)
    assert claims["exp"] > claims["iat"]
    user = claims["user"]
    assert user["username"] == "alice"
    assert user["email"] == "alice@djwto.com"  # added by the demo's LoginView subclass
    assert isinstance(user["id"], int)
    assert "testapp.perm1" in user["perms"]

    bob = DemoClient(demo)
    ok(bob.login("bob"))
    bob_user = access_claims(bob)["user"]
    assert bob_user["username"] == "bob" and bob_user["perms"] == []
    assert bob_user["email"] == "bob@djwto.com"


def test_json_mode_tokens_are_signed_with_the_demo_key(demo_pool):
    demo = demo_pool.shipped("JSON")
    client = DemoClient(demo)
    ok(client.login())
    refresh = verified_claims(client.tokens["refresh"])
    access = verified_claims(client.tokens["access"])
    assert refresh["type"] == "refresh"
    assert refresh["user"]["email"] == "alice@djwto.com"  # the access token copies it
    assert access["refresh_jti"] == refresh["jti"]


def test_two_cookies_payload_cookie_holds_the_access_claims(demo_pool):
    demo = demo_pool.shipped("TWO-COOKIES")
    client = DemoClient(demo)
    ok(client.login())
    claims = decode_payload_cookie(client.cookie("jwt_access_payload"))
    assert claims == ok(client.get("/testapp/claims/"))["claims"]
    assert claims["user"]["email"] == "alice@djwto.com"


# --- validation and protected views -----------------------------------------------------------


def test_validate_access_and_refresh(demo):
    client = DemoClient(demo)
    ok(client.login())
    assert ok(client.post("/validate_access/")) == VALID
    assert ok(client.post(f"{REFRESH}/validate_refresh/", token="refresh")) == VALID


def test_protected_views_for_alice_and_bob(demo):
    alice = DemoClient(demo)
    ok(alice.login("alice"))
    assert ok(alice.get("/testapp/protect/")) == {"username": "alice"}
    assert ok(alice.get("/testapp/async_protect/")) == {"username": "alice", "async": True}
    assert ok(alice.get("/testapp/perms_protect/"))["username"] == "alice"

    bob = DemoClient(demo)
    ok(bob.login("bob"))
    assert ok(bob.get("/testapp/protect/")) == {"username": "bob"}
    assert ok(bob.get("/testapp/async_protect/")) == {"username": "bob", "async": True}
    assert_error(bob.get("/testapp/perms_protect/"), 403)


@pytest.mark.parametrize(
    "path", ["/testapp/protect/", "/testapp/async_protect/", "/testapp/perms_protect/"]
)
def test_protected_views_without_a_token_are_401(demo, path):
    assert_error(DemoClient(demo).get(path), 401)


def test_a_tampered_access_token_is_401(demo):
    client = DemoClient(demo)
    ok(client.login())
    raw = client.raw_token("access")
    header, payload, signature = raw.split(".")
    forged = ".".join(
        [header, payload, signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")]
    )
    if demo.mode == "JSON":
        response = requests.get(
            demo.url("/testapp/protect/"), headers={"Authorization": f"Bearer {forged}"}, timeout=10
        )
    else:
        name = "jwt_access" if demo.mode == "ONE-COOKIE" else "jwt_access_token"
        response = requests.get(
            demo.url("/testapp/protect/"), headers={"Cookie": f"{name}={forged}"}, timeout=10
        )
    assert_error(response, 401)


def test_the_wrong_token_type_is_rejected(demo_pool):
    """A refresh token is no access token, and the other way round (JSON mode, where the
    client chooses which token goes in the header; the cookie modes keep them apart)."""
    demo = demo_pool.shipped("JSON")
    client = DemoClient(demo)
    ok(client.login())
    refresh, access = client.tokens["refresh"], client.tokens["access"]
    response = requests.get(
        demo.url("/testapp/protect/"), headers={"Authorization": f"Bearer {refresh}"}, timeout=10
    )
    assert_error(response, 401)
    assert_error(client.present_refresh(access, "refresh_access"), 401)


def test_get_on_a_post_endpoint_is_405_json(demo):
    client = DemoClient(demo)
    ok(client.login())
    assert_error(client.get("/validate_access/"), 405)


# --- refresh, rotation, logout ----------------------------------------------------------------


def test_refresh_access_issues_a_new_access_token(demo):
    client = DemoClient(demo)
    ok(client.login())
    before = access_claims(client)
    old_refresh = client.raw_token("refresh")
    body = ok(client.refresh_call("refresh_access"))
    if demo.mode == "JSON":
        assert body["refresh"] == old_refresh
        assert body["access"] != before and set(body) >= {"refresh", "access"}
    else:
        assert body == {"msg": "Access token successfully refreshed."}
        assert client.raw_token("refresh") == old_refresh
    after = access_claims(client)
    assert after["jti"] != before["jti"]
    assert after["sid"] == before["sid"] and after["refresh_jti"] == before["refresh_jti"]
    assert ok(client.get("/testapp/protect/")) == {"username": "alice"}


def test_update_refresh_rotates_and_reuse_revokes_the_login(demo):
    client = DemoClient(demo)
    ok(client.login())
    old_refresh = client.raw_token("refresh")
    old_access_jti = access_claims(client)["jti"]
    body = ok(client.refresh_call("update_refresh"))
    if demo.mode == "JSON":
        assert set(body) >= {"refresh", "access"}
    else:
        assert body == {"msg": "Refresh token successfully updated."}
    new_refresh = client.raw_token("refresh")
    assert new_refresh and new_refresh != old_refresh
    claims = access_claims(client)
    assert claims["jti"] != old_access_jti
    assert ok(client.post(f"{REFRESH}/validate_refresh/", token="refresh")) == VALID

    # The old refresh token was consumed: presenting it again is reuse...
    assert_error(client.present_refresh(old_refresh, "refresh_access"), 401)
    # ...and reuse revokes the whole login, so the new refresh token is dead too.
    assert_error(client.refresh_call("refresh_access"), 401)
    assert_error(client.present_refresh(new_refresh, "update_refresh"), 401)


def test_logout_revokes_then_delete_clears(demo):
    client = DemoClient(demo)
    ok(client.login())
    refresh = client.raw_token("refresh")
    response = client.refresh_call("logout")
    assert ok(response) == {"msg": "Token successfully blacklisted."}
    if demo.mode in COOKIE_MODES:
        cleared = set_cookie_headers(response)
        assert "jwt_refresh" in cleared, "logout must clear the refresh cookie"
        assert client.raw_token("refresh") is None and client.raw_token("access") is None

    # The refresh token is revoked, wherever it is presented from.
    for action in ("refresh_access", "update_refresh", "validate_refresh"):
        assert_error(client.present_refresh(refresh, action), 401)
    if demo.mode == "JSON":
        assert_error(client.refresh_call("refresh_access"), 401)
        assert_error(client.refresh_call("update_refresh"), 401)

    # DELETE just clears the cookies (nothing to clear by now, and that is fine).
    response = client.request("DELETE", f"{REFRESH}/logout/", token="refresh")
    assert ok(response) == {"msg": "Tokens successfully deleted."}


def test_delete_logout_clears_the_cookies_of_a_live_login(demo):
    client = DemoClient(demo)
    ok(client.login())
    response = client.request("DELETE", f"{REFRESH}/logout/", token="refresh")
    assert ok(response) == {"msg": "Tokens successfully deleted."}
    if demo.mode in COOKIE_MODES:
        cleared = set_cookie_headers(response)
        names = (
            {"jwt_refresh", "jwt_access"}
            if demo.mode == "ONE-COOKIE"
            else {"jwt_refresh", "jwt_access_token", "jwt_access_payload"}
        )
        assert names <= set(cleared), sorted(cleared)
        assert client.raw_token("access") is None and client.raw_token("refresh") is None
        assert_error(client.get("/testapp/protect/"), 401)


def test_logout_all_revokes_every_login_of_the_user(demo):
    first, second, bob = DemoClient(demo), DemoClient(demo), DemoClient(demo)
    ok(first.login("alice"))
    ok(second.login("alice"))
    ok(bob.login("bob"))
    second_refresh = second.raw_token("refresh")
    ok(first.refresh_call("logout_all"))
    assert_error(second.present_refresh(second_refresh, "refresh_access"), 401)
    assert ok(bob.refresh_call("refresh_access"))  # someone else's login is untouched


# --- CSRF in the cookie modes -----------------------------------------------------------------


@pytest.mark.parametrize(
    "path,token",
    [
        ("/validate_access/", "access"),
        (f"{REFRESH}/validate_refresh/", "refresh"),
        (f"{REFRESH}/refresh_access/", "refresh"),
    ],
)
def test_cookie_modes_need_the_csrf_header_on_unsafe_requests(demo, path, token):
    client = DemoClient(demo)
    ok(client.login())
    if demo.mode not in COOKIE_MODES:
        # Bearer headers are not ambient credentials: no CSRF token needed.
        assert ok(client.post(path, token=token, csrf=False))
        return
    assert_error(client.post(path, token=token, csrf=False), 403)
    assert_error(client.post(path, token=token, csrf=False, headers={"X-CSRFToken": "x" * 32}), 403)
    assert ok(client.post(path, token=token))


@pytest.mark.parametrize("mode", COOKIE_MODES)
def test_cookie_modes_need_the_csrf_header_on_logout(demo_pool, mode):
    demo = demo_pool.shipped(mode)
    client = DemoClient(demo)
    ok(client.login())
    assert_error(client.post(f"{REFRESH}/logout/", token="refresh", csrf=False), 403)
    assert_error(client.request("DELETE", f"{REFRESH}/logout/", token="refresh", csrf=False), 403)
    assert (
        ok(client.post(f"{REFRESH}/validate_refresh/", token="refresh")) == VALID
    )  # still logged in


def test_safe_methods_need_no_csrf_header(demo):
    client = DemoClient(demo)
    ok(client.login())
    assert ok(client.get("/testapp/protect/", csrf=False)) == {"username": "alice"}


def test_login_needs_no_csrf_token_same_origin_but_refuses_cross_site(demo):
    credentials = {"username": "alice", "password": "pass"}
    for origin in (demo.url("", host="127.0.0.1"), None):
        headers = {"Origin": origin} if origin else {}
        response = requests.post(demo.url("/login/"), json=credentials, headers=headers, timeout=10)
        ok(response)
    if demo.mode not in COOKIE_MODES:
        return  # nothing ambient to protect in JSON mode
    assert_error(
        requests.post(
            demo.url("/login/"),
            json=credentials,
            headers={"Origin": "http://evil.example"},
            timeout=10,
        ),
        403,
    )
    assert_error(
        requests.post(
            demo.url("/login/"),
            json=credentials,
            headers={"Sec-Fetch-Site": "cross-site"},
            timeout=10,
        ),
        403,
    )


def test_localhost_origin_is_same_origin_too(demo):
    """The page may be opened as http://localhost:<port>; its POSTs must pass Django's checks."""
    client = DemoClient(demo)
    base = demo.url("", host="localhost")
    response = client.session.post(
        f"{base}/login/",
        json={"username": "alice", "password": "pass"},
        headers={"Origin": base},
        timeout=10,
    )
    ok(response)


# --- expiry -----------------------------------------------------------------------------------


def test_an_expired_access_token_is_401_until_refresh_access_renews_it(demo_pool):
    """The reason refresh tokens exist, on a TWO-COOKIES server whose access tokens live 2 s."""
    demo = demo_pool.get(
        "short-lived-TWO-COOKIES", mode="TWO-COOKIES", env={"DJWTO_ACCESS_TOKEN_SECONDS": "2"}
    )
    client = DemoClient(demo)
    ok(client.login())
    raw_access = client.raw_token("access")
    claims = decode_payload_cookie(client.cookie("jwt_access_payload"))
    assert claims["exp"] - claims["iat"] == 2
    time.sleep(max(0.0, claims["exp"] - time.time()) + 1.1)

    # The browser dropped the cookies (their Max-Age is the token's lifetime)...
    assert_error(client.get("/testapp/protect/"), 401)
    # ...and a client that kept the token anyway presents an expired one.
    expired = requests.get(
        demo.url("/testapp/protect/"),
        headers={"Cookie": f"jwt_access_token={raw_access}"},
        timeout=10,
    )
    assert assert_error(expired, 401)["code"] == "token_expired"

    assert ok(client.refresh_call("refresh_access")) == {
        "msg": "Access token successfully refreshed."
    }
    assert ok(client.get("/testapp/protect/")) == {"username": "alice"}
