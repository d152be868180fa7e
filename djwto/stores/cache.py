"""The cache store: entries in a Django cache (``DJWTO_DENYLIST_CACHE``), expiring with the tokens.

On Django's own ``RedisCache`` the store talks to that Redis with a redis-py client of its own,
built once per process from the alias's public settings (``LOCATION``, ``OPTIONS``): a lookup
is one ``MGET``, ``add`` one ``SET NX PX``, ``put_many`` one ``MULTI``/``EXEC`` with each
entry's own TTL, and the values are djwto's own encoding (JSON, exact to the microsecond), never
Django's pickle serializer. Key names are the cache's (``make_key``: ``KEY_PREFIX``,
``VERSION``, ``KEY_FUNCTION``). Only that client can keep the per-process copy of
:mod:`djwto.stores.redis_local` exact. Every other cache backend goes through Django's public
cache API (``get_many``, ``add``, ``set``, ``set_many``).

Use a shared cache (Redis) when several processes serve the site; a local-memory cache only
suits one process.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.cache.backends.base import default_key_func
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from ..conf import djwto_settings, on_clear_derived
from .base import BaseStore, Entry, utc_datetime
from .outage import describe_error, scrub
from .redis_local import LocalCopy, get_local_copy

if TYPE_CHECKING:
    import redis
    from redis.connection import ConnectionInterface

logger = logging.getLogger("djwto")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
#: First item of every encoded value: bump it when the encoding changes.
ENCODING_VERSION = 1


def encode_entry(entry: Entry) -> str:
    """``entry`` (but its key) as compact JSON; times as integer microseconds since the epoch."""
    return json.dumps(
        [
            ENCODING_VERSION,
            str(entry.kind),
            str(entry.reason),
            entry.user_id,
            (utc_datetime(entry.expires_at) - _EPOCH) // _MICROSECOND,
            (utc_datetime(entry.created_at) - _EPOCH) // _MICROSECOND,
        ],
        separators=(",", ":"),
    )


def decode_entry(key: str, value: str | bytes) -> Entry:
    """The entry of ``key`` stored as ``value``; raises ``ValueError`` on anything else (a
    value djwto did not write is a store failure, and a store failure is refused)."""
    try:
        version, kind, reason, user_id, expires_us, created_us = json.loads(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"not a djwto denylist entry: {key!r}") from exc
    if (
        version != ENCODING_VERSION
        or not all(isinstance(v, str) for v in (kind, reason, user_id))
        or not all(type(v) is int for v in (expires_us, created_us))
    ):
        raise ValueError(f"not a djwto denylist entry: {key!r}")
    return Entry(
        key,
        kind,
        reason,
        user_id,
        _EPOCH + expires_us * _MICROSECOND,
        _EPOCH + created_us * _MICROSECOND,
    )


# --- the store's own Redis client, for an alias that is Django's RedisCache -----------------


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


@dataclass
class RedisServer:
    """The Redis of a cache alias (the first ``LOCATION``: the one Django writes to) and the
    store's own client for it. Reads go there too: a revocation is read where it is written."""

    url: str
    pool_class: type[redis.ConnectionPool]
    options: dict[str, Any]
    client: redis.Redis = field(repr=False)
    #: Whether its eviction policy and persistence were read (see :meth:`inspect`).
    inspected: bool = field(default=False, repr=False)

    def inspect(self) -> None:
        """Read the server's ``maxmemory-policy`` and persistence once, and warn (log) if it
        can forget revocations: a policy other than ``noeviction`` (the ``volatile-*`` ones
        too: every denylist key has a TTL), or neither RDB snapshots nor the AOF.

        A server that refuses ``CONFIG`` (managed services often do) is noted once at INFO;
        one that cannot be reached is asked again at the next use.
        """
        if self.inspected:
            return
        self.inspected = True  # one thread asks; the others go on
        import redis

        where = scrub(self.url)
        try:
            with self.client.pipeline(transaction=False) as pipe:
                for name in ("maxmemory-policy", "save", "appendonly"):
                    pipe.config_get(name)
                replies = pipe.execute()
        except redis.ResponseError as exc:  # CONFIG renamed or forbidden
            logger.info(
                "djwto: could not read the eviction policy and persistence of the denylist's "
                "Redis at %s (%s); make sure it runs with maxmemory-policy noeviction and "
                "persistence on.",
                where,
                describe_error(exc),
            )
            return
        except Exception:  # unreachable now: the request fails closed; ask again next time
            self.inspected = False
            return
        config: dict[str, str] = {}
        for reply in replies:
            for key, value in (reply or {}).items():
                config[_text(key)] = _text(value)
        policy = config.get("maxmemory-policy", "")
        if policy and policy != "noeviction":
            logger.warning(
                "djwto: the denylist's Redis at %s has maxmemory-policy %s: when its memory is "
                "full it evicts keys (denylist keys included, all of which have a TTL), and a "
                "revocation it evicts brings the logged-out or rotated session back. Give the "
                "store a Redis instance of its own with maxmemory-policy noeviction.",
                where,
                policy,
            )
        if config.get("save", "x") == "" and config.get("appendonly", "yes") == "no":
            logger.warning(
                'djwto: the denylist\'s Redis at %s has no persistence (save "", appendonly '
                "no): a restart forgets every revocation and brings the sessions back. Turn on "
                "the AOF (appendonly yes) or RDB snapshots.",
                where,
            )

    def new_tracking_connection(self) -> ConnectionInterface:
        """A new, unconnected RESP2 connection to the server for client tracking."""
        options = {
            k: v
            for k, v in self.options.items()
            if k not in ("parser_class", "protocol", "cache", "cache_config", "max_connections")
        }
        options.update(protocol=2, health_check_interval=0, socket_timeout=LocalCopy.silence_limit)
        options.setdefault("socket_connect_timeout", 2)
        # A pool of its own for each attempt: the connection is never returned to a pool.
        return self.pool_class.from_url(self.url, **options).make_connection()


