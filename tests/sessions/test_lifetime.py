"""R5: rotation never extends a login past ``DJWTO_MAX_SESSION_LIFETIME`` (default 30 days)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from djwto.backends import encode
from djwto.claims import build_refresh_claims, new_sid
from tests.support import P, assert_error, decode_unverified

pytestmark = pytest.mark.django_db

DAY = 24 * 3600


def test_R5_rotation_is_capped_at_the_max_session_lifetime(store, alice, api, clock, settings):
    settings.DJWTO_MAX_SESSION_LIFETIME = timedelta(hours=1)
    settings.DJWTO_REFRESH_TOKEN_LIFETIME = timedelta(minutes=40)
    pair = api.login()
    login = decode_unverified(pair.refresh)
    auth_time = login["auth_time"]
    assert login["exp"] == auth_time + 40 * 60

    clock.advance(30 * 60)
    pair = api.rotated(pair.refresh)
    refresh, access = decode_unverified(pair.refresh), decode_unverified(pair.access)
    assert refresh["exp"] == auth_time + 3600  # not now + 40 min
    assert access["exp"] <= refresh["exp"]
    assert (refresh["sid"], refresh["auth_time"]) == (login["sid"], auth_time)

    clock.advance(29 * 60)
    pair = api.rotated(pair.refresh)
    assert decode_unverified(pair.refresh)["exp"] == auth_time + 3600

    clock.advance(61)  # the login is now more than an hour old
    assert_error(api.rotate(pair.refresh), 401, "token_expired")
    assert_error(api.refresh(pair.refresh), 401, "token_expired")


def test_R5_a_long_rotation_chain_ends_at_the_cap(store, alice, api):
    now = int(time.time())
    auth_time = now - 30 * DAY + 3600  # a login 29 days 23 hours ago, rotated ever since
    previous = {"sid": new_sid(auth_time * 10**9), "auth_time": auth_time}
    presented = build_refresh_claims(alice, previous=previous, now=now - 600)
    assert presented["exp"] == auth_time + 30 * DAY

    pair = api.rotated(encode(presented))
    refresh = decode_unverified(pair.refresh)
    assert refresh["exp"] == auth_time + 30 * DAY == presented["exp"]
    assert decode_unverified(pair.access)["exp"] <= refresh["exp"]


def test_R5_lowering_the_setting_ends_older_sessions(store, alice, api, clock, settings):
    pair = api.login()  # issued under the default 30 days, so it expires in a day
    settings.DJWTO_MAX_SESSION_LIFETIME = timedelta(hours=1)
    clock.advance(2 * 3600)
    for endpoint in ("update_refresh", "refresh_access", "validate_refresh"):
        assert_error(api.post(f"{P}/{endpoint}/", pair.refresh), 401, "session_expired")
    assert store.entries() == {}


def test_R5_none_disables_the_cap(store, alice, api, settings):
    settings.DJWTO_MAX_SESSION_LIFETIME = None
    now = int(time.time())
    auth_time = now - 90 * DAY
    previous = {"sid": new_sid(auth_time * 10**9), "auth_time": auth_time}
    pair = api.rotated(encode(build_refresh_claims(alice, previous=previous, now=now - 600)))
    refresh = decode_unverified(pair.refresh)
    assert refresh["auth_time"] == auth_time
    assert now + DAY <= refresh["exp"] <= int(time.time()) + DAY
