"""Rotation and reuse detection (R1): every login is a family; a consumed refresh token that
comes back revokes the family, unless it comes back within ``DJWTO_ROTATION_GRACE``."""

from __future__ import annotations

from datetime import timedelta

import pytest

from djwto.backends import encode
from djwto.claims import build_refresh_claims
from tests.support import PROTECTED, REFRESH_ENDPOINTS, P, assert_error, decode_unverified

pytestmark = pytest.mark.django_db


def test_R1_login_starts_a_family_that_rotation_continues(store, alice, api):
    first = api.login()
    claims = decode_unverified(first.refresh)
    access = decode_unverified(first.access)
    assert claims["sid"] and claims["auth_time"] == claims["iat"]
    assert access["sid"] == claims["sid"] and access["refresh_jti"] == claims["jti"]

    second = api.login()
    assert decode_unverified(second.refresh)["sid"] != claims["sid"]  # a login, a family

    rotated = api.rotated(first.refresh)
    new = decode_unverified(rotated.refresh)
    assert new["sid"] == claims["sid"] and new["auth_time"] == claims["auth_time"]
    assert new["jti"] != claims["jti"]
    assert store.entries() == {claims["jti"]: ("refresh", "rotated", str(alice.pk))}


@pytest.mark.parametrize(
    "endpoint", ["update_refresh", "refresh_access", "validate_refresh", "logout", "logout_all"]
)
def test_R1_replayed_rotated_token_revokes_the_family(
    store, alice, api, received, settings, endpoint
):
    settings.DJWTO_CHECK_ACCESS_REVOCATION = True
    stolen = api.login()
    sid = decode_unverified(stolen.refresh)["sid"]
    legit = api.rotated(stolen.refresh)
    other_login = api.login()

    replay = api.post(f"{P}/{endpoint}/", stolen.refresh)
    assert_error(replay, 401, "token_reused")
    assert replay["WWW-Authenticate"] == 'Bearer realm="api", error="invalid_token"'
    [event] = received["reuse"]
    assert event["sid"] == sid and event["user_id"] == str(alice.pk)
    assert (
        event["request"] is not None
        and event["claims"]["jti"] == decode_unverified(stolen.refresh)["jti"]
    )
    assert store.entries()[f"sid:{sid}"] == ("session", "reused", str(alice.pk))

    # The whole family is dead: the legitimate client's newer tokens too.
    assert_error(api.rotate(legit.refresh), 401, "token_revoked")
    assert_error(api.refresh(legit.refresh), 401, "token_revoked")
    for path in PROTECTED:
        assert_error(api.get(path, legit.access), 401, "token_revoked")
    # A second replay is refused as revoked and not reported again.
    assert_error(api.post(f"{P}/{endpoint}/", stolen.refresh), 401, "token_revoked")
    assert len(received["reuse"]) == 1
    # Other logins of the same user are untouched.
    assert api.rotate(other_login.refresh).status_code == 200
    assert api.get("/protected/", other_login.access).status_code == 200


def test_R1_reuse_without_access_check_leaves_access_tokens_to_expire(store, alice, api, clock):
    stolen = api.login()
    legit = api.rotated(stolen.refresh)
    assert_error(api.rotate(stolen.refresh), 401, "token_reused")
    # Documented policy: without DJWTO_CHECK_ACCESS_REVOCATION an access token lives to its exp.
    assert api.get("/protected/", legit.access).status_code == 200
    clock.advance(5 * 60)
    assert_error(api.get("/protected/", legit.access), 401, "token_expired")


@pytest.mark.parametrize("missing", ["jti", "sid"])
@pytest.mark.parametrize("endpoint", REFRESH_ENDPOINTS)
def test_R1_refresh_token_without_jti_or_sid_is_refused(store, alice, api, missing, endpoint):
    claims = build_refresh_claims(alice)
    del claims[missing]
    response = api.post(f"{P}/{endpoint}/", encode(claims))
    assert_error(response, 401, "token_invalid")
    assert store.entries() == {}


@pytest.mark.parametrize("endpoint", REFRESH_ENDPOINTS)
def test_R1_access_token_is_no_refresh_token(store, alice, api, endpoint):
    pair = api.login()
    assert_error(api.post(f"{P}/{endpoint}/", pair.access), 401, "token_wrong_type")
    assert store.entries() == {}


def test_R1_grace_window_refuses_without_counting_as_reuse(
    store, alice, api, clock, received, settings
):
    settings.DJWTO_ROTATION_GRACE = timedelta(seconds=30)
    first = api.login()
    sid = decode_unverified(first.refresh)["sid"]
    second = api.rotated(first.refresh)

    # A client that lost the race (or retried) inside the grace window: refused, nothing revoked.
    for _ in range(2):
        assert_error(api.rotate(first.refresh), 401, "token_rotated")
        assert_error(api.refresh(first.refresh), 401, "token_rotated")
        clock.advance(10)
    assert received["reuse"] == [] and f"sid:{sid}" not in store.entries()
    third = api.rotated(second.refresh)  # the family lives on

    clock.advance(11)  # 31 s after the first rotation
    assert_error(api.rotate(first.refresh), 401, "token_reused")
    assert len(received["reuse"]) == 1
    assert_error(api.rotate(third.refresh), 401, "token_revoked")


def test_R1_default_grace_is_zero(store, alice, api, received):
    first = api.login()
    api.rotated(first.refresh)
    assert_error(api.rotate(first.refresh), 401, "token_reused")
    assert len(received["reuse"]) == 1
