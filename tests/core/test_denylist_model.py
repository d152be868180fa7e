"""The denylist: what a row holds (never a raw token) and both stores' contract."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError
from django.test import Client
from django.utils import timezone

from djwto.models import DeniedToken
from djwto.stores import CacheStore, DatabaseStore, Entry, get_store
from tests.support import P, bearer, decode_unverified, login


def all_column_values() -> list[str]:
    fields = [f.attname for f in DeniedToken._meta.concrete_fields]
    return [str(value) for row in DeniedToken.objects.values_list(*fields) for value in row]


def test_rows_hold_jti_kind_user_and_times(alice, password):
    s = login(Client(), "JSON", "alice", password)
    before = timezone.now()
    Client().post(f"{P}/update_refresh/", **bearer(s.refresh))
    refresh = decode_unverified(s.refresh)
    row = DeniedToken.objects.get()
    assert row.jti == refresh["jti"]
    assert row.token_type == "refresh"
    assert row.reason == "rotated"
    assert row.user_id == str(alice.pk)
    assert row.expires_at == datetime.fromtimestamp(refresh["exp"], UTC)
    assert before - timedelta(seconds=1) <= row.created_at <= timezone.now()
    assert str(row) == f"refresh {refresh['jti']} (rotated)"


def present(mode: str, path: str, refresh: str):
    """POST ``refresh`` to ``path`` the way ``mode`` carries it."""
    if mode == "JSON":
        return Client().post(path, **bearer(refresh))
    client = Client()
    client.cookies["jwt_refresh"] = refresh
    return client.post(path)


@pytest.mark.parametrize("flow", ["logout", "rotate", "reuse", "logout_all"])
def test_no_row_ever_holds_a_raw_token(alice_session, flow):
    s = alice_session
    tokens = [s.refresh, s.access]
    if flow == "logout":
        assert present(s.mode, f"{P}/logout/", s.refresh).status_code == 200
    elif flow == "rotate":
        response = present(s.mode, f"{P}/update_refresh/", s.refresh)
        assert response.status_code == 200
        tokens += [m.value for n, m in response.cookies.items() if n.startswith("jwt_")]
        tokens += [v for v in response.json().values() if v.count(".") == 2]
        assert len(tokens) >= 4
    elif flow == "reuse":
        assert present(s.mode, f"{P}/update_refresh/", s.refresh).status_code == 200
        assert present(s.mode, f"{P}/update_refresh/", s.refresh).status_code == 401
    else:
        assert present(s.mode, f"{P}/logout_all/", s.refresh).status_code == 200
    values = all_column_values()
    assert values
    for token in tokens:
        for value in values:
            assert token not in value
            # nor any of its segments (the signature especially)
            for segment in token.split("."):
                assert segment not in value


def test_database_store_add_is_insert_once(db):
    store = DatabaseStore()
    now = timezone.now()
    entry = Entry("k1", "refresh", "rotated", "1", now + timedelta(hours=1), now)
    assert store.add(entry) is True
    assert store.add(entry) is False
    assert set(store.lookup(["k1", "k2"])) == {"k1"}
    assert store.lookup([]) == {}


def test_database_store_put_replaces_and_put_many_is_atomic(db):
    store = DatabaseStore()
    now = timezone.now()
    store.put(Entry("k1", "session", "revoked", "1", now + timedelta(hours=1), now))
    store.put(Entry("k1", "session", "reused", "1", now + timedelta(hours=2), now))
    assert store.lookup(["k1"])["k1"].reason == "reused"
    bad = Entry("k3", "session", "logout", "1", None, now)  # expires_at may not be NULL
    with pytest.raises(IntegrityError):
        store.put_many([Entry("k2", "refresh", "logout", "1", now + timedelta(hours=1), now), bad])
    assert store.lookup(["k2", "k3"]) == {}


def test_purge_deletes_only_expired_rows(db):
    store = DatabaseStore()
    now = timezone.now()
    store.put(Entry("old", "refresh", "logout", "1", now - timedelta(seconds=1), now))
    store.put(Entry("new", "refresh", "logout", "1", now + timedelta(hours=1), now))
    assert store.purge_expired() == 1
    assert list(DeniedToken.objects.values_list("jti", flat=True)) == ["new"]


def test_database_store_async_lookup(db):
    from asgiref.sync import async_to_sync

    store = DatabaseStore()
    now = timezone.now()
    store.put(Entry("k1", "refresh", "logout", "1", now + timedelta(hours=1), now))
    found = async_to_sync(store.alookup)(["k1", "nope"])
    assert list(found) == ["k1"]
    assert found["k1"].expires_at.tzinfo is not None


def test_database_store_without_time_zones(settings, db):
    settings.USE_TZ = False
    store = DatabaseStore()
    now = datetime.now(UTC)
    store.put(Entry("k1", "refresh", "logout", "1", now + timedelta(hours=1), now))
    entry = store.lookup(["k1"])["k1"]
    assert entry.expires_at.utcoffset() == timedelta(0)  # UTC, whatever TIME_ZONE says
    assert abs(entry.expires_at - (now + timedelta(hours=1))) < timedelta(seconds=1)


def test_cache_store_contract(settings):
    settings.DJWTO_DENYLIST_BACKEND = "djwto.stores.CacheStore"
    store = get_store()
    assert isinstance(store, CacheStore)
    store.cache.clear()
    now = timezone.now()
    entry = Entry("c1", "refresh", "rotated", "1", now + timedelta(hours=1), now)
    assert store.add(entry) is True
    assert store.add(entry) is False
    store.put_many(
        [
            Entry("c2", "session", "logout", "1", now + timedelta(hours=1), now),
            Entry("c3", "refresh", "logout", "1", now + timedelta(minutes=1), now),
        ]
    )
    store.put_many([])
    found = store.lookup(["c1", "c2", "c3", "c4"])
    assert set(found) == {"c1", "c2", "c3"}
    assert found["c1"].reason == "rotated"
    assert abs(found["c1"].created_at - now) < timedelta(seconds=1)
    from asgiref.sync import async_to_sync

    assert set(async_to_sync(store.alookup)(["c2", "zz"])) == {"c2"}
    assert store.purge_expired() == 0


def test_logout_and_rotation_work_on_the_cache_store(settings, alice, password):
    settings.DJWTO_DENYLIST_BACKEND = "djwto.stores.CacheStore"
    get_store().cache.clear()
    s = login(Client(), "JSON", "alice", password)
    new = Client().post(f"{P}/update_refresh/", **bearer(s.refresh)).json()["refresh"]
    assert Client().post(f"{P}/refresh_access/", **bearer(s.refresh)).status_code == 401
    s = login(Client(), "JSON", "alice", password)
    assert Client().post(f"{P}/logout/", **bearer(s.refresh)).status_code == 200
    assert Client().post(f"{P}/refresh_access/", **bearer(s.refresh)).status_code == 401
    assert not DeniedToken.objects.exists()
    assert new


def test_a_cutoff_in_a_daylight_saving_fold_holds_without_use_tz(settings, db, monkeypatch):
    """``USE_TZ = False`` keeps local times; 01:30 on 2026-11-01 in Chicago happens twice."""
    import time

    from djwto import sessions
    from djwto.claims import new_sid
    from djwto.exceptions import RevokedToken

    settings.USE_TZ = False
    settings.TIME_ZONE = "America/Chicago"
    second_0130 = datetime(2026, 11, 1, 7, 30, tzinfo=UTC)  # 01:30 CST, after 01:30 CDT
    cut_ns = int(second_0130.timestamp()) * 10**9
    monkeypatch.setattr(time, "time_ns", lambda: cut_ns)
    sessions.revoke_user_sessions("7")
    monkeypatch.undo()
    [entry] = DatabaseStore().lookup(["user:7"]).values()
    assert entry.created_at == second_0130
    for started in (cut_ns - 20 * 60 * 10**9, cut_ns):  # 01:10 CST, and the cut-off itself
        with pytest.raises(RevokedToken):
            sessions.check_access({"user": {"id": "7"}, "sid": new_sid(started)})
    sessions.check_access({"user": {"id": "7"}, "sid": new_sid(cut_ns + 10**9)})


def test_the_first_of_two_equal_local_times_is_read_no_earlier(settings, db):
    settings.USE_TZ = False
    settings.TIME_ZONE = "America/Chicago"
    first_0130 = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # 01:30 CDT
    store = DatabaseStore()
    store.put(Entry("sid:f", "session", "revoked", "7", first_0130 + timedelta(1), first_0130))
    entry = store.lookup(["sid:f"])["sid:f"]
    assert first_0130 <= entry.created_at <= first_0130 + timedelta(hours=1)
