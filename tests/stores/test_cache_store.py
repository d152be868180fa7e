"""The cache store's two paths: its own redis-py client on Django's RedisCache (one kept
client, one MGET per lookup, djwto's own value encoding, TTLs, fail closed on what it cannot
read) and Django's public cache API on every other backend."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import warnings
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured

import djwto
from djwto import sessions
from djwto.claims import new_sid
from djwto.exceptions import StoreUnavailable
from djwto.stores import CacheStore, Kind, Reason, decode_entry, encode_entry
from djwto.stores.testing import make_entry
from tests.sessions.support import REDIS_URL, redis_client

from .conftest import redis_caches

redis_only = pytest.mark.redis


class MyRedisCache(RedisCache):
    """A project's own RedisCache: it may talk to Redis its own way."""


class RefusingCache(LocMemCache):
    """A cache that reports every key of ``set_many`` as not stored, as memcached can."""

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return list(data)


def raw(key_prefix: str, key: str) -> bytes | None:
    return redis_client().get(f"{key_prefix}:1:{CacheStore.prefix}{key}")


# --- Redis: the store's own client -------------------------------------------------------------


@redis_only
def test_one_client_per_process_and_settings(redis_alias, settings):
    store = CacheStore()
    server = store.get_redis_server()
    seen = []
    thread = threading.Thread(target=lambda: seen.append(CacheStore().get_redis_server()))
    thread.start()
    thread.join()
    assert seen == [server] and CacheStore().get_redis_server() is server
    settings.CACHES = redis_caches(redis_alias)  # any change of CACHES builds a new one
    assert CacheStore().get_redis_server() is not server


@redis_only
def test_a_lookup_is_one_mget(redis_alias, monkeypatch):
    store = CacheStore()
    store.put(make_entry("user:7", Kind.USER, Reason.REVOKED))
    client = store.get_redis_server().client
    calls = []
    real_mget = client.mget
    monkeypatch.setattr(client, "mget", lambda names: calls.append(names) or real_mget(names))
    assert set(store.lookup(["user:7", "sid:x", "jti-y"])) == {"user:7"}
    assert len(calls) == 1 and len(calls[0]) == 3
    assert store.lookup([]) == {} and len(calls) == 1  # nothing to ask: no round trip


@redis_only
def test_values_are_djwtos_own_encoding_not_pickle(redis_alias):
    store = CacheStore()
    entry = make_entry("sid:abc", Kind.SESSION, Reason.LOGOUT, user_id="7")
    store.put(entry)
    value = raw(redis_alias, "sid:abc")
    kind, reason, user_id = json.loads(value)[1:4]
    assert (kind, reason, user_id) == ("session", "logout", "7")
    assert decode_entry("sid:abc", value) == entry
    # Django's cache API on the same alias does not read them as its own values.
    with pytest.raises(Exception):  # noqa: B017 - pickle's error, whatever it is
        caches["deny"].get(f"{CacheStore.prefix}sid:abc")


@redis_only
def test_a_custom_serializer_in_options_changes_nothing(redis_alias, settings):
    settings.CACHES = redis_caches(
        redis_alias, OPTIONS={"serializer": "no.such.Serializer", "socket_timeout": 5}
    )
    store = CacheStore()
    entry = make_entry("jti-s")
    assert store.add(entry) is True
    assert store.lookup(["jti-s"]) == {"jti-s": entry}


@redis_only
def test_every_key_has_its_entrys_ttl(redis_alias):
    store = CacheStore()
    store.put_many(
        [
            make_entry("sid:long", Kind.SESSION, Reason.LOGOUT, lifetime=timedelta(days=1)),
            make_entry("jti-short", Kind.REFRESH, Reason.LOGOUT, lifetime=timedelta(minutes=1)),
        ]
    )
    store.add(make_entry("jti-added", lifetime=timedelta(minutes=10)))
    client = redis_client()
    ttl = {
        k: client.pttl(f"{redis_alias}:1:{CacheStore.prefix}{k}")
        for k in ("sid:long", "jti-short", "jti-added")
    }
    assert 86_390_000 < ttl["sid:long"] <= 86_400_000
    assert 50_000 < ttl["jti-short"] <= 60_000
    assert 590_000 < ttl["jti-added"] <= 600_000


@redis_only
def test_the_primary_of_several_locations_is_read_and_written(redis_alias, settings):
    settings.CACHES = redis_caches(redis_alias, LOCATION=f"{REDIS_URL},redis://127.0.0.1:1/0")
    store = CacheStore()
    assert store.get_redis_server().url == REDIS_URL
    store.put(make_entry("jti-p"))
    assert set(store.lookup(["jti-p"])) == {"jti-p"}  # never the replica, where nothing listens


