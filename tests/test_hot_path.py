"""The fast paths of the request and token hot paths give exactly the answers of the slow ones."""

from __future__ import annotations

import json

import pytest

# --- the database denylist: one raw indexed query when nothing is there -----------------------


def _orm_lookup(keys):
    from djwto.denylist import Entry, aware_datetime
    from djwto.models import DeniedToken

    return {
        row.jti: Entry(
            row.jti,
            row.token_type,
            row.reason,
            row.user_id,
            aware_datetime(row.expires_at),
            aware_datetime(row.created_at),
        )
        for row in DeniedToken.objects.filter(jti__in=keys)
    }


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


@pytest.mark.parametrize(
    "keys, queries",
    [
        ([], 0),
        (["user:1", "sid:zzz", "nope"], 1),
        (["user:7", "sid:zzz", "nope"], 1),
        (["user:7", "sid:abc", "jti-1"], 1),
        (["jti-1", "jti-1"], 1),
    ],
)
def test_database_lookup_equals_the_orm(denied, keys, queries, django_assert_num_queries):
    with django_assert_num_queries(queries):
        found = denied.lookup(iter(keys))
    assert found == _orm_lookup(keys)
    assert set(found) == {k for k in keys if k in ("jti-1", "sid:abc", "user:7")}


# --- settings: kept once read, forgotten on every change ----------------------------------------


def test_settings_values_follow_every_change(settings):
    from django.test import override_settings

    from djwto.conf import djwto_settings

    settings.DJWTO_LEEWAY = 3
    assert djwto_settings.LEEWAY == 3
    assert djwto_settings.__dict__["LEEWAY"] == 3  # kept: the next read is an attribute lookup
    with override_settings(DJWTO_LEEWAY=7):
        assert djwto_settings.LEEWAY == 7
        settings.DJWTO_LEEWAY = 9
        assert djwto_settings.LEEWAY == 9
    assert djwto_settings.LEEWAY == 3
    with pytest.raises(AttributeError):
        _ = djwto_settings.NOT_A_SETTING


def test_a_value_read_across_a_change_is_not_kept(settings, monkeypatch):
    from django.conf import settings as django_settings

    from djwto import conf

    settings.DJWTO_LEEWAY = 1
    conf.clear_derived()
    real_getattr = getattr

    def getattr_then_change(obj, name, *default):
        value = real_getattr(obj, name, *default)
        if obj is django_settings and name == "DJWTO_LEEWAY":
            conf.clear_derived()  # a change lands between the read and the store
        return value

    monkeypatch.setattr(conf, "getattr", getattr_then_change, raising=False)
    assert conf.djwto_settings.LEEWAY == 1
    assert "LEEWAY" not in conf.djwto_settings.__dict__


def test_view_kind_is_django_s_answer_kept_per_class():
    from djwto.mixins import _is_async_view
    from tests.testapp.views import AsyncPermProtected, AsyncProtected, PermProtected, Protected

    for view in (Protected, AsyncProtected, PermProtected, AsyncPermProtected):
        assert _is_async_view(view) is view.view_is_async
        assert _is_async_view(view) is view.view_is_async  # the kept answer


# --- the verified-token cache never hands out its own dicts -------------------------------------


def test_a_view_mutating_request_jwt_does_not_poison_the_cache(alice):
    from django.http import JsonResponse
    from django.test import RequestFactory
    from django.views import View

    from djwto.backends import decode, encode, get_token_cache
    from djwto.claims import build_access_claims, build_refresh_claims
    from djwto.mixins import JWTRequiredMixin

    class Vandal(JWTRequiredMixin, View):
        mode = "JSON"

        def get(self, request):
            seen = {"perms": list(request.jwt["user"]["perms"]), "type": request.jwt["type"]}
            request.jwt["type"] = "refresh"
            request.jwt["exp"] = 2**40
            request.jwt["user"]["perms"].append("auth.delete_user")
            request.jwt["user"]["username"] = "mallory"
            request.jwt.pop("sid", None)
            return JsonResponse(seen)

    token = encode(build_access_claims(build_refresh_claims(alice)))
    pristine = decode(token, "access")
    view = Vandal.as_view()
    request = RequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {token}")
    for _ in range(3):
        response = view(request)
        assert response.status_code == 200
        assert json.loads(response.content) == {"perms": ["testapp.perm1"], "type": "access"}
    assert decode(token, "access") == pristine
    assert get_token_cache().get(token) == pristine


def test_database_lookup_equals_the_orm_without_use_tz(db, settings):
    from datetime import datetime, timedelta

    from djwto.denylist import DatabaseDenylist, Entry

    settings.USE_TZ = False
    store = DatabaseDenylist()
    now = datetime.now().replace(microsecond=123456)
    store.put(Entry("sid:naive", "session", "revoked", "7", now + timedelta(days=1), now))
    found = store.lookup(["sid:naive", "nope"])
    assert found == _orm_lookup(["sid:naive", "nope"])
    assert found["sid:naive"].created_at.tzinfo is not None


# (The cache store on Redis: tests/stores/test_cache_store.py.)
