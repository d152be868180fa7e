"""djwto's login answers exactly as Django's ``authenticate()``: the same user for the same
credentials whatever the backends and lookups, the same signals, ``last_login`` through Django's
own receiver, and the permissions of ``user.get_all_permissions()``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.test import Client, RequestFactory

from djwto.authentication import get_user_for_claims
from djwto.views import LoginView
from tests.support import P, bearer, decode_unverified

MODEL = "django.contrib.auth.backends.ModelBackend"
ROOT = Path(__file__).resolve().parents[2]


class CaseInsensitiveBackend(ModelBackend):
    """Usernames match whatever their case (a common project backend)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        User = get_user_model()
        try:
            user = User._default_manager.get(username__iexact=username)
        except User.DoesNotExist:
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


class EmailBackend(ModelBackend):
    """The username field may hold the user's email address."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        User = get_user_model()
        user = User._default_manager.filter(email__iexact=username).first()
        if user and user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


class ExtraPermissionBackend:
    """Grants ``reports.export`` to everyone, as a project's own permission backend might."""

    def authenticate(self, request, **credentials):
        return None

    def get_user(self, user_id):
        return None

    def get_all_permissions(self, user_obj, obj=None):
        return {"reports.export"}


HERE = "tests.core.test_login_as_django"


@pytest.fixture
def signals_sent():
    """``[(signal name, kwargs)]`` of Django's ``user_logged_in`` and ``user_login_failed``."""
    sent = []

    def on_logged_in(sender, **kwargs):
        sent.append(("user_logged_in", {"sender": sender, **kwargs}))

    def on_failed(sender, **kwargs):
        sent.append(("user_login_failed", {"sender": sender, **kwargs}))

    user_logged_in.connect(on_logged_in)
    user_login_failed.connect(on_failed)
    yield sent
    user_logged_in.disconnect(on_logged_in)
    user_login_failed.disconnect(on_failed)


def django_answer(username, password):
    """The pk Django's ``authenticate()`` finds for these credentials, or ``None``."""
    user = authenticate(RequestFactory().post("/login/"), username=username, password=password)
    return user and user.pk


def djwto_answer(username, password):
    """The user id in the access token djwto's login issues, or ``None`` after a 401."""
    response = Client().post("/login/", {"username": username, "password": password})
    if response.status_code == 401:
        assert response.json()["code"] == "invalid_credentials"
        return None
    assert response.status_code == 200, response.content
    return decode_unverified(response.json()["access"])["user"]["id"]


# --- the same user for the same credentials -------------------------------------------------


@pytest.mark.parametrize(
    "backends, username, expected",
    [
        ([MODEL], "alice", "alice"),
        ([MODEL], "ALICE", None),
        ([f"{HERE}.CaseInsensitiveBackend"], "ALICE", "alice"),
        ([f"{HERE}.CaseInsensitiveBackend"], "aLiCe", "alice"),
        ([f"{HERE}.CaseInsensitiveBackend"], "nobody", None),
        ([f"{HERE}.EmailBackend"], "Alice@DJWTO.com", "alice"),
        ([f"{HERE}.EmailBackend"], "alice", None),
        ([f"{HERE}.EmailBackend", MODEL], "alice", "alice"),
    ],
)
def test_login_finds_the_user_django_finds(settings, alice, password, backends, username, expected):
    settings.AUTHENTICATION_BACKENDS = backends
    expected_pk = alice.pk if expected else None
    assert django_answer(username, password) == expected_pk
    assert djwto_answer(username, password) == expected_pk
    assert djwto_answer(username, "wrong") is None


def test_a_custom_natural_key_lookup_is_honoured(alice, password, monkeypatch):
    manager_class = type(get_user_model()._default_manager)
    monkeypatch.setattr(
        manager_class,
        "get_by_natural_key",
        lambda self, username: self.get(username__iexact=username),
    )
    assert django_answer("ALICE", password) == alice.pk
    assert djwto_answer("ALICE", password) == alice.pk


@pytest.fixture(scope="module")
def number_user_logins():
    """Logins on a user model whose USERNAME_FIELD is an IntegerField, in their own process."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.numberuser.settings",
        "PYTHONPATH": str(ROOT),
    }
    values = ["9" * 20, "-" + "9" * 20, "7", "8", "abc"]
    result = subprocess.run(
        [sys.executable, "-m", "tests.numberuser.probe", *values],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("value", ["9" * 20, "-" + "9" * 20, "8"])
def test_an_out_of_range_member_number_fails_as_in_django(number_user_logins, value):
    """A 20-digit value for an integer USERNAME_FIELD: Django finds no user (SQLite cannot even
    hold it); djwto answers the normal 401 and user_login_failed is sent, never a 500."""
    answer = number_user_logins[value]
    assert answer["django"] is None
    assert answer["django_sent"] == ["user_login_failed"]
    assert (answer["status"], answer["error"]) == (401, "invalid_credentials")
    assert answer["djwto_sent"] == ["user_login_failed", "jwt_login_fail"]


def test_a_member_number_logs_in(number_user_logins):
    answer = number_user_logins["7"]
    assert answer["django"] == 1 and answer["django_sent"] == []
    assert (answer["status"], answer["user_id"]) == (200, 1)


def test_a_member_number_that_is_not_a_number_is_a_401_not_a_500(number_user_logins):
    """Django's lookup raises ValueError here; djwto answers the uniform failure."""
    answer = number_user_logins["abc"]
    assert answer["django"] == "ValueError"
    assert (answer["status"], answer["error"]) == (401, "invalid_credentials")
    # authenticate() raised before its own failure signal: djwto sends it, so lockout tools
    # count this attempt too.
    assert answer["djwto_sent"] == ["user_login_failed", "jwt_login_fail"]


