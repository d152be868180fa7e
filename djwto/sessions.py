"""Sessions (token families) and the revocation policy, the same on every denylist store.

A login starts a family: every refresh and access token descended from it carries its
``sid``. The policy:

* **Rotation** consumes the presented refresh token with an atomic insert of its ``jti``
  (reason ``rotated``). Of two concurrent rotations exactly one wins.
* **Reuse**: presenting a consumed refresh token again revokes the whole family and sends
  :data:`~djwto.signals.jwt_reuse_detected` (RFC 9700 §4.14.2), unless it comes within
  ``DJWTO_ROTATION_GRACE`` of the rotation, when it is only refused.
* **Logout** revokes the family; **logout-all** (:func:`revoke_user_sessions`) records a
  cut-off for the user: every family started before it is revoked.
* **Fail closed**: any error of the store becomes :class:`~djwto.exceptions.StoreUnavailable`
  (503); no token is issued on a check that could not be made.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone as dt_timezone
from typing import Any, Callable, TypeVar

from django.db import transaction
from django.utils import timezone

from . import signals
from .conf import djwto_settings, get_leeway, get_lifetime
from .denylist import Entry, get_denylist
from .exceptions import DjwtoError, RevokedToken, StoreUnavailable, TokenReused
from .tokens import sid_created_ns

logger = logging.getLogger("djwto")

SESSION_PREFIX = "sid:"
USER_PREFIX = "user:"
T = TypeVar("T")


def get_claims_user_id(claims: dict[str, Any]) -> str:
    user = claims.get("user")
    if isinstance(user, dict) and user.get("id") is not None:
        return str(user["id"])
    return str(claims.get("sub", ""))


def _store(func: Callable[..., T], *args: Any) -> T:
    """Run a store operation; any failure of the store is a 503, never a silent pass."""
    try:
        return func(*args)
    except DjwtoError:
        raise
    except Exception as exc:
        logger.error("djwto: the denylist store failed (%s); refusing the request.",
                     exc.__class__.__name__)
        raise StoreUnavailable() from exc


async def _astore(func: Callable[..., Any], *args: Any) -> Any:
    try:
        return await func(*args)
    except DjwtoError:
        raise
    except Exception as exc:
        logger.error("djwto: the denylist store failed (%s); refusing the request.",
                     exc.__class__.__name__)
        raise StoreUnavailable() from exc


def _family_ttl() -> float:
    """How long a family or user revocation must be remembered: the longest token lifetime."""
    longest = max(get_lifetime("REFRESH_TOKEN_LIFETIME"), get_lifetime("ACCESS_TOKEN_LIFETIME"))
    return longest.total_seconds() + get_leeway()


def _keys(claims: dict[str, Any], *, jti: bool) -> list[str]:
    keys = [USER_PREFIX + get_claims_user_id(claims)]
    if claims.get("sid"):
        keys.append(SESSION_PREFIX + claims["sid"])
    if jti and claims.get("jti"):
        keys.append(claims["jti"])
    return keys


def _is_within_grace(entry: Entry) -> bool:
    grace = djwto_settings.ROTATION_GRACE or timedelta(0)
    return timezone.now() - entry.created_at < grace


def _evaluate(claims: dict[str, Any], entries: dict[str, Entry], *, request: Any, sender: Any,
              jti: bool) -> None:
    if not entries:
        return
    user_entry = entries.get(USER_PREFIX + get_claims_user_id(claims))
    if user_entry is not None:
        cutoff_ns = int(user_entry.created_at.timestamp() * 1_000_000) * 1000
        if sid_created_ns(claims.get("sid", "")) <= cutoff_ns:
            raise RevokedToken()
    if claims.get("sid") and SESSION_PREFIX + claims["sid"] in entries:
        raise RevokedToken()
    entry = entries.get(claims.get("jti", "")) if jti else None
    if entry is None:
        return
    if entry.reason == "rotated":
        if _is_within_grace(entry):
            raise RevokedToken("Refresh token was just rotated; use the new one.",
                               code="token_rotated")
        _on_reuse(claims, request=request, sender=sender)
    raise RevokedToken()


def _on_reuse(claims: dict[str, Any], *, request: Any, sender: Any) -> None:
    user_id = get_claims_user_id(claims)
    logger.warning("djwto: reuse of a rotated refresh token for user %s; revoking its session.",
                   user_id)
    if claims.get("sid"):
        revoke_family(claims["sid"], user_id, reason="reused")
    signals.jwt_reuse_detected.send(
        sender=sender, request=request, user_id=user_id, sid=claims.get("sid"), claims=claims
    )
    raise TokenReused()


def check_refresh(claims: dict[str, Any], *, request: Any = None, sender: Any = None) -> None:
    """Raise unless the refresh token, its family and its user are all unrevoked."""
    entries = _store(get_denylist().lookup, _keys(claims, jti=True))
    _evaluate(claims, entries, request=request, sender=sender, jti=True)


def is_access_check_enabled() -> bool:
    return bool(djwto_settings.CHECK_ACCESS_REVOCATION)


def check_access(claims: dict[str, Any]) -> None:
    """With ``DJWTO_CHECK_ACCESS_REVOCATION``: raise if the token's family or user is revoked."""
    entries = _store(get_denylist().lookup, _keys(claims, jti=False))
    _evaluate(claims, entries, request=None, sender=None, jti=False)


