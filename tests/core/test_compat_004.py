"""Defects of djwto 0.0.4 that must not come back: one test each."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from djwto.backends import encode
from djwto.checks import check_djwto_settings
from djwto.models import DeniedToken
from tests.support import REPO, P, bearer, decode_unverified, login, make_pair


def test_signing_key_is_not_read_from_the_environment_at_import():
    """0.0.4: ``os.environ['DJWTO_SIGNING_KEY']`` at import, a KeyError without it."""
    code = (
        "import django; from django.conf import settings\n"
        "settings.configure(INSTALLED_APPS=['django.contrib.auth', 'django.contrib.contenttypes',"
        " 'djwto'], SECRET_KEY='x', DATABASES={})\n"
        "django.setup()\n"
        "import djwto.conf, djwto.backends, djwto.claims, djwto.views, djwto.mixins, "
        "djwto.decorators, djwto.urls\n"
        "from django.core.exceptions import ImproperlyConfigured\n"
        "try:\n"
        "    djwto.backends.encode({'type': 'access', 'exp': 1})\n"
        "except ImproperlyConfigured as exc:\n"
        "    print('ImproperlyConfigured', 'DJWTO_SIGNING_KEY' in str(exc))\n"
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJWTO_SIGNING_KEY", "DJANGO_SETTINGS_MODULE")
    }
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ImproperlyConfigured True"


def test_a_user_id_in_the_payload_is_not_what_authenticates(alice):
    """0.0.4's ``jwt_login_required`` returned ``('username' and 'id') in payload['user']``:
    only the presence of ``id`` was checked once the signature passed."""
    for claims in (
        {"user": {"id": alice.pk, "username": "alice"}},  # no type, no exp
        {"user": {"id": alice.pk}, "exp": 4_000_000_000},  # no type
        {"user": {"id": alice.pk}, "type": "refresh", "exp": 4_000_000_000},
        {"user": {"id": alice.pk}, "type": "access", "exp": 1},
    ):  # expired
        token = encode(claims)
        for path in ("/fn/", "/protected/", "/validate_access/"):
            response = Client().post(path, **bearer(token))
            assert response.status_code == 401, (claims, path)
    _, access = make_pair(alice)
    assert Client().post("/fn/", **bearer(encode(access))).status_code == 200


def test_refresh_tokens_are_not_access_tokens(mode, alice, password):
    """0.0.4 never compared ``type`` on protected views."""
    s = login(Client(), mode, "alice", password)
    client = Client()
    if mode == "JSON":
        headers = bearer(s.refresh)
    else:
        access_cookie = "jwt_access" if mode == "ONE-COOKIE" else "jwt_access_token"
        client.cookies[access_cookie] = s.refresh
        headers = {}
    for path in ("/protected/", "/aprotected/", "/fn/", "/afn/", "/perm/", "/validate_access/"):
        response = (
            client.post(path, **headers)
            if path == "/validate_access/"
            else client.get(path, **headers)
        )
        assert response.status_code == 401, path
        assert response.json()["code"] == "token_wrong_type"


@pytest.mark.parametrize("change", ["deactivate", "delete"])
def test_no_refresh_for_inactive_or_deleted_users(alice, password, change):
    """0.0.4 refreshed from the old payload without looking at the user."""
    s = login(Client(), "JSON", "alice", password)
    if change == "deactivate":
        alice.is_active = False
        alice.save()
    else:
        alice.delete()
    for path in ("refresh_access", "update_refresh"):
        response = Client().post(f"{P}/{path}/", **bearer(s.refresh))
        assert response.status_code == 401
        assert "access" not in response.json()


def test_update_refresh_issues_a_new_jti_and_the_old_token_is_spent(alice, password):
    """0.0.4's update re-signed the same claims, same ``jti``: the old token stayed valid."""
    s = login(Client(), "JSON", "alice", password)
    new = Client().post(f"{P}/update_refresh/", **bearer(s.refresh)).json()["refresh"]
    assert decode_unverified(new)["jti"] != decode_unverified(s.refresh)["jti"]
    assert Client().post(f"{P}/update_refresh/", **bearer(s.refresh)).status_code == 401


def test_nbf_lifetime_is_validated_and_enforced(settings, alice, password, clock):
    """0.0.4 validated ``DJWTO_REFRESH_TOKEN_LIFETIME`` where it meant ``DJWTO_NBF_LIFETIME``."""
    settings.DJWTO_NBF_LIFETIME = timedelta(seconds=-30)
    with pytest.raises(ImproperlyConfigured, match="DJWTO_NBF_LIFETIME"):
        Client().post("/login/", {"username": "alice", "password": password})
    assert [m.id for m in check_djwto_settings()] == ["djwto.E004"]
    settings.DJWTO_NBF_LIFETIME = timedelta(seconds=30)
    s = login(Client(), "JSON", "alice", password)
    assert Client().post(f"{P}/refresh_access/", **bearer(s.refresh)).status_code == 401
    clock.advance(30)
    assert Client().post(f"{P}/refresh_access/", **bearer(s.refresh)).status_code == 200


def test_denylist_never_stores_the_raw_token(alice, password):
    """0.0.4's ``JWTBlacklist`` kept the whole token in a column."""
    s = login(Client(), "JSON", "alice", password)
    assert Client().post(f"{P}/logout/", **bearer(s.refresh)).status_code == 200
    fields = [f.attname for f in DeniedToken._meta.concrete_fields]
    rows = list(DeniedToken.objects.values_list(*fields))
    assert rows
    signature = s.refresh.split(".")[2]
    for row in rows:
        for value in row:
            assert s.refresh not in str(value) and signature not in str(value)


def test_secure_can_be_turned_off(settings, alice, password):
    """0.0.4 always set ``Secure``: unusable over plain HTTP in development."""
    settings.DJWTO_MODE = "TWO-COOKIES"
    settings.DJWTO_COOKIE_SECURE = False
    response = Client().post("/login/", {"username": "alice", "password": password})
    for name in ("jwt_access_token", "jwt_access_payload", "jwt_refresh"):
        assert "secure" not in response.cookies[name].output().lower()
    settings.DJWTO_COOKIE_SECURE = True
    response = Client().post("/login/", {"username": "alice", "password": password})
    assert "Secure" in response.cookies["jwt_refresh"].output()
