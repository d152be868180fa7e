"""``ValidateView`` (validate_access, validate_refresh), ``LogoutView`` and ``LogoutAllView``."""

from __future__ import annotations

import pytest
from django.test import Client

from djwto.models import DeniedToken
from tests.support import USER_CHANGES, P, bearer, change_user, decode_unverified, login


@pytest.fixture
def s(alice, password):
    return login(Client(), "JSON", "alice", password)


# --- validate ------------------------------------------------------------------------------


def test_validate_in_every_mode(alice_session):
    response = alice_session.post("/validate_access/")
    assert response.status_code == 200
    assert response.json() == {"msg": "Token is valid"}
    assert alice_session.post_refresh(f"{P}/validate_refresh/").json() == {"msg": "Token is valid"}


def test_validate_access_refuses_a_refresh_token_and_vice_versa(s):
    response = Client().post("/validate_access/", **bearer(s.refresh))
    assert response.status_code == 401 and response.json()["code"] == "token_wrong_type"
    response = Client().post(f"{P}/validate_refresh/", **bearer(s.access))
    assert response.status_code == 401 and response.json()["code"] == "token_wrong_type"


def test_validate_refresh_from_a_json_body(s):
    response = Client().post(
        f"{P}/validate_refresh/", {"refresh": s.refresh}, content_type="application/json"
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "path,token_type", [("/validate_access/", "access"), (f"{P}/validate_refresh/", "refresh")]
)
def test_validate_checks_the_jwt_type_field(s, path, token_type):
    token = s.access if token_type == "access" else s.refresh
    other = "refresh" if token_type == "access" else "access"
    response = Client().post(path, {"jwt_type": other}, **bearer(token))
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"
    assert Client().post(path, {"jwt_type": token_type}, **bearer(token)).status_code == 200


def test_validate_refresh_with_jwt_type_access_is_400(s):
    response = Client().post(
        f"{P}/validate_refresh/",
        {"jwt_type": "access"},
        content_type="application/json",
        **bearer(s.refresh),
    )
    assert response.status_code == 400


def test_validate_refresh_refuses_a_revoked_token(s):
    assert Client().post(f"{P}/logout/", **bearer(s.refresh)).status_code == 200
    response = Client().post(f"{P}/validate_refresh/", **bearer(s.refresh))
    assert response.status_code == 401
    assert response.json()["code"] == "token_revoked"


def test_validate_without_token_is_401(db):
    for path in ("/validate_access/", f"{P}/validate_refresh/"):
        response = Client().post(path)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_validate_get_is_405(db):
    assert Client().get("/validate_access/").status_code == 405


# --- logout --------------------------------------------------------------------------------


def test_logout_revokes_the_refresh_token_in_every_mode(alice_session):
    response = alice_session.post_refresh(f"{P}/logout/")
    assert response.status_code == 200, response.content
    assert response.json() == {"msg": "Token successfully blacklisted."}
    assert "no-store" in response["Cache-Control"]
    # the revoked token, presented again however it travels, is refused
    client = Client()
    if alice_session.cookie_mode:
        cleared = {n for n, m in response.cookies.items() if n.startswith("jwt_") and not m.value}
        assert "jwt_refresh" in cleared
        client.cookies["jwt_refresh"] = alice_session.refresh
        refused = client.post(f"{P}/refresh_access/")
    else:
        refused = client.post(f"{P}/refresh_access/", **bearer(alice_session.refresh))
    assert refused.status_code == 401
    assert refused.json()["code"] == "token_revoked"


def test_logout_revokes_the_whole_family(s):
    rotated = Client().post(f"{P}/update_refresh/", **bearer(s.refresh)).json()["refresh"]
    assert Client().post(f"{P}/logout/", **bearer(rotated)).status_code == 200
    for token in (rotated, s.refresh):
        assert Client().post(f"{P}/refresh_access/", **bearer(token)).status_code == 401


def test_logout_leaves_other_sessions_alone(s, alice, password):
    other = login(Client(), "JSON", "alice", password)
    assert Client().post(f"{P}/logout/", **bearer(s.refresh)).status_code == 200
    assert Client().post(f"{P}/refresh_access/", **bearer(other.refresh)).status_code == 200


def test_logout_twice_is_401_the_second_time(s):
    assert Client().post(f"{P}/logout/", **bearer(s.refresh)).status_code == 200
    assert Client().post(f"{P}/logout/", **bearer(s.refresh)).status_code == 401


def test_logout_with_an_access_token_is_401_and_writes_nothing(s):
    response = Client().post(f"{P}/logout/", **bearer(s.access))
    assert response.status_code == 401
    assert not DeniedToken.objects.exists()


