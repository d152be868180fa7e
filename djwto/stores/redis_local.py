"""A per-process copy of the cache store's Redis entries, kept exact by Redis itself
(``DJWTO_DENYLIST_LOCAL_CACHE``, server-assisted client tracking, Redis 6+).

Only :class:`djwto.stores.cache.CacheStore` on Django's ``RedisCache`` uses it: its reads and
writes go through the store's own client, so every key the copy holds is one Redis reports.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from ..conf import on_clear_derived
from .base import Entry

logger = logging.getLogger("djwto")
_MISSING: Any = object()
INVALIDATE_CHANNEL = "__redis__:invalidate"


class LocalCopy:
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

    Entries are keyed by their store key (the part of the Redis key after ``made_prefix``).
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
        self.entries: dict[str, Entry | None] = {}  # store key -> entry, or None if absent
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

    def peek(self, parts: list[str]) -> list[Entry | None] | None:
        """The kept answers for ``parts`` if all are kept, else ``None``."""
        hits = [self.entries.get(part, _MISSING) for part in parts]
        return None if _MISSING in hits else hits

    def lookup(
        self,
        stored: dict[str, str],
        fetch: Callable[[dict[str, str]], dict[str, Entry | None]],
    ) -> dict[str, Entry]:
        """The entries of ``stored`` (store key -> djwto key), keyed by djwto key; what is not
        kept here is read with ``fetch`` (one round trip) and kept."""
        entries = self.entries
        found: dict[str, Entry] = {}
        missing: dict[str, str] = {}
        for part, key in stored.items():
            entry = entries.get(part, _MISSING)
            if entry is _MISSING:
                missing[part] = key
            elif entry is not None:
                found[key] = entry
        if missing:
            generation = self.generation
            fetched = fetch(missing)
            with self._lock:
                # Only if nothing was invalidated meanwhile: the read may predate that write.
                if self.active and self.generation == generation and len(fetched) <= self.size:
                    if len(entries) + len(fetched) > self.size:
                        entries.clear()  # simple and safe; the hot keys come back in one MGET
                    entries.update(fetched)
            for part, entry in fetched.items():
                if entry is not None:
                    found[missing[part]] = entry
        return found

    def forget(self, parts: Iterable[str] | None) -> None:
        """Drop ``parts`` (all if ``None``) and void the reads in flight."""
        with self._lock:
            self.generation += 1
            if parts is None:
                self.entries.clear()
            else:
                for part in parts:
                    self.entries.pop(part, None)

    def stop(self) -> None:
        self._stopped.set()
        self._set_active(False)

    def abandon(self) -> None:
        """In a forked child: the thread stayed in the parent; never trust this copy again."""
        self._stopped.set()
        self.active = False
        self.entries.clear()

    # -- the tracking thread --

    def _set_active(self, active: bool) -> None:
        with self._lock:  # flush both ways: writes before tracking began were never reported
            self.generation += 1
            self.entries.clear()
            self.last_seen = time.monotonic()
            self.active = active and not self._stopped.is_set()

    def invalidated(self, names: list[Any] | None) -> None:
        """Redis named ``names`` (all keys if ``None``: a flush, or tracking memory ran out)."""
        if names is None:
            self.forget(None)
            return
        n = len(self.made_prefix)
        parts = []
        for name in names:
            text = name.decode("utf-8", "replace") if isinstance(name, bytes) else str(name)
            if text.startswith(self.made_prefix):
                parts.append(text[n:])
        self.forget(parts)

    def _open(self) -> Any:
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

    def _listen(self, conn: Any) -> None:
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
                    self.invalidated(message[2])
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


#: The copies of this process: (server URL, made prefix) -> its copy.
_copies: dict[tuple[str, str], LocalCopy] = {}
_lock = threading.Lock()


def get_local_copy(
    url: str, made_prefix: str, size: int, connect: Callable[[], Any], *, start: bool = True
) -> LocalCopy | None:
    """The copy of the keys under ``made_prefix`` on the Redis at ``url``: one per process,
    shared by every thread; started (``start``) on first use, ``None`` if not started."""
    key = (url, made_prefix)
    try:
        return _copies[key]
    except KeyError:
        if not start:
            return None
    with _lock:
        local = _copies.get(key)
        if local is not None:
            return local
        local = _copies[key] = LocalCopy(connect, made_prefix, size)
    # Once per process and settings: a moment for tracking to start, so the first requests
    # are served from the copy too (lookups are right either way).
    local.first_attempt.wait(0.25)
    return local


@on_clear_derived
def stop_local_copies() -> None:
    """Stop every copy's thread and connection (settings changed: rebuilt on use)."""
    with _lock:
        for local in _copies.values():
            local.stop()
        _copies.clear()


def _abandon_copies_in_child() -> None:
    """After ``fork``: the tracking threads stayed in the parent; never trust their copies."""
    global _lock
    _lock = threading.Lock()
    for local in _copies.values():
        local.abandon()
    _copies.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_abandon_copies_in_child)