_redis_servers: dict[str, RedisServer | None] = {}  # cache alias -> its server, if Redis
_local_copies: dict[str, LocalCopy | None] = {}  # cache alias -> its local copy, if any
_redis_lock = threading.Lock()


@on_clear_derived
def _forget_redis_servers() -> None:
    with _redis_lock:
        _redis_servers.clear()
        _local_copies.clear()


def _forget_local_copies_in_child() -> None:
    """After ``fork`` the copies are abandoned (see redis_local): the child starts its own."""
    _local_copies.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_local_copies_in_child)


def get_redis_server(alias: str) -> RedisServer | None:
    """The :class:`RedisServer` of cache ``alias`` if its backend is Django's ``RedisCache``
    (exactly: a subclass may talk to Redis its own way), else ``None``; one per process."""
    try:
        return _redis_servers[alias]
    except KeyError:
        pass
    with _redis_lock:
        if alias not in _redis_servers:
            _redis_servers[alias] = _build_redis_server(alias)
        return _redis_servers[alias]


def _build_redis_server(alias: str) -> RedisServer | None:
    config: dict[str, Any] = settings.CACHES.get(alias) or {}
    backend = config.get("BACKEND")
    try:
        from django.core.cache.backends.redis import RedisCache

        if (import_string(backend) if isinstance(backend, str) else backend) is not RedisCache:
            return None
        import redis
    except ImportError:
        return None
    location = config.get("LOCATION", "")
    # Django's RedisCache reads LOCATION the same way: one URL, or several (the first is the
    # primary, the others read replicas) split on ";" or ",", or a list.
    servers = re.split("[;,]", location) if isinstance(location, str) else list(location)
    if not servers or not servers[0]:
        raise ImproperlyConfigured(f"CACHES[{alias!r}] has no LOCATION.")
    options: dict[str, Any] = dict(config.get("OPTIONS") or {})
    options.pop("serializer", None)  # values are djwto's own encoding
    pool_class = options.pop("pool_class", None) or redis.ConnectionPool
    if isinstance(pool_class, str):
        pool_class = import_string(pool_class)
    if isinstance(options.get("parser_class"), str):
        options["parser_class"] = import_string(options["parser_class"])
    client = redis.Redis(connection_pool=pool_class.from_url(servers[0], **options))
    return RedisServer(servers[0], pool_class, options, client)


