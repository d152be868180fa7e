"""The prebuilt denylist tables of the scaling scenarios, on SQLite files and PostgreSQL.

Each holds djwto's ``DeniedToken`` table with a realistic mix of keys: 1% user cut-offs, 10%
revoked sessions, the rest refresh tokens. SQLite files are cached between runs (in
``DJWTO_BENCH_DIR``); PostgreSQL tables live in databases of this run only.
"""

from __future__ import annotations

import contextlib
import os
import random
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator
from typing import Any

DENY_TABLE_VERSION = 1


def _cached_rows(path: str) -> int | None:
    try:
        with contextlib.closing(sqlite3.connect(path)) as db:
            return db.execute("SELECT rows FROM bench_meta").fetchone()[0]
    except (sqlite3.Error, TypeError):
        return None


def _denylist_rows(rows: int, expires: Any, created: Any) -> Iterator[list[tuple]]:
    """Batches of rows: 1% user cut-offs, 10% revoked sessions, the rest refresh tokens."""
    rng = random.Random(rows)
    for start in range(0, rows, 50_000):
        batch = []
        for i in range(start, min(rows, start + 50_000)):
            kind = rng.random()
            if kind < 0.01:
                key, token_type = f"user:{i}", "user"
            elif kind < 0.11:
                key, token_type = f"sid:{rng.getrandbits(128):032x}", "session"
            else:
                key, token_type = f"{rng.getrandbits(128):032x}", "refresh"
            batch.append((key, token_type, "revoked", str(i % 5000), expires, created))
        yield batch


def build_denylist_db(path: str, rows: int) -> dict[str, Any]:
    """A SQLite file with djwto's denylist table holding ``rows`` rows; cached between runs."""
    if os.path.exists(path):
        if _cached_rows(path) == rows:
            return {"path": path, "rows": rows, "built_seconds": 0.0, "cached": True}
        os.remove(path)
    from django.db import connection
    from django.utils import timezone

    from djwto.models import DeniedToken

    started = time.perf_counter()
    with connection.schema_editor(collect_sql=True) as editor:
        editor.create_model(DeniedToken)
    tmp = f"{path}.{os.getpid()}.tmp"
    with contextlib.closing(sqlite3.connect(tmp)) as db:
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        for statement in editor.collected_sql:
            db.execute(statement)
        now = timezone.now()
        created = connection.ops.adapt_datetimefield_value(now)
        expires = connection.ops.adapt_datetimefield_value(now + timezone.timedelta(days=1))
        insert = (
            f'INSERT INTO "{DeniedToken._meta.db_table}" (jti, token_type, reason, user_id, '
            "expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)"
        )
        for batch in _denylist_rows(rows, expires, created):
            db.executemany(insert, batch)
        db.execute("CREATE TABLE bench_meta (rows integer)")
        db.execute("INSERT INTO bench_meta VALUES (?)", (rows,))
        db.commit()
    os.replace(tmp, path)
    built = round(time.perf_counter() - started, 2)
    return {"path": path, "rows": rows, "built_seconds": built, "cached": False}


def build_denylist_pg(alias: str, rows: int) -> dict[str, Any]:
    """The same table on PostgreSQL (database ``alias``, of this run), with the same mix."""
    from django.db import connections
    from django.utils import timezone

    from djwto.models import DeniedToken

    connection = connections[alias]
    table = DeniedToken._meta.db_table
    started = time.perf_counter()
    with connection.schema_editor() as editor:
        editor.create_model(DeniedToken)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{table}" (jti, token_type, reason, user_id, expires_at, created_at) '
            "SELECT CASE WHEN r < 0.01 THEN 'user:' || g WHEN r < 0.11 THEN 'sid:' || h "
            "ELSE h END, CASE WHEN r < 0.01 THEN 'user' WHEN r < 0.11 THEN 'session' "
            "ELSE 'refresh' END, 'revoked', (g %% 5000)::text, %s, %s "
            "FROM (SELECT g, random() AS r, md5(g::text || random()::text) AS h "
            "FROM generate_series(1, %s) AS g) AS s",
            [now + timezone.timedelta(days=1), now, rows],
        )
        cursor.execute(f'ANALYZE "{table}"')
        cursor.execute("CHECKPOINT")  # or the server writes the new table out while we time
    return {"rows": rows, "built_seconds": round(time.perf_counter() - started, 2), "cached": False}


def warm_sqlite(alias: str) -> None:
    """Read the whole denylist table and its key index into the connection's page cache."""
    from django.db import connections

    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM djwto_deniedtoken WHERE created_at IS NOT NULL")
        cursor.execute("SELECT count(*) FROM djwto_deniedtoken WHERE jti >= ''")


def warm_pg(alias: str) -> None:
    """Read the table through its key index into the server's buffers (a sequential scan of a
    large table goes through a small ring of buffers instead)."""
    from django.db import connections

    with connections[alias].cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SELECT count(created_at) FROM djwto_deniedtoken WHERE jti >= ''")
        cursor.execute("RESET enable_seqscan")


def sqlite_keys(path: str) -> Callable[[list[int]], list[str]]:
    def keys(ids: list[int]) -> list[str]:
        with contextlib.closing(sqlite3.connect(path)) as db:
            return [
                db.execute("SELECT jti FROM djwto_deniedtoken WHERE id = ?", (i,)).fetchone()[0]
                for i in ids
            ]

    return keys


def pg_keys(alias: str) -> Callable[[list[int]], list[str]]:
    def keys(ids: list[int]) -> list[str]:
        from django.db import connections

        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT id, jti FROM djwto_deniedtoken WHERE id = ANY(%s)", [ids])
            found = dict(cursor.fetchall())
        return [found[i] for i in ids]

    return keys


def denylist_key_pools(
    keys_of_ids: Callable[[list[int]], list[str]], rows: int, size: int = 1024
) -> tuple[list, list]:
    """Lookups shaped like a refresh check, [user:..., sid:..., jti]: all absent; jti present."""
    rng = random.Random(7)
    present = keys_of_ids([rng.randint(1, rows) for _ in range(size)])

    def absent_keys() -> list[str]:
        return [f"user:{rng.randint(10**6, 10**7)}", f"sid:{secrets.token_hex(16)}"]

    return (
        [[*absent_keys(), secrets.token_hex(16)] for _ in range(size)],
        [[*absent_keys(), jti] for jti in present],
    )
