"""Helpers of the session tests: services, a JSON-mode API client, store inspection, a clock."""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

P = "/api/token/refresh"
PASSWORD = "correct horse battery staple"  # the password of tests/conftest.py's users

PG_HOST = os.environ.get("DJWTO_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("DJWTO_PG_PORT", "5432"))
PG_USER = os.environ.get("DJWTO_PG_USER", "postgres")
REDIS_URL = os.environ.get("DJWTO_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def reachable(host: str, port: int, timeout: float = 1.0) -> str | None:
    """``None`` if a TCP connection to host:port opens, else why not."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except OSError as exc:
        return f"{exc.__class__.__name__}: {exc}"


def require_postgres() -> None:
    error = reachable(PG_HOST, PG_PORT)
    if error:
        pytest.skip(
            f"PostgreSQL is not reachable at {PG_HOST}:{PG_PORT} ({error}); "
            "start it to run this test"
        )


def require_redis() -> None:
    parts = urlsplit(REDIS_URL)
    error = reachable(parts.hostname or "127.0.0.1", parts.port or 6379)
    if error:
        pytest.skip(f"Redis is not reachable at {REDIS_URL} ({error}); start it to run this test")


def redis_client():
    import redis

    return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


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


REFRESH_ENDPOINTS = ("refresh_access", "update_refresh", "validate_refresh", "logout", "logout_all")
PROTECTED = ("/protected/", "/aprotected/", "/fn/", "/afn/")


def assert_error(response, status: int, code: str | None = None) -> dict:
    """A JSON ``{"error", "code"}`` answer of ``status`` that carries no token."""
    assert response.status_code == status, (response.status_code, response.content)
    body = response.json()
    assert set(body) == {"error", "code"}, body
    if code is not None:
        assert body["code"] == code, body
    assert "refresh" not in body and "access" not in body
    for morsel in response.cookies.values():
        assert morsel.value == "", f"{morsel.key} issued on an error"
    return body


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


def assert_no_raw_tokens(view: StoreView, *tokens: str) -> None:
    dump = view.dump()
    for token in tokens:
        for segment in token.split("."):
            assert segment not in dump, "a token (or a segment of one) is in the store"


# --- a clock the tests can move --------------------------------------------------------------


class Clock:
    """Shifts ``time.time``, ``time.time_ns`` and ``django.utils.timezone.now`` together."""

    def __init__(self, monkeypatch):
        self.offset = 0.0
        real_time, real_time_ns, real_now = time.time, time.time_ns, timezone.now
        monkeypatch.setattr(time, "time", lambda: real_time() + self.offset)
        monkeypatch.setattr(time, "time_ns", lambda: real_time_ns() + int(self.offset * 1e9))
        monkeypatch.setattr(timezone, "now", lambda: real_now() + timedelta(seconds=self.offset))

    def advance(self, seconds: float) -> None:
        self.offset += seconds