# --- the store ----------------------------------------------------------------------------


class CacheStore(BaseStore):
    """Entries in the cache ``DJWTO_DENYLIST_CACHE``, each expiring with its token.

    ``add`` is atomic on every cache whose ``add`` is (``SET NX`` on Redis, a lock in the
    local-memory cache); ``put_many`` is all or none on Redis (``MULTI``/``EXEC``).
    """

    prefix = "djwto:deny:"
    #: Longer keys are stored under their digest (memcached takes keys of 250 bytes at most).
    max_key_length = 200
    expires_entries = True  # every key is written with its entry's timeout

    def get_cache_alias(self) -> str:
        alias: str = djwto_settings.DENYLIST_CACHE
        return alias

    @property
    def cache(self) -> BaseCache:
        return caches[self.get_cache_alias()]

    def get_redis_server(self) -> RedisServer | None:
        """The alias's Redis, if it is Django's ``RedisCache``; its eviction policy and
        persistence are checked at first use (:meth:`RedisServer.inspect`)."""
        server = get_redis_server(self.get_cache_alias())
        if server is not None and not server.inspected:
            server.inspect()
        return server

    def get_local_copy(self, *, start: bool = True) -> LocalCopy | None:
        """The per-process copy (``DJWTO_DENYLIST_LOCAL_CACHE``) of the Redis entries, or
        ``None`` (off, not Redis, or a custom ``KEY_FUNCTION``); started on first use."""
        alias = self.get_cache_alias()
        try:
            return _local_copies[alias]
        except KeyError:
            if not start:
                return None
        size = djwto_settings.DENYLIST_LOCAL_CACHE
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise ImproperlyConfigured(
                f"DJWTO_DENYLIST_LOCAL_CACHE must be an integer >= 0; got {size!r}."
            )
        server = self.get_redis_server()
        cache = self.cache
        # A custom KEY_FUNCTION: the key names Redis reports could not be mapped back.
        if not size or server is None or cache.key_func is not default_key_func:
            local = None
        else:
            local = get_local_copy(
                server.url, cache.make_key(self.prefix), size, server.new_tracking_connection
            )
        _local_copies[alias] = local
        return local

    # -- keys and values --

    def store_key(self, key: str) -> str:
        """The key under ``prefix`` for the djwto key ``key``."""
        if len(key) <= self.max_key_length:
            return key
        return "sha256:" + hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def _seconds(entry: Entry) -> float:
        # time.time(), the clock every other part of djwto reads (tokens' exp included).
        return utc_datetime(entry.expires_at).timestamp() - time.time()

    def get_timeout(self, entry: Entry) -> int:
        """The cache timeout of ``entry`` in seconds: until it expires, at least 1."""
        return max(1, math.ceil(self._seconds(entry)))

    def get_ttl_ms(self, entry: Entry) -> int:
        """The Redis TTL of ``entry`` in milliseconds: until it expires, at least 1."""
        return max(1, math.ceil(self._seconds(entry) * 1000))

    # -- lookups --

    def lookup(self, keys: Iterable[str]) -> dict[str, Entry]:
        stored = {self.store_key(key): key for key in keys}
        if not stored:
            return {}
        server = self.get_redis_server()
        if server is None:
            cache = self.cache
            found = cache.get_many([self.prefix + part for part in stored])
            n = len(self.prefix)
            return {
                stored[name[n:]]: decode_entry(stored[name[n:]], value)
                for name, value in found.items()
            }
        local = self.get_local_copy() if djwto_settings.DENYLIST_LOCAL_CACHE else None
        if local is not None and local.is_trusted():
            return local.lookup(stored, lambda missing: self.fetch(missing, server))
        fetched = self.fetch(stored, server)
        return {stored[part]: e for part, e in fetched.items() if e is not None}

    def lookup_fresh(self, keys: Iterable[str]) -> dict[str, Entry]:
        server = self.get_redis_server()
        if server is None:
            return self.lookup(keys)
        stored = {self.store_key(key): key for key in keys}
        if not stored:
            return {}
        fetched = self.fetch(stored, server)
        return {stored[part]: e for part, e in fetched.items() if e is not None}

    def fetch(self, stored: dict[str, str], server: RedisServer) -> dict[str, Entry | None]:
        """store key -> its entry, or ``None`` if absent, for ``stored`` (store key -> djwto
        key): one ``MGET``."""
        make_key = self.cache.make_key
        prefix = self.prefix
        values = server.client.mget([make_key(prefix + part) for part in stored])
        return {
            part: None if value is None else decode_entry(key, value)
            for (part, key), value in zip(stored.items(), values, strict=True)
        }

    async def alookup(self, keys: Iterable[str]) -> dict[str, Entry]:
        if self.get_redis_server() is None:
            stored = {self.store_key(key): key for key in keys}
            found = await self.cache.aget_many([self.prefix + part for part in stored])
            n = len(self.prefix)
            return {
                stored[name[n:]]: decode_entry(stored[name[n:]], value)
                for name, value in found.items()
            }
        keys = list(keys)
        if djwto_settings.DENYLIST_LOCAL_CACHE:
            local = self.get_local_copy(start=False)
            if local is not None and local.is_trusted():
                hits = local.peek([self.store_key(key) for key in keys])
                if hits is not None:  # all known here: no thread hop
                    return {key: e for key, e in zip(keys, hits, strict=True) if e is not None}
        return await sync_to_async(self.lookup)(keys)  # fills (and starts) the local copy

    # -- writes --

    def _written(self, parts: Iterable[str]) -> None:
        """Read-your-writes: this process's local copy forgets ``parts`` now, not when Redis's
        invalidation arrives (a moment later)."""
        if djwto_settings.DENYLIST_LOCAL_CACHE:
            local = self.get_local_copy(start=False)
            if local is not None:
                local.forget(parts)

    def add(self, entry: Entry) -> bool:
        part = self.store_key(entry.key)
        value = encode_entry(entry)
        server = self.get_redis_server()
        if server is None:
            return bool(self.cache.add(self.prefix + part, value, self.get_timeout(entry)))
        name = self.cache.make_key(self.prefix + part)
        try:
            return bool(server.client.set(name, value, nx=True, px=self.get_ttl_ms(entry)))
        finally:  # also when the key existed: a local "absent" for it is wrong
            self._written([part])

    def put(self, entry: Entry) -> None:
        self.put_many([entry])

    def put_many(self, entries: list[Entry]) -> None:
        if not entries:
            return
        values = {self.store_key(e.key): (encode_entry(e), e) for e in entries}
        server = self.get_redis_server()
        if server is None:
            # One set_many; every entry keeps the longest timeout of the batch (a little
            # longer than needed, never shorter).
            failed = self.cache.set_many(
                {self.prefix + part: value for part, (value, _) in values.items()},
                max(self.get_timeout(e) for e in entries),
            )
            if failed:  # memcached reports the keys it did not store: a lost revocation
                raise RuntimeError(f"the cache did not store {len(failed)} denylist entries")
            return
        make_key = self.cache.make_key
        try:
            if len(values) == 1:
                [(part, (value, entry))] = values.items()
                server.client.set(make_key(self.prefix + part), value, px=self.get_ttl_ms(entry))
                return
            with server.client.pipeline(transaction=True) as pipe:
                for part, (value, entry) in values.items():
                    pipe.set(make_key(self.prefix + part), value, px=self.get_ttl_ms(entry))
                pipe.execute()
        finally:
            self._written(values)

    def purge_expired(self) -> int:
        return 0  # the cache expires entries itself
