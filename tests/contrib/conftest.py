"""Fixtures of the adapter tests: their URLconf, tokens of every kind, the middleware switch."""

from __future__ import annotations

import asyncio
import time

import pytest
from asgiref.sync import sync_to_async
from django.db import connections

from djwto.backends import encode
from djwto.claims import build_access_claims, build_refresh_claims
from tests.security.helpers import forge

MIDDLEWARE = "djwto.middleware.JWTAuthenticationMiddleware"


@pytest.fixture(autouse=True)
def _contrib_urls(settings):
    settings.ROOT_URLCONF = "tests.contrib.urls"


@pytest.fixture(autouse=True)
def _close_async_connections():
    """The async ORM runs in asgiref's shared thread, whose connection would otherwise stay
    open and keep PostgreSQL from dropping the test database at the end."""
    yield
    asyncio.run(sync_to_async(connections.close_all)())


@pytest.fixture
def with_middleware(settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, MIDDLEWARE]


def pair(user, *, now: float | None = None) -> tuple[str, str]:
    """(refresh, access) tokens for ``user``, as the login view builds them."""
    refresh = build_refresh_claims(user, now=None if now is None else int(now))
    access = build_access_claims(refresh, now=None if now is None else int(now))
    return encode(refresh), encode(access)


def access_token(user) -> str:
    return pair(user)[1]


def refresh_token(user) -> str:
    return pair(user)[0]


def expired_access(user) -> str:
    return pair(user, now=time.time() - 3 * 24 * 3600)[1]


def forged_access(user) -> str:
    """An access token with the right claims, MAC'd with a key the server does not hold."""
    refresh = build_refresh_claims(user)
    return forge(build_access_claims(refresh), key="not-the-servers-key-" * 4)


def bad_tokens(user) -> dict[str, str]:
    return {
        "expired": expired_access(user),
        "forged": forged_access(user),
        "garbage": "not.a.jwt",
        "refresh": refresh_token(user),
    }


BAD = ("expired", "forged", "garbage", "refresh")


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}
