"""Logout (R3), logout-all and ``revoke_user_sessions``, the access-revocation check, what the
stores hold, and ``delete_tokens``."""

from __future__ import annotations

import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

import djwto
from djwto import sessions
from djwto.backends import encode
from djwto.claims import build_refresh_claims, new_sid
from djwto.exceptions import RevokedToken
from tests.support import (
    CSRF,
    MODES,
    PASSWORD,
    PROTECTED,
    REFRESH_ENDPOINTS,
    P,
    assert_error,
    decode_unverified,
)

from .support import assert_no_raw_tokens

pytestmark = pytest.mark.django_db


def send(mode: str, path: str, refresh: str | None):
    """POST ``path`` with ``refresh`` where ``mode`` carries it (Bearer, or cookie + CSRF)."""
    client = Client(enforce_csrf_checks=True)
    if mode == "JSON":
        headers = {"HTTP_AUTHORIZATION": f"Bearer {refresh}"} if refresh is not None else {}
        return client.post(path, **headers)
    client.cookies["csrftoken"] = CSRF
    if refresh is not None:
        client.cookies["jwt_refresh"] = refresh
    return client.post(path, HTTP_X_CSRFTOKEN=CSRF)


def login(mode: str, username: str = "alice") -> tuple[str, str]:
    """Log in in ``mode``; the (refresh, access) tokens, wherever they travelled."""
    response = Client().post("/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.content
    if mode == "JSON":
        return response.json()["refresh"], response.json()["access"]
    access_cookie = "jwt_access" if mode == "ONE-COOKIE" else "jwt_access_token"
    return response.cookies["jwt_refresh"].value, response.cookies[access_cookie].value


def assert_cookies_cleared(response, mode: str) -> None:
    if mode == "JSON":
        assert not response.cookies
        return
    refresh = response.cookies["jwt_refresh"]
    assert refresh.value == "" and refresh["max-age"] == 0 and refresh["path"] == f"{P}"
    access = response.cookies["jwt_access" if mode == "ONE-COOKIE" else "jwt_access_token"]
    assert access.value == "" and access["max-age"] == 0 and access["path"] == "/"


# --- R3: logout --------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_R3_after_logout_the_refresh_token_is_401(store, alice, settings, mode):
    settings.DJWTO_MODE = mode
    refresh, _ = login(mode)
    claims = decode_unverified(refresh)
    response = send(mode, f"{P}/logout/", refresh)
    assert response.status_code == 200, response.content
    assert response.json() == {"msg": "Token successfully blacklisted."}
    assert_cookies_cleared(response, mode)
    assert store.entries() == {
        claims["jti"]: ("refresh", "logout", str(alice.pk)),
        f"sid:{claims['sid']}": ("session", "logout", str(alice.pk)),
    }
    for endpoint in REFRESH_ENDPOINTS:
        assert_error(send(mode, f"{P}/{endpoint}/", refresh), 401, "token_revoked")


def test_R3_access_token_after_logout_lives_to_its_exp_by_default(store, alice, api, clock):
    pair = api.login()
    assert api.logout(pair.refresh).status_code == 200
    for path in PROTECTED:
        assert api.get(path, pair.access).status_code == 200, path
    assert api.post("/validate_access/", pair.access).status_code == 200
    clock.advance(5 * 60)
    for path in PROTECTED:
        assert_error(api.get(path, pair.access), 401, "token_expired")


def test_R3_access_token_after_logout_is_401_with_the_access_check(store, alice, api, settings):
    settings.DJWTO_CHECK_ACCESS_REVOCATION = True
    pair = api.login()
    other = api.login()
    for path in PROTECTED:
        assert api.get(path, pair.access).status_code == 200, path
    assert api.logout(pair.refresh).status_code == 200
    for path in PROTECTED:  # sync and async views, mixins and decorators
        assert_error(api.get(path, pair.access), 401, "token_revoked")
    assert_error(api.post("/validate_access/", pair.access), 401, "token_revoked")
    assert api.get("/aprotected/", other.access).status_code == 200  # another login


def _bad_refresh_tokens(alice, settings) -> dict[str, str | None]:
    good = build_refresh_claims(alice)
    signed = encode(good)
    header, _payload, signature = signed.split(".")
    forged = encode({**good, "user": {**good["user"], "id": 999}}).split(".")[1]
    expired = build_refresh_claims(alice, now=int(time.time()) - 2 * 24 * 3600)
    original_key = settings.DJWTO_SIGNING_KEY
    settings.DJWTO_SIGNING_KEY = "another-environment-key-of-more-than-32-bytes-0123456789"
    other_key = encode(good)
    settings.DJWTO_SIGNING_KEY = original_key
    return {
        "forged": f"{header}.{forged}.{signature}",
        "expired": encode(expired),
        "other_key": other_key,
        "garbage": "not-a-token",
        "missing": None,
    }


@pytest.mark.parametrize("mode", MODES)
def test_R3_logout_with_a_bad_token_clears_cookies_and_writes_nothing(store, alice, settings, mode):
    settings.DJWTO_MODE = mode
    for name, token in _bad_refresh_tokens(alice, settings).items():
        response = send(mode, f"{P}/logout/", token)
        assert_error(response, 401)
        assert response.json()["code"] in {"token_invalid", "token_expired", "token_missing"}, name
        assert_cookies_cleared(response, mode)
    _, access = login(mode)
    response = send(mode, f"{P}/logout/", access)  # an access token is no refresh token
    assert_error(response, 401, "token_wrong_type")
    assert store.entries() == {}


# --- logout-all and revoke_user_sessions -------------------------------------------------------


def test_logout_all_revokes_every_session_of_the_user(store, alice, bob, api, settings, received):
    settings.DJWTO_CHECK_ACCESS_REVOCATION = True
    first, second = api.login(), api.login()
    third = api.rotated(api.login().refresh)
    bobs = api.login("bob")

    response = api.logout_all(first.refresh)
    assert response.status_code == 200 and response.json() == {"msg": "All sessions revoked."}
    assert [e["user_id"] for e in received["revoked"]] == [str(alice.pk)]
    assert store.entries()[f"user:{alice.pk}"] == ("user", "revoked", str(alice.pk))

    for pair in (first, second, third):
        for endpoint in REFRESH_ENDPOINTS:
            assert_error(api.post(f"{P}/{endpoint}/", pair.refresh), 401, "token_revoked")
        for path in PROTECTED:
            assert_error(api.get(path, pair.access), 401, "token_revoked")
    # Other users, and alice's later logins, are untouched.
    assert api.rotate(bobs.refresh).status_code == 200
    fresh = api.login()
    assert api.get("/aprotected/", fresh.access).status_code == 200
    assert api.rotate(fresh.refresh).status_code == 200


@pytest.mark.parametrize("by", ["instance", "pk"])
def test_revoke_user_sessions_from_server_code(store, alice, bob, api, received, by):
    before = api.login()
    bobs = api.login("bob")
    djwto.revoke_user_sessions(alice if by == "instance" else alice.pk)
    assert received["revoked"][0]["user_id"] == str(alice.pk)
    assert_error(api.refresh(before.refresh), 401, "token_revoked")
    assert api.refresh(bobs.refresh).status_code == 200
    after = api.login()
    assert api.rotate(after.refresh).status_code == 200


def test_revoke_user_sessions_cuts_between_logins_a_moment_apart(store, alice, api):
    for _ in range(10):
        before = api.login()
        djwto.revoke_user_sessions(alice)
        after = api.login()
        assert_error(api.refresh(before.refresh), 401, "token_revoked")
        assert api.refresh(after.refresh).status_code == 200


def test_the_user_cutoff_is_exact_to_the_nanosecond(store, alice, monkeypatch):
    revoked_at = (time.time_ns() // 10**9) * 10**9 + 123_456_789
    monkeypatch.setattr(time, "time_ns", lambda: revoked_at)
    djwto.revoke_user_sessions(alice)
    monkeypatch.undo()
    # Rounded up to the microsecond the stores keep: ...123_457_000 ns.
    boundary = revoked_at + 211

    def claims(sid_ns: int) -> dict:
        return {"user": {"id": alice.pk}, "sid": new_sid(sid_ns), "type": "access"}

    for sid_ns in (revoked_at - 10**9, revoked_at - 1, revoked_at, boundary):
        with pytest.raises(RevokedToken):
            sessions.check_access(claims(sid_ns))
    sessions.check_access(claims(boundary + 1))


def test_a_very_long_user_id_gets_a_digest_key(store, alice):
    user_id = "u" * 300
    djwto.revoke_user_sessions(user_id)
    [key] = store.entries()
    assert key.startswith("sha256:") and len(key) <= 255
    with pytest.raises(RevokedToken):
        sessions.check_access({"user": {"id": user_id}, "sid": new_sid(time.time_ns() - 10**9)})
    sessions.check_access({"user": {"id": user_id}, "sid": new_sid(time.time_ns() + 10**9)})


# --- what the stores hold ----------------------------------------------------------------------


def test_the_store_never_holds_a_raw_token(store, alice, api, settings):
    settings.DJWTO_CHECK_ACCESS_REVOCATION = True
    seen = []
    a = api.login()
    b = api.rotated(a.refresh)
    api.rotate(a.refresh)  # reuse: revokes a's family
    c = api.login()
    api.logout(c.refresh)
    d = api.login()
    api.logout_all(d.refresh)
    seen += [a.refresh, a.access, b.refresh, b.access, c.refresh, c.access, d.refresh, d.access]
    assert {kind for kind, _, _ in store.entries().values()} == {"refresh", "session", "user"}
    assert_no_raw_tokens(store, *seen)


@pytest.mark.redis
def test_cache_entries_expire_with_the_tokens(redis_store, alice, api):
    store = redis_store
    pair = api.login()
    jti = decode_unverified(pair.refresh)["jti"]
    api.logout(pair.refresh)
    day = 24 * 3600
    assert day - 5 <= store.ttl(jti) <= day + 2
    assert day - 5 <= store.ttl(f"sid:{decode_unverified(pair.refresh)['sid']}") <= day + 2


def test_delete_tokens_purges_expired_tokens_sessions_and_cutoffs(alice, api, clock):
    a, b, c = api.login(), api.login(), api.login()
    api.rotated(a.refresh)  # a rotated refresh token
    api.logout(b.refresh)  # a logged-out token and its session
    api.logout_all(c.refresh)  # a user cut-off
    out = StringIO()
    call_command("delete_tokens", stdout=out)
    assert out.getvalue().strip() == "Deleted 0 expired token(s)."

    clock.advance(24 * 3600 + 1)
    d = api.login()
    api.logout(d.refresh)  # entries that must stay
    call_command("delete_tokens", stdout=out)
    assert out.getvalue().strip().endswith("Deleted 4 expired token(s).")
    from djwto.models import DeniedToken

    assert set(DeniedToken.objects.values_list("token_type", flat=True)) == {"refresh", "session"}
    assert DeniedToken.objects.count() == 2
    for pair in (a, b, c):  # forgetting them resurrects nothing: the tokens have expired
        assert_error(api.refresh(pair.refresh), 401, "token_expired")


@pytest.mark.redis
def test_delete_tokens_with_the_cache_store(redis_store, alice):
    out = StringIO()
    call_command("delete_tokens", stdout=out)
    assert "expires its entries itself" in out.getvalue()


def test_database_store_without_use_tz(alice, api, clock, settings):
    """``USE_TZ = False`` stores naive local times (TIME_ZONE is America/Chicago here)."""
    settings.USE_TZ = False
    settings.DJWTO_ROTATION_GRACE = timedelta(seconds=30)
    first = api.login()
    api.rotated(first.refresh)
    assert_error(api.rotate(first.refresh), 401, "token_rotated")  # the grace is measured right
    clock.advance(31)
    assert_error(api.rotate(first.refresh), 401, "token_reused")

    before = api.login()
    clock.advance(1)
    djwto.revoke_user_sessions(alice)
    clock.advance(1)
    after = api.login()
    assert_error(api.refresh(before.refresh), 401, "token_revoked")
    assert api.refresh(after.refresh).status_code == 200
    clock.advance(24 * 3600 + 60)
    out = StringIO()
    call_command("delete_tokens", stdout=out)
    assert out.getvalue().strip() == "Deleted 3 expired token(s)."
