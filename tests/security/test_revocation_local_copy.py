"""R7: the per-process copy of the Redis store never answers for a path that issues tokens,
and its staleness is measured under CPU load.

Each token-issuing path (refresh, rotation, validate_refresh, logout-all) is run with a local
copy that is stale on purpose: it holds "not revoked" for every key of the token while Redis
holds the revocation, as if Redis's invalidation message had not been read yet. The path must
read Redis and refuse; the access check, which the copy serves, still answers from it.

``measure_staleness`` reports how long lookups in a process keep answering "not revoked" after
a revocation written by another client, with 0, 1 and 4 threads of CPU-bound Python running in
that process (``pytest -s -k staleness`` prints the table; docs/revocation.md quotes it).
"""

from __future__ import annotations

import statistics
import threading
import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from djwto.claims import get_claims_user_id
from djwto.stores import CacheStore, Entry, Kind, Reason, encode_entry
from tests.sessions.support import Api, fresh_redis_store
from tests.support import PROTECTED, assert_error, decode_unverified, redis_client

pytestmark = [pytest.mark.django_db, pytest.mark.redis]


@pytest.fixture
def local_store(settings):
    with fresh_redis_store(settings, "r7") as view:
        settings.DJWTO_CHECK_ACCESS_REVOCATION = True
        settings.DJWTO_DENYLIST_LOCAL_CACHE = 1000
        settings.DJWTO_ALLOW_REFRESH_UPDATE = True
        yield view


@pytest.fixture
def api():
    return Api()


def local_copy():
    copy = CacheStore().get_local_copy()
    assert copy is not None
    deadline = time.monotonic() + 3
    while not copy.is_trusted():
        assert time.monotonic() < deadline, "tracking did not start"
        time.sleep(0.01)
    return copy


def write_elsewhere(key_prefix: str, key: str, kind: Kind, reason: Reason, user_id: str) -> None:
    """Another client (its own connection) writes an entry as djwto writes it."""
    now = timezone.now()
    entry = Entry(key, kind, reason, user_id, now + timedelta(days=2), now)
    redis_client().set(f"{key_prefix}:1:{CacheStore.prefix}{key}", encode_entry(entry), ex=600)


def wait_forgotten(copy, parts: list[str]) -> None:
    deadline = time.monotonic() + 3
    while any(part in copy.entries for part in parts):
        assert time.monotonic() < deadline, "the invalidation never arrived"
        time.sleep(0.001)


REVOCATIONS = {
    # what another process wrote -> the code the path answers
    "user cut-off (logout-all elsewhere)": "token_revoked",
    "session (logout elsewhere)": "token_revoked",
    "token rotated elsewhere": "token_reused",
}
PATHS = {
    "refresh_access": lambda api, t: api.refresh(t),
    "update_refresh": lambda api, t: api.rotate(t),
    "validate_refresh": lambda api, t: api.validate_refresh(t),
    "logout_all": lambda api, t: api.logout_all(t),
}


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("revocation", REVOCATIONS)
def test_R7_a_stale_copy_cannot_let_a_token_issuing_path_through(
    local_store, alice, api, path, revocation
):
    pair = api.login()
    claims = decode_unverified(pair.refresh)
    user_id = get_claims_user_id(claims)
    assert api.get(PROTECTED[0], pair.access).status_code == 200
    copy = local_copy()
    keys = [f"user:{user_id}", f"sid:{claims['sid']}", claims["jti"]]
    CacheStore().lookup(keys)  # the copy now holds "not revoked" for every key of the token
    assert all(copy.entries.get(key, "absent") is None for key in keys)

    if revocation.startswith("user"):
        written = keys[0]
        write_elsewhere(local_store.key_prefix, written, Kind.USER, Reason.REVOKED, user_id)
    elif revocation.startswith("session"):
        written = keys[1]
        write_elsewhere(local_store.key_prefix, written, Kind.SESSION, Reason.LOGOUT, user_id)
    else:
        written = keys[2]
        write_elsewhere(local_store.key_prefix, written, Kind.REFRESH, Reason.ROTATED, user_id)
    wait_forgotten(copy, [written])
    copy.entries[written] = None  # stale: as if Redis's message had not been read yet
    assert CacheStore().lookup([written]) == {}  # the copy would say "not revoked"

    response = PATHS[path](api, pair.refresh)
    assert_error(response, 401, REVOCATIONS[revocation])
    assert "refresh" not in response.json() and "access" not in response.json()


# --- the staleness bound under CPU load --------------------------------------------------------


def _burn(stop: threading.Event) -> None:
    n = 0
    while not stop.is_set():
        for i in range(10_000):  # pure Python: holds the GIL between switch intervals
            n += i * i % 7


def measure_staleness(key_prefix: str, busy_threads: int, samples: int = 30) -> list[float]:
    """Seconds, per sample, from another client's revocation being acknowledged by Redis to
    the first lookup of this process that answers "revoked" (lookups loop meanwhile, as
    requests would), with ``busy_threads`` threads of CPU-bound Python running here."""
    store = CacheStore()
    copy = local_copy()
    writer = redis_client()
    stop = threading.Event()
    burners = [
        threading.Thread(target=_burn, args=(stop,), daemon=True) for _ in range(busy_threads)
    ]
    for thread in burners:
        thread.start()
    results = []
    try:
        for _ in range(samples):
            key = f"user:staleness-{uuid.uuid4().hex[:8]}"
            assert store.lookup([key]) == {}
            assert copy.entries.get(key, "absent") is None  # kept: "not revoked"
            now = timezone.now()
            value = encode_entry(
                Entry(key, Kind.USER, Reason.REVOKED, "x", now + timedelta(days=1), now)
            )
            writer.set(f"{key_prefix}:1:{CacheStore.prefix}{key}", value, ex=60)
            written = time.perf_counter()
            while not store.lookup([key]):
                # Past the silence limit the copy is no longer trusted and Redis answers.
                if time.perf_counter() - written > 2 * copy.silence_limit + 5:
                    raise AssertionError("a revocation was never seen")
            results.append(time.perf_counter() - written)
    finally:
        stop.set()
        for thread in burners:
            thread.join()
    return results


def test_R7_staleness_under_cpu_load_is_measured(local_store, capsys):
    """A report, not a timed assertion: every revocation is seen (within the copy's silence
    limit, after which it is no longer trusted); how soon is printed."""
    rows = []
    for busy in (0, 1, 4):
        seconds = sorted(measure_staleness(local_store.key_prefix, busy))
        ms = [s * 1000 for s in seconds]
        rows.append(
            f"{busy} busy threads: median {statistics.median(ms):.2f} ms, "
            f"p90 {ms[int(len(ms) * 0.9)]:.2f} ms, max {ms[-1]:.2f} ms ({len(ms)} samples)"
        )
    with capsys.disabled():
        print(
            "\nlocal copy staleness after another client's revocation "
            f"(switch interval {__import__('sys').getswitchinterval() * 1000:g} ms):"
        )
        for row in rows:
            print("  " + row)
