"""The fast paths of the request and token hot paths give exactly the answers of the slow ones."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from djwto.perms import get_all_permissions


def _perm(codename):
    return Permission.objects.get(codename=codename)


def _fresh(user):
    return get_user_model().objects.get(pk=user.pk)


# --- the perms claim: one UNION query instead of ModelBackend's two ---------------------------


@pytest.fixture
def carol(db):
    return get_user_model().objects.create_user("carol", "carol@djwto.com", "pw")


@pytest.mark.parametrize("setup", ["none", "own", "group", "both", "overlap", "superuser",
                                   "inactive"])
def test_fast_permissions_equal_model_backend(carol, setup, django_assert_num_queries):
    group = Group.objects.create(name="g")
    if setup in ("own", "both", "overlap"):
        carol.user_permissions.add(_perm("perm1"))
    if setup in ("group", "both", "overlap"):
        group.permissions.add(_perm("perm2"), _perm("view_user"))
        if setup == "overlap":
            group.permissions.add(_perm("perm1"))
        carol.groups.add(group)
    if setup == "superuser":
        carol.is_superuser = True
    if setup == "inactive":
        carol.user_permissions.add(_perm("perm1"))
        carol.is_active = False
    carol.save()
    expected = _fresh(carol).get_all_permissions()
    user = _fresh(carol)
    with django_assert_num_queries(0 if setup == "inactive" else 1):
        assert get_all_permissions(user) == expected
    assert user.get_all_permissions() == expected  # kept in _perm_cache, as ModelBackend does
    if setup == "superuser":
        assert len(expected) == Permission.objects.count()
    if setup == "overlap":
        assert expected == {"testapp.perm1", "testapp.perm2", "auth.view_user"}


def test_changes_are_read_on_every_call(carol):
    assert get_all_permissions(_fresh(carol)) == set()
    carol.user_permissions.add(_perm("perm1"))
    assert get_all_permissions(_fresh(carol)) == {"testapp.perm1"}


class OtherBackend:
    def authenticate(self, request, **credentials):
        return None

    def get_all_permissions(self, user_obj, obj=None):
        return {"other.perm"}


def test_other_backends_take_the_slow_path(carol, settings):
    settings.AUTHENTICATION_BACKENDS = [
        "django.contrib.auth.backends.ModelBackend",
        "tests.test_hot_path.OtherBackend",
    ]
    carol.user_permissions.add(_perm("perm1"))
    assert get_all_permissions(_fresh(carol)) == {"testapp.perm1", "other.perm"}


def test_a_cached_answer_is_reused(carol, django_assert_num_queries):
    user = _fresh(carol)
    user._perm_cache = {"cached.perm"}
    with django_assert_num_queries(0):
        assert get_all_permissions(user) == {"cached.perm"}


# --- the database denylist: one raw indexed query when nothing is there -----------------------


def _orm_lookup(keys):
    from djwto.denylist import DatabaseDenylist
    from djwto.models import DeniedToken

    return {row.jti: DatabaseDenylist._entry(row) for row in DeniedToken.objects.filter(jti__in=keys)}


@pytest.fixture
def denied(db):
    from datetime import timedelta

    from django.utils import timezone

    from djwto.denylist import DatabaseDenylist, Entry

    store = DatabaseDenylist()
    now = timezone.now()
    for key, kind in (("jti-1", "refresh"), ("sid:abc", "session"), ("user:7", "user")):
        store.put(Entry(key, kind, "revoked", "7", now + timedelta(days=1), now))
    return store


@pytest.mark.parametrize("keys, queries", [
    ([], 0),
    (["user:1", "sid:zzz", "nope"], 1),
    (["user:7", "sid:zzz", "nope"], 2),
    (["user:7", "sid:abc", "jti-1"], 2),
    (["jti-1", "jti-1"], 2),
])
def test_database_lookup_equals_the_orm(denied, keys, queries, django_assert_num_queries):
    with django_assert_num_queries(queries):
        found = denied.lookup(iter(keys))
    assert found == _orm_lookup(keys)
    assert set(found) == {k for k in keys if k in ("jti-1", "sid:abc", "user:7")}
