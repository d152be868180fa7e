"""Fixtures of the attack catalogue: the carriers (transports) a case runs over, and users."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from tests.security.helpers import Carrier
from tests.support import ACCESS_CARRIERS, REFRESH_CARRIERS


def _use(settings, carrier: Carrier) -> Carrier:
    settings.DJWTO_MODE = carrier.mode
    settings.DJWTO_COOKIE_SECURE = True
    return carrier


@pytest.fixture(params=ACCESS_CARRIERS)
def access_carrier(request, settings):
    """Bearer header, ONE-COOKIE's jwt_access, TWO-COOKIES' jwt_access_token."""
    return _use(settings, Carrier(request.param))


@pytest.fixture(params=REFRESH_CARRIERS)
def refresh_carrier(request, settings):
    """Bearer header, JSON body ``{"refresh"}``, the jwt_refresh cookie (two cookie modes)."""
    return _use(settings, Carrier(request.param))


@pytest.fixture
def carol(db, password):
    """An inactive user with the right password."""
    return get_user_model().objects.create_user(
        "carol", "carol@djwto.com", password, is_active=False
    )


@pytest.fixture(autouse=True)
def _no_env_key(monkeypatch):
    # The environment variable is djwto's fallback key: it must not mask a missing setting.
    monkeypatch.delenv("DJWTO_SIGNING_KEY", raising=False)