async def acheck_access(claims: dict[str, Any]) -> None:
    entries = await _astore(get_denylist().alookup, _keys(claims, jti=False))
    _evaluate(claims, entries, request=None, sender=None, jti=False)


def _expiry(exp: int) -> datetime:
    return datetime.fromtimestamp(exp + get_leeway(), dt_timezone.utc)


def consume_refresh(claims: dict[str, Any], *, request: Any = None, sender: Any = None) -> None:
    """Mark the refresh token used, atomically; a token already used is reuse (or grace)."""
    entry = Entry(claims["jti"], "refresh", "rotated", get_claims_user_id(claims),
                  _expiry(claims["exp"]), timezone.now())
    denylist = get_denylist()
    if _store(denylist.add, entry):
        return
    existing = _store(denylist.lookup, [claims["jti"]])
    _evaluate(claims, existing, request=request, sender=sender, jti=True)
    raise RevokedToken()  # pragma: no cover - the entry expired between add and lookup


def revoke_family(sid: str, user_id: str, *, reason: str = "revoked") -> None:
    now = timezone.now()
    entry = Entry(SESSION_PREFIX + sid, "session", reason, user_id,
                  now + timedelta(seconds=_family_ttl()), now)
    _store(get_denylist().put, entry)


def revoke_refresh(claims: dict[str, Any], *, reason: str = "logout") -> None:
    """Logout: deny the refresh token's ``jti`` and revoke its whole family."""
    user_id = get_claims_user_id(claims)
    with transaction.atomic():
        if claims.get("sid"):
            revoke_family(claims["sid"], user_id, reason=reason)
        entry = Entry(claims["jti"], "refresh", reason, user_id, _expiry(claims["exp"]),
                      timezone.now())
        _store(get_denylist().put, entry)


def revoke_user_sessions(user: Any) -> None:
    """Revoke every session of ``user`` (a user instance or its primary key) started until now.

    For server code: call it after a password reset, from an admin action, or when an account
    is compromised. Sends :data:`~djwto.signals.jwt_sessions_revoked`.
    """
    user_id = str(getattr(user, "pk", user))
    now = timezone.now()
    entry = Entry(USER_PREFIX + user_id, "user", "revoked", user_id,
                  now + timedelta(seconds=_family_ttl()), now)
    _store(get_denylist().put, entry)
    signals.jwt_sessions_revoked.send(sender=revoke_user_sessions, user_id=user_id)
