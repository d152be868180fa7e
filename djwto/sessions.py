"""Sessions (token families) and the revocation policy, the same on every denylist store.

A login starts a family: every refresh and access token descended from it carries its
``sid``. The policy:

* **Rotation** consumes the presented refresh token with an atomic insert of its ``jti``
  (reason ``rotated``). Of two concurrent rotations exactly one wins.
* **Reuse**: presenting a consumed refresh token again revokes the whole family and sends
  :data:`~djwto.signals.jwt_reuse_detected` (RFC 9700 §4.14.2), unless it comes within
  ``DJWTO_ROTATION_GRACE`` of the rotation, when it is only refused. The losers of a race
  between concurrent rotations of one token are such presentations: with the default grace of
  0 they count as reuse and revoke the family (the winner's new tokens included).
* **Lifetime**: no refresh token of a family is accepted, nor issued, past
  ``auth_time + DJWTO_MAX_SESSION_LIFETIME``.
* **Logout** revokes the family; **logout-all** (:func:`revoke_user_sessions`) records a
  cut-off for the user: every family started until then (by its ``sid``'s creation time, in
  ns) is revoked.
* **Fail closed**: any error of the store becomes :class:`~djwto.exceptions.StoreUnavailable`
  (503); no token is issued on a check that could not be made, and a revocation that could not
  be written entirely is not written at all (the stores' :meth:`put_many` is atomic).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn, TypeVar

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import session_records, signals
from .claims import get_claims_user_id, sid_created_ns
from .conf import djwto_settings, get_leeway, get_lifetime
from .exceptions import (
    DjwtoError,
    InvalidToken,
    RevokedToken,
    SessionExpired,
    StoreUnavailable,
    TokenReused,
    TokenRotated,
)
from .stores import MAX_KEY_LENGTH, BaseStore, Entry, Kind, Reason, aware_datetime, get_store
from .stores.outage import store_outage

logger = logging.getLogger("djwto")

SESSION_PREFIX = "sid:"
USER_PREFIX = "user:"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
T = TypeVar("T")


@contextmanager
def _store_errors() -> Iterator[None]:
    """Any failure of the store is a 503, never a silent pass."""
    try:
        yield
    except DjwtoError:
        raise
    except Exception as exc:
        store_outage.failed(exc)  # logged once per outage, not per request
        raise StoreUnavailable() from exc
    store_outage.succeeded()


def _lookup_fresh(store: BaseStore) -> Callable[[list[str]], dict[str, Entry]]:
    """The store's fresh lookup; a store that is no :class:`BaseStore` may only have ``lookup``."""
    return getattr(store, "lookup_fresh", store.lookup)


def _store(func: Callable[..., T], *args: Any) -> T:
    with _store_errors():
        return func(*args)


async def _astore(func: Callable[..., Any], *args: Any) -> Any:
    with _store_errors():
        return await func(*args)


def _now() -> datetime:
    """Now, timezone-aware whatever ``USE_TZ`` says; the stores convert at their edge."""
    return aware_datetime(timezone.now())


def _store_key(key: str) -> str:
    if len(key) <= MAX_KEY_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def user_key(user_id: str) -> str:
    return _store_key(USER_PREFIX + user_id)


def session_key(sid: str) -> str:
    return _store_key(SESSION_PREFIX + sid)


def _family_ttl() -> float:
    """How long a family or user revocation must be remembered: the longest token lifetime.

    Every token issued before the revocation expires within that time (each expires at most
    one lifetime after it was issued), and none can be issued after it.
    """
    lifetimes = (get_lifetime("REFRESH_TOKEN_LIFETIME"), get_lifetime("ACCESS_TOKEN_LIFETIME"))
    longest = max(lifetime or timedelta(0) for lifetime in lifetimes)  # never None: required
    return longest.total_seconds() + get_leeway()


def _keys(claims: dict[str, Any], *, jti: bool) -> list[str]:
    keys = [user_key(get_claims_user_id(claims))]
    if claims.get("sid"):
        keys.append(session_key(claims["sid"]))
    if jti and claims.get("jti"):
        keys.append(claims["jti"])
    return keys


