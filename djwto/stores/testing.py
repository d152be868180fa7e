"""The store contract as a pytest suite: what every denylist store must do, yours included.

Subclass :class:`StoreContract` in a test module of your project (the class name must start
with ``Test``) and say how to build your store::

    class TestMyStore(StoreContract):
        @pytest.fixture
        def store(self, db):  # any fixtures your store needs
            return MyStore()

or, without fixtures, override :meth:`StoreContract.make_store`. Needs pytest and
pytest-django (djwto's ``test`` extra). For pytest's detailed assertion messages, call
``pytest.register_assert_rewrite("djwto.stores.testing")`` in your ``conftest.py`` before
importing it.
"""

# ruff: noqa: S101 - a test suite: its checks are asserts, as pytest expects

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import cast

import pytest
from asgiref.sync import async_to_sync
from django.db import connections

from .base import MAX_KEY_LENGTH, BaseStore, Entry, Kind, Reason

#: A fixed offset that is not UTC: stores must give back the same instants, in UTC.
ELSEWHERE = timezone(timedelta(hours=5, minutes=30))


def make_entry(
    key: str,
    kind: str = Kind.REFRESH,
    reason: str = Reason.ROTATED,
    *,
    user_id: str = "42",
    lifetime: timedelta = timedelta(hours=1),
) -> Entry:
    """An entry created now (to the microsecond, in a non-UTC zone) living ``lifetime``."""
    now = datetime.now(ELSEWHERE)
    return Entry(key, kind, reason, user_id, now + lifetime, now)


