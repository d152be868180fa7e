"""Session records: one row per session (token family) that its user can list and revoke.

Opt-in with ``DJWTO_SESSION_RECORDS``; off, every function here returns after reading the
setting, without a query and without loading the model. A record (:class:`~djwto.models.
SessionRecord`) holds when the login happened, when its refresh token was last rotated, until
when the family can live, the user agent, and a keyed hash of the client's address: never a
token, a ``jti`` or the address itself.

A record is a view of the sessions, not a control: whether a family is revoked is always the
denylist store's answer (:mod:`djwto.sessions`), and the list asks the store. ``revoked_at`` is
written after the store's revocation, for the admin; if that write fails the revocation stands.

Consistency of the writes:

* a login inserts the record once its tokens are built; if it cannot, no token is issued (503);
* a rotation updates it. With the database store on the records' database, consuming the old
  refresh token and updating the record are one transaction: both or neither. With any other
  store (a cache), no transaction spans both, so the record is written first: a record that
  cannot be written leaves the old token unconsumed, and the client's retry is not taken for
  reuse. The price is a record that may show a rotation that then lost a race (its user agent
  and times), which the next rotation corrects.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, router, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

from . import sessions
from .claims import get_claims_user_id
from .conf import get_leeway, validated_settings
from .exceptions import StoreUnavailable
from .stores import DatabaseStore, get_store

if TYPE_CHECKING:
    from .models import SessionRecord

logger = logging.getLogger("djwto")

#: The longest user agent kept (the column's size); longer ones are cut.
USER_AGENT_LENGTH = 255
_IP_SALT = "djwto.session_records.ip"


def is_enabled() -> bool:
    """``DJWTO_SESSION_RECORDS``, read now."""
    return bool(validated_settings.SESSION_RECORDS)


def get_model() -> type[SessionRecord]:
    """The model, imported on use: the token paths never load it while records are off."""
    from .models import SessionRecord

    return SessionRecord


# --- what a record keeps of a request --------------------------------------------------------


def get_user_agent(request: HttpRequest | None) -> str:
    """The ``User-Agent`` header, printable characters only, cut to :data:`USER_AGENT_LENGTH`.

    Control characters (NUL, which PostgreSQL refuses, among them) are dropped: the header is
    the client's choice and must never fail a login.
    """
    if request is None:
        return ""
    agent = request.META.get("HTTP_USER_AGENT", "")
    if not isinstance(agent, str):
        return ""
    return "".join(char for char in agent[: USER_AGENT_LENGTH * 4] if char.isprintable())[
        :USER_AGENT_LENGTH
    ]


def get_ip_hash(request: HttpRequest | None) -> str:
    """A keyed hash of ``REMOTE_ADDR`` (HMAC-SHA256 keyed by ``SECRET_KEY``), never the address.

    Equal for two sessions from one address, and useless to whoever reads the table without
    the key. Behind a proxy, ``REMOTE_ADDR`` is the proxy's unless a middleware you trust sets
    it from the forwarding header.
    """
    address = request.META.get("REMOTE_ADDR") if request is not None else None
    if not address or not isinstance(address, str):
        return ""
    return salted_hmac(_IP_SALT, address, algorithm="sha256").hexdigest()[:32]


# --- writes ----------------------------------------------------------------------------------


@contextmanager
def _database_errors() -> Iterator[None]:
    """A record that cannot be written fails the request like the store would: 503."""
    try:
        yield
    except DatabaseError as exc:
        logger.error(
            "djwto: a session record could not be written (%s); refusing the request.",
            exc.__class__.__name__,
        )
        raise StoreUnavailable() from exc


def _for_db(value: datetime) -> datetime:
    """What a ``DateTimeField`` takes: aware with ``USE_TZ``, naive local time without."""
    if settings.USE_TZ:
        return value
    return timezone.make_naive(value, timezone.get_default_timezone())


def _expires_at(claims: dict[str, Any]) -> datetime:
    """The refresh token's ``exp`` (already capped by ``DJWTO_MAX_SESSION_LIFETIME``)."""
    return _for_db(datetime.fromtimestamp(int(claims["exp"]) + get_leeway(), UTC))


def _request_fields(request: HttpRequest | None) -> dict[str, Any]:
    return {"user_agent": get_user_agent(request), "ip_hash": get_ip_hash(request)}


def record_login(request: HttpRequest | None, refresh_claims: dict[str, Any]) -> None:
    """Insert the record of the family a login starts (records on; else nothing)."""
    if not is_enabled():
        return
    with _database_errors():
        get_model()._default_manager.create(
            sid=refresh_claims["sid"],
            user_id=get_claims_user_id(refresh_claims)[:255],
            created_at=timezone.now(),
            expires_at=_expires_at(refresh_claims),
            **_request_fields(request),
        )


