"""User state after issue (U1-U3): deactivation, deletion, password change, permissions."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.test import Client

from tests.support import PASSWORD, P, assert_error, decode_unverified

pytestmark = pytest.mark.django_db

USER_ENDPOINTS = ("refresh_access", "update_refresh", "logout_all")


def _login_response(username: str, password: str):
    return Client().post("/login/", {"username": username, "password": password})


@pytest.mark.parametrize(
    "backend",
    [
        "django.contrib.auth.backends.ModelBackend",
        "django.contrib.auth.backends.AllowAllUsersModelBackend",
    ],
)
def test_U1_inactive_login_looks_like_a_wrong_password(alice, settings, backend):
    settings.AUTHENTICATION_BACKENDS = [backend]
    wrong = _login_response("alice", "wrong password")
    unknown = _login_response("nobody", PASSWORD)
    alice.is_active = False
    alice.save()
    inactive = _login_response("alice", PASSWORD)
    for response in (wrong, unknown, inactive):
        assert_error(response, 401, "invalid_credentials")
        assert not response.cookies
    assert inactive.content == wrong.content == unknown.content
    # The same headers, but for never_cache's Expires (the time of each response, which may
    # fall in different seconds).
    headers = [
        {k: v for k, v in r.headers.items() if k != "Expires"} for r in (inactive, wrong, unknown)
    ]
    assert headers[0] == headers[1] == headers[2]
    assert all("Expires" in r.headers for r in (inactive, wrong, unknown))
    alice.refresh_from_db()
    assert alice.last_login is None


@pytest.mark.parametrize("change", ["deactivated", "deleted"])
def test_U1_refresh_after_deactivation_or_deletion_is_401(store, alice, api, change):
    pair = api.login()
    if change == "deactivated":
        alice.is_active = False
        alice.save()
    else:
        alice.delete()
    for endpoint in USER_ENDPOINTS:
        assert_error(api.post(f"{P}/{endpoint}/", pair.refresh), 401, "user_invalid")
    assert store.entries() == {}  # refused before anything was consumed


def test_U1_reactivation_does_not_outlast_revoke_user_sessions(store, alice, api):
    """Deactivation refuses the user's tokens while it lasts; ``revoke_user_sessions`` at the
    same time ends them for good (the documented recipe)."""
    pair = api.login()
    alice.is_active = False
    alice.save()
    import djwto

    djwto.revoke_user_sessions(alice)
    alice.is_active = True
    alice.save()
    assert_error(api.refresh(pair.refresh), 401, "token_revoked")


def test_U2_password_change_ends_earlier_refresh_tokens(store, alice, api):
    old = api.login()
    rotated_before = api.rotated(api.login().refresh)
    alice.set_password("a new password")
    alice.save()
    for pair in (old, rotated_before):
        for endpoint in USER_ENDPOINTS:
            assert_error(api.post(f"{P}/{endpoint}/", pair.refresh), 401, "user_invalid")
    assert_error(_login_response("alice", PASSWORD), 401, "invalid_credentials")
    fresh = api.login(password="a new password")
    assert api.rotate(fresh.refresh).status_code == 200


def test_U2_the_stamp_is_derived_from_the_password_hash_not_the_hash(alice, api):
    claims = decode_unverified(api.login().refresh)
    hash_parts = alice.password.split("$")
    assert claims["stamp"] not in alice.password
    assert not any(part and part in str(claims) for part in hash_parts[1:])


def test_U2_stamps_survive_a_secret_key_rotation_with_fallbacks(alice, api, settings):
    pair = api.login()
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a-brand-new-django-secret-key-0123456789-abcdefghijklmnop"
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert api.refresh(pair.refresh).status_code == 200
    settings.SECRET_KEY_FALLBACKS = []
    assert_error(api.refresh(pair.refresh), 401, "user_invalid")


def test_U3_permissions_are_reread_on_every_refresh(store, alice, api):
    pair = api.login()
    assert decode_unverified(pair.access)["user"]["perms"] == ["testapp.perm1"]
    assert api.get("/perm/", pair.access).status_code == 200

    alice.user_permissions.remove(Permission.objects.get(codename="perm1"))
    response = api.refresh(pair.refresh)
    assert response.status_code == 200
    refreshed = response.json()["access"]
    assert decode_unverified(refreshed)["user"]["perms"] == []
    assert_error(api.get("/perm/", refreshed), 403, "permission_denied")
    # Documented: the earlier access token keeps its claim until it expires.
    assert api.get("/perm/", pair.access).status_code == 200

    rotated = api.rotated(pair.refresh)
    assert decode_unverified(rotated.refresh)["user"]["perms"] == []
    assert decode_unverified(rotated.access)["user"]["perms"] == []

    group = Group.objects.create(name="reporters")
    group.permissions.add(
        Permission.objects.get(codename="perm1"), Permission.objects.get(codename="perm2")
    )
    get_user_model().objects.get(pk=alice.pk).groups.add(group)
    again = api.rotated(rotated.refresh)
    assert decode_unverified(again.access)["user"]["perms"] == ["testapp.perm1", "testapp.perm2"]
    assert api.get("/aperm/", again.access).status_code == 200
