"""The database denylist: one row per revoked refresh token, revoked session or user cut-off.

A row never holds a raw token: only its ``jti`` (or a ``sid:``/``user:`` key), who it belongs
to and when it may be forgotten.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DeniedToken(models.Model):
    class Kind(models.TextChoices):
        REFRESH = "refresh", _("refresh token")
        ACCESS = "access", _("access token")
        SESSION = "session", _("session (token family)")
        USER = "user", _("all sessions of a user")

    class Reason(models.TextChoices):
        ROTATED = "rotated", _("rotated")
        LOGOUT = "logout", _("logged out")
        REUSED = "reused", _("reuse detected")
        REVOKED = "revoked", _("revoked")

    jti = models.CharField(
        _("key"),
        max_length=255,
        unique=True,
        help_text=_("The token's jti, or 'sid:<family>' / 'user:<id>' for wider revocations."),
    )
    token_type = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    user_id = models.CharField(_("user id"), max_length=255, blank=True, db_index=True)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    created_at = models.DateTimeField(_("revoked at"))

    class Meta:
        verbose_name = _("denied token")
        verbose_name_plural = _("denied tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.token_type} {self.jti} ({self.reason})"
