"""djwto.denylist, the stores' former home: old imports and old dotted paths keep working, and
the kinds and reasons are the strings stored before they were enums."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from djwto import denylist, stores
from djwto.models import DeniedToken
from djwto.stores import Kind, Reason
from tests.support import P


@pytest.mark.parametrize(
    "old, new",
    [
        ("DatabaseDenylist", "DatabaseStore"),
        ("CacheDenylist", "CacheStore"),
        ("BaseDenylist", "BaseStore"),
        ("LocalDenylistCache", "LocalCopy"),
        ("get_denylist", "get_store"),
        ("Entry", "Entry"),
        ("aware_datetime", "aware_datetime"),
        ("convert_row", "convert_row"),
        ("row_converters", "row_converters"),
    ],
)
def test_old_names_are_the_new_objects(old, new):
    assert getattr(denylist, old) is getattr(stores, new)


@pytest.mark.parametrize(
    "path, cls",
    [
        ("djwto.denylist.DatabaseDenylist", stores.DatabaseStore),
        ("djwto.denylist.CacheDenylist", stores.CacheStore),
        ("djwto.stores.DatabaseStore", stores.DatabaseStore),
        ("djwto.stores.CacheStore", stores.CacheStore),
    ],
)
def test_old_and_new_dotted_paths_work_end_to_end(settings, alice, password, path, cls):
    settings.DJWTO_DENYLIST_BACKEND = path
    store = denylist.get_denylist()
    assert type(store) is cls and stores.get_store() is store
    if cls is stores.CacheStore:
        store.cache.clear()
    login = Client().post("/login/", {"username": "alice", "password": password}).json()
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {login['refresh']}"}
    assert Client().post(f"{P}/logout/", **bearer).status_code == 200
    assert Client().post(f"{P}/refresh_access/", **bearer).json()["code"] == "token_revoked"


def test_the_default_store_is_the_database(settings):
    del settings.DJWTO_DENYLIST_BACKEND
    assert type(stores.get_store()) is stores.DatabaseStore


def test_kinds_and_reasons_are_the_stored_strings(db):
    assert [str(k) for k in Kind] == ["refresh", "access", "session", "user"]
    assert [str(r) for r in Reason] == ["rotated", "logout", "reused", "revoked"]
    assert {k.value for k in Kind} == set(DeniedToken.Kind.values)
    assert {r.value for r in Reason} == set(DeniedToken.Reason.values)
    now = timezone.now()
    stores.DatabaseStore().put(
        stores.Entry("sid:s", Kind.SESSION, Reason.REUSED, "1", now + timedelta(hours=1), now)
    )
    row = DeniedToken.objects.get()
    assert (row.token_type, row.reason) == ("session", "reused")
