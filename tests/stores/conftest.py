"""Fixtures of the store tests: a Redis cache alias of its own for each test."""

from __future__ import annotations

import uuid

import pytest

pytest.register_assert_rewrite("djwto.stores.testing")

from tests.sessions.support import REDIS_URL, redis_client, require_redis  # noqa: E402


def redis_caches(key_prefix: str, **config) -> dict:
    return {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "deny": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": key_prefix,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 5},
            **config,
        },
    }


@pytest.fixture
def redis_alias(settings):
    """``DJWTO_DENYLIST_CACHE`` is "deny", Django's RedisCache under a fresh key prefix; the
    prefix, and its keys are deleted afterwards."""
    require_redis()
    key_prefix = f"djwto-stores-test-{uuid.uuid4().hex[:12]}"
    settings.CACHES = redis_caches(key_prefix)
    settings.DJWTO_DENYLIST_BACKEND = "djwto.stores.CacheStore"
    settings.DJWTO_DENYLIST_CACHE = "deny"
    yield key_prefix
    client = redis_client()
    keys = list(client.scan_iter(match=f"{key_prefix}:*", count=1000))
    if keys:
        client.delete(*keys)
