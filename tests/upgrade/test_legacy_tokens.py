"""Tokens issued by djwto 0.0.4 with the same key, presented after the upgrade."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from django.test import Client
from django.utils import timezone

from djwto import revoke_user_sessions
from djwto.backends import encode
from djwto.legacy import get_legacy_sid, is_legacy, upgrade_claims
from djwto.models import DeniedToken
from tests.support import decode_unverified, login

from .conftest import (
    legacy_claims,
    legacy_pair,
    present_access,
    present_refresh,
    tokens_of,
)

PROTECTED = ("/protected/", "/aprotected/", "/fn/", "/afn/", "/perm/")


def assert_refused(response, code: str) -> None:
    assert response.status_code == 401, response.content
    assert response.json()["code"] == code, response.json()
    assert "access" not in response.json()


def test_a_valid_004_refresh_token_refreshes_and_validates(mode, alice):
    refresh, _ = legacy_pair(alice)
    assert present_refresh(mode, "validate_refresh", refresh).json() == {"msg": "Token is valid"}
    response = present_refresh(mode, "refresh_access", refresh)
    assert response.status_code == 200, response.content
    issued = tokens_of(mode, response)
    access = decode_unverified(issued["access"])
    # The new access token belongs to the 0.0.4 login's family, and works.
    assert access["sid"] == get_legacy_sid(decode_unverified(refresh))
    assert access["refresh_jti"] == decode_unverified(refresh)["jti"]
    assert access["user"]["perms"] == ["testapp.perm1"]
    assert present_access(mode, "/protected/", issued["access"]).status_code == 200
    if mode == "JSON":
        assert issued["refresh"] == refresh  # as 0.0.4 answered
    # Refreshing writes nothing: the token stays usable until its own exp.
    assert not DeniedToken.objects.exists()
    assert present_refresh(mode, "refresh_access", refresh).status_code == 200


def test_a_004_access_token_is_accepted_until_it_expires(mode, alice, clock):
    _, access = legacy_pair(alice, iat=int(clock.now))
    for path in PROTECTED:
        assert present_access(mode, path, access).status_code == 200, path
    assert present_access(mode, "/validate_access/", access, "post").status_code == 200
    clock.advance(301)
    assert_refused(present_access(mode, "/protected/", access), "token_expired")


def test_a_004_refresh_token_is_accepted_until_its_own_exp(mode, alice, clock):
    refresh, _ = legacy_pair(alice, iat=int(clock.now), refresh_seconds=3600)
    clock.advance(3599)
    assert present_refresh(mode, "refresh_access", refresh).status_code == 200
    clock.advance(1)
    assert_refused(present_refresh(mode, "refresh_access", refresh), "token_expired")


def test_rotation_turns_it_into_a_family_with_reuse_detection(mode, alice):
    refresh, _ = legacy_pair(alice)
    response = present_refresh(mode, "update_refresh", refresh)
    assert response.status_code == 200, response.content
    new = tokens_of(mode, response)["refresh"]
    claims = decode_unverified(new)
    assert claims["sid"] == get_legacy_sid(decode_unverified(refresh))
    assert claims["stamp"] and claims["jti"] != decode_unverified(refresh)["jti"]
    assert claims["auth_time"] == decode_unverified(refresh)["iat"]
    assert present_refresh(mode, "refresh_access", new).status_code == 200
    # The consumed 0.0.4 token presented again is reuse: the whole family goes.
    assert_refused(present_refresh(mode, "update_refresh", refresh), "token_reused")
    assert_refused(present_refresh(mode, "refresh_access", new), "token_revoked")


def test_the_rotated_token_is_checked_against_the_password(mode, alice):
    refresh, _ = legacy_pair(alice)
    new = tokens_of(mode, present_refresh(mode, "update_refresh", refresh))["refresh"]
    alice.set_password("another one")
    alice.save()
    assert_refused(present_refresh(mode, "refresh_access", new), "user_invalid")


def test_logout_denies_the_004_token_and_its_access_tokens(mode, alice, settings):
    refresh, access = legacy_pair(alice)
    response = present_refresh(mode, "logout", refresh)
    assert response.status_code == 200, response.content
    assert response.json() == {"msg": "Token successfully blacklisted."}
    jti = decode_unverified(refresh)["jti"]
    row = DeniedToken.objects.get(jti=jti)
    assert (row.token_type, row.reason) == ("refresh", "logout")
    for action in ("refresh_access", "update_refresh", "validate_refresh", "logout"):
        assert_refused(present_refresh(mode, action, refresh), "token_revoked")
    # Access tokens live until their exp unless revocation is checked, as for every token.
    assert present_access(mode, "/protected/", access).status_code == 200
    settings.DJWTO_CHECK_ACCESS_REVOCATION = True
    assert_refused(present_access(mode, "/protected/", access), "token_revoked")


def test_logout_all_cuts_off_every_004_token_of_the_user(mode, alice, bob, password, settings):
    first, first_access = legacy_pair(alice, iat=int(time.time()) - 60)
    second, _ = legacy_pair(alice)
    bobs, _ = legacy_pair(bob)
    assert present_refresh(mode, "logout_all", first).status_code == 200
    for token in (first, second):
        assert_refused(present_refresh(mode, "refresh_access", token), "token_revoked")
    assert present_refresh(mode, "refresh_access", bobs).status_code == 200
    settings.DJWTO_CHECK_ACCESS_REVOCATION = True
    assert_refused(present_access(mode, "/protected/", first_access), "token_revoked")
    # A login after the cut-off is not affected.
    session = login(Client(), mode, "alice", password)
    assert session.login_response.status_code == 200
    assert present_refresh(mode, "refresh_access", session.refresh).status_code == 200


def test_revoke_user_sessions_ends_004_tokens(alice):
    refresh, _ = legacy_pair(alice, iat=int(time.time()) - 1)
    revoke_user_sessions(alice)
    assert_refused(present_refresh("JSON", "refresh_access", refresh), "token_revoked")


def test_a_token_004_had_blacklisted_never_comes_back(mode, alice):
    """The migration copied 0.0.4's blacklist as ``jti`` rows; here one such row."""
    refresh, _ = legacy_pair(alice)
    now = timezone.now()
    DeniedToken.objects.create(
        jti=decode_unverified(refresh)["jti"],
        token_type="refresh",
        reason="logout",
        expires_at=now + timedelta(days=1),
        created_at=now,
    )
    for action in ("refresh_access", "update_refresh", "validate_refresh", "logout"):
        assert_refused(present_refresh(mode, action, refresh), "token_revoked")


