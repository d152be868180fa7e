"""The store contract (djwto.stores.testing.StoreContract) run on every store djwto ships:
the database store (on the test database: SQLite, or PostgreSQL in the PostgreSQL pass), the
cache store on the local-memory cache, on Redis, and on Redis with the per-process copy."""

from __future__ import annotations

import pytest
from django.db import connection

from djwto.stores import CacheStore, DatabaseStore
from djwto.stores.testing import StoreContract


class TestDatabaseStore(StoreContract):
    # SQLite serialises writers (and its in-memory test database is one connection's): the
    # thread race runs on PostgreSQL.
    @property
    def concurrent(self) -> bool:
        return connection.vendor == "postgresql"

    @pytest.fixture
    def store(self, transactional_db):  # racing threads only see committed rows
        return DatabaseStore()


class TestLocMemCacheStore(StoreContract):
    @pytest.fixture
    def store(self, settings):
        settings.CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
            "deny": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": "djwto-contract",
            },
        }
        settings.DJWTO_DENYLIST_CACHE = "deny"
        store = CacheStore()
        store.cache.clear()
        assert store.get_redis_server() is None  # Django's public cache API
        return store


@pytest.mark.redis
class TestRedisCacheStore(StoreContract):
    @pytest.fixture
    def store(self, redis_alias):
        store = CacheStore()
        assert store.get_redis_server() is not None and store.get_local_copy() is None
        return store


@pytest.mark.redis
class TestRedisLocalCopyStore(StoreContract):
    @pytest.fixture
    def store(self, redis_alias, settings):
        settings.DJWTO_DENYLIST_LOCAL_CACHE = 1000
        store = CacheStore()
        local = store.get_local_copy()
        assert local is not None and local.is_trusted()
        return store