# --- signals and last_login -----------------------------------------------------------------


def test_user_logged_in_is_sent_once_per_login_and_sets_last_login(alice, password, signals_sent):
    assert alice.last_login is None
    seen = []
    for _ in range(2):
        response = Client().post("/login/", {"username": "alice", "password": password})
        assert response.status_code == 200
        alice.refresh_from_db()
        seen.append(alice.last_login)
    assert seen[0] is not None and seen[1] > seen[0]
    assert [name for name, _ in signals_sent] == ["user_logged_in", "user_logged_in"]
    kwargs = signals_sent[0][1]
    assert kwargs["sender"] is get_user_model()
    assert kwargs["user"] == alice and kwargs["request"].path == "/login/"


def test_a_failed_login_sends_user_login_failed_and_writes_nothing(alice, password, signals_sent):
    response = Client().post("/login/", {"username": "alice", "password": "wrong"})
    assert response.status_code == 401
    assert [name for name, _ in signals_sent] == ["user_login_failed"]
    kwargs = signals_sent[0][1]
    assert kwargs["credentials"]["username"] == "alice"
    assert kwargs["credentials"]["password"] != "wrong"  # cleansed by Django
    alice.refresh_from_db()
    assert alice.last_login is None


def test_refresh_and_rotation_are_not_logins(alice, password, signals_sent):
    body = Client().post("/login/", {"username": "alice", "password": password}).json()
    for path in (f"{P}/refresh_access/", f"{P}/update_refresh/"):
        assert Client().post(path, **bearer(body["refresh"])).status_code == 200
    assert [name for name, _ in signals_sent] == ["user_logged_in"]


def test_the_logged_in_hook_can_be_overridden(alice, password, signals_sent):
    class QuietLogin(LoginView):
        def send_user_logged_in(self, user):
            pass  # e.g. a service account whose logins are not recorded

    request = RequestFactory().post("/login/", {"username": "alice", "password": password})
    assert QuietLogin.as_view()(request).status_code == 200
    alice.refresh_from_db()
    assert alice.last_login is None and signals_sent == []


# --- the permissions claim ------------------------------------------------------------------


@pytest.mark.parametrize("setup", ["own", "group", "superuser", "backend"])
def test_perms_claim_is_get_all_permissions(settings, alice, password, setup):
    if setup == "group":
        group = Group.objects.create(name="g")
        group.permissions.add(Permission.objects.get(codename="perm2"))
        alice.groups.add(group)
    elif setup == "superuser":
        alice.is_superuser = True
        alice.save()
    elif setup == "backend":
        settings.AUTHENTICATION_BACKENDS = [MODEL, f"{HERE}.ExtraPermissionBackend"]
    expected = sorted(get_user_model().objects.get(pk=alice.pk).get_all_permissions())
    assert "testapp.perm1" in expected
    if setup == "superuser":
        # A superuser's token says is_superuser instead of listing every permission.
        expected = []
    body = Client().post("/login/", {"username": "alice", "password": password}).json()
    assert decode_unverified(body["access"])["user"]["perms"] == expected
    refreshed = Client().post(f"{P}/refresh_access/", **bearer(body["refresh"])).json()
    assert decode_unverified(refreshed["access"])["user"]["perms"] == expected
    user_claim = decode_unverified(refreshed["access"])["user"]
    assert user_claim.get("is_superuser", False) is (setup == "superuser")
    if setup == "backend":
        assert "reports.export" in expected


# --- the user of a token --------------------------------------------------------------------


@pytest.mark.parametrize("user_id", ["999999", "abc", "9" * 40, "-1", "1.5", "", None])
def test_a_token_for_no_user_is_anonymous(alice, user_id):
    claims = {"user": {"id": user_id}} if user_id is not None else {"sub": ""}
    assert not get_user_for_claims(claims).is_authenticated
    assert get_user_for_claims({"user": {"id": alice.pk}}) == alice
    assert get_user_for_claims({"user": {"id": str(alice.pk)}}) == alice
