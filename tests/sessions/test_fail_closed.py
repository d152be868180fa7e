"""R4: when the denylist store fails, djwto fails closed.

Refresh, rotation, logout, logout-all and revocation-checked requests answer 503
``{"error", "code": "store_unavailable"}``; no token is issued and nothing is half-written.
Faults: a database error injected into ``DatabaseStore`` (``OperationalError``, as a lost
connection raises), and ``CacheStore`` pointed at a Redis port where nothing listens.
"""

from __future__ import annotations

import pytest
from django.db import OperationalError

from djwto.stores import DatabaseStore
from tests.support import PROTECTED, REFRESH_ENDPOINTS, P, assert_error, decode_unverified

from .support import DatabaseStoreView

pytestmark = pytest.mark.django_db


def _fail(monkeypatch, method: str, *, after: int = 0):
    """Make ``DatabaseStore.<method>`` raise ``OperationalError`` (after ``after`` calls)."""
    real = getattr(DatabaseStore, method)
    calls = {"n": 0}

    def broken(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] > after:
            raise OperationalError("server closed the connection unexpectedly")
        return real(self, *args, **kwargs)

    async def abroken(self, *args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(DatabaseStore, method, abroken if method == "alookup" else broken)


def assert_503(response) -> None:
    assert_error(response, 503, "store_unavailable")
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.parametrize("endpoint", REFRESH_ENDPOINTS)
def test_R4_database_lookup_fails(alice, api, monkeypatch, caplog, endpoint):
    pair = api.login()
    _fail(monkeypatch, "lookup")
    assert_503(api.post(f"{P}/{endpoint}/", pair.refresh))
    assert "denylist store failed (OperationalError: server closed the connection" in caplog.text
    assert pair.refresh not in caplog.text
    monkeypatch.undo()
    assert DatabaseStoreView().entries() == {}


def test_R4_database_insert_fails_on_rotation(alice, api, monkeypatch):
    pair = api.login()
    _fail(monkeypatch, "add")
    assert_503(api.rotate(pair.refresh))
    monkeypatch.undo()
    assert DatabaseStoreView().entries() == {}
    assert api.rotate(pair.refresh).status_code == 200  # nothing was consumed


@pytest.mark.parametrize("endpoint, method", [("logout", "put_many"), ("logout_all", "put")])
def test_R4_database_write_fails_on_revocation(alice, api, monkeypatch, endpoint, method):
    pair = api.login()
    _fail(monkeypatch, method)
    assert_503(api.post(f"{P}/{endpoint}/", pair.refresh))
    monkeypatch.undo()
    assert DatabaseStoreView().entries() == {}
    assert api.refresh(pair.refresh).status_code == 200  # nothing was revoked either
    assert api.post(f"{P}/{endpoint}/", pair.refresh).status_code == 200


def test_R4_logout_is_all_or_nothing(alice, api, monkeypatch):
    pair = api.login()
    _fail(monkeypatch, "put", after=1)  # the session is written, then the token's row fails
    assert_503(api.logout(pair.refresh))
    monkeypatch.undo()
    assert DatabaseStoreView().entries() == {}  # rolled back: no half-written logout


def test_R4_reuse_that_cannot_be_recorded_is_still_refused(alice, api, monkeypatch, received):
    stolen = api.login()
    api.rotated(stolen.refresh)
    _fail(monkeypatch, "put")
    assert_503(api.rotate(stolen.refresh))
    monkeypatch.undo()
    assert received["reuse"] == []
    assert_error(api.rotate(stolen.refresh), 401, "token_reused")
    assert len(received["reuse"]) == 1


@pytest.mark.parametrize("path", PROTECTED)
def test_R4_access_check_fails_closed(alice, api, monkeypatch, settings, path):
    pair = api.login()
    _fail(monkeypatch, "alookup" if path.startswith("/a") else "lookup")
    assert api.get(path, pair.access).status_code == 200  # the check is off: no store involved
    settings.DJWTO_CHECK_ACCESS_REVOCATION = True
    assert_503(api.get(path, pair.access))
    if path == "/protected/":
        assert_503(api.post("/validate_access/", pair.access))


# --- Redis unreachable -------------------------------------------------------------------------


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "down": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
    }
    settings.DJWTO_DENYLIST_BACKEND = "djwto.stores.CacheStore"
    settings.DJWTO_DENYLIST_CACHE = "down"


@pytest.mark.parametrize("endpoint", REFRESH_ENDPOINTS)
def test_R4_unreachable_redis_refuses_refresh_endpoints(alice, api, redis_down, caplog, endpoint):
    pair = api.login()  # login does not consult the denylist
    assert_503(api.post(f"{P}/{endpoint}/", pair.refresh))
    assert "denylist store failed (ConnectionError: " in caplog.text


def test_R4_unreachable_redis_refuses_revocation_checked_requests(alice, api, redis_down, settings):
    pair = api.login()
    for path in PROTECTED:
        assert api.get(path, pair.access).status_code == 200
    settings.DJWTO_CHECK_ACCESS_REVOCATION = True
    for path in PROTECTED:
        assert_503(api.get(path, pair.access))
    assert decode_unverified(pair.access)["type"] == "access"
