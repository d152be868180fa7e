"""``DJWTO_DENYLIST_LOCAL_CACHE``: CacheStore's per-process copy of Redis entries, kept
exact by Redis's invalidation messages (server-assisted client tracking, BCAST, RESP2).

Revocations written by another client or another process reach the copy within milliseconds;
a read an invalidation overtook is never kept; a lost tracking connection turns the copy off
(lookups go to Redis) until tracking is back; setting changes stop the tracker.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone

import djwto
from djwto.stores import CacheStore, Entry, Kind, Reason, encode_entry
from tests.support import PROTECTED, REDIS_URL, REFRESH_ENDPOINTS, P, assert_error, redis_client

pytestmark = [pytest.mark.django_db, pytest.mark.redis]

SIZE = 1000
TRACKER = "djwto-denylist-tracker"


@pytest.fixture
def local_store(redis_store, settings):
    settings.DJWTO_CHECK_ACCESS_REVOCATION = True
    settings.DJWTO_DENYLIST_LOCAL_CACHE = SIZE
    return redis_store


def local():
    found = CacheStore().get_local_copy()
    assert found is not None
    return found


def wait_for(condition, timeout: float = 1.0) -> float:
    """Seconds until ``condition()`` held; fails after ``timeout``."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            pytest.fail(f"not within {timeout} s: {condition}")
        time.sleep(0.0005)
    return time.monotonic() - start


def write_from_another_client(key_prefix: str, user_id: str) -> None:
    """Another client (its own connection) revokes ``user_id``'s sessions as djwto writes it."""
    now = timezone.now()
    entry = Entry(f"user:{user_id}", Kind.USER, Reason.REVOKED, user_id, now + timedelta(2), now)
    name = f"{key_prefix}:1:{CacheStore.prefix}user:{user_id}"
    redis_client().set(name, encode_entry(entry), ex=60)


def user_revocation(user_id: str) -> bytes:
    now = timezone.now()
    entry = Entry(f"user:{user_id}", Kind.USER, Reason.REVOKED, user_id, now + timedelta(2), now)
    return encode_entry(entry).encode()


def trackers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(TRACKER)]


def test_off_by_default(redis_store, settings, alice, api):
    settings.DJWTO_CHECK_ACCESS_REVOCATION = True
    pair = api.login()
    assert api.get(PROTECTED[0], pair.access).status_code == 200
    assert CacheStore().get_local_copy() is None
    wait_for(lambda: not trackers())  # those of earlier tests exit within a poll (0.2 s)
    djwto.revoke_user_sessions(alice)
    assert_error(api.get(PROTECTED[0], pair.access), 401)


def test_answers_from_the_copy_and_sees_another_clients_revocation(local_store, alice, api):
    pair = api.login()
    assert api.get(PROTECTED[0], pair.access).status_code == 200
    cache = local()
    assert cache.is_trusted()
    user = f"user:{alice.pk}"
    assert user in cache.entries and cache.entries[user] is None  # "not revoked" is kept

    calls = []
    client = CacheStore().get_redis_server().client
    real_mget = client.mget
    client.mget = lambda *a, **k: calls.append(a) or real_mget(*a, **k)
    try:
        for path in PROTECTED:
            assert api.get(path, pair.access).status_code == 200
    finally:
        del client.mget
    assert calls == [], "answered from the local copy, no round trip"

    start = time.monotonic()
    write_from_another_client(local_store.key_prefix, str(alice.pk))
    wait_for(lambda: user not in cache.entries)
    print(
        f"revoked by another client, seen here {(time.monotonic() - start) * 1e3:.2f} ms "
        "after the write began"
    )
    for path in PROTECTED:
        assert_error(api.get(path, pair.access), 401)
    assert cache.entries[user] is not None  # the revocation is now the cached answer


def test_own_writes_are_read_at_once(local_store, alice, api):
    pair = api.login()
    assert api.get(PROTECTED[0], pair.access).status_code == 200
    djwto.revoke_user_sessions(alice)  # no waiting for Redis's message
    assert_error(api.get(PROTECTED[0], pair.access), 401)


def test_a_read_an_invalidation_overtook_is_not_kept(local_store, alice, monkeypatch):
    store = CacheStore()
    assert store.lookup(["warm"]) == {}
    cache = local()
    real_fetch = CacheStore.fetch

    def fetch_then_invalidated(self, stored, server):
        found = real_fetch(self, stored, server)
        # An invalidation arriving while the MGET was in flight.
        cache.invalidated([(cache.made_prefix + next(iter(stored))).encode()])
        return found

    monkeypatch.setattr(CacheStore, "fetch", fetch_then_invalidated)
    assert store.lookup(["user:x", "sid:y"]) == {}
    assert "user:x" not in cache.entries and "sid:y" not in cache.entries
    monkeypatch.setattr(CacheStore, "fetch", real_fetch)
    assert store.lookup(["user:x", "sid:y"]) == {}
    assert cache.entries["user:x"] is None and cache.entries["sid:y"] is None


def test_a_flush_message_empties_the_copy(local_store):
    store = CacheStore()
    store.lookup(["a", "b"])
    cache = local()
    assert set(cache.entries) == {"a", "b"}
    cache.invalidated(None)
    assert cache.entries == {}


