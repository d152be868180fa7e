"""Fixtures of the core suite (helpers: tests/support; the clock: tests/conftest.py)."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.fixture
def client_enforcing():
    return Client(enforce_csrf_checks=True)


@pytest.fixture(params=["sync", "async"])
def flavour(request):
    """Parametrise a test over the sync and the async protected views."""
    return request.param