@pytest.mark.parametrize("mode", ["ONE-COOKIE", "TWO-COOKIES"])
def test_logout_with_a_bad_cookie_still_clears_cookies(settings, db, mode):
    settings.DJWTO_MODE = mode
    client = Client()
    client.cookies["jwt_refresh"] = "a.b.c"
    response = client.post(f"{P}/logout/")
    assert response.status_code == 401
    assert response.cookies["jwt_refresh"].value == ""
    assert int(response.cookies["jwt_refresh"]["max-age"]) == 0
    assert not DeniedToken.objects.exists()


def test_logout_delete_clears_cookies_without_a_token_and_is_idempotent(mode, db):
    for _ in range(2):
        response = Client().delete(f"{P}/logout/")
        assert response.status_code == 200
        assert response.json() == {"msg": "Tokens successfully deleted."}
    assert not DeniedToken.objects.exists()


def test_logout_delete_clears_a_logged_in_browser(settings, alice, password):
    settings.DJWTO_MODE = "ONE-COOKIE"
    client = Client()
    client.post("/login/", {"username": "alice", "password": password})
    assert client.get("/protected/").status_code == 200
    assert client.delete(f"{P}/logout/").status_code == 200
    assert client.get("/protected/").status_code == 401


def test_logout_get_is_405_with_allow(db):
    response = Client().get(f"{P}/logout/")
    assert response.status_code == 405
    assert response["Allow"] == "POST, DELETE, OPTIONS"


# --- logout_all ----------------------------------------------------------------------------


def test_logout_all_revokes_every_session_of_the_user(s, alice, bob, password):
    other = login(Client(), "JSON", "alice", password)
    bobs = login(Client(), "JSON", "bob", password)
    response = Client().post(f"{P}/logout_all/", **bearer(s.refresh))
    assert response.status_code == 200
    assert response.json() == {"msg": "All sessions revoked."}
    for token in (s.refresh, other.refresh):
        assert Client().post(f"{P}/refresh_access/", **bearer(token)).status_code == 401
    assert Client().post(f"{P}/refresh_access/", **bearer(bobs.refresh)).status_code == 200
    # a login after the cut-off starts a fresh session
    again = login(Client(), "JSON", "alice", password)
    assert Client().post(f"{P}/refresh_access/", **bearer(again.refresh)).status_code == 200


def test_logout_all_in_cookie_mode_clears_cookies(alice_session):
    response = alice_session.post_refresh(f"{P}/logout_all/")
    assert response.status_code == 200
    if alice_session.cookie_mode:
        assert response.cookies["jwt_refresh"].value == ""


def test_logout_all_needs_a_live_user(s, alice):
    alice.is_active = False
    alice.save()
    assert Client().post(f"{P}/logout_all/", **bearer(s.refresh)).status_code == 401


def test_logout_all_with_access_token_is_401(s):
    assert Client().post(f"{P}/logout_all/", **bearer(s.access)).status_code == 401


def test_denylist_rows_of_a_logout(s, alice):
    Client().post(f"{P}/logout/", **bearer(s.refresh))
    refresh = decode_unverified(s.refresh)
    rows = {row.jti: row for row in DeniedToken.objects.all()}
    assert set(rows) == {refresh["jti"], "sid:" + refresh["sid"]}
    assert rows[refresh["jti"]].token_type == "refresh"
    assert rows[refresh["jti"]].reason == "logout"
    assert rows["sid:" + refresh["sid"]].token_type == "session"
    assert {row.user_id for row in rows.values()} == {str(alice.pk)}


def test_validate_refresh_checks_the_user_like_refresh_does(alice_session, alice):
    """A refresh token of a user whose password changed is no longer 'valid' (as for refresh)."""
    s = alice_session
    assert s.post_refresh(f"{P}/validate_refresh/").status_code == 200
    alice.set_password("a new password")
    alice.save()
    response = s.post_refresh(f"{P}/validate_refresh/")
    assert response.status_code == 401
    assert response.json()["code"] == "user_invalid"
    alice.is_active = False
    alice.set_password("correct horse battery staple")
    alice.save()
    assert s.post_refresh(f"{P}/validate_refresh/").status_code == 401


@pytest.mark.parametrize("change", USER_CHANGES)
def test_validate_refresh_agrees_with_refresh_about_the_user(s, alice, change):
    change_user(alice, change)
    response = Client().post(f"{P}/validate_refresh/", **bearer(s.refresh))
    assert response.status_code == 401
    assert Client().post(f"{P}/refresh_access/", **bearer(s.refresh)).status_code == 401