@redis_only
def test_a_value_djwto_cannot_read_fails_closed(redis_alias, alice):
    sid = new_sid()
    redis_client().set(f"{redis_alias}:1:{CacheStore.prefix}sid:{sid}", b"\x80\x05garbage")
    with pytest.raises(StoreUnavailable):
        sessions.check_access({"user": {"id": alice.pk}, "sid": sid, "type": "access"})


def test_decode_refuses_what_djwto_did_not_write():
    good = json.loads(encode_entry(make_entry("k")))
    for bad in (b"", b"null", b"[]", json.dumps([2, *good[1:]]), json.dumps([*good[:4], 1.5, 1])):
        with pytest.raises(ValueError, match="not a djwto denylist entry"):
            decode_entry("k", bad)


# --- every other cache: Django's public cache API ----------------------------------------------


@pytest.fixture
def locmem(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "deny": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "x"},
    }
    settings.DJWTO_DENYLIST_CACHE = "deny"
    caches["deny"].clear()
    return caches["deny"]


def test_other_caches_use_the_public_cache_api(locmem, monkeypatch):
    store = CacheStore()
    assert store.get_redis_server() is None
    calls = []
    real = type(locmem).get_many
    monkeypatch.setattr(
        type(locmem), "get_many", lambda self, keys: calls.append(keys) or real(self, keys)
    )
    store.put(make_entry("jti-1"))
    assert set(store.lookup(["jti-1", "jti-2"])) == {"jti-1"}
    assert calls == [[f"{CacheStore.prefix}jti-1", f"{CacheStore.prefix}jti-2"]]


def test_a_subclass_of_rediscache_goes_through_its_own_api(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "deny": {"BACKEND": "tests.stores.test_cache_store.MyRedisCache", "LOCATION": REDIS_URL},
    }
    settings.DJWTO_DENYLIST_CACHE = "deny"
    assert CacheStore().get_redis_server() is None


def test_long_keys_are_stored_under_a_digest_without_warnings(locmem):
    store = CacheStore()
    key = "user:" + "x" * 250
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no CacheKeyWarning: memcached would refuse the key
        store.put(make_entry(key))
        assert set(store.lookup([key])) == {key}
    digest = hashlib.sha256(key.encode()).hexdigest()
    assert locmem.get(f"{CacheStore.prefix}sha256:{digest}") is not None


def test_entries_the_cache_did_not_store_fail_closed(settings, alice):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "deny": {"BACKEND": "tests.stores.test_cache_store.RefusingCache"},
    }
    settings.DJWTO_DENYLIST_BACKEND = "djwto.stores.CacheStore"
    settings.DJWTO_DENYLIST_CACHE = "deny"
    with pytest.raises(StoreUnavailable):
        djwto.revoke_user_sessions(alice)
    with pytest.raises(RuntimeError, match="did not store 2 denylist entries"):
        CacheStore().put_many([make_entry("a"), make_entry("b")])


# --- configuration -----------------------------------------------------------------------------


@redis_only
def test_pool_and_parser_classes_named_in_options(redis_alias, settings):
    settings.CACHES = redis_caches(
        redis_alias,
        OPTIONS={
            "pool_class": "redis.BlockingConnectionPool",
            "parser_class": "redis.connection.DefaultParser",
        },
    )
    store = CacheStore()
    assert type(store.get_redis_server().client.connection_pool).__name__ == (
        "BlockingConnectionPool"
    )
    store.put(make_entry("jti-o"))
    assert set(store.lookup(["jti-o"])) == {"jti-o"}


@redis_only
def test_a_redis_cache_without_location_is_refused(redis_alias, settings):
    settings.CACHES = redis_caches(redis_alias, LOCATION="")
    with pytest.raises(ImproperlyConfigured, match="has no LOCATION"):
        CacheStore().lookup(["x"])


@redis_only
@pytest.mark.parametrize("size", [-1, "100", True])
def test_a_bad_local_copy_size_is_refused(redis_alias, settings, size):
    settings.DJWTO_DENYLIST_LOCAL_CACHE = size
    with pytest.raises(ImproperlyConfigured, match="DJWTO_DENYLIST_LOCAL_CACHE"):
        CacheStore().lookup(["x"])


@redis_only
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_never_trusts_the_parents_copy(redis_alias, settings):
    settings.DJWTO_DENYLIST_LOCAL_CACHE = 100
    store = CacheStore()
    store.lookup(["a"])
    parent = store.get_local_copy()
    assert parent.is_trusted() and "a" in parent.entries
    pid = os.fork()
    if pid == 0:  # the child: the tracking thread stayed in the parent
        ok = (
            CacheStore().get_local_copy(start=False) is None
            and not parent.is_trusted()
            and parent.entries == {}
        )
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert parent.is_trusted()
