"""Django integration: the read-only admin and the ``delete_tokens`` management command."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import include, path
from django.utils import timezone

from djwto.models import DeniedToken

urlpatterns = [path("admin/", admin.site.urls), path("", include("tests.urls"))]


def make_row(jti: str, *, expires_in: timedelta, reason: str = "logout") -> DeniedToken:
    now = timezone.now()
    return DeniedToken.objects.create(
        jti=jti,
        token_type="refresh",
        reason=reason,
        user_id="1",
        expires_at=now + expires_in,
        created_at=now,
    )


@pytest.fixture
def superuser(db, password):
    return get_user_model().objects.create_superuser("root", "root@djwto.com", password)


def test_delete_tokens_deletes_expired_rows_and_prints_the_count(db):
    make_row("expired-1", expires_in=timedelta(seconds=-1))
    make_row("expired-2", expires_in=timedelta(days=-3))
    make_row("live", expires_in=timedelta(hours=1))
    out = StringIO()
    call_command("delete_tokens", stdout=out)
    assert out.getvalue().strip() == "Deleted 2 expired token(s)."
    assert list(DeniedToken.objects.values_list("jti", flat=True)) == ["live"]
    out = StringIO()
    call_command("delete_tokens", stdout=out)
    assert out.getvalue().strip() == "Deleted 0 expired token(s)."


def test_delete_tokens_with_the_cache_denylist(settings, db):
    settings.DJWTO_DENYLIST_BACKEND = "djwto.stores.CacheStore"
    make_row("expired", expires_in=timedelta(seconds=-1))
    out = StringIO()
    call_command("delete_tokens", stdout=out)
    assert "nothing to delete" in out.getvalue()


def test_admin_is_read_only(superuser):
    model_admin = admin.site._registry[DeniedToken]
    request = RequestFactory().get("/admin/")
    request.user = superuser
    assert model_admin.has_add_permission(request) is False
    assert model_admin.has_change_permission(request) is False
    assert model_admin.has_change_permission(request, obj=None) is False
    assert model_admin.has_view_permission(request) is True


@pytest.mark.urls(__name__)
def test_admin_changelist_renders_for_a_superuser(superuser, password):
    make_row("some-jti-in-the-admin", expires_in=timedelta(hours=1))
    client = Client()
    client.force_login(superuser)
    response = client.get("/admin/djwto/deniedtoken/")
    assert response.status_code == 200
    assert b"some-jti-in-the-admin" in response.content
    assert client.get("/admin/djwto/deniedtoken/add/").status_code == 403
    row = DeniedToken.objects.get()
    response = client.get(f"/admin/djwto/deniedtoken/{row.pk}/change/")
    assert response.status_code == 200  # view-only page
    assert b'name="_save"' not in response.content
    response = client.get("/admin/djwto/deniedtoken/?q=some-jti&token_type__exact=refresh")
    assert b"some-jti-in-the-admin" in response.content
