"""Denylist stores: where revocations live. Pick one with ``DJWTO_DENYLIST_BACKEND``.

A store only records and looks up :class:`Entry` objects by key; what the entries mean
(rotation, reuse, families) is decided in :mod:`djwto.sessions`, the same for every store.

Both stores give the one guarantee rotation needs: :meth:`add` is atomic, so of two
concurrent ``add`` calls for one key exactly one returns ``True`` (a unique insert in the
database, ``SET NX`` through Django's cache ``add`` on Redis).
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .conf import derived, djwto_settings, on_clear_derived


@dataclass(frozen=True)
class Entry:
    key: str
    kind: str
    reason: str
    user_id: str
    expires_at: datetime
    created_at: datetime


class BaseDenylist:
    #: Whether the store forgets expired entries by itself (``delete_tokens`` has nothing to do).
    expires_entries = False

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


#: connection -> {(model, names): converters}; a connection's converters are its own methods.
_converters: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
on_clear_derived(_converters.clear)


def row_converters(model: type, names: tuple[str, ...], connection: Any) -> list[tuple[list, Any]]:
    """Per field of ``model`` in ``names``, the converters the ORM applies to its values read
    from ``connection``; kept per connection."""
    kept = _converters.setdefault(connection, {})
    try:
        return kept[model, names]
    except KeyError:
        pass
    converters = []
    for name in names:
        col = model._meta.get_field(name).get_col(model._meta.db_table)
        converters.append(
            (connection.ops.get_db_converters(col) + col.get_db_converters(connection), col)
        )
    kept[model, names] = converters
    return converters


def convert_row(row: tuple, converters: list[tuple[list, Any]], connection: Any) -> list:
    values = []
    for value, (functions, col) in zip(row, converters, strict=False):
        for convert in functions:
            value = convert(value, col, connection)
        values.append(value)
    return values


_ENTRY_FIELDS = ("jti", "token_type", "reason", "user_id", "expires_at", "created_at")


@functools.lru_cache(maxsize=32)
def _lookup_sql(model: type, alias: str, n_keys: int) -> str:
    """A raw select of the entry fields of the rows of ``n_keys`` keys, for ``alias``."""
    quote = connections[alias].ops.quote_name
    fields = [model._meta.get_field(name) for name in _ENTRY_FIELDS]
    # Identifiers quoted by the backend; every value is a parameter.
    return (
        f"SELECT {', '.join(quote(f.column) for f in fields)} "  # noqa: S608
        f"FROM {quote(model._meta.db_table)} "
        f"WHERE {quote(fields[0].column)} IN ({', '.join(['%s'] * n_keys)})"
    )


class DatabaseDenylist(BaseDenylist):
    """Rows of :class:`djwto.models.DeniedToken`; works on every database Django supports."""

    @property
    def model(self):  # imported late: this module is imported before apps are ready
        from .models import DeniedToken

        return DeniedToken

    @property
    def db_alias(self) -> str:
        return router.db_for_write(self.model)

    def lookup(self, keys: Iterable[str]) -> dict[str, Entry]:
        # One raw indexed query, without the ORM's cost of building it (~10x the query itself);
        # the values of the rows found are converted by the converters the ORM would apply.
        # The SQL is built once per model, database and number of keys.
        keys = list(dict.fromkeys(keys))
        if not keys:
            return {}
        model = self.model
        alias = router.db_for_read(model)
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(_lookup_sql(model, alias, len(keys)), keys)
            rows = cursor.fetchall()
        if not rows:
            return {}
        converters = row_converters(model, _ENTRY_FIELDS, connection)
        found = {}
        for row in rows:
            jti, kind, reason, user_id, expires_at, created_at = convert_row(
                row, converters, connection
            )
            found[jti] = Entry(
                jti, kind, reason, user_id, aware_datetime(expires_at), aware_datetime(created_at)
            )
        return found

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
    expires_entries = True  # every key is written with its entry's timeout

    @property
    def cache(self):
        return caches[djwto_settings.DENYLIST_CACHE]

    @staticmethod
    def _encode(entry: Entry) -> tuple:
        return (
            entry.kind,
            entry.reason,
            entry.user_id,
            entry.expires_at.timestamp(),
            entry.created_at.timestamp(),
        )

    @staticmethod
    def _decode(key: str, value: tuple) -> Entry:
        kind, reason, user_id, expires, created = value
        return Entry(
            key,
            kind,
            reason,
            user_id,
            datetime.fromtimestamp(expires, UTC),
            datetime.fromtimestamp(created, UTC),
        )

    @staticmethod
    def _timeout(entry: Entry) -> int:
        remaining = aware_datetime(entry.expires_at) - datetime.now(UTC)
        return max(1, int(remaining.total_seconds()) + 1)

    def _result(self, found: dict) -> dict[str, Entry]:
        n = len(self.prefix)
        return {k[n:]: self._decode(k[n:], v) for k, v in found.items()}

    def lookup(self, keys: Iterable[str]) -> dict[str, Entry]:
        cache = self.cache
        redis = _redis_reader(cache)
        if redis is None:
            return self._result(cache.get_many([self.prefix + k for k in keys]))
        if djwto_settings.DENYLIST_LOCAL_CACHE:
            local = get_local_cache(cache)
            if local is not None and local.is_trusted():
                return local.lookup(keys, self._fetch, cache, redis)
        return {k: e for k, e in self._fetch(keys, cache, redis).items() if e is not None}

    def _fetch(self, keys: Iterable[str], cache, redis: tuple) -> dict[str, Entry | None]:
        """key -> its entry, or ``None`` if absent: one MGET.

        What RedisCache.get_many does (same keys, one MGET, same serializer), on a client kept
        per cache instead of a new redis.Redis built for every call (~50 us).
        """
        client, loads = redis
        prefix = self.prefix
        made = {cache.make_and_validate_key(prefix + key): key for key in keys}
        values = client.mget(list(made))
        return {
            key: None if value is None else self._decode(key, loads(value))
            for key, value in zip(made.values(), values, strict=False)
        }

    async def alookup(self, keys: Iterable[str]) -> dict[str, Entry]:
        if djwto_settings.DENYLIST_LOCAL_CACHE:
            keys = list(keys)
            cache = self.cache
            local = get_local_cache(cache, start=False)
            if local is not None and local.is_trusted():
                hits = [local.entries.get(key, _MISSING) for key in keys]
                if _MISSING not in hits:  # all known here: no thread hop
                    return {key: e for key, e in zip(keys, hits, strict=False) if e is not None}
            return await sync_to_async(self.lookup)(keys)  # fills (and starts) the local cache
        return self._result(await self.cache.aget_many([self.prefix + k for k in keys]))

    def _written(self, cache, keys: Iterable[str]) -> None:
        """Read-your-writes: this process's local copy forgets ``keys`` now, not when Redis's
        invalidation arrives (a moment later)."""
        if djwto_settings.DENYLIST_LOCAL_CACHE and _redis_reader(cache) is not None:
            local = get_local_cache(cache, start=False)
            if local is not None:
                local.forget(keys)

    def add(self, entry: Entry) -> bool:
        cache = self.cache
        try:
            return bool(
                cache.add(self.prefix + entry.key, self._encode(entry), self._timeout(entry))
            )
        finally:  # also when the key existed: a local "absent" for it is wrong
            self._written(cache, [entry.key])

    def put(self, entry: Entry) -> None:
        cache = self.cache
        try:
            cache.set(self.prefix + entry.key, self._encode(entry), self._timeout(entry))
        finally:
            self._written(cache, [entry.key])

    def put_many(self, entries: list[Entry]) -> None:
        # One set_many: on Redis, a MULTI/EXEC pipeline, so all or none. Every entry keeps the
        # longest timeout of the batch (a little longer than needed, never shorter).
        if entries:
            cache = self.cache
            try:
                cache.set_many(
                    {self.prefix + e.key: self._encode(e) for e in entries},
                    max(self._timeout(e) for e in entries),
                )
            finally:
                self._written(cache, [e.key for e in entries])

    def purge_expired(self) -> int:
        return 0  # the cache expires entries itself


_redis_readers: weakref.WeakKeyDictionary[object, tuple] = weakref.WeakKeyDictionary()


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


# --- the local cache of CacheDenylist on Redis (DJWTO_DENYLIST_LOCAL_CACHE) -------------------

logger = logging.getLogger("djwto")
_MISSING = object()
INVALIDATE_CHANNEL = "__redis__:invalidate"


class LocalDenylistCache:
    """A per-process copy of the denylist entries read from Redis, invalidated by Redis.

    One dedicated connection runs ``CLIENT TRACKING ON REDIRECT <its own id> BCAST PREFIX
    <the stored prefix of djwto:deny:>`` then subscribes to ``__redis__:invalidate`` (RESP2):
    Redis then names, on that connection, every key under the prefix that any client writes,
    deletes or expires, and a daemon thread drops those keys here. Tracking and subscription
    live on the same connection, so they can only die together.

    The copy is trusted (:meth:`is_trusted`) only while that connection is confirmed alive: it
    is pinged every ``ping_interval`` seconds and a silence longer than ``silence_limit``
    seconds, an error or a close flushes the copy and turns it off (lookups go to Redis, and
    fail closed as without it) until the thread has reconnected and re-enabled tracking.

    Negative answers ("not revoked", the common one) are kept too. An answer read from Redis
    is kept only if no invalidation (or local write) happened while it was being read:
    ``generation`` counts them, so a read an invalidation overtook is never kept.
    """

    ping_interval = 1.0
    silence_limit = 3.0
    poll = 0.2  # how often the thread looks at its stop flag
    max_retry_delay = 5.0

    def __init__(
        self, connect: Callable[[], Any], made_prefix: str, size: int, *, start: bool = True
    ):
        self.connect = connect  # -> a new, unconnected redis.Connection (RESP2)
        self.made_prefix = made_prefix
        self.size = size
        self.entries: dict[str, Entry | None] = {}  # djwto key ("user:1") -> entry or None
        self.generation = 0
        self.active = False
        self.last_seen = 0.0
        self.client_id: int | None = None
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self.first_attempt = threading.Event()
        self.thread = threading.Thread(
            target=self._run, daemon=True, name=f"djwto-denylist-tracker {made_prefix}"
        )
        if start:
            self.thread.start()

    # -- the request side --

    def is_trusted(self) -> bool:
        return self.active and time.monotonic() - self.last_seen < self.silence_limit

    def lookup(
        self, keys: Iterable[str], fetch: Callable[..., dict], *args: Any
    ) -> dict[str, Entry]:
        entries = self.entries
        found: dict[str, Entry] = {}
        missing = []
        for key in keys:
            entry = entries.get(key, _MISSING)
            if entry is _MISSING:
                missing.append(key)
            elif entry is not None:
                found[key] = entry
        if missing:
            generation = self.generation
            fetched = fetch(missing, *args)
            with self._lock:
                # Only if nothing was invalidated meanwhile: the read may predate that write.
                if self.active and self.generation == generation and len(fetched) <= self.size:
                    if len(entries) + len(fetched) > self.size:
                        entries.clear()  # simple and safe; the hot keys come back in one MGET
                    entries.update(fetched)
            for key, entry in fetched.items():
                if entry is not None:
                    found[key] = entry
        return found

    def forget(self, keys: Iterable[str] | None) -> None:
        """Drop ``keys`` (all if ``None``) and void the reads in flight."""
        with self._lock:
            self.generation += 1
            if keys is None:
                self.entries.clear()
            else:
                for key in keys:
                    self.entries.pop(key, None)

    def stop(self) -> None:
        self._stopped.set()
        self._set_active(False)

    # -- the tracking thread --

    def _set_active(self, active: bool) -> None:
        with self._lock:  # flush both ways: writes before tracking began were never reported
            self.generation += 1
            self.entries.clear()
            self.last_seen = time.monotonic()
            self.active = active and not self._stopped.is_set()

    def _invalidated(self, names: list | None) -> None:
        if names is None:  # FLUSHALL / FLUSHDB, or Redis ran out of tracking memory
            self.forget(None)
            return
        n = len(self.made_prefix)
        keys = []
        for name in names:
            name = name.decode("utf-8", "replace") if isinstance(name, bytes) else str(name)
            if name.startswith(self.made_prefix):
                keys.append(name[n:])
        self.forget(keys)

    def _open(self):
        conn = self.connect()
        conn.connect()
        conn.send_command("CLIENT", "ID")
        client_id = int(conn.read_response())
        conn.send_command(
            "CLIENT", "TRACKING", "ON", "REDIRECT", client_id, "BCAST", "PREFIX", self.made_prefix
        )
        reply = conn.read_response()
        if reply not in (b"OK", "OK"):
            raise ConnectionError(f"CLIENT TRACKING answered {reply!r}")
        conn.send_command("SUBSCRIBE", INVALIDATE_CHANNEL)
        reply = conn.read_response()
        if not (isinstance(reply, list) and reply[:1] in ([b"subscribe"], ["subscribe"])):
            raise ConnectionError(f"SUBSCRIBE answered {reply!r}")
        self.client_id = client_id
        return conn

    def _listen(self, conn) -> None:
        next_ping = time.monotonic() + self.ping_interval
        while not self._stopped.is_set():
            if conn.can_read(timeout=self.poll):
                message = conn.read_response()
                self.last_seen = time.monotonic()
                if (
                    isinstance(message, list)
                    and len(message) == 3
                    and message[0] in (b"message", "message")
                ):
                    self._invalidated(message[2])
            now = time.monotonic()
            if now - self.last_seen > self.silence_limit:
                raise ConnectionError(f"no word from Redis for {self.silence_limit:g} s")
            if now >= next_ping:
                conn.send_command("PING")
                next_ping = now + self.ping_interval

    def _run(self) -> None:
        delay = 0.1
        failing = False
        while not self._stopped.is_set():
            conn = None
            try:
                conn = self._open()
                self._set_active(True)
                self.first_attempt.set()
                if failing:
                    logger.warning("djwto: the denylist's local cache is back on.")
                failing = False
                delay = 0.1
                self._listen(conn)
            except Exception as exc:  # any failure: off until tracking is confirmed again
                self._set_active(False)
                if not failing and not self._stopped.is_set():
                    logger.warning(
                        "djwto: the denylist's local cache is off: its Redis "
                        "invalidation connection failed (%s: %s); lookups go to "
                        "Redis until it is back.",
                        exc.__class__.__name__,
                        exc,
                    )
                failing = True
            finally:
                self._set_active(False)
                self.first_attempt.set()
                if conn is not None:
                    try:
                        conn.disconnect()
                    except Exception:  # pragma: no cover - closing a broken socket
                        logger.debug("djwto: closing the tracking connection failed")
            self._stopped.wait(delay)
            delay = min(delay * 2, self.max_retry_delay)


_local_caches: dict[tuple, LocalDenylistCache] = {}  # (server, prefix) -> its local cache
_local_by_client: weakref.WeakKeyDictionary[object, LocalDenylistCache | None] = (
    weakref.WeakKeyDictionary()
)
_local_lock = threading.Lock()


def get_local_cache(cache, *, start: bool = True) -> LocalDenylistCache | None:
    """The local cache of ``cache`` (Django's RedisCache on one server), started on first use.

    ``None`` when ``DJWTO_DENYLIST_LOCAL_CACHE`` is 0, when ``cache`` is not one
    :func:`_redis_reader` reads, or when it has a custom ``KEY_FUNCTION`` (the keys Redis
    names could not be mapped back). One per process for each (server, key prefix), shared by
    the threads' cache objects; stopped whenever settings change.
    """
    impl = getattr(cache, "_cache", None)
    try:
        return _local_by_client[impl]
    except (KeyError, TypeError):
        pass
    if not start:
        return None
    size = djwto_settings.DENYLIST_LOCAL_CACHE
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise ImproperlyConfigured(
            f"DJWTO_DENYLIST_LOCAL_CACHE must be an integer >= 0; got {size!r}."
        )
    if not size or _redis_reader(cache) is None:
        return None
    from django.core.cache.backends.base import default_key_func

    if cache.key_func is not default_key_func:
        with _local_lock:
            _local_by_client[impl] = None
        return None
    made_prefix = cache.make_key(CacheDenylist.prefix)
    pool = impl._get_connection_pool(False)
    with _local_lock:
        try:
            return _local_by_client[impl]
        except KeyError:
            pass
        key = (impl._servers[0], made_prefix)
        local = _local_caches.get(key)
        if local is None:
            # The server's address and credentials, without the pool's own machinery (its
            # parser, redis-py's maintenance-notification handlers): a plain RESP2 connection.
            kwargs = {
                k: v
                for k, v in pool.connection_kwargs.items()
                if not k.startswith(("maint_notifications", "orig_", "himport"))
                and k not in ("parser_class", "protocol", "retry", "event_dispatcher")
            }
            kwargs.update(
                protocol=2, health_check_interval=0, socket_timeout=LocalDenylistCache.silence_limit
            )
            kwargs.setdefault("socket_connect_timeout", 2)
            connection_class = pool.connection_class
            local = _local_caches[key] = LocalDenylistCache(
                lambda: connection_class(**kwargs), made_prefix, size
            )
        _local_by_client[impl] = local
    # Once per process and settings: a moment for tracking to start, so the first requests
    # are served from the copy too (lookups are right either way).
    local.first_attempt.wait(0.25)
    return local


@on_clear_derived
def stop_local_caches() -> None:
    """Stop every local cache's thread and connection (settings changed: rebuilt on use)."""
    with _local_lock:
        for local in _local_caches.values():
            local.stop()
        _local_caches.clear()
        _local_by_client.clear()


def _forget_local_caches_in_child() -> None:
    """After ``fork``: the tracking threads stayed in the parent; never trust their copies."""
    global _local_lock
    _local_lock = threading.Lock()
    for local in _local_caches.values():
        local._stopped.set()
        local.active = False
        local.entries.clear()
    _local_caches.clear()
    _local_by_client.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_local_caches_in_child)


def aware_datetime(value: datetime) -> datetime:
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
