"""What every denylist store is: :class:`BaseStore`, the :class:`Entry` it keeps, their kinds.

A store only records and looks up entries by key; what the entries mean (rotation, reuse,
families, user cut-offs) is decided in :mod:`djwto.sessions`, the same for every store.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from asgiref.sync import sync_to_async
from django.utils import timezone

#: Longest key a store must accept; :mod:`djwto.sessions` digests longer ones.
MAX_KEY_LENGTH = 255


class Kind(enum.StrEnum):
    """What an entry revokes. The values are what the database and the caches hold."""

    REFRESH = "refresh"  # one refresh token, by its jti
    ACCESS = "access"  # one access token, by its jti
    SESSION = "session"  # a token family (one login), by "sid:<sid>"
    USER = "user"  # every family of a user started until the entry's created_at


class Reason(enum.StrEnum):
    """Why an entry was written. The values are what the database and the caches hold."""

    ROTATED = "rotated"  # a refresh token consumed by a rotation
    LOGOUT = "logout"
    REUSED = "reused"  # a rotated refresh token came back: its family is revoked
    REVOKED = "revoked"  # logout-all or server code


@dataclass(frozen=True)
class Entry:
    """One revocation. Times are aware; every store hands them back in UTC."""

    key: str
    kind: str  # a Kind (a str) when djwto wrote it
    reason: str  # a Reason (a str) when djwto wrote it
    user_id: str
    expires_at: datetime  # the store may forget the entry after this
    created_at: datetime


class BaseStore:
    """Override :meth:`lookup`, :meth:`add`, :meth:`put`, :meth:`purge_expired` (and
    :meth:`put_many` where the store can write several entries at once, all or none).

    Check a store with :class:`djwto.stores.testing.StoreContract`.
    """

    #: Whether the store forgets expired entries by itself (``delete_tokens`` has nothing to do).
    expires_entries = False

    def lookup(self, keys: Iterable[str]) -> dict[str, Entry]:
        """The entries present for ``keys``, in one round trip."""
        raise NotImplementedError

    async def alookup(self, keys: Iterable[str]) -> dict[str, Entry]:
        return await sync_to_async(self.lookup)(keys)

    def lookup_fresh(self, keys: Iterable[str]) -> dict[str, Entry]:
        """:meth:`lookup`, answered by the store itself and never by a per-process copy of
        it: the paths that issue tokens ask this way."""
        return self.lookup(keys)

    def add(self, entry: Entry) -> bool:
        """Insert ``entry`` unless its key exists; atomic. ``True`` if this call inserted it."""
        raise NotImplementedError

    def put(self, entry: Entry) -> None:
        """Insert or replace ``entry``."""
        raise NotImplementedError

    def put_many(self, entries: list[Entry]) -> None:
        """Insert or replace all ``entries``, all or none (override where the store can)."""
        for entry in entries:
            self.put(entry)

    def purge_expired(self) -> int:
        """Forget entries whose tokens can no longer be valid; return how many."""
        raise NotImplementedError


def aware_datetime(value: datetime) -> datetime:
    """Rows read with ``USE_TZ = False`` hold naive local times: make them aware.

    A local time that names two instants (the hour repeated when daylight saving ends) is
    read as the later one: a revocation then starts and ends later, never earlier, so a
    logout-all cut-off written in that hour still covers every session started before it.
    """
    if value.tzinfo is not None:
        return value
    return timezone.make_aware(value.replace(fold=1), timezone.get_default_timezone())


def utc_datetime(value: datetime) -> datetime:
    """``value`` as an aware UTC datetime (naive values are local times, as Django stores)."""
    return aware_datetime(value).astimezone(UTC)
