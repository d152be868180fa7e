"""The services a benchmark may use (Redis, PostgreSQL) and the databases it creates on them.

Every PostgreSQL database a benchmark creates is named ``<prefix>_<pid>_<suffix>`` and is
dropped when the run ends, however it ends (``own_databases`` drops them in ``finally``; main()
turns SIGTERM into SystemExit so that ``finally`` runs). A run that was killed outright leaves
its databases behind: the next run drops those whose process is gone before it starts.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sys
from collections.abc import Callable, Iterator
from typing import Any

#: Names of the databases of the benchmark before they carried a pid; dropped on sight.
LEGACY_DATABASE = re.compile(r"^djwto_bench_v\d+_\d+$")


def service(env: str, default: str, probe: Callable[[str], Any]) -> str | None:
    """``$env`` (else ``default``) if that service answers ``probe``; ``None`` if off or down."""
    address = os.environ.get(env, default)
    if address.lower() in ("", "none", "off"):
        return None
    try:
        probe(address)
    except Exception:
        return None
    return address


def redis_url() -> str | None:
    """The Redis of the cache-denylist scenarios, if one answers (else they use locmem)."""

    def ping(url: str) -> None:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=0.3, socket_timeout=0.3).ping()

    return service("DJWTO_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14", ping)


def postgres_host() -> str | None:
    """The PostgreSQL server (``DJWTO_BENCH_PG_HOST``, default 127.0.0.1), if one answers."""

    def connect(host: str) -> None:
        import psycopg

        with psycopg.connect(**pg_params(host, "postgres"), connect_timeout=1, autocommit=True):
            pass

    return service("DJWTO_BENCH_PG_HOST", "127.0.0.1", connect)


def pg_params(host: str, dbname: str) -> dict[str, str]:
    return {
        "host": host,
        "dbname": dbname,
        "port": os.environ.get("DJWTO_BENCH_PG_PORT", "5432"),
        "user": os.environ.get("DJWTO_BENCH_PG_USER", "postgres"),
        "password": os.environ.get("DJWTO_BENCH_PG_PASSWORD", ""),
    }


def database_name(prefix: str, suffix: str, pid: int | None = None) -> str:
    return f"{prefix}_{os.getpid() if pid is None else pid}_{suffix}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stale_databases(names: list[str], prefix: str) -> list[str]:
    """Databases of earlier runs whose process is gone (and the pid-less legacy ones)."""
    pattern = re.compile(rf"^{re.escape(prefix)}_(\d+)_\w+$")
    stale = []
    for name in names:
        match = pattern.match(name)
        if LEGACY_DATABASE.match(name) or (match and not _alive(int(match.group(1)))):
            stale.append(name)
    return stale


def _drop(conn: Any, name: str, *, force: bool) -> None:
    option = " WITH (FORCE)" if force else ""
    with contextlib.suppress(Exception):  # a stale database still in use is left for later
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"{option}')


def drop_stale_databases(host: str, prefix: str) -> list[str]:
    import psycopg

    with psycopg.connect(**pg_params(host, "postgres"), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", [f"{prefix}%"]
        ).fetchall()
        stale = stale_databases([name for (name,) in rows], prefix)
        for name in stale:
            _drop(conn, name, force=False)
    return stale


@contextlib.contextmanager
def own_databases(host: str, names: list[str]) -> Iterator[list[str]]:
    """Create ``names`` on ``host`` and drop them on the way out, whatever happens."""
    import psycopg

    try:
        with psycopg.connect(**pg_params(host, "postgres"), autocommit=True) as conn:
            for name in names:
                conn.execute(f'CREATE DATABASE "{name}"')
        yield names
    finally:
        _close_django_connections()
        with psycopg.connect(**pg_params(host, "postgres"), autocommit=True) as conn:
            for name in names:
                _drop(conn, name, force=True)


def _close_django_connections() -> None:
    if "django.db" in sys.modules:
        from django.db import connections

        with contextlib.suppress(Exception):
            connections.close_all()


def exit_on_sigterm() -> None:
    """SIGTERM (and SIGHUP) raise SystemExit and SIGINT KeyboardInterrupt, so that every
    ``finally`` cleans up (SIGINT too when started in the background, where it is ignored)."""

    def leave(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, leave)
    signal.signal(signal.SIGHUP, leave)
    signal.signal(signal.SIGINT, signal.default_int_handler)
