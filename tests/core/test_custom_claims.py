"""Custom claims: one ``Claims`` class (``DJWTO_CLAIMS_CLASS``) for login, refresh and rotation,
and the older ``LoginView.get_payload()`` override."""

from __future__ import annotations

import json
import typing

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory

from djwto.claims import (
    COPIED_TO_ACCESS,
    KEPT_FROM_PRESENTED,
    REGISTERED_CLAIMS,
    AccessClaims,
    Claims,
    RefreshClaims,
    UserClaims,
    build_access_claims,
    build_refresh_claims,
    get_claims_class,
)
from djwto.views import LoginView, RefreshView
from tests.support import P, bearer, decode_unverified, login

REFRESH_ACCESS = f"{P}/refresh_access/"
UPDATE_REFRESH = f"{P}/update_refresh/"
HERE = "tests.core.test_custom_claims"


class EmailClaims(Claims):
    def get_custom_claims(self, user):
        return {"email": user.email, "staff": user.is_staff}


class SubClaims(Claims):
    def get_custom_claims(self, user):
        return {"sub": "someone-else"}


class NotClaims:
    pass


def change_email(user, email):
    user.email = email
    user.save()


def test_a_custom_claim_is_recomputed_on_refresh_and_rotation_in_every_mode(
    settings, mode, alice, password, csrf_client
):
    settings.DJWTO_CLAIMS_CLASS = f"{HERE}.EmailClaims"
    session = login(csrf_client, mode, "alice", password)
    assert session.login_response.status_code == 200
    for token in (session.refresh, session.access):
        assert decode_unverified(token)["email"] == "alice@djwto.com"

    change_email(alice, "alice@new.example")
    response = session.post_refresh(REFRESH_ACCESS)
    assert response.status_code == 200, response.content
    access = decode_unverified(session.access)
    assert access["email"] == "alice@new.example" and access["staff"] is False
    assert access["refresh_jti"] == decode_unverified(session.refresh)["jti"]
    assert session.get("/protected/").status_code == 200

    change_email(alice, "alice@newer.example")
    alice.is_staff = True
    alice.save()
    response = session.post_refresh(UPDATE_REFRESH)
    assert response.status_code == 200, response.content
    for token in (session.refresh, session.access):
        claims = decode_unverified(token)
        assert (claims["email"], claims["staff"]) == ("alice@newer.example", True)
    assert session.get("/protected/").status_code == 200


def test_a_get_payload_claim_is_carried_over_unchanged(alice, password):
    """The seed's way: claims added by LoginView.get_payload() ride along as issued."""

    class MyLogin(LoginView):
        def get_payload(self, user):
            payload = super().get_payload(user)
            payload["user"]["email"] = user.email
            payload["tenant"] = "acme"
            return payload

    request = RequestFactory().post("/login/", {"username": "alice", "password": password})
    body = json.loads(MyLogin.as_view()(request).content)
    refresh, access = decode_unverified(body["refresh"]), decode_unverified(body["access"])
    assert refresh["user"]["email"] == access["user"]["email"] == "alice@djwto.com"
    assert refresh["tenant"] == access["tenant"] == "acme"
    change_email(alice, "alice@new.example")
    alice.user_permissions.clear()
    refreshed = Client().post(REFRESH_ACCESS, **bearer(body["refresh"])).json()
    rotated = Client().post(UPDATE_REFRESH, **bearer(body["refresh"])).json()
    for token in (refreshed["access"], rotated["refresh"], rotated["access"]):
        claims = decode_unverified(token)
        assert claims["tenant"] == "acme"
        assert claims["user"]["email"] == "alice@djwto.com"  # as issued at login
        assert claims["user"]["perms"] == []  # while the standard ones are re-read


def test_both_ways_together(settings, alice, password):
    settings.DJWTO_CLAIMS_CLASS = f"{HERE}.EmailClaims"

    class MyLogin(LoginView):
        def get_payload(self, user):
            return {**super().get_payload(user), "tenant": "acme"}

    request = RequestFactory().post("/login/", {"username": "alice", "password": password})
    body = json.loads(MyLogin.as_view()(request).content)
    change_email(alice, "alice@new.example")
    access = decode_unverified(
        Client().post(REFRESH_ACCESS, **bearer(body["refresh"])).json()["access"]
    )
    assert (access["tenant"], access["email"]) == ("acme", "alice@new.example")


