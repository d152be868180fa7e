"""Where the test suite finds PostgreSQL and Redis, and the skip-with-a-message probes for each.

Two variables, read once here (and by tests/settings.py):

``DJWTO_TEST_POSTGRES_URL``
    default ``postgres://postgres@127.0.0.1:5432/postgres``: the server (host, port, user,
    password) and the maintenance database the tests connect to in order to create their own.
    ``DJWTO_PG_TEST_NAME`` (default ``djwto_test``) names the test database of the PostgreSQL
    pass (``DJWTO_TEST_DATABASE=postgres``); Django creates and drops it.
``DJWTO_TEST_REDIS_URL``
    default ``redis://127.0.0.1:6379/15``, database number included.

Tests clean up what they create: throwaway databases are dropped, and Redis keys are written
under a prefix of the test's own and deleted afterwards; nothing ever flushes a Redis database.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

POSTGRES_URL = os.environ.get(
    "DJWTO_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
POSTGRES_TEST_NAME = os.environ.get("DJWTO_PG_TEST_NAME", "djwto_test")
REDIS_URL = os.environ.get("DJWTO_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

_pg = urlsplit(POSTGRES_URL)
PG_HOST = _pg.hostname or "127.0.0.1"
PG_PORT = _pg.port or 5432
PG_USER = unquote(_pg.username or "postgres")
PG_PASSWORD = unquote(_pg.password or "")
PG_MAINTENANCE_DB = _pg.path.lstrip("/") or "postgres"


def postgres_params(dbname: str = PG_MAINTENANCE_DB) -> dict[str, Any]:
    """Keyword arguments of ``psycopg.connect`` for ``dbname`` on the test server."""
    return {
        "host": PG_HOST,
        "port": PG_PORT,
        "user": PG_USER,
        "password": PG_PASSWORD,
        "dbname": dbname,
    }


def postgres_url(dbname: str) -> str:
    """``DJWTO_TEST_POSTGRES_URL`` pointing at ``dbname`` instead (for a ``DATABASE_URL``)."""
    return urlunsplit(_pg._replace(path=f"/{dbname}"))


def django_database(test_name: str = POSTGRES_TEST_NAME) -> dict[str, Any]:
    """A ``DATABASES`` entry for the test server; Django's test database is ``test_name``."""
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": PG_MAINTENANCE_DB,
        "USER": PG_USER,
        "PASSWORD": PG_PASSWORD,
        "HOST": PG_HOST,
        "PORT": str(PG_PORT),
        "TEST": {"NAME": test_name},
    }


def bench_environment() -> dict[str, str]:
    """The variables that point benchmarks/bench.py at the tests' Redis and PostgreSQL."""
    return {
        "DJWTO_BENCH_REDIS_URL": REDIS_URL,
        "DJWTO_BENCH_PG_HOST": PG_HOST,
        "DJWTO_BENCH_PG_PORT": str(PG_PORT),
        "DJWTO_BENCH_PG_USER": PG_USER,
        "DJWTO_BENCH_PG_PASSWORD": PG_PASSWORD,
    }


def reachable(host: str, port: int, timeout: float = 1.0) -> str | None:
    """``None`` if a TCP connection to host:port opens, else why not."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except OSError as exc:
        return f"{exc.__class__.__name__}: {exc}"


def _skip(message: str) -> None:
    import pytest

    pytest.skip(message)


def require_postgres() -> None:
    """Skip the test, saying why, unless the PostgreSQL server answers and psycopg is there."""
    error = reachable(PG_HOST, PG_PORT)
    if error:
        _skip(
            f"PostgreSQL is not reachable at {PG_HOST}:{PG_PORT} ({error}); start it or set "
            "DJWTO_TEST_POSTGRES_URL to run this test"
        )
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _skip("needs psycopg: pip install -e '.[test]'")


def require_redis() -> None:
    """Skip the test, saying why, unless the Redis server answers and redis-py is there."""
    parts = urlsplit(REDIS_URL)
    error = reachable(parts.hostname or "127.0.0.1", parts.port or 6379)
    if error:
        _skip(
            f"Redis is not reachable at {REDIS_URL} ({error}); start it or set "
            "DJWTO_TEST_REDIS_URL to run this test"
        )
    try:
        import redis  # noqa: F401
    except ImportError:
        _skip("needs redis-py: pip install -e '.[test]'")


def redis_client():
    """A redis-py client on ``DJWTO_TEST_REDIS_URL``."""
    import redis

    return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)


def postgres_admin():
    """An autocommit psycopg connection to the maintenance database (skips if unreachable)."""
    require_postgres()
    import psycopg

    return psycopg.connect(**postgres_params(), autocommit=True, connect_timeout=3)


@contextmanager
def throwaway_database(prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database named ``prefix`` + a random tag; dropped afterwards."""
    admin = postgres_admin()
    dbname = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{dbname}"')
    try:
        yield dbname
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        admin.close()


def redis_keys(pattern: str) -> set[bytes]:
    return set(redis_client().scan_iter(match=pattern, count=1000))


@contextmanager
def redis_keys_removed(pattern: str) -> Iterator[None]:
    """Delete, afterwards, the keys matching ``pattern`` that were not there before: for a
    process whose key prefix is fixed (the demo's, the benchmark's). Nothing to do, and no
    error, when Redis is not reachable."""
    parts = urlsplit(REDIS_URL)
    if reachable(parts.hostname or "127.0.0.1", parts.port or 6379):
        yield
        return
    before = redis_keys(pattern)
    try:
        yield
    finally:
        new = redis_keys(pattern) - before
        if new:
            redis_client().delete(*new)
