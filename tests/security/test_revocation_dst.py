"""R8: store times are UTC whatever ``USE_TZ`` and ``TIME_ZONE`` say.

With ``USE_TZ = False`` and ``TIME_ZONE = "Europe/Paris"``, the local hour 02:00-03:00 of
2026-10-25 happens twice (00:00-01:00 UTC in summer time, 01:00-02:00 UTC in winter time). A
logout-all at 01:30 UTC (02:30 the second time) must revoke a session started at 01:00 UTC
(02:00 the second time) and one started at 00:45 UTC (02:45 the first time); and a purge run
in the first 02:xx hour must not forget a revocation that expires in the second one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from tests.sessions.support import Api, DatabaseStoreView, fresh_redis_store
from tests.support import PROTECTED, Clock, assert_error

pytestmark = pytest.mark.django_db

FOLD_DAY = datetime(2026, 10, 25, tzinfo=UTC)


def at(hour: int, minute: int = 0) -> float:
    return (FOLD_DAY + timedelta(hours=hour, minutes=minute)).timestamp()


@pytest.fixture(
    params=["database", "locmem", pytest.param("redis", marks=pytest.mark.redis)],
)
def store(request, settings):
    settings.USE_TZ = False
    settings.TIME_ZONE = "Europe/Paris"
    if request.param == "database":
        yield DatabaseStoreView()
    elif request.param == "locmem":
        settings.CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
            "deny": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        }
        settings.DJWTO_DENYLIST_BACKEND = "djwto.stores.CacheStore"
        settings.DJWTO_DENYLIST_CACHE = "deny"
        yield None
    else:
        with fresh_redis_store(settings, "r8") as view:
            yield view


@pytest.fixture
def clock(monkeypatch, store):  # after the time zone is set
    return Clock(monkeypatch, start=at(0, 45))


@pytest.fixture
def api():
    return Api()


def test_R8_a_logout_all_in_the_repeated_hour_revokes_the_sessions_before_it(
    store, clock, alice, api, settings
):
    settings.DJWTO_CHECK_ACCESS_REVOCATION = True
    settings.DJWTO_REFRESH_TOKEN_LIFETIME = timedelta(hours=6)
    summer = api.login()  # 00:45 UTC, 02:45 local (summer time)
    clock.now = at(1, 0)
    winter = api.login()  # 01:00 UTC, 02:00 local (winter time)
    clock.now = at(1, 30)
    refreshed = api.refresh(winter.refresh)
    assert refreshed.status_code == 200
    access = refreshed.json()["access"]
    assert api.get(PROTECTED[0], access).status_code == 200
    assert api.logout_all(winter.refresh).status_code == 200  # 01:30 UTC, 02:30 local
    clock.now = at(1, 31)
    later = api.login()
    for minutes in (31, 59, 90, 150):
        clock.now = at(1, minutes)
        for pair in (summer, winter):
            assert_error(api.refresh(pair.refresh), 401, "token_revoked")
            assert_error(api.rotate(pair.refresh), 401, "token_revoked")
        assert api.validate_refresh(later.refresh).status_code == 200
    clock.now = at(1, 32)
    assert_error(api.get(PROTECTED[0], access), 401, "token_revoked")
    assert api.get(PROTECTED[0], later.access).status_code == 200


def test_R8_a_purge_in_the_first_pass_keeps_what_expires_in_the_second(
    store, clock, alice, api, settings
):
    if store is None or store.kind != "database":
        pytest.skip("only the database store is purged by delete_tokens")
    settings.DJWTO_REFRESH_TOKEN_LIFETIME = timedelta(minutes=35)
    settings.DJWTO_ALLOW_REFRESH_UPDATE = True
    clock.now = at(0, 50)  # 02:50 local, summer time
    stolen = api.login()  # expires 01:25 UTC: 02:25 local, winter time
    api.rotated(stolen.refresh)
    clock.now = at(0, 55)  # 02:55 local, first pass: after 02:25 on the wall clock
    call_command("delete_tokens", verbosity=0)
    assert store.entries(), "purged a revocation 30 minutes before it expires"
    assert_error(api.rotate(stolen.refresh), 401, "token_reused")
    clock.now = at(1, 26)  # 02:26 local, second pass: the token's row has expired
    call_command("delete_tokens", verbosity=0)
    assert [kind for kind, _, _ in store.entries().values()] == ["session"]  # the reuse's
