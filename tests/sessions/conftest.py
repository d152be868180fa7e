"""Fixtures of the session tests: the two denylist stores, a movable clock, signal capture."""

from __future__ import annotations

import uuid
from contextlib import contextmanager

import pytest

from djwto import signals

from .support import (
    REDIS_URL,
    Api,
    Clock,
    DatabaseStoreView,
    RedisStoreView,
    require_redis,
)


def use_redis_store(settings, key_prefix: str) -> RedisStoreView:
    """Point djwto at ``CacheStore`` on Redis (Django's own ``RedisCache``)."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "djwto_sessions": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": key_prefix,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 5},
        },
    }
    settings.DJWTO_DENYLIST_BACKEND = "djwto.stores.CacheStore"
    settings.DJWTO_DENYLIST_CACHE = "djwto_sessions"
    return RedisStoreView(key_prefix)


@pytest.fixture(params=["database", pytest.param("redis", marks=pytest.mark.redis)])
def store(request, settings):
    """Each test on ``DatabaseStore`` (the test database) and ``CacheStore`` on Redis."""
    if request.param == "database":
        yield DatabaseStoreView()
        return
    with fresh_redis_store(settings) as view:
        yield view


@pytest.fixture
def redis_store(settings):
    """Only ``CacheStore`` on Redis."""
    with fresh_redis_store(settings) as view:
        yield view


@contextmanager
def fresh_redis_store(settings):
    """``CacheStore`` on Redis under a key prefix of its own, emptied afterwards."""
    require_redis()
    view = use_redis_store(settings, f"djwto-sessions-test-{uuid.uuid4().hex[:12]}")
    try:
        yield view
    finally:
        view.clear()


@pytest.fixture
def api():
    return Api()


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def received():
    """The ``jwt_reuse_detected`` and ``jwt_sessions_revoked`` signals sent during a test."""
    events: dict[str, list[dict]] = {"reuse": [], "revoked": []}

    def on_reuse(sender, **kwargs):
        events["reuse"].append({"sender": sender, **kwargs})

    def on_revoked(sender, **kwargs):
        events["revoked"].append({"sender": sender, **kwargs})

    signals.jwt_reuse_detected.connect(on_reuse, weak=False)
    signals.jwt_sessions_revoked.connect(on_revoked, weak=False)
    try:
        yield events
    finally:
        signals.jwt_reuse_detected.disconnect(on_reuse)
        signals.jwt_sessions_revoked.disconnect(on_revoked)
