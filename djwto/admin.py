from django.contrib import admin

from .models import DeniedToken


@admin.register(DeniedToken)
class DeniedTokenAdmin(admin.ModelAdmin):
    """Read-only: revocations are made by logout, rotation and ``revoke_user_sessions``."""

    list_display = ("jti", "token_type", "reason", "user_id", "created_at", "expires_at")
    list_filter = ("token_type", "reason")
    search_fields = ("jti", "user_id")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