def test_a_view_claims_class_wins_over_the_setting(settings, alice, password):
    settings.DJWTO_CLAIMS_CLASS = "djwto.claims.Claims"

    class Login(LoginView):
        claims_class = EmailClaims

    class Refresh(RefreshView):
        claims_class = EmailClaims

    request = RequestFactory().post("/login/", {"username": "alice", "password": password})
    body = json.loads(Login.as_view()(request).content)
    assert decode_unverified(body["access"])["email"] == "alice@djwto.com"
    change_email(alice, "alice@new.example")
    request = RequestFactory().post(REFRESH_ACCESS, **bearer(body["refresh"]))
    access = json.loads(Refresh.as_view()(request).content)["access"]
    assert decode_unverified(access)["email"] == "alice@new.example"
    # The default views follow the setting: no such claim.
    plain = Client().post(REFRESH_ACCESS, **bearer(body["refresh"])).json()["access"]
    assert decode_unverified(plain)["email"] == "alice@djwto.com"  # carried, not recomputed


def test_the_setting_is_read_per_request(settings, alice, password):
    first = Client().post("/login/", {"username": "alice", "password": password}).json()
    assert "email" not in decode_unverified(first["access"])
    settings.DJWTO_CLAIMS_CLASS = f"{HERE}.EmailClaims"
    second = Client().post("/login/", {"username": "alice", "password": password}).json()
    assert decode_unverified(second["access"])["email"] == "alice@djwto.com"
    assert get_claims_class() is EmailClaims


def test_a_custom_claim_cannot_replace_a_registered_one(settings, alice):
    with pytest.raises(ImproperlyConfigured, match="'sub'"):
        SubClaims().build_refresh(alice)
    settings.DJWTO_CLAIMS_CLASS = f"{HERE}.SubClaims"
    with pytest.raises(ImproperlyConfigured, match=r"SubClaims\.get_custom_claims"):
        build_refresh_claims(alice)


@pytest.mark.parametrize(
    "path, message",
    [
        (f"{HERE}.Missing", "cannot be imported"),
        ("no.such.module.Claims", "cannot be imported"),
        (f"{HERE}.NotClaims", "subclass of djwto.claims.Claims"),
    ],
)
def test_a_bad_claims_class_setting_names_the_setting(settings, path, message):
    settings.DJWTO_CLAIMS_CLASS = path
    with pytest.raises(ImproperlyConfigured, match=f"DJWTO_CLAIMS_CLASS.*{message}"):
        get_claims_class()


# --- the claim tables and the TypedDicts agree with the claims built --------------------------


def _keys(typed_dict) -> set[str]:
    return set(typed_dict.__required_keys__) | set(typed_dict.__optional_keys__)


def test_typed_dicts_describe_the_built_claims(settings, alice):
    settings.DJWTO_ISS_CLAIM = "issuer"
    settings.DJWTO_AUD_CLAIM = "api"
    settings.DJWTO_NBF_LIFETIME = None
    refresh = build_refresh_claims(alice)
    access = build_access_claims(refresh)
    assert set(RefreshClaims.__required_keys__) <= set(refresh) <= _keys(RefreshClaims)
    assert set(AccessClaims.__required_keys__) <= set(access) <= _keys(AccessClaims)
    assert set(UserClaims.__required_keys__) <= set(refresh["user"])
    assert _keys(RefreshClaims) | _keys(AccessClaims) <= REGISTERED_CLAIMS
    hints = typing.get_type_hints(RefreshClaims)
    assert hints["user"] is UserClaims and hints["exp"] is int


def test_claim_tables_name_registered_claims():
    assert set(COPIED_TO_ACCESS) <= REGISTERED_CLAIMS
    assert set(KEPT_FROM_PRESENTED) <= REGISTERED_CLAIMS
