"""Denylist stores: where revocations live. Pick one with ``DJWTO_DENYLIST_BACKEND``.

A store only records and looks up :class:`Entry` objects by key; what the entries mean
(rotation, reuse, families) is decided in :mod:`djwto.sessions`, the same for every store.

Both stores give the one guarantee rotation needs: :meth:`add` is atomic, so of two
concurrent ``add`` calls for one key exactly one returns ``True`` (a unique insert in the
database, ``SET NX`` through Django's cache ``add`` on Redis).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import datetime, timezone as dt_timezone
from typing import Iterable

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import caches
from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .conf import derived, djwto_settings


@dataclass(frozen=True)
class Entry:
    key: str
    kind: str
    reason: str
    user_id: str
    expires_at: datetime
    created_at: datetime


class BaseDenylist:
    def lookup(self, keys: Iterable[str]) -> dict[str, Entry]:
        """The entries present for ``keys``, in one round trip."""
        raise NotImplementedError

    async def alookup(self, keys: Iterable[str]) -> dict[str, Entry]:
        return await sync_to_async(self.lookup)(keys)

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


class DatabaseDenylist(BaseDenylist):
    """Rows of :class:`djwto.models.DeniedToken`; works on every database Django supports."""

    @property
    def model(self):  # imported late: this module is imported before apps are ready
        from .models import DeniedToken

        return DeniedToken

    @staticmethod
    def _entry(row) -> Entry:
        return Entry(row.jti, row.token_type, row.reason, row.user_id, _aware(row.expires_at),
                     _aware(row.created_at))

    @property
    def db_alias(self) -> str:
        return router.db_for_write(self.model)

    _ENTRY_FIELDS = ("jti", "token_type", "reason", "user_id", "expires_at", "created_at")

    def _select(self, n_keys: int) -> tuple[str, str, list]:
        """(alias, SQL, fields): a raw select of the entry fields of the rows of ``n_keys`` keys."""
        model = self.model
        alias = router.db_for_read(model)
        quote = connections[alias].ops.quote_name
        fields = [model._meta.get_field(name) for name in self._ENTRY_FIELDS]
        sql = (f"SELECT {', '.join(quote(f.column) for f in fields)} "
               f"FROM {quote(model._meta.db_table)} "
               f"WHERE {quote(fields[0].column)} IN ({', '.join(['%s'] * n_keys)})")
        return alias, sql, fields

    @staticmethod
    def _converter(field, connection) -> tuple[list, object]:
        """The converters the ORM applies to ``field``'s values read from ``connection``."""
        col = field.get_col(field.model._meta.db_table)
        return connection.ops.get_db_converters(col) + col.get_db_converters(connection), col

    def lookup(self, keys: Iterable[str]) -> dict[str, Entry]:
        # One raw indexed query, without the ORM's cost of building it (~10x the query itself);
        # the values of the rows found are converted by the converters the ORM would apply.
        keys = list(dict.fromkeys(keys))
        if not keys:
            return {}
        alias, sql, fields = self._select(len(keys))
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(sql, keys)
            rows = cursor.fetchall()
        if not rows:
            return {}
        converters = [self._converter(field, connection) for field in fields]
        found = {}
        for row in rows:
            values = []
            for value, (functions, col) in zip(row, converters):
                for convert in functions:
                    value = convert(value, col, connection)
                values.append(value)
            jti, kind, reason, user_id, expires_at, created_at = values
            found[jti] = Entry(jti, kind, reason, user_id, _aware(expires_at), _aware(created_at))
        return found

    async def alookup(self, keys: Iterable[str]) -> dict[str, Entry]:
        rows = self.model._default_manager.filter(jti__in=list(keys))
        return {row.jti: self._entry(row) async for row in rows}

    def _fields(self, entry: Entry) -> dict:
        return {
            "token_type": entry.kind,
            "reason": entry.reason,
            "user_id": entry.user_id[:255],
            "expires_at": _for_db(entry.expires_at),
            "created_at": _for_db(entry.created_at),
        }

    def add(self, entry: Entry) -> bool:
        try:
            # A savepoint, so a lost race never breaks the caller's transaction.
            with transaction.atomic(using=self.db_alias):
                self.model._default_manager.create(jti=entry.key, **self._fields(entry))
        except IntegrityError:
            return False
        return True

    def put(self, entry: Entry) -> None:
        self.model._default_manager.update_or_create(jti=entry.key, defaults=self._fields(entry))

    def put_many(self, entries: list[Entry]) -> None:
        with transaction.atomic(using=self.db_alias):
            for entry in entries:
                self.put(entry)

    def purge_expired(self) -> int:
        deleted, _ = self.model._default_manager.filter(expires_at__lte=timezone.now()).delete()
        return deleted