class StoreContract:
    """What djwto's revocation policy needs of a store. Override :meth:`make_store` or the
    ``store`` fixture; set :attr:`concurrent` to ``False`` if the store cannot take writes
    from several threads at once (the concurrency test is then skipped)."""

    #: Whether ``add`` can be called from several threads at once (each with its own
    #: database connection, closed at the end of the thread).
    concurrent = True
    #: How many threads race for one key in the concurrency test.
    racers = 8
    #: Longest wait, in seconds, for a store that expires entries itself to forget one.
    expiry_wait = 5.0

    def make_store(self) -> BaseStore:
        raise NotImplementedError("override make_store() or the store fixture")

    @pytest.fixture
    def store(self) -> BaseStore:
        return self.make_store()

    def make_failing_entry(self, key: str) -> Entry:
        """An entry the store cannot write (here: without an expiry), for the all-or-nothing
        test of ``put_many``."""
        return Entry(key, Kind.SESSION, Reason.LOGOUT, "42", cast(datetime, None), _now())

    # -- lookups --

    def test_absent_keys_give_nothing(self, store: BaseStore) -> None:
        assert store.lookup([]) == {}
        assert store.lookup(["absent-jti", "sid:absent", "user:absent"]) == {}
        assert async_to_sync(store.alookup)(["absent-jti"]) == {}

    def test_put_then_lookup_gives_back_every_field(self, store: BaseStore) -> None:
        entries = [
            make_entry("jti-1", Kind.REFRESH, Reason.ROTATED, user_id="7"),
            make_entry("jti-2", Kind.ACCESS, Reason.LOGOUT, user_id="ü-8"),
            make_entry("sid:abc", Kind.SESSION, Reason.REUSED, user_id=""),
            make_entry("user:9", Kind.USER, Reason.REVOKED, user_id="9", lifetime=timedelta(2)),
        ]
        for entry in entries:
            store.put(entry)
        found = store.lookup([e.key for e in entries] + ["absent"])
        assert found == {e.key: e for e in entries}
        assert store.lookup_fresh([e.key for e in entries]) == found
        for entry in found.values():
            for when in (entry.expires_at, entry.created_at):
                assert when.tzinfo is not None and when.utcoffset() == timedelta(0), when
        assert async_to_sync(store.alookup)(["jti-2", "absent"]) == {"jti-2": entries[1]}

    def test_lookup_answers_for_the_keys_asked(self, store: BaseStore) -> None:
        entry = make_entry("jti-dup")
        store.put(entry)
        assert store.lookup(iter(["jti-dup", "jti-dup", "absent"])) == {"jti-dup": entry}

    def test_put_replaces(self, store: BaseStore) -> None:
        store.put(make_entry("sid:r", Kind.SESSION, Reason.LOGOUT))
        newer = make_entry("sid:r", Kind.SESSION, Reason.REUSED, lifetime=timedelta(hours=2))
        store.put(newer)
        assert store.lookup(["sid:r"]) == {"sid:r": newer}

    # -- add --

    def test_add_inserts_once(self, store: BaseStore) -> None:
        first = make_entry("jti-add")
        assert store.add(first) is True
        assert store.add(make_entry("jti-add", reason=Reason.LOGOUT)) is False
        assert store.lookup(["jti-add"]) == {"jti-add": first}

    def test_add_has_one_winner_among_threads(self, store: BaseStore) -> None:
        if not self.concurrent:
            pytest.skip(f"{type(store).__name__} is not used from several threads at once")
        barrier = threading.Barrier(self.racers, timeout=15)
        results: list[bool | BaseException] = []
        lock = threading.Lock()

        def race(i: int) -> None:
            try:
                barrier.wait()
                result: bool | BaseException = store.add(make_entry("jti-race", user_id=str(i)))
            except BaseException as exc:  # reported by the asserts below
                result = exc
            finally:
                connections.close_all()  # this thread's own database connections
            with lock:
                results.append(result)

        threads = [threading.Thread(target=race, args=(i,)) for i in range(self.racers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert sorted(results, key=repr) == [False] * (self.racers - 1) + [True], results
        assert set(store.lookup(["jti-race"])) == {"jti-race"}

    # -- put_many --

    def test_put_many_writes_all(self, store: BaseStore) -> None:
        entries = [
            make_entry("sid:m", Kind.SESSION, Reason.LOGOUT, lifetime=timedelta(days=1)),
            make_entry("jti-m", Kind.REFRESH, Reason.LOGOUT, lifetime=timedelta(minutes=1)),
        ]
        store.put_many(entries)
        store.put_many([])
        assert store.lookup(["sid:m", "jti-m"]) == {e.key: e for e in entries}

    def test_put_many_is_all_or_nothing(self, store: BaseStore) -> None:
        good = [make_entry("sid:a", Kind.SESSION, Reason.LOGOUT), make_entry("jti-a")]
        with pytest.raises(Exception):  # noqa: B017 - whatever the store raises
            store.put_many([good[0], self.make_failing_entry("jti-bad"), good[1]])
        assert store.lookup(["sid:a", "jti-bad", "jti-a"]) == {}

    # -- expiry --

    def test_expired_entries_are_forgotten(self, store: BaseStore) -> None:
        """By the store itself (``expires_entries``), else by ``purge_expired``. Entries
        written together by ``put_many`` may all live as long as the longest of them."""
        short = make_entry("jti-short", lifetime=timedelta(milliseconds=300))
        long = make_entry("jti-long", lifetime=timedelta(hours=1))
        store.put(short)
        store.put(long)
        time.sleep(0.4)
        if store.expires_entries:
            assert store.purge_expired() == 0
            self.wait_until(lambda: "jti-short" not in store.lookup(["jti-short"]))
        else:
            assert store.purge_expired() == 1
            assert store.purge_expired() == 0
        assert store.lookup(["jti-short", "jti-long"]) == {"jti-long": long}

    def wait_until(self, condition: Callable[[], bool]) -> None:
        deadline = time.monotonic() + self.expiry_wait
        while not condition():
            if time.monotonic() > deadline:
                pytest.fail(f"not within {self.expiry_wait} s")
            time.sleep(0.05)

    # -- keys --

    def test_keys_up_to_the_length_limit(self, store: BaseStore) -> None:
        stem = "user:" + "k" * (MAX_KEY_LENGTH - 6)
        entries = [make_entry(stem + c, Kind.USER, Reason.REVOKED) for c in "ab"]
        assert all(len(e.key) == MAX_KEY_LENGTH for e in entries)
        store.put(entries[0])
        assert store.add(entries[1]) is True
        assert store.add(entries[1]) is False
        assert store.lookup([e.key for e in entries] + [stem]) == {e.key: e for e in entries}

    def test_keys_of_every_shape_djwto_writes(self, store: BaseStore) -> None:
        keys = ["0f8c7a6e-1d2b-4c3e-9f00-a1b2c3d4e5f6", "sid:1700000000123-Zx_9", "user:a@b.c"]
        for key in keys:
            store.put(make_entry(key))
        assert set(store.lookup(keys)) == set(keys)


def _now() -> datetime:
    return datetime.now(UTC)


__all__ = ["ELSEWHERE", "StoreContract", "make_entry"]
