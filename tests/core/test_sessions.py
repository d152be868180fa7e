"""The revocation policy as the views show it: reuse, grace, logout-all, access revocation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from djwto import sessions
from djwto.backends import encode
from djwto.exceptions import ExpiredToken
from djwto.models import DeniedToken
from tests.support import PROTECTED_BY_FLAVOUR as PROTECTED
from tests.support import P, bearer, decode_unverified, login, make_pair


@pytest.fixture
def s(alice, password):
    return login(Client(), "JSON", "alice", password)


def rotate(token):
    return Client().post(f"{P}/update_refresh/", **bearer(token))


def test_reuse_of_a_rotated_token_revokes_the_family(s):
    winner = rotate(s.refresh).json()["refresh"]
    response = rotate(s.refresh)
    assert response.status_code == 401
    assert response.json()["code"] == "token_reused"
    # the token issued by the legitimate rotation is gone too
    assert Client().post(f"{P}/refresh_access/", **bearer(winner)).status_code == 401
    sid = decode_unverified(s.refresh)["sid"]
    assert DeniedToken.objects.get(jti="sid:" + sid).reason == "reused"


def test_within_the_rotation_grace_a_replay_is_only_refused(settings, s):
    settings.DJWTO_ROTATION_GRACE = timedelta(seconds=30)
    winner = rotate(s.refresh).json()["refresh"]
    response = rotate(s.refresh)
    assert response.status_code == 401
    assert response.json()["code"] == "token_rotated"
    assert Client().post(f"{P}/refresh_access/", **bearer(winner)).status_code == 200


def test_rotation_grace_runs_out(settings, s):
    settings.DJWTO_ROTATION_GRACE = timedelta(seconds=30)
    rotate(s.refresh)
    DeniedToken.objects.update(
        created_at=DeniedToken.objects.get().created_at - timedelta(seconds=31)
    )
    assert rotate(s.refresh).json()["code"] == "token_reused"


def test_revoke_user_sessions_by_instance_or_pk(alice, password):
    first = login(Client(), "JSON", "alice", password)
    sessions.revoke_user_sessions(alice)
    assert Client().post(f"{P}/refresh_access/", **bearer(first.refresh)).status_code == 401
    second = login(Client(), "JSON", "alice", password)
    assert Client().post(f"{P}/refresh_access/", **bearer(second.refresh)).status_code == 200
    sessions.revoke_user_sessions(alice.pk)
    assert Client().post(f"{P}/refresh_access/", **bearer(second.refresh)).status_code == 401


def test_access_tokens_outlive_logout_by_default(s):
    assert Client().post(f"{P}/logout/", **bearer(s.refresh)).status_code == 200
    assert s.get("/protected/").status_code == 200


@pytest.mark.parametrize("how", ["logout", "logout_all"])
def test_check_access_revocation_refuses_access_tokens_of_revoked_sessions(
    settings, s, flavour, how
):
    settings.DJWTO_CHECK_ACCESS_REVOCATION = True
    assert s.get(PROTECTED[flavour]).status_code == 200
    assert Client().post(f"{P}/{how}/", **bearer(s.refresh)).status_code == 200
    response = s.get(PROTECTED[flavour])
    assert response.status_code == 401
    assert response.json()["code"] == "token_revoked"
    assert Client().post("/validate_access/", **bearer(s.access)).status_code == 401


def test_check_access_revocation_costs_one_query(settings, s, django_assert_num_queries):
    settings.DJWTO_CHECK_ACCESS_REVOCATION = True
    with django_assert_num_queries(1):
        assert s.post("/protected/").status_code == 200


def test_check_access_revocation_with_the_decorators(settings, s, flavour):
    settings.DJWTO_CHECK_ACCESS_REVOCATION = True
    path = {"sync": "/fn/", "async": "/afn/"}[flavour]
    assert s.get(path).status_code == 200
    Client().post(f"{P}/logout/", **bearer(s.refresh))
    assert s.get(path).status_code == 401


def test_check_access_revocation_on_the_cache_store(settings, s, flavour):
    settings.DJWTO_CHECK_ACCESS_REVOCATION = True
    settings.DJWTO_DENYLIST_BACKEND = "djwto.stores.CacheStore"
    from djwto.stores import get_store

    get_store().cache.clear()
    assert s.get(PROTECTED[flavour]).status_code == 200
    Client().post(f"{P}/logout/", **bearer(s.refresh))
    assert s.get(PROTECTED[flavour]).status_code == 401


class Broken:
    def _fail(self, *args):
        raise ConnectionError("store down")

    lookup = add = put = put_many = _fail

    async def alookup(self, keys):
        raise ConnectionError("store down")


@pytest.mark.parametrize("path", ["refresh_access", "update_refresh", "logout", "validate_refresh"])
def test_a_failing_store_refuses_refresh_endpoints_with_503(settings, s, path):
    settings.DJWTO_DENYLIST_BACKEND = Broken
    response = Client().post(f"{P}/{path}/", **bearer(s.refresh))
    assert response.status_code == 503
    assert response.json()["code"] == "store_unavailable"
    assert "access" not in response.json()


def test_a_failing_store_refuses_access_checks_with_503(settings, s, flavour):
    settings.DJWTO_DENYLIST_BACKEND = Broken
    assert s.get(PROTECTED[flavour]).status_code == 200  # no lookup without the access check
    settings.DJWTO_CHECK_ACCESS_REVOCATION = True
    assert s.get(PROTECTED[flavour]).status_code == 503


def test_refresh_token_without_sid_is_refused(alice):
    refresh, _ = make_pair(alice)
    del refresh["sid"]
    response = Client().post(f"{P}/refresh_access/", **bearer(encode(refresh)))
    assert response.status_code == 401


def test_session_start_falls_back_to_the_sid(settings, alice):
    refresh, _ = make_pair(alice, now=1_900_000_000)
    assert sessions.get_session_start(refresh) == 1_900_000_000
    del refresh["auth_time"]
    refresh["sid"] = "%016x" % (1_800_000_000 * 10**9) + "0" * 16
    assert sessions.get_session_start(refresh) == 1_800_000_000
    settings.DJWTO_MAX_SESSION_LIFETIME = timedelta(days=1)
    sessions.check_session_lifetime(refresh, now=1_800_000_000 + 86399)
    with pytest.raises(ExpiredToken):
        sessions.check_session_lifetime(refresh, now=1_800_000_000 + 86400)
    settings.DJWTO_MAX_SESSION_LIFETIME = None
    sessions.check_session_lifetime(refresh, now=4_000_000_000)


def test_very_long_user_ids_get_hashed_store_keys():
    key = sessions.user_key("9" * 300)
    assert len(key) <= 255 and key.startswith("sha256:")
    assert sessions.user_key("42") == "user:42"
    assert sessions.session_key("abc") == "sid:abc"