def _cutoff_ns(entry: Entry) -> int:
    """A user cut-off in ns since the epoch, computed exactly (no float rounding)."""
    return (aware_datetime(entry.created_at) - _EPOCH) // _MICROSECOND * 1000


def _is_within_grace(entry: Entry) -> bool:
    grace = djwto_settings.ROTATION_GRACE or timedelta(0)
    return _now() - aware_datetime(entry.created_at) < grace


def _evaluate(
    claims: dict[str, Any], entries: dict[str, Entry], *, request: Any, sender: Any, jti: bool
) -> None:
    if not entries:
        return
    user_entry = entries.get(user_key(get_claims_user_id(claims)))
    if user_entry is not None and sid_created_ns(claims.get("sid", "")) <= _cutoff_ns(user_entry):
        raise RevokedToken()
    if claims.get("sid") and session_key(claims["sid"]) in entries:
        raise RevokedToken()
    entry = entries.get(claims.get("jti", "")) if jti else None
    if entry is None:
        return
    if entry.reason == Reason.ROTATED:
        if _is_within_grace(entry):
            raise TokenRotated()
        _on_reuse(claims, request=request, sender=sender)
    raise RevokedToken()


def _on_reuse(claims: dict[str, Any], *, request: Any, sender: Any) -> None:
    user_id = get_claims_user_id(claims)
    logger.warning(
        "djwto: reuse of a rotated refresh token for user %s; revoking its session.", user_id
    )
    if claims.get("sid"):
        revoke_family(claims["sid"], user_id, reason=Reason.REUSED)
    signals.jwt_reuse_detected.send(
        sender=sender, request=request, user_id=user_id, sid=claims.get("sid"), claims=claims
    )
    raise TokenReused()


def get_session_start(claims: dict[str, Any]) -> int:
    """When the token's login happened (``auth_time``, else its ``sid``'s creation time)."""
    auth_time = claims.get("auth_time")
    if type(auth_time) is int:
        return auth_time
    return sid_created_ns(claims.get("sid", "")) // 1_000_000_000


def check_session_lifetime(claims: dict[str, Any], now: float | None = None) -> None:
    """Raise once the token's login is older than ``DJWTO_MAX_SESSION_LIFETIME``.

    Tokens are issued with ``exp`` capped at that age; this also holds the cap for tokens
    issued before the setting was lowered.
    """
    max_session = get_lifetime("MAX_SESSION_LIFETIME", optional=True)
    if max_session is None:
        return
    now = time.time() if now is None else now
    if now >= get_session_start(claims) + max_session.total_seconds() + get_leeway():
        raise SessionExpired()


def check_refresh(claims: dict[str, Any], *, request: Any = None, sender: Any = None) -> None:
    """Raise unless the refresh token, its family and its user are all unrevoked."""
    if not claims.get("jti"):
        raise InvalidToken(_("Refresh token has no jti."))
    if not claims.get("sid"):
        raise InvalidToken(_("Refresh token has no session id."))
    check_session_lifetime(claims)
    # Tokens are issued on this answer: from the store itself, never a per-process copy.
    entries = _store(_lookup_fresh(get_store()), _keys(claims, jti=True))
    _evaluate(claims, entries, request=request, sender=sender, jti=True)


def is_access_check_enabled() -> bool:
    return bool(djwto_settings.CHECK_ACCESS_REVOCATION)


def check_access(claims: dict[str, Any]) -> None:
    """With ``DJWTO_CHECK_ACCESS_REVOCATION``: raise if the token's family or user is revoked.

    One store round trip (two keys: the user's cut-off and the family) per request.
    """
    entries = _store(get_store().lookup, _keys(claims, jti=False))
    _evaluate(claims, entries, request=None, sender=None, jti=False)


async def acheck_access(claims: dict[str, Any]) -> None:
    entries = await _astore(get_store().alookup, _keys(claims, jti=False))
    _evaluate(claims, entries, request=None, sender=None, jti=False)