class CacheDenylist(BaseDenylist):
    """Entries in a Django cache (``DJWTO_DENYLIST_CACHE``), expiring with the tokens.

    Use a shared cache (Redis through ``django.core.cache.backends.redis.RedisCache``) when
    several processes serve the site; a local-memory cache only suits one process.
    """

    prefix = "djwto:deny:"

    @property
    def cache(self):
        return caches[djwto_settings.DENYLIST_CACHE]

    @staticmethod
    def _encode(entry: Entry) -> tuple:
        return (entry.kind, entry.reason, entry.user_id, entry.expires_at.timestamp(),
                entry.created_at.timestamp())

    @staticmethod
    def _decode(key: str, value: tuple) -> Entry:
        kind, reason, user_id, expires, created = value
        return Entry(key, kind, reason, user_id,
                     datetime.fromtimestamp(expires, dt_timezone.utc),
                     datetime.fromtimestamp(created, dt_timezone.utc))

    @staticmethod
    def _timeout(entry: Entry) -> int:
        remaining = _aware(entry.expires_at) - datetime.now(dt_timezone.utc)
        return max(1, int(remaining.total_seconds()) + 1)

    def _result(self, found: dict) -> dict[str, Entry]:
        n = len(self.prefix)
        return {k[n:]: self._decode(k[n:], v) for k, v in found.items()}

    def lookup(self, keys: Iterable[str]) -> dict[str, Entry]:
        cache = self.cache
        keys = [self.prefix + k for k in keys]
        redis = _redis_reader(cache)
        if redis is None:
            return self._result(cache.get_many(keys))
        # What RedisCache.get_many does (same keys, one MGET, same serializer), on a client
        # kept per cache instead of a new redis.Redis built for every call (~50 us).
        client, loads = redis
        made = {cache.make_and_validate_key(key): key for key in keys}
        values = client.mget(list(made))
        return self._result({made[k]: loads(v) for k, v in zip(made, values) if v is not None})

    async def alookup(self, keys: Iterable[str]) -> dict[str, Entry]:
        return self._result(await self.cache.aget_many([self.prefix + k for k in keys]))

    def add(self, entry: Entry) -> bool:
        return bool(self.cache.add(self.prefix + entry.key, self._encode(entry), self._timeout(entry)))

    def put(self, entry: Entry) -> None:
        self.cache.set(self.prefix + entry.key, self._encode(entry), self._timeout(entry))

    def put_many(self, entries: list[Entry]) -> None:
        # One set_many: on Redis, a MULTI/EXEC pipeline, so all or none. Every entry keeps the
        # longest timeout of the batch (a little longer than needed, never shorter).
        if entries:
            self.cache.set_many({self.prefix + e.key: self._encode(e) for e in entries},
                                max(self._timeout(e) for e in entries))

    def purge_expired(self) -> int:
        return 0  # the cache expires entries itself


_redis_readers: "weakref.WeakKeyDictionary[object, tuple]" = weakref.WeakKeyDictionary()


def _redis_reader(cache) -> tuple | None:
    """(client, loads) to read ``cache`` if it is Django's own RedisCache on one server.

    Django's RedisCacheClient builds a new ``redis.Redis`` (on its shared connection pool) for
    every operation; a client is thread-safe, so one per cache object serves every lookup.
    Anything else (another backend, a custom client class, read replicas) returns ``None``.
    """
    try:
        from django.core.cache.backends.redis import RedisCache, RedisCacheClient

        if type(cache) is not RedisCache:
            return None
        impl = cache._cache
        if type(impl) is not RedisCacheClient or len(impl._servers) != 1:
            return None
        try:
            return _redis_readers[impl]
        except KeyError:
            reader = _redis_readers[impl] = (impl.get_client(None), impl._serializer.loads)
            return reader
    except (ImportError, AttributeError, TypeError):  # another Django's internals
        return None


def _aware(value: datetime) -> datetime:
    """Rows read with ``USE_TZ = False`` hold naive local times: make them aware."""
    if value.tzinfo is not None:
        return value
    return timezone.make_aware(value, timezone.get_default_timezone())


def _for_db(value: datetime) -> datetime:
    """What a ``DateTimeField`` takes: aware with ``USE_TZ``, naive local time without."""
    if settings.USE_TZ or value.tzinfo is None:
        return value
    return timezone.make_naive(value, timezone.get_default_timezone())


@derived
def get_denylist() -> BaseDenylist:
    backend = djwto_settings.DENYLIST_BACKEND
    cls = import_string(backend) if isinstance(backend, str) else backend
    return cls()
