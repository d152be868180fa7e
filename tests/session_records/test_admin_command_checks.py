"""The session records in Django's admin (a revoke action), ``delete_tokens`` and the E060
check."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.test import Client
from django.urls import include, path

from djwto import checks
from djwto.models import SessionRecord
from tests.sessions.support import Api
from tests.support import assert_error, decode_unverified

urlpatterns = [path("admin/", admin.site.urls), path("", include("tests.urls"))]
CHANGELIST = "/admin/djwto/sessionrecord/"


@pytest.fixture
def staff(db, password):
    return get_user_model().objects.create_user("staff", "s@djwto.com", password, is_staff=True)


def admin_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.urls(__name__)
def test_the_admin_lists_records_and_revokes_through_the_denylist(alice, records, staff, api):
    pair = api.login()
    other = Api().login()
    staff.user_permissions.add(
        Permission.objects.get(codename="view_sessionrecord"),
        Permission.objects.get(codename="change_sessionrecord"),
    )
    client = admin_client(staff)
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    sid = decode_unverified(pair.refresh)["sid"]
    assert sid.encode() in response.content
    assert b"revoke_sessions" in response.content
    assert b"delete_selected" not in response.content
    assert client.get(CHANGELIST + "add/").status_code == 403

    record = records.objects.get(sid=sid)
    response = client.post(
        CHANGELIST, {"action": "revoke_sessions", "_selected_action": [str(record.pk)]}
    )
    assert response.status_code == 302
    assert "1 session revoked." in [m.message for m in response.wsgi_request._messages]
    assert_error(api.refresh(pair.refresh), 401, "token_revoked")
    assert records.objects.get(sid=sid).revoked_at is not None
    assert api.refresh(other.refresh).status_code == 200  # the other session lives on
    # Filter by state, search by the address hash (an exact match, as the hash is).
    response = client.get(CHANGELIST + "?revoked_at__isempty=0")
    assert sid.encode() in response.content
    response = client.get(CHANGELIST + "?q=" + record.ip_hash)
    assert sid.encode() in response.content


@pytest.mark.urls(__name__)
def test_viewing_staff_cannot_revoke(alice, records, staff, api):
    api.login()
    staff.user_permissions.add(Permission.objects.get(codename="view_sessionrecord"))
    client = admin_client(staff)
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert b"revoke_sessions" not in response.content
    record = records.objects.get()
    client.post(CHANGELIST, {"action": "revoke_sessions", "_selected_action": [str(record.pk)]})
    assert records.objects.get().revoked_at is None


def test_delete_tokens_purges_expired_records_even_with_records_off(alice, records, clock):
    Api().login()
    clock.advance(3600)
    live = Api().login()
    clock.advance(86400 - 1800)  # the first session's refresh token has expired
    out = StringIO()
    call_command("delete_tokens", stdout=out)
    assert "Deleted 1 expired session record(s)." in out.getvalue()
    assert list(SessionRecord.objects.values_list("sid", flat=True)) == [
        decode_unverified(live.refresh)["sid"]
    ]
    out = StringIO()
    call_command("delete_tokens", stdout=out)
    assert "session record" not in out.getvalue()


def test_e060_names_the_missing_table(records, monkeypatch):
    assert checks.check_session_records_table() == []
    monkeypatch.setattr(SessionRecord._meta, "db_table", "djwto_sessionrecord_gone")
    (error,) = checks.check_session_records_table()
    assert error.id == "djwto.E060"
    assert "djwto_sessionrecord_gone" in error.msg
    assert "migrate" in error.hint
    # Inside migrate, the migration about to run creates it.
    assert checks.check_session_records_table(databases=["default"]) == []


def test_e060_is_silent_while_records_are_off(db, monkeypatch):
    monkeypatch.setattr(SessionRecord._meta, "db_table", "djwto_sessionrecord_gone")
    assert checks.check_session_records_table() == []


def test_the_setting_must_be_a_bool(settings):
    from django.core.exceptions import ImproperlyConfigured

    from djwto import session_records

    settings.DJWTO_SESSION_RECORDS = "False"
    (error,) = [m for m in checks.check_djwto_settings() if "SESSION_RECORDS" in m.msg]
    assert error.id == "djwto.E011"
    with pytest.raises(ImproperlyConfigured, match="DJWTO_SESSION_RECORDS"):
        session_records.is_enabled()