def _expiry(exp: int) -> datetime:
    return datetime.fromtimestamp(exp + get_leeway(), UTC)


def consume_refresh(claims: dict[str, Any], *, request: Any = None, sender: Any = None) -> None:
    """Mark the refresh token used, atomically; a token already used is reuse (or grace)."""
    if not mark_consumed(claims):
        refuse_consumed(claims, request=request, sender=sender)


def mark_consumed(claims: dict[str, Any]) -> bool:
    """The atomic half of :func:`consume_refresh`: ``True`` if this call consumed the token."""
    entry = Entry(
        claims["jti"],
        Kind.REFRESH,
        Reason.ROTATED,
        get_claims_user_id(claims),
        _expiry(claims["exp"]),
        _now(),
    )
    return bool(_store(get_store().add, entry))


def refuse_consumed(claims: dict[str, Any], *, request: Any = None, sender: Any = None) -> NoReturn:
    """The token was consumed already: reuse (the family is revoked) or a grace refusal."""
    existing = _store(_lookup_fresh(get_store()), [claims["jti"]])
    _evaluate(claims, existing, request=request, sender=sender, jti=True)
    raise RevokedToken()  # pragma: no cover - the entry expired between add and lookup


def get_revoked_sids(user_id: str, sids: list[str]) -> set[str]:
    """Of ``user_id``'s families ``sids``, those revoked (each, or by a user cut-off).

    One store round trip, as :func:`check_access` makes.
    """
    entries = _store(get_store().lookup, [user_key(user_id), *map(session_key, sids)])
    user_entry = entries.get(user_key(user_id))
    cutoff = _cutoff_ns(user_entry) if user_entry is not None else -1
    return {sid for sid in sids if session_key(sid) in entries or sid_created_ns(sid) <= cutoff}


def _family_entry(sid: str, user_id: str, reason: Reason) -> Entry:
    now = _now()
    return Entry(
        session_key(sid), Kind.SESSION, reason, user_id, now + timedelta(seconds=_family_ttl()), now
    )


def revoke_family(sid: str, user_id: str, *, reason: Reason = Reason.REVOKED) -> None:
    """Revoke every token of the login ``sid``."""
    _store(get_store().put, _family_entry(sid, user_id, reason))
    session_records.mark_revoked(sid=sid)


def revoke_refresh(claims: dict[str, Any], *, reason: Reason = Reason.LOGOUT) -> None:
    """Logout: revoke the refresh token's whole family and deny its ``jti``, all or nothing."""
    user_id = get_claims_user_id(claims)
    entries = []
    if claims.get("sid"):
        entries.append(_family_entry(claims["sid"], user_id, reason))
    entries.append(
        Entry(claims["jti"], Kind.REFRESH, reason, user_id, _expiry(claims["exp"]), _now())
    )
    _store(get_store().put_many, entries)
    if claims.get("sid"):
        session_records.mark_revoked(sid=claims["sid"])


def revoke_user_sessions(user: Any) -> None:
    """Revoke every session of ``user`` (a user instance or its primary key) started until now.

    For server code: call it after a password reset, from an admin action, or when an account
    is compromised. Sends :data:`~djwto.signals.jwt_sessions_revoked`. Sessions started after
    the call are not affected; access tokens are refused only with
    ``DJWTO_CHECK_ACCESS_REVOCATION`` (else they live until their ``exp``).
    """
    user_id = str(getattr(user, "pk", user))
    # The cut-off is rounded up to the microsecond the stores keep, so that every sid created
    # (with time.time_ns()) before this call is at or before it.
    now_ns = time.time_ns()
    cutoff = _EPOCH + timedelta(microseconds=-(-now_ns // 1000))
    entry = Entry(
        user_key(user_id),
        Kind.USER,
        Reason.REVOKED,
        user_id,
        cutoff + timedelta(seconds=_family_ttl()),
        cutoff,
    )
    _store(get_store().put, entry)
    session_records.mark_revoked(user_id=user_id, until=cutoff)
    signals.jwt_sessions_revoked.send(sender=revoke_user_sessions, user_id=user_id)