def test_the_setting_refuses_004_tokens(mode, alice, password, settings):
    settings.DJWTO_ACCEPT_LEGACY_TOKENS = False
    refresh, access = legacy_pair(alice)
    for action in ("refresh_access", "update_refresh", "validate_refresh", "logout", "logout_all"):
        response = present_refresh(mode, action, refresh)
        assert_refused(response, "legacy_token")
        assert "0.0.4" in response.json()["error"]
    for path in PROTECTED:
        assert_refused(present_access(mode, path, access), "legacy_token")
    assert not DeniedToken.objects.exists()
    # Tokens of this version are not affected.
    session = login(Client(), mode, "alice", password)
    assert present_refresh(mode, "refresh_access", session.refresh).status_code == 200


def test_a_004_refresh_token_without_jti_is_refused(alice):
    """0.0.4 with ``DJWTO_JTI_CLAIM = False``: nothing to deny it by, so it is not accepted."""
    claims, access = legacy_claims(alice)
    del claims["jti"], access["jti"]
    assert present_refresh("JSON", "refresh_access", encode(claims)).status_code == 401
    assert present_access("JSON", "/protected/", encode(access)).status_code == 200


def test_the_password_does_not_end_a_004_token_until_rotation(alice):
    """0.0.4 tokens carry no password stamp (documented); logout-all ends them."""
    refresh, _ = legacy_pair(alice)
    alice.set_password("another one")
    alice.save()
    assert present_refresh("JSON", "refresh_access", refresh).status_code == 200
    alice.is_active = False
    alice.save()
    assert_refused(present_refresh("JSON", "refresh_access", refresh), "user_invalid")


def test_tokens_of_this_version_without_a_session_are_still_refused(alice):
    from djwto.claims import build_refresh_claims

    claims = build_refresh_claims(alice)
    del claims["sid"]
    response = present_refresh("JSON", "refresh_access", encode(claims))
    assert_refused(response, "token_invalid")
    assert "session" in response.json()["error"]


def test_recognition_is_exact(alice):
    refresh, access = legacy_claims(alice)
    assert get_legacy_sid(refresh) == get_legacy_sid(access)  # one 0.0.4 login, one family
    sid = get_legacy_sid(refresh)
    assert int(sid[:16], 16) == refresh["iat"] * 1_000_000_000
    upgraded = upgrade_claims(dict(refresh))
    assert is_legacy(upgraded) and upgraded["auth_time"] == refresh["iat"]
    assert not is_legacy(dict(upgraded, stamp="x"))
    assert not is_legacy(dict(upgraded, sid=upgraded["sid"][:-1] + "0"))
    assert upgrade_claims(dict(refresh, user="alice")) == dict(refresh, user="alice")
    no_iat = dict(refresh)
    del no_iat["iat"]
    assert upgrade_claims(no_iat)["sid"].startswith("0" * 16)
    assert datetime.fromtimestamp(refresh["exp"], UTC) > datetime.now(UTC)


def test_a_004_token_issued_without_iat_still_works(mode, alice):
    """0.0.4 with ``DJWTO_IAT_CLAIM = False``: the login time is taken from ``exp``."""
    claims, access = legacy_claims(alice)
    del claims["iat"], access["iat"], access["refresh_iat"]
    refresh = encode(claims)
    assert present_refresh(mode, "refresh_access", refresh).status_code == 200
    response = present_refresh(mode, "update_refresh", refresh)
    assert response.status_code == 200, response.content
    new = decode_unverified(tokens_of(mode, response)["refresh"])
    assert abs(new["auth_time"] - (claims["exp"] - 86400)) <= 1
    assert present_access(mode, "/protected/", encode(access)).status_code == 200
