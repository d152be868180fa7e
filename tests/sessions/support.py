"""Helpers of the session tests: a JSON-mode API client and store inspection (the services,
the clock and the error assertion are in tests/support)."""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.test import Client

from tests.support import PASSWORD, REDIS_URL, P, bearer, redis_client, require_redis


@dataclass
class Pair:
    refresh: str
    access: str


class Api:
    """The JSON mode through Django's test client: Bearer headers, tokens in bodies."""

    def __init__(self, client: Client | None = None):
        self.client = client or Client()

    def login(self, username: str = "alice", password: str = PASSWORD) -> Pair:
        response = self.client.post("/login/", {"username": username, "password": password})
        assert response.status_code == 200, response.content
        body = response.json()
        return Pair(body["refresh"], body["access"])

    def post(self, path: str, token: str | None = None, **extra: Any):
        headers = bearer(token) if token is not None else {}
        return self.client.post(path, **headers, **extra)

    def rotate(self, refresh: str):
        return self.post(f"{P}/update_refresh/", refresh)

    def refresh(self, refresh: str):
        return self.post(f"{P}/refresh_access/", refresh)

    def validate_refresh(self, refresh: str):
        return self.post(f"{P}/validate_refresh/", refresh)

    def logout(self, refresh: str):
        return self.post(f"{P}/logout/", refresh)

    def logout_all(self, refresh: str):
        return self.post(f"{P}/logout_all/", refresh)

    def get(self, path: str, access: str):
        return self.client.get(path, **bearer(access))

    def rotated(self, refresh: str) -> Pair:
        response = self.rotate(refresh)
        assert response.status_code == 200, response.content
        body = response.json()
        return Pair(body["refresh"], body["access"])


# --- looking inside the stores ---------------------------------------------------------------


class StoreView:
    """What a store holds, read behind djwto's back."""

    kind = ""

    def entries(self) -> dict[str, tuple]:
        """key -> (kind, reason, user_id)."""
        raise NotImplementedError

    def dump(self) -> str:
        """Every key and value, as text: for "never holds a raw token" checks."""
        raise NotImplementedError


class DatabaseStoreView(StoreView):
    kind = "database"

    def entries(self):
        from djwto.models import DeniedToken

        return {
            row.jti: (row.token_type, row.reason, row.user_id) for row in DeniedToken.objects.all()
        }

    def dump(self):
        from djwto.models import DeniedToken

        return "\n".join(repr(row) for row in DeniedToken.objects.values_list())


class RedisStoreView(StoreView):
    kind = "redis"

    def __init__(self, key_prefix: str):
        self.key_prefix = key_prefix
        self.client = redis_client()

    def _keys(self) -> list[bytes]:
        return list(self.client.scan_iter(match=f"{self.key_prefix}:*", count=1000))

    def entries(self):
        from djwto.stores import decode_entry

        found = {}
        marker = ":djwto:deny:"
        for key in self._keys():
            value = self.client.get(key)
            if value is None:
                continue
            name = key.decode().split(marker, 1)[1]
            entry = decode_entry(name, value)
            found[name] = (entry.kind, entry.reason, entry.user_id)
        return found

    def ttl(self, key: str) -> int:
        return self.client.ttl(f"{self.key_prefix}:1:djwto:deny:{key}")

    def dump(self):
        parts = []
        for key in self._keys():
            value = self.client.get(key) or b""
            parts.append(f"{key!r} {value!r}")
        return "\n".join(parts)

    def clear(self) -> None:
        keys = self._keys()
        if keys:
            self.client.delete(*keys)


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


@contextmanager
def fresh_redis_store(settings, name: str = "test"):
    """``CacheStore`` on Redis under a key prefix of its own, emptied afterwards."""
    require_redis()
    view = use_redis_store(settings, f"djwto-sessions-{name}-{uuid.uuid4().hex[:12]}")
    try:
        yield view
    finally:
        view.clear()


def assert_no_raw_tokens(view: StoreView, *tokens: str) -> None:
    dump = view.dump()
    for token in tokens:
        for segment in token.split("."):
            assert segment not in dump, "a token (or a segment of one) is in the store"
