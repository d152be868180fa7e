"""Shared fixtures: users, the clock, and a logged-in session in each transport mode
(the helpers they use live in tests/support)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from djwto.conf import clear_derived
from tests.support import MODES, PASSWORD, Clock, login


@pytest.fixture(autouse=True)
def _fresh_derived_state():
    """Each test starts with empty key/token caches (settings changes clear them anyway)."""
    clear_derived()
    yield
    clear_derived()


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def clock(monkeypatch):
    """The time, frozen at the test's start: ``clock.advance(s)`` moves it, ``clock.now = t``
    sets it (``time.time``, ``time.time_ns`` and ``timezone.now`` all follow)."""
    return Clock(monkeypatch)


@pytest.fixture
def alice(db, password):
    user = get_user_model().objects.create_user("alice", "alice@djwto.com", password)
    user.user_permissions.add(Permission.objects.get(codename="perm1"))
    return user


@pytest.fixture
def bob(db, password):
    return get_user_model().objects.create_user("bob", "bob@djwto.com", password)


@pytest.fixture(params=MODES)
def mode(request, settings):
    settings.DJWTO_MODE = request.param
    if request.param != "JSON":
        settings.DJWTO_COOKIE_SECURE = True
    return request.param


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def alice_session(mode, alice, password, csrf_client):
    session = login(csrf_client, mode, "alice", password)
    assert session.login_response.status_code == 200, session.login_response.content
    return session