def test_lost_tracking_turns_the_copy_off_until_it_is_back(local_store, alice, api):
    import redis

    pair = api.login()
    assert api.get(PROTECTED[0], pair.access).status_code == 200
    cache = local()
    assert cache.entries
    real_connect = cache.connect
    cache.connect = lambda: redis.Connection(
        host="127.0.0.1", port=1, protocol=2, socket_connect_timeout=0.2
    )
    redis_client().client_kill_filter(_id=cache.client_id)
    wait_for(lambda: not cache.active)
    assert cache.entries == {} and not cache.is_trusted()

    # Off: every lookup reads Redis, so a revocation by another client counts at once.
    write_from_another_client(local_store.key_prefix, str(alice.pk))
    assert_error(api.get(PROTECTED[0], pair.access), 401)
    assert cache.entries == {}

    cache.connect = real_connect
    wait_for(cache.is_trusted, timeout=3)
    assert_error(api.get(PROTECTED[0], pair.access), 401)
    assert cache.entries[f"user:{alice.pk}"] is not None


def test_silence_turns_the_copy_off(local_store):
    CacheStore().lookup(["a"])
    cache = local()
    assert cache.is_trusted()
    cache.last_seen -= cache.silence_limit + 1  # as if pings went unanswered
    assert not cache.is_trusted()


def test_setting_changes_stop_the_tracker(local_store, settings):
    CacheStore().lookup(["a"])
    old = local()
    client_id = old.client_id
    settings.DJWTO_DENYLIST_LOCAL_CACHE = 10
    old.thread.join(2)
    assert not old.thread.is_alive() and not old.active
    clients = redis_client().client_list()
    assert all(int(c["id"]) != client_id for c in clients)
    CacheStore().lookup(["a"])
    new = local()
    assert new is not old and new.size == 10 and new.is_trusted()
    settings.DJWTO_DENYLIST_LOCAL_CACHE = 0
    new.thread.join(2)
    assert not new.thread.is_alive()
    assert CacheStore().lookup(["a"]) == {}
    assert CacheStore().get_local_copy() is None
    wait_for(lambda: not trackers())


def test_the_copy_stays_bounded(local_store, settings):
    settings.DJWTO_DENYLIST_LOCAL_CACHE = 3
    store = CacheStore()
    store.lookup(["a", "b"])
    cache = local()
    store.lookup(["c"])
    assert len(cache.entries) == 3
    store.lookup(["d"])
    assert set(cache.entries) == {"d"}


def test_a_revocation_by_another_process(local_store, alice, api):
    pair = api.login()
    assert api.get(PROTECTED[0], pair.access).status_code == 200
    cache = local()
    user = f"user:{alice.pk}"
    assert user in cache.entries
    made = f"{local_store.key_prefix}:1:{CacheStore.prefix}{user}"
    value = user_revocation(str(alice.pk))
    snippet = (
        "import sys, redis; r = redis.Redis.from_url(sys.argv[1]); "
        "r.set(sys.argv[2], sys.stdin.buffer.read(), ex=60)"
    )
    subprocess.run(
        [sys.executable, "-c", snippet, REDIS_URL, made], input=value, check=True, timeout=10
    )
    wait_for(lambda: user not in cache.entries)
    assert_error(api.get(PROTECTED[0], pair.access), 401)


def test_async_lookups_use_the_copy(local_store, alice):
    from asgiref.sync import async_to_sync

    store = CacheStore()
    assert async_to_sync(store.alookup)(["a", "b"]) == {}
    cache = local()
    assert set(cache.entries) == {"a", "b"}
    store.put(
        Entry(
            "a",
            Kind.REFRESH,
            Reason.ROTATED,
            "1",
            timezone.now() + timedelta(minutes=5),
            timezone.now(),
        )
    )
    assert set(async_to_sync(store.alookup)(["a", "b"])) == {"a"}


def test_the_setting_is_checked(settings):
    from djwto.checks import _check_sizes

    for bad in (-1, "100", 1.5, True):
        settings.DJWTO_DENYLIST_LOCAL_CACHE = bad
        assert [m.id for m in _check_sizes()] == ["djwto.E008"]
    settings.DJWTO_DENYLIST_LOCAL_CACHE = 100
    assert _check_sizes() == []


def test_R7_the_copy_never_answers_for_a_path_that_issues_tokens(local_store, alice, api):
    pair = api.login()
    assert api.get(PROTECTED[0], pair.access).status_code == 200
    cache = local()
    user = f"user:{alice.pk}"
    write_from_another_client(local_store.key_prefix, str(alice.pk))
    wait_for(lambda: user not in cache.entries)
    cache.entries[user] = None  # a stale "not revoked", as if the invalidation were late
    assert api.get(PROTECTED[0], pair.access).status_code == 200  # the copy answered
    for endpoint in REFRESH_ENDPOINTS:  # Redis answers: the revocation holds
        assert_error(api.post(f"{P}/{endpoint}/", pair.refresh), 401, "token_revoked")
    assert cache.entries[user] is None  # and the copy was not consulted (nor refilled)
