"""Helpers for the core suite: building tokens directly, a controllable clock, signal capture."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from djwto.backends import encode
from djwto.claims import build_access_claims, build_refresh_claims
from tests.conftest import P, decode_unverified, login

__all__ = ["P", "bearer", "decode_unverified", "login", "make_pair", "sign"]


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


#: The ways a user can stop being the one a refresh token was issued to.
USER_CHANGES = ("deactivate", "delete", "password")


def change_user(user, change: str) -> None:
    """Deactivate or delete ``user``, or change its password (one of :data:`USER_CHANGES`)."""
    if change == "deactivate":
        user.is_active = False
        user.save()
    elif change == "delete":
        user.delete()
    else:
        user.set_password("something else")
        user.save()


def sign(claims: dict) -> str:
    return encode(claims)


def make_pair(user, *, now: int | None = None, **refresh_overrides) -> tuple[dict, dict]:
    """(refresh claims, access claims) for ``user``, as the views build them."""
    refresh = build_refresh_claims(user, now=now)
    refresh.update(refresh_overrides)
    return refresh, build_access_claims(refresh, now=now)


class Clock:
    """``time.time`` under the test's control (every djwto module reads the clock through it)."""

    def __init__(self, start: float):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    fake = Clock(time.time())
    monkeypatch.setattr(time, "time", fake)
    return fake


@pytest.fixture
def client_enforcing():
    return Client(enforce_csrf_checks=True)


@pytest.fixture(params=["sync", "async"])
def flavour(request):
    """Parametrise a test over the sync and the async protected views."""
    return request.param
