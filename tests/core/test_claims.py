"""The claims of the tokens a login issues (0.0.4's shape plus sid/auth_time/stamp), and the
``DJWTO_CLAIMS_CLASS`` hook that builds them at login, refresh and rotation alike."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from djwto.claims import (
    Claims,
    build_access_claims,
    build_refresh_claims,
    get_session_stamp,
    is_stamp_valid,
    new_sid,
    sid_created_ns,
)
from tests.support import bearer, decode_unverified


@pytest.fixture
def issued(alice, password):
    """(refresh claims, access claims) of a real JSON-mode login as alice."""
    body = Client().post("/login/", {"username": "alice", "password": password}).json()
    return decode_unverified(body["refresh"]), decode_unverified(body["access"])


def test_refresh_claims_keep_the_004_shape(issued, alice):
    refresh, _ = issued
    assert refresh["type"] == "refresh"
    assert refresh["user"] == {"username": "alice", "id": alice.pk, "perms": ["testapp.perm1"]}
    assert refresh["sub"] == str(alice.pk)
    assert refresh["exp"] - refresh["iat"] == 24 * 3600
    assert refresh["auth_time"] == refresh["iat"]
    assert isinstance(refresh["jti"], str) and len(refresh["jti"]) >= 16
    assert isinstance(refresh["sid"], str) and refresh["sid"]
    assert "nbf" not in refresh and "iss" not in refresh and "aud" not in refresh


def test_perms_are_sorted_and_include_group_permissions(alice, password):
    from django.contrib.auth.models import Group

    group = Group.objects.create(name="g")
    group.permissions.add(
        Permission.objects.get(codename="perm2"), Permission.objects.get(codename="add_user")
    )
    alice.groups.add(group)
    perms = build_refresh_claims(alice)["user"]["perms"]
    assert perms == ["auth.add_user", "testapp.perm1", "testapp.perm2"]


def test_stamp_is_not_the_password_hash_and_follows_the_password(alice):
    stamp = build_refresh_claims(alice)["stamp"]
    assert alice.password not in stamp and stamp not in alice.password
    assert alice.password.split("$")[-1] not in stamp
    assert is_stamp_valid(alice, stamp)
    alice.set_password("a new password")
    assert not is_stamp_valid(alice, stamp)
    assert get_session_stamp(alice) != stamp


def test_stamp_made_with_a_fallback_secret_key_is_still_valid(settings, alice):
    stamp = get_session_stamp(alice)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-rotated-django-secret-key-0123456789-abcdefghijklmnop"
    assert get_session_stamp(alice) != stamp
    assert is_stamp_valid(alice, stamp)
    assert not is_stamp_valid(alice, None)
    assert not is_stamp_valid(alice, "0" * 32)


def test_jti_and_sid_are_unique_per_login(alice, password):
    seen_jti, seen_sid = set(), set()
    for _ in range(5):
        body = Client().post("/login/", {"username": "alice", "password": password}).json()
        refresh, access = decode_unverified(body["refresh"]), decode_unverified(body["access"])
        seen_jti |= {refresh["jti"], access["jti"]}
        seen_sid.add(refresh["sid"])
    assert len(seen_jti) == 10
    assert len(seen_sid) == 5


def test_access_claims_belong_to_their_refresh_token(issued):
    refresh, access = issued
    assert access["type"] == "access"
    assert access["jti"] != refresh["jti"]
    assert access["refresh_jti"] == refresh["jti"]
    assert access["refresh_iat"] == refresh["iat"]
    assert access["exp"] - access["iat"] == 5 * 60
    for name in ("sub", "user", "sid"):
        assert access[name] == refresh[name]
    assert "stamp" not in access and "auth_time" not in access


def test_access_token_never_outlives_its_refresh_token(settings, alice):
    settings.DJWTO_ACCESS_TOKEN_LIFETIME = timedelta(hours=2)
    settings.DJWTO_REFRESH_TOKEN_LIFETIME = timedelta(hours=1)
    refresh = build_refresh_claims(alice, now=1_900_000_000)
    access = build_access_claims(refresh, now=1_900_000_000)
    assert access["exp"] == refresh["exp"] == 1_900_000_000 + 3600


def test_sub_claim_setting_replaces_the_user_pk(settings, alice, password):
    settings.DJWTO_SUB_CLAIM = "my-app"
    body = Client().post("/login/", {"username": "alice", "password": password}).json()
    assert decode_unverified(body["refresh"])["sub"] == "my-app"
    assert decode_unverified(body["access"])["sub"] == "my-app"
    # The user is still found through user.id.
    assert Client().get("/protected/", **bearer(body["access"])).json()["db_user"] == "alice"


def test_iss_and_aud_claims_are_issued_and_required(settings, alice, password):
    settings.DJWTO_ISS_CLAIM = "https://auth.example.com"
    settings.DJWTO_AUD_CLAIM = ["api", "web"]
    body = Client().post("/login/", {"username": "alice", "password": password}).json()
    for token in body.values():
        claims = decode_unverified(token)
        assert claims["iss"] == "https://auth.example.com"
        assert claims["aud"] == ["api", "web"]
    assert Client().get("/protected/", **bearer(body["access"])).status_code == 200
    settings.DJWTO_ISS_CLAIM = "https://other.example.com"
    assert Client().get("/protected/", **bearer(body["access"])).status_code == 401


def test_iat_claim_false_drops_iat_everywhere(settings, alice, password):
    settings.DJWTO_IAT_CLAIM = False
    body = Client().post("/login/", {"username": "alice", "password": password}).json()
    refresh, access = decode_unverified(body["refresh"]), decode_unverified(body["access"])
    assert "iat" not in refresh and "iat" not in access and "refresh_iat" not in access
    assert "auth_time" in refresh  # the session start is still known
    assert Client().get("/protected/", **bearer(body["access"])).status_code == 200
    response = Client().post("/api/token/refresh/refresh_access/", **bearer(body["refresh"]))
    assert response.status_code == 200
    assert "iat" not in decode_unverified(response.json()["access"])


def test_jti_claim_false_drops_the_access_jti_only(settings, alice, password):
    settings.DJWTO_JTI_CLAIM = False
    body = Client().post("/login/", {"username": "alice", "password": password}).json()
    refresh, access = decode_unverified(body["refresh"]), decode_unverified(body["access"])
    assert "jti" not in access
    assert refresh["jti"] and access["refresh_jti"] == refresh["jti"]
    assert Client().get("/protected/", **bearer(body["access"])).status_code == 200


def test_nbf_lifetime_sets_nbf_on_refresh_tokens(settings, alice):
    settings.DJWTO_NBF_LIFETIME = timedelta(seconds=30)
    refresh = build_refresh_claims(alice, now=1_900_000_000)
    assert refresh["nbf"] == 1_900_000_030
    assert "nbf" not in build_access_claims(refresh, now=1_900_000_000)


def test_max_session_lifetime_caps_refresh_exp(settings, alice):
    settings.DJWTO_MAX_SESSION_LIFETIME = timedelta(hours=1)
    first = build_refresh_claims(alice, now=1_900_000_000)
    assert first["exp"] == 1_900_000_000 + 3600
    later = build_refresh_claims(alice, previous=first, now=1_900_000_000 + 1800)
    assert later["auth_time"] == 1_900_000_000
    assert later["exp"] == 1_900_000_000 + 3600


def test_no_max_session_lifetime(settings, alice):
    settings.DJWTO_MAX_SESSION_LIFETIME = None
    first = build_refresh_claims(alice, now=1_900_000_000)
    later = build_refresh_claims(alice, previous=first, now=1_900_000_000 + 10 * 86400)
    assert later["exp"] == 1_900_000_000 + 11 * 86400


def test_rotation_keeps_the_family_and_custom_claims_but_rereads_the_user(alice):
    first = build_refresh_claims(alice, now=1_900_000_000)
    first["tenant"] = "acme"
    first["user"]["email"] = "alice@djwto.com"
    first["user"]["perms"] = ["admin.everything"]  # not carried over: re-read from the database
    later = build_refresh_claims(alice, previous=first, now=1_900_000_100)
    assert later["sid"] == first["sid"] and later["auth_time"] == first["auth_time"]
    assert later["jti"] != first["jti"]
    assert later["tenant"] == "acme"
    assert later["user"] == {
        "username": "alice",
        "id": alice.pk,
        "perms": ["testapp.perm1"],
        "email": "alice@djwto.com",
    }
    access = build_access_claims(later, now=1_900_000_100)
    assert access["tenant"] == "acme"


def test_sid_encodes_its_creation_time():
    sid = new_sid(now_ns=1_900_000_000_123_456_789)
    assert sid_created_ns(sid) == 1_900_000_000_123_456_789
    assert len(sid) == 32
    assert sid_created_ns("not-hex") == 0
    assert sid_created_ns(None) == 0


def test_user_with_a_non_integer_pk_is_serialised_as_a_string():
    class Stub:
        USERNAME_FIELD = "email"
        email = "carol@example.com"
        pk = "4b8c"

        def get_all_permissions(self):
            return {"b.y", "a.x"}

    assert Claims().get_user_claims(Stub()) == {
        "email": "carol@example.com",
        "id": "4b8c",
        "perms": ["a.x", "b.y"],
    }
