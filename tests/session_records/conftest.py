"""Fixtures of the session-record tests: records on; the stores and the API client of
tests/sessions and the demo servers of tests/e2e (imported, not copied)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.e2e.conftest import demo_pool  # noqa: F401
from tests.sessions.conftest import api, redis_store, store  # noqa: F401


@pytest.fixture
def records(db, settings):
    """``DJWTO_SESSION_RECORDS`` on; the model, to read what was written."""
    from djwto.models import SessionRecord

    settings.DJWTO_SESSION_RECORDS = True
    return SessionRecord


@pytest.fixture
def device():
    """A second client: another browser or phone of the same user."""
    return Client(HTTP_USER_AGENT="Phone/2.0", REMOTE_ADDR="203.0.113.9")
