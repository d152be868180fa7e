"""Fixtures of the session tests: the two denylist stores, an API client, signal capture."""

from __future__ import annotations

import pytest

from djwto import signals

from .support import Api, DatabaseStoreView, fresh_redis_store


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


@pytest.fixture
def api():
    return Api()


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