def _record_rotation(request: HttpRequest | None, refresh_claims: dict[str, Any]) -> None:
    model = get_model()
    fields = {
        "last_refresh_at": timezone.now(),
        "expires_at": _expires_at(refresh_claims),
        **_request_fields(request),
    }
    with _database_errors():
        if model._default_manager.filter(sid=refresh_claims["sid"]).update(**fields):
            return
        # No record: the login came before records were turned on, or it was purged.
        started = datetime.fromtimestamp(sessions.get_session_start(refresh_claims), UTC)
        try:
            with transaction.atomic(using=router.db_for_write(model)):
                model._default_manager.create(
                    sid=refresh_claims["sid"],
                    user_id=get_claims_user_id(refresh_claims)[:255],
                    created_at=_for_db(started),
                    **fields,
                )
        except IntegrityError:
            pass  # a concurrent rotation of the family wrote it


def _shared_alias() -> str | None:
    """The database alias when the denylist store and the records share one database."""
    store = get_store()
    if isinstance(store, DatabaseStore):
        alias = store.db_alias
        if router.db_for_write(get_model()) == alias:
            return alias
    return None


def consume_refresh(
    previous: dict[str, Any],
    refresh_claims: dict[str, Any],
    *,
    request: HttpRequest | None = None,
    sender: Any = None,
) -> None:
    """A rotation: :func:`djwto.sessions.consume_refresh` of ``previous``, and with records
    on, the record's update for the new refresh token (see the module's docstring)."""
    if not is_enabled():
        sessions.consume_refresh(previous, request=request, sender=sender)
        return
    alias = _shared_alias()
    if alias is not None:
        with _database_errors(), transaction.atomic(using=alias):
            consumed = sessions.mark_consumed(previous)
            if consumed:
                _record_rotation(request, refresh_claims)
    else:
        with _database_errors():
            _record_rotation(request, refresh_claims)
        consumed = sessions.mark_consumed(previous)
    if not consumed:
        # Outside the transaction: a reuse's revocation of the family must stand.
        sessions.refuse_consumed(previous, request=request, sender=sender)


def mark_revoked(
    *, sid: str | None = None, user_id: str | None = None, until: datetime | None = None
) -> None:
    """Note a revocation the store has made: of the family ``sid``, or of every session of
    ``user_id`` started until ``until``. For display; a failure is logged, never raised."""
    if not is_enabled():
        return
    model = get_model()
    records = model._default_manager.filter(revoked_at__isnull=True)
    if sid is not None:
        records = records.filter(sid=sid)
    else:
        records = records.filter(user_id=user_id, created_at__lte=_for_db(until or timezone.now()))
    try:
        # A savepoint: a failure here never breaks a transaction of the caller's.
        with transaction.atomic(using=router.db_for_write(model)):
            records.update(revoked_at=timezone.now())
    except DatabaseError as exc:
        logger.warning(
            "djwto: a revoked session could not be marked in its record (%s); the revocation "
            "stands.",
            exc.__class__.__name__,
        )


# --- reads -----------------------------------------------------------------------------------


def get_active_records(user_id: str, *, limit: int | None = None) -> list[SessionRecord]:
    """``user_id``'s sessions that can still refresh, newest first: unexpired, and unrevoked
    by the store (by logout, reuse, logout-all or an explicit revocation)."""
    records = get_model()._default_manager.filter(
        user_id=user_id, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )
    found = list(records.order_by("-created_at", "-pk")[:limit])
    if not found:
        return []
    revoked = sessions.get_revoked_sids(user_id, [record.sid for record in found])
    return [record for record in found if record.sid not in revoked]


def get_active_record(user_id: str, sid: str) -> SessionRecord | None:
    """The session ``sid`` if it is ``user_id``'s and still active; ``None`` otherwise (another
    user's session looks exactly like one that does not exist)."""
    record = (
        get_model()
        ._default_manager.filter(
            sid=sid, user_id=user_id, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
        .first()
    )
    if record is None or sessions.get_revoked_sids(user_id, [sid]):
        return None
    return record


def revoke(record: SessionRecord) -> None:
    """Revoke the record's family in the store (which marks the record revoked)."""
    sessions.revoke_family(record.sid, record.user_id)


def purge_expired() -> int:
    """Delete records whose family can no longer refresh; return how many."""
    deleted, _ = get_model()._default_manager.filter(expires_at__lte=timezone.now()).delete()
    return deleted
