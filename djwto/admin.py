from typing import TYPE_CHECKING

from django.contrib import admin
from django.http import HttpRequest

from .models import DeniedToken

if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin[DeniedToken]
else:  # ModelAdmin is generic in django-stubs only
    _ModelAdmin = admin.ModelAdmin


@admin.register(DeniedToken)
class DeniedTokenAdmin(_ModelAdmin):
    """Read-only: revocations are made by logout, rotation and ``revoke_user_sessions``."""

    list_display = ("jti", "token_type", "reason", "user_id", "created_at", "expires_at")
    list_filter = ("token_type", "reason")
    search_fields = ("jti", "user_id")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: DeniedToken | None = None) -> bool:
        return False
