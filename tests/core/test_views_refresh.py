"""``RefreshView``: refresh_access (new access token) and update_refresh (rotation)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from djwto.models import DeniedToken
from tests.support import USER_CHANGES, P, bearer, change_user, decode_unverified, login

REFRESH_ACCESS = f"{P}/refresh_access/"
UPDATE_REFRESH = f"{P}/update_refresh/"


@pytest.fixture
def s(alice, password):
    return login(Client(), "JSON", "alice", password)


def refresh_access(session):
    return Client().post(REFRESH_ACCESS, **bearer(session.refresh))


def test_refresh_access_in_every_mode(alice_session):
    old_access = alice_session.access
    response = alice_session.post_refresh(REFRESH_ACCESS)
    assert response.status_code == 200, response.content
    assert alice_session.access != old_access
    assert alice_session.get("/protected/").status_code == 200
    if alice_session.cookie_mode:
        assert response.json() == {"msg": "Access token successfully refreshed."}
        assert "jwt_refresh" not in response.cookies  # the refresh cookie is left alone


def test_refreshed_access_token_belongs_to_the_refresh_token(s):
    refresh = decode_unverified(s.refresh)
    access = decode_unverified(refresh_access(s).json()["access"])
    assert access["type"] == "access"
    assert access["refresh_jti"] == refresh["jti"]
    assert access["refresh_iat"] == refresh["iat"]
    assert access["sid"] == refresh["sid"]
    assert access["jti"] not in (refresh["jti"], decode_unverified(s.access)["jti"])
    assert access["exp"] <= refresh["exp"]


def test_refresh_access_does_not_consume_the_refresh_token(s):
    assert refresh_access(s).status_code == 200
    assert refresh_access(s).status_code == 200
    assert not DeniedToken.objects.exists()


def test_refresh_access_reloads_permissions(s, alice):
    alice.user_permissions.clear()
    access = decode_unverified(refresh_access(s).json()["access"])
    assert access["user"]["perms"] == []
    assert Client().get("/perm/", **bearer(refresh_access(s).json()["access"])).status_code == 403
    alice.user_permissions.add(*Permission.objects.filter(codename__in=["perm1", "perm2"]))
    access = decode_unverified(refresh_access(s).json()["access"])
    assert access["user"]["perms"] == ["testapp.perm1", "testapp.perm2"]


def test_refresh_access_rereads_the_username(s, alice):
    alice.username = "alice2"
    alice.save()
    assert decode_unverified(refresh_access(s).json()["access"])["user"]["username"] == "alice2"


@pytest.mark.parametrize("path", [REFRESH_ACCESS, UPDATE_REFRESH])
@pytest.mark.parametrize("change", USER_CHANGES)
def test_refresh_refused_when_the_user_changed(s, alice, path, change):
    change_user(alice, change)
    response = Client().post(path, **bearer(s.refresh))
    assert response.status_code == 401
    assert response.json()["code"] == "user_invalid"
    assert response["WWW-Authenticate"] == 'Bearer realm="api", error="invalid_token"'


@pytest.mark.parametrize("path", [REFRESH_ACCESS, UPDATE_REFRESH])
def test_an_access_token_is_not_a_refresh_token(s, path):
    response = Client().post(path, **bearer(s.access))
    assert response.status_code == 401
    assert response.json()["code"] == "token_wrong_type"


@pytest.mark.parametrize("path", [REFRESH_ACCESS, UPDATE_REFRESH])
def test_missing_refresh_token_is_401(db, path):
    response = Client().post(path)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_update_refresh_issues_a_new_jti_and_refuses_the_old_token(s):
    old = decode_unverified(s.refresh)
    response = Client().post(UPDATE_REFRESH, **bearer(s.refresh))
    assert response.status_code == 200
    body = response.json()
    new = decode_unverified(body["refresh"])
    assert new["jti"] != old["jti"]
    assert new["sid"] == old["sid"] and new["auth_time"] == old["auth_time"]
    assert decode_unverified(body["access"])["refresh_jti"] == new["jti"]
    # the new one works; the old one is spent (and presenting it again is reuse, which
    # revokes the whole family: see test_sessions)
    assert Client().post(REFRESH_ACCESS, **bearer(body["refresh"])).status_code == 200
    response = Client().post(REFRESH_ACCESS, **bearer(s.refresh))
    assert response.status_code == 401
    assert response.json()["code"] == "token_reused"


def test_update_refresh_in_every_mode(alice_session):
    old = alice_session.refresh
    response = alice_session.post_refresh(UPDATE_REFRESH)
    assert response.status_code == 200, response.content
    assert alice_session.refresh != old
    assert alice_session.post_refresh(REFRESH_ACCESS).status_code == 200
    if alice_session.cookie_mode:
        assert response.json() == {"msg": "Refresh token successfully updated."}
        assert response.cookies["jwt_refresh"]["path"] == P


def test_update_refresh_reloads_permissions(s, alice):
    alice.user_permissions.clear()
    body = Client().post(UPDATE_REFRESH, **bearer(s.refresh)).json()
    assert decode_unverified(body["refresh"])["user"]["perms"] == []
    assert decode_unverified(body["access"])["user"]["perms"] == []


def test_allow_refresh_update_false_is_404(settings, s):
    settings.DJWTO_ALLOW_REFRESH_UPDATE = False
    response = Client().post(UPDATE_REFRESH, **bearer(s.refresh))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert Client().post(UPDATE_REFRESH).status_code == 404
    assert not DeniedToken.objects.exists()
    assert refresh_access(s).status_code == 200  # only the update is disabled
    settings.DJWTO_ALLOW_REFRESH_UPDATE = True
    assert Client().post(UPDATE_REFRESH, **bearer(s.refresh)).status_code == 200


def test_refresh_token_is_not_usable_before_nbf(settings, alice, password, clock):
    settings.DJWTO_NBF_LIFETIME = timedelta(seconds=60)
    s = login(Client(), "JSON", "alice", password)
    assert decode_unverified(s.refresh)["nbf"] == decode_unverified(s.refresh)["iat"] + 60
    assert s.get("/protected/").status_code == 200  # the access token has no nbf
    response = refresh_access(s)
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_yet_valid"
    clock.advance(61)
    assert refresh_access(s).status_code == 200


def test_expired_refresh_token_is_401(s, clock):
    clock.advance(24 * 3600)
    response = refresh_access(s)
    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"


def test_refresh_token_lifetime_setting(settings, alice, password, clock):
    settings.DJWTO_REFRESH_TOKEN_LIFETIME = timedelta(minutes=10)
    s = login(Client(), "JSON", "alice", password)
    clock.advance(599)
    assert refresh_access(s).status_code == 200
    clock.advance(1)
    assert refresh_access(s).status_code == 401


def test_refreshed_access_token_is_cut_to_the_refresh_expiry(settings, alice, password, clock):
    settings.DJWTO_REFRESH_TOKEN_LIFETIME = timedelta(minutes=10)
    s = login(Client(), "JSON", "alice", password)
    clock.advance(400)
    access = decode_unverified(refresh_access(s).json()["access"])
    assert access["exp"] == decode_unverified(s.refresh)["exp"]


def test_rotation_cannot_extend_the_session_past_its_maximum(settings, alice, password, clock):
    settings.DJWTO_MAX_SESSION_LIFETIME = timedelta(hours=2)
    s = login(Client(), "JSON", "alice", password)
    assert decode_unverified(s.refresh)["exp"] == decode_unverified(s.refresh)["auth_time"] + 7200
    clock.advance(3600)
    body = Client().post(UPDATE_REFRESH, **bearer(s.refresh)).json()
    assert decode_unverified(body["refresh"])["exp"] == decode_unverified(s.refresh)["exp"]
    clock.advance(3600)
    response = Client().post(UPDATE_REFRESH, **bearer(body["refresh"]))
    assert response.status_code == 401


def test_lowering_max_session_lifetime_ends_older_sessions(settings, s, clock):
    clock.advance(3600)
    settings.DJWTO_MAX_SESSION_LIFETIME = timedelta(minutes=30)
    response = refresh_access(s)
    assert response.status_code == 401
    assert response.json()["code"] == "session_expired"


def test_rotation_within_the_leeway_of_the_session_limit_is_refused_without_writing(
    settings, alice, password, clock
):
    """The presented token is still accepted (leeway) but a new one would be born expired."""
    settings.DJWTO_MAX_SESSION_LIFETIME = timedelta(hours=1)
    settings.DJWTO_LEEWAY = timedelta(seconds=10)
    s = login(Client(), "JSON", "alice", password)
    clock.advance(3605)
    assert refresh_access(s).status_code == 200
    response = Client().post(UPDATE_REFRESH, **bearer(s.refresh))
    assert response.status_code == 401
    assert response.json()["code"] == "session_expired"
    assert not DeniedToken.objects.exists()


def test_refresh_without_jti_is_refused(alice):
    from djwto.backends import encode
    from djwto.claims import build_refresh_claims

    claims = build_refresh_claims(alice)
    del claims["jti"]
    response = Client().post(REFRESH_ACCESS, **bearer(encode(claims)))
    assert response.status_code == 401


def test_refresh_view_405_on_get(db):
    response = Client().get(REFRESH_ACCESS)
    assert response.status_code == 405
    assert response["Allow"] == "POST, OPTIONS"


def test_refresh_responses_are_never_cached(s):
    assert "no-store" in refresh_access(s)["Cache-Control"]
    assert "no-store" in Client().post(UPDATE_REFRESH, **bearer(s.refresh))["Cache-Control"]
