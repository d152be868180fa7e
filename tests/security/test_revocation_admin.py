"""R6 (the store forgets, by hand): the admin cannot delete a revocation that still counts.

Deleting an unexpired denylist row brings the logged-out session back; the single delete and
the bulk "delete selected" action both refuse it. Expired rows can still be deleted there
(``manage.py delete_tokens`` purges them in bulk).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import include, path
from django.utils import timezone

from djwto.models import DeniedToken
from tests.sessions.support import Api
from tests.support import assert_error

urlpatterns = [path("admin/", admin.site.urls), path("", include("tests.urls"))]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@pytest.fixture
def staff(db, password):
    user = get_user_model().objects.create_superuser("root", "root@djwto.com", password)
    client = Client()
    client.force_login(user)
    return client


def expired_row() -> DeniedToken:
    now = timezone.now()
    return DeniedToken.objects.create(
        jti="long-gone",
        token_type="refresh",
        reason="logout",
        user_id="1",
        expires_at=now - timedelta(seconds=1),
        created_at=now - timedelta(days=1),
    )


def test_R6_single_delete_of_a_live_revocation_is_refused(alice, api: Api, staff):
    pair = api.login()
    assert api.logout(pair.refresh).status_code == 200
    rows = list(DeniedToken.objects.all())
    assert rows
    for row in rows:
        url = f"/admin/djwto/deniedtoken/{row.pk}/delete/"
        assert staff.get(url).status_code == 403
        assert staff.post(url, {"post": "yes"}).status_code == 403
    assert DeniedToken.objects.count() == len(rows)
    assert_error(api.refresh(pair.refresh), 401, "token_revoked")


def test_R6_bulk_delete_of_a_live_revocation_is_refused(alice, api: Api, staff):
    pair = api.login()
    assert api.logout(pair.refresh).status_code == 200
    gone = expired_row()
    pks = [str(pk) for pk in DeniedToken.objects.values_list("pk", flat=True)]
    data = {"action": "delete_selected", "_selected_action": pks, "post": "yes"}
    response = staff.post("/admin/djwto/deniedtoken/", data)
    assert response.status_code == 403
    assert DeniedToken.objects.count() == len(pks)
    assert_error(api.refresh(pair.refresh), 401, "token_revoked")
    # The expired row alone can go.
    data["_selected_action"] = [str(gone.pk)]
    response = staff.post("/admin/djwto/deniedtoken/", data)
    assert response.status_code == 302
    assert not DeniedToken.objects.filter(pk=gone.pk).exists()
    assert DeniedToken.objects.count() == len(pks) - 1


def test_R6_an_expired_row_can_be_deleted_alone(staff):
    gone = expired_row()
    response = staff.post(f"/admin/djwto/deniedtoken/{gone.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not DeniedToken.objects.exists()


@pytest.fixture
def api():
    return Api()
