"""The denylist in the admin: read-only, and only expired rows can be deleted.

Deleting a row that has not expired would bring back the session it revoked; such rows are
refused by the single delete and by the bulk action alike. ``manage.py delete_tokens`` purges
expired rows in bulk.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import session_records
from .models import DeniedToken, SessionRecord
from .stores import utc_datetime

if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin[DeniedToken]
else:  # ModelAdmin is generic in django-stubs only
    _ModelAdmin = admin.ModelAdmin


def is_expired(row: DeniedToken) -> bool:
    """Whether ``row`` no longer revokes anything (every token it covered has expired)."""
    return utc_datetime(row.expires_at) <= datetime.now(UTC)


@admin.register(DeniedToken)
class DeniedTokenAdmin(_ModelAdmin):
    """Read-only: revocations are made by logout, rotation and ``revoke_user_sessions``, and
    only expired rows may be deleted (``manage.py delete_tokens`` purges them in bulk)."""

    list_display = ("jti", "token_type", "reason", "user_id", "created_at", "expires_at")
    list_filter = ("token_type", "reason")
    search_fields = ("jti", "user_id")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: DeniedToken | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: DeniedToken | None = None) -> bool:
        # The bulk action asks again for each selected row (get_deleted_objects).
        if obj is not None and not is_expired(obj):
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request: HttpRequest, obj: DeniedToken) -> None:
        if not is_expired(obj):
            raise PermissionDenied(_("A revocation that has not expired cannot be deleted."))
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[DeniedToken]) -> None:
        if any(not is_expired(row) for row in queryset):
            raise PermissionDenied(_("A revocation that has not expired cannot be deleted."))
        super().delete_queryset(request, queryset)


if TYPE_CHECKING:
    _SessionRecordAdminBase = admin.ModelAdmin[SessionRecord]
else:
    _SessionRecordAdminBase = admin.ModelAdmin


@admin.register(SessionRecord)
class SessionRecordAdmin(_SessionRecordAdminBase):
    """Sessions as their users see them; ended only by revocation through the denylist.

    Read-only and never deleted by hand (a deleted record would hide a live session from its
    user); ``delete_tokens`` purges the expired ones. Revoking needs the change permission.
    """

    list_display = (
        "sid",
        "user_id",
        "created_at",
        "last_refresh_at",
        "expires_at",
        "user_agent",
        "revoked_at",
    )
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("sid", "user_id", "=ip_hash")
    date_hierarchy = "created_at"
    actions = ["revoke_sessions"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SessionRecord | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: SessionRecord | None = None) -> bool:
        return False

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        opts = self.model._meta
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    @admin.action(description=_("Revoke selected sessions"), permissions=["revoke"])
    def revoke_sessions(self, request: HttpRequest, queryset: QuerySet[SessionRecord]) -> None:
        revoked = 0
        for record in queryset.filter(revoked_at__isnull=True):
            session_records.revoke(record)
            revoked += 1
        self.message_user(
            request,
            ngettext("%d session revoked.", "%d sessions revoked.", revoked) % revoked,
            messages.SUCCESS,
        )
