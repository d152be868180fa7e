"""The policy in djwto.sessions called directly, and the store interface a project can implement."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from asgiref.sync import async_to_sync

from djwto import sessions
from djwto.claims import build_refresh_claims, new_sid
from djwto.exceptions import InvalidToken, RevokedToken, StoreUnavailable, TokenReused
from djwto.stores import BaseStore, CacheStore, Entry, Kind, Reason, get_store
from tests.support import assert_error

pytestmark = pytest.mark.django_db


class DictStore(BaseStore):
    """The smallest store: what a project writes to plug in its own (one process only)."""

    data: dict[str, Entry] = {}

    def lookup(self, keys):
        return {key: self.data[key] for key in keys if key in self.data}

    def add(self, entry):
        return self.data.setdefault(entry.key, entry) is entry

    def put(self, entry):
        self.data[entry.key] = entry

    def purge_expired(self):
        return 0


@pytest.fixture
def dict_store(settings):
    DictStore.data = {}
    settings.DJWTO_DENYLIST_BACKEND = DictStore
    return DictStore.data


def test_a_custom_store_gets_the_whole_policy(dict_store, alice, api, settings, received):
    settings.DJWTO_CHECK_ACCESS_REVOCATION = True
    stolen = api.login()
    legit = api.rotated(stolen.refresh)
    assert_error(api.rotate(stolen.refresh), 401, "token_reused")
    assert_error(api.get("/aprotected/", legit.access), 401, "token_revoked")  # default alookup
    other = api.login()
    assert api.logout(other.refresh).status_code == 200  # default put_many
    assert {e.reason for e in dict_store.values()} == {"rotated", "reused", "logout"}


def test_claims_user_id_falls_back_to_sub():
    assert sessions.get_claims_user_id({"sub": "7"}) == "7"
    assert sessions.get_claims_user_id({"user": {"id": 3}, "sub": "7"}) == "3"


def test_djwto_errors_of_a_store_pass_through(settings):
    def refuse(*args):
        raise RevokedToken()

    with pytest.raises(RevokedToken):
        sessions._store(refuse)
    with pytest.raises(StoreUnavailable):
        sessions._store(lambda: 1 / 0)


def test_async_djwto_errors_of_a_store_pass_through():
    async def refuse(*args):
        raise RevokedToken()

    with pytest.raises(RevokedToken):
        async_to_sync(sessions._astore)(refuse)


def test_session_start_falls_back_to_the_sid(alice, settings):
    started = int(time.time()) - 7200
    claims = {"sid": new_sid(started * 10**9)}
    assert sessions.get_session_start(claims) == started
    settings.DJWTO_MAX_SESSION_LIFETIME = timedelta(hours=1)
    with pytest.raises(InvalidToken) as info:
        sessions.check_session_lifetime(claims)
    assert info.value.code == "session_expired"


def test_consuming_a_logged_out_token_is_refused_not_reuse(store, alice, received):
    claims = build_refresh_claims(alice)
    now = datetime.now(UTC)
    get_store().put(
        Entry(
            claims["jti"], Kind.REFRESH, Reason.LOGOUT, str(alice.pk), now + timedelta(days=1), now
        )
    )
    with pytest.raises(RevokedToken) as info:
        sessions.consume_refresh(claims)  # a logout that won the race against a rotation
    assert info.value.code == "token_revoked" and received["reuse"] == []


def test_tokens_without_a_sid_revoke_what_they_name(store, alice, received):
    claims = build_refresh_claims(alice)
    del claims["sid"]
    sessions.revoke_refresh(claims)
    assert list(store.entries()) == [claims["jti"]]
    sessions.consume_refresh({**claims, "jti": "another"})
    with pytest.raises(TokenReused):
        sessions.consume_refresh({**claims, "jti": "another"})
    assert received["reuse"][0]["sid"] is None


@pytest.mark.redis
def test_cache_put_many_of_nothing_writes_nothing(redis_store):
    CacheStore().put_many([])
    assert redis_store.entries() == {}
