"""The database denylist: one row per revoked refresh token, revoked session or user cut-off.

A row never holds a raw token: only its ``jti`` (or a ``sid:``/``user:`` key), who it belongs
to and when it may be forgotten.
"""

from __future__ import annotations

import dis
import inspect
from typing import Any

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


class SessionRecord(models.Model):
    """One session (token family) as its user sees it, kept with ``DJWTO_SESSION_RECORDS``.

    Never a token, a ``jti`` or a raw IP address: the ``sid`` names the family, which is
    revoked through the denylist (the record only says so for display).
    """

    sid = models.CharField(_("session id"), max_length=255, unique=True)
    user_id = models.CharField(_("user id"), max_length=255, db_index=True)
    created_at = models.DateTimeField(_("started at"))
    last_refresh_at = models.DateTimeField(_("last rotated at"), null=True, blank=True)
    expires_at = models.DateTimeField(
        _("expires at"),
        db_index=True,
        help_text=_("When the family's last refresh token expires; no token lives past it."),
    )
    user_agent = models.CharField(_("user agent"), max_length=255, blank=True)
    ip_hash = models.CharField(
        _("IP address hash"),
        max_length=64,
        blank=True,
        help_text=_("A keyed hash (HMAC) of the client's address; the address is not kept."),
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("session record")
        verbose_name_plural = _("session records")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"session {self.sid} of user {self.user_id}"


_REMOVED = {
    "JWTBlacklist": (
        "djwto.models.JWTBlacklist (djwto 0.0.4) was removed: revoked tokens are rows of "
        "djwto.models.DeniedToken, which hold the jti and never the raw token. Run "
        "`python manage.py migrate djwto`: migrations 0002-0004 create DeniedToken, copy the "
        "unexpired 0.0.4 blacklist into it and drop JWTBlacklist. Revoke tokens with "
        "djwto.sessions.revoke_refresh() or djwto.revoke_user_sessions()."
    ),
}


def _is_from_import() -> bool:
    """Whether the attribute is being looked up by a ``from djwto.models import X`` statement."""
    frame = inspect.currentframe()
    try:
        caller = frame.f_back.f_back if frame and frame.f_back else None
        if caller is None:
            return False
        return caller.f_code.co_code[caller.f_lasti] == dis.opmap["IMPORT_FROM"]
    except (AttributeError, IndexError, KeyError):
        return False
    finally:
        del frame


def __getattr__(name: str) -> Any:
    """Old names fail with a message that says what replaced them.

    ``from djwto.models import JWTBlacklist`` raises ``ImportError`` (Python would otherwise
    replace the message with a bare "cannot import name"); attribute access raises
    ``AttributeError``, so ``hasattr()`` and ``getattr(..., default)`` keep working.
    """
    message = _REMOVED.get(name)
    if message is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if _is_from_import():
        raise ImportError(message, name=name, path=__file__)
    raise AttributeError(message)
