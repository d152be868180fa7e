#!/usr/bin/env python
"""djwto side by side with DRF + djangorestframework-simplejwt, in one process.

    python benchmarks/bench.py [--quick] [--rounds N] [--json PATH] [--seed N]

Every request is a call of one ``django.core.handlers.wsgi.WSGIHandler`` with a prebuilt WSGI
environ (no test client, no middleware, no network). Each round runs every scenario once, in a
shuffled order; a scenario's batch is sized to take about 30 ms (3 ms with ``--quick``). We
report the median over rounds of the mean µs per call, and ratios as the median of the
per-round ratios (so a slow moment of the machine hits both sides of a ratio alike).

The denylist lookup is timed on SQLite files and, when a server answers, on PostgreSQL
(``DJWTO_BENCH_PG_HOST``, default 127.0.0.1; ``off`` skips it). Redis, likewise, comes from
``DJWTO_BENCH_REDIS_URL``.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import itertools
import json
import os
import platform
import random
import secrets
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

DENY_TABLE_VERSION = 1
PASSWORD = "correct horse battery staple"


# --- configuration --------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="few rounds, small batches, 1k/10k denylist rows (a smoke run)",
    )
    parser.add_argument("--rounds", type=int, default=None, help="rounds (default 25; quick 3)")
    parser.add_argument(
        "--json",
        default="bench-results.json",
        metavar="PATH",
        help="where to write the results (default: bench-results.json)",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the scenario order")
    parser.add_argument(
        "--large-rows",
        type=int,
        default=None,
        help="rows of the large denylist table (default 1,000,000; quick 10,000)",
    )
    parser.add_argument(
        "--only", default=None, help="comma-separated substrings: run only the matching scenarios"
    )
    args = parser.parse_args(argv)
    args.rounds = args.rounds or (3 if args.quick else 25)
    args.batch_seconds = 0.003 if args.quick else 0.030
    args.small_rows = 1_000
    args.large_rows = args.large_rows or (10_000 if args.quick else 1_000_000)
    return args


def _service(env: str, default: str, probe: Callable[[str], Any]) -> str | None:
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
    """The Redis the cache-denylist scenario uses, if one answers (else locmem)."""

    def ping(url: str) -> None:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=0.3, socket_timeout=0.3).ping()

    return _service("DJWTO_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14", ping)


def postgres_host() -> str | None:
    """The PostgreSQL server of the denylist scenarios on PostgreSQL, if one answers."""

    def connect(host: str) -> None:
        import psycopg

        with psycopg.connect(**_pg_params(host, "postgres"), connect_timeout=1, autocommit=True):
            pass

    return _service("DJWTO_BENCH_PG_HOST", "127.0.0.1", connect)


def _pg_params(host: str, dbname: str) -> dict[str, str]:
    return {
        "host": host,
        "dbname": dbname,
        "port": os.environ.get("DJWTO_BENCH_PG_PORT", "5432"),
        "user": os.environ.get("DJWTO_BENCH_PG_USER", "postgres"),
        "password": os.environ.get("DJWTO_BENCH_PG_PASSWORD", ""),
    }


def create_pg_databases(host: str, names: list[str]) -> None:
    import psycopg

    with psycopg.connect(**_pg_params(host, "postgres"), autocommit=True) as conn:
        for name in names:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')


def configure(args: argparse.Namespace) -> dict[str, Any]:
    bench_dir = os.environ.get("DJWTO_BENCH_DIR") or os.path.join(
        tempfile.gettempdir(), "djwto-bench"
    )
    os.makedirs(bench_dir, exist_ok=True)
    os.environ["DJWTO_BENCH_DIR"] = bench_dir
    small = os.path.join(bench_dir, f"denylist-v{DENY_TABLE_VERSION}-{args.small_rows}.sqlite3")
    large = os.path.join(bench_dir, f"denylist-v{DENY_TABLE_VERSION}-{args.large_rows}.sqlite3")
    os.environ["DJWTO_BENCH_DENY_SMALL"] = small
    os.environ["DJWTO_BENCH_DENY_LARGE"] = large
    url = redis_url()
    if url:
        os.environ["DJWTO_BENCH_REDIS_URL"] = url
    else:
        os.environ.pop("DJWTO_BENCH_REDIS_URL", None)
    pg_host = postgres_host()
    if pg_host:
        names = {
            size: f"djwto_bench_v{DENY_TABLE_VERSION}_{rows}"
            for size, rows in (("SMALL", args.small_rows), ("LARGE", args.large_rows))
        }
        create_pg_databases(pg_host, list(names.values()))
        os.environ["DJWTO_BENCH_PG_HOST"] = pg_host
        for size, name in names.items():
            os.environ[f"DJWTO_BENCH_PG_{size}"] = name
    else:
        os.environ.pop("DJWTO_BENCH_PG_HOST", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.bench_settings"

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False, database="default")
    tables = {
        "SQLite": {
            "small": build_denylist_db(small, args.small_rows),
            "large": build_denylist_db(large, args.large_rows),
        },
    }
    if pg_host:
        tables["PostgreSQL"] = {
            "small": build_denylist_pg("deny_pg_small", args.small_rows),
            "large": build_denylist_pg("deny_pg_large", args.large_rows),
        }
    return {"bench_dir": bench_dir, "redis": url, "postgres": pg_host, "denylist_tables": tables}


# --- the denylist tables --------------------------------------------------------------------


def build_denylist_db(path: str, rows: int) -> dict[str, Any]:
    """A SQLite file with djwto's denylist table holding ``rows`` rows; cached between runs."""
    if os.path.exists(path):
        try:
            with contextlib.closing(sqlite3.connect(path)) as db:
                (done,) = db.execute("SELECT rows FROM bench_meta").fetchone()
            if done == rows:
                return {"path": path, "rows": rows, "built_seconds": 0.0, "cached": True}
        except sqlite3.Error:
            pass
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
        table = DeniedToken._meta.db_table
        insert = (
            f'INSERT INTO "{table}" (jti, token_type, reason, user_id, expires_at, '
            "created_at) VALUES (?, ?, ?, ?, ?, ?)"
        )
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
            db.executemany(insert, batch)
        db.execute("CREATE TABLE bench_meta (rows integer)")
        db.execute("INSERT INTO bench_meta VALUES (?)", (rows,))
        db.commit()
    os.replace(tmp, path)
    return {
        "path": path,
        "rows": rows,
        "built_seconds": round(time.perf_counter() - started, 2),
        "cached": False,
    }


def build_denylist_pg(alias: str, rows: int) -> dict[str, Any]:
    """The same table on PostgreSQL (database ``alias``), with the same mix of keys; cached."""
    from django.db import connections
    from django.utils import timezone

    from djwto.models import DeniedToken

    connection = connections[alias]
    table = DeniedToken._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_meta') IS NOT NULL")
        if cursor.fetchone()[0]:
            cursor.execute("SELECT rows FROM bench_meta")
            if cursor.fetchone()[0] == rows:
                return {"rows": rows, "built_seconds": 0.0, "cached": True}
        cursor.execute(f'DROP TABLE IF EXISTS bench_meta, "{table}"')
    started = time.perf_counter()
    with connection.schema_editor() as editor:
        editor.create_model(DeniedToken)
    now = timezone.now()
    with connection.cursor() as cursor:
        # 1% user cut-offs, 10% revoked sessions, the rest refresh tokens, as in the SQLite files.
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
        cursor.execute("CREATE TABLE bench_meta (rows integer)")
        cursor.execute("INSERT INTO bench_meta VALUES (%s)", [rows])
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


# --- calling the WSGI handler ---------------------------------------------------------------


def base_environ(method: str, path: str, **extra: str) -> dict[str, Any]:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_LENGTH": "0",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    environ.update(extra)
    return environ


def json_body(data: dict[str, Any]) -> tuple[dict[str, str], bytes]:
    body = json.dumps(data).encode()
    return {"CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body))}, body


class Client:
    """Calls the WSGI handler as a server would: environ in, iterate the body, ``close()``."""

    def __init__(self, handler):
        self.handler = handler
        self.unexpected = 0
        self.last_status = ""
        self.last_body = b""

    def request(self, environ: dict[str, Any], body: bytes = b"") -> bytes:
        env = environ.copy()
        env["wsgi.input"] = io.BytesIO(body)
        response = self.handler(env, self._start_response)
        content = b"".join(response)
        response.close()
        return content

    def _start_response(self, status, headers, exc_info=None):
        self.last_status = status
        if status[0] != "2":
            self.unexpected += 1


# --- scenarios ------------------------------------------------------------------------------


@dataclass
class Scenario:
    name: str
    op: Callable[[], Any]
    group: str
    kind: str = "request"  # "request" (a WSGI call, compared to the plain view) or "direct"
    context: Callable[[], Any] = contextlib.nullcontext
    prepare: Callable[[int], None] | None = None  # fills a pool of n fresh inputs, untimed
    client: Client | None = None
    note: str = ""
    n: int = 1
    samples: list[float] = field(default_factory=list)

    def run_batch(self, n: int) -> float:
        """Mean µs per call of a batch of ``n``; a warm-up call first, then the timed loop."""
        op = self.op
        with self.context():
            if self.prepare is not None:
                self.prepare(n + 1)
            op()  # warm-up: settings changes cleared derived caches; keys re-import here
            if self.client is not None:
                self.client.unexpected = 0
                first_status = self.client.last_status
                if not first_status.startswith("2"):
                    raise SystemExit(f"{self.name}: the warm-up call answered {first_status}")
            gc.collect()
            start = time.perf_counter_ns()
            for _ in range(n):
                op()
            elapsed = time.perf_counter_ns() - start
            if self.client is not None and self.client.unexpected:
                raise SystemExit(
                    f"{self.name}: {self.client.unexpected} of {n} calls answered "
                    f"{self.client.last_status}"
                )
        return elapsed / n / 1000

    def calibrate(self, seconds: float) -> None:
        n = 1
        while True:
            per_call = self.run_batch(n)
            if per_call * n >= seconds * 1e6 / 10 or n >= 100_000:
                break
            n = min(100_000, max(n * 4, int(seconds * 1e6 / 10 / per_call) + 1))
        self.n = max(1, min(100_000, round(seconds * 1e6 / per_call)))


def request_op(client: Client, environ: dict[str, Any], body: bytes = b"") -> Callable[[], Any]:
    request = client.request
    return lambda: request(environ, body)


def pooled_op(client: Client, pool: list[tuple[dict[str, Any], bytes]]) -> Callable[[], Any]:
    request = client.request

    def op():
        environ, body = pool.pop()
        return request(environ, body)

    return op


def build_scenarios(args: argparse.Namespace, info: dict[str, Any]) -> list[Scenario]:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import override_settings
    from joserfc.jwk import ECKey, OKPKey, RSAKey
    from rest_framework_simplejwt import serializers as sj_serializers
    from rest_framework_simplejwt.settings import DEFAULTS as SJ_DEFAULTS
    from rest_framework_simplejwt.settings import IMPORT_STRINGS, APISettings
    from rest_framework_simplejwt.tokens import RefreshToken

    from benchmarks import bench_settings
    from djwto import backends
    from djwto.claims import build_access_claims, build_refresh_claims
    from djwto.denylist import DatabaseDenylist

    user = get_user_model().objects.create_user("alice", "alice@example.com", PASSWORD)
    user.user_permissions.add(
        Permission.objects.get(codename="view_user", content_type__app_label="auth")
    )
    user = get_user_model().objects.get(pk=user.pk)

    def mint_djwto() -> tuple[str, str]:
        refresh_claims = build_refresh_claims(user)
        access_claims = build_access_claims(refresh_claims)
        return backends.encode(refresh_claims), backends.encode(access_claims)

    handler = WSGIHandler()
    client = Client(handler)
    refresh, access = mint_djwto()
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {access}"}
    sj_refresh = RefreshToken.for_user(user)
    sj_access = str(sj_refresh.access_token)
    sj_bearer = {"HTTP_AUTHORIZATION": f"Bearer {sj_access}"}
    login_headers, login_body = json_body({"username": "alice", "password": PASSWORD})
    djwto_refresh_headers, djwto_refresh_body = json_body({"refresh": refresh})
    sj_refresh_headers, sj_refresh_body = json_body({"refresh": str(sj_refresh)})

    def get(path: str, **extra: str) -> Callable[[], Any]:
        return request_op(client, base_environ("GET", path, **extra))

    def post(path: str, headers: dict[str, str], body: bytes) -> Callable[[], Any]:
        return request_op(client, base_environ("POST", path, **headers), body)

    def sj_settings(**overrides: Any) -> Callable[[], Any]:
        """simplejwt binds its settings at import (override_settings does not reach
        serializers.api_settings): swap the object its serializers read, untimed."""

        @contextlib.contextmanager
        def context():
            saved = sj_serializers.api_settings
            sj_serializers.api_settings = APISettings(
                {**bench_settings.SIMPLE_JWT, **overrides}, SJ_DEFAULTS, IMPORT_STRINGS
            )
            try:
                yield
            finally:
                sj_serializers.api_settings = saved

        return context

    scenarios = [
        Scenario("plain View + JsonResponse", get("/plain/"), "baseline", client=client),
        Scenario(
            "floor: stdlib HS256 check", get("/floor/stdlib/", **bearer), "baseline", client=client
        ),
        Scenario(
            "floor: joserfc HS256 check",
            get("/floor/joserfc/", **bearer),
            "baseline",
            client=client,
        ),
        Scenario("djwto HS256 (JSON)", get("/djwto/json/", **bearer), "protected", client=client),
    ]

    # Asymmetric algorithms: the same view under override_settings (entered around each batch,
    # outside the timed loop; the warm-up call re-imports the key and fills the token cache).
    keys = {
        "RS256": RSAKey.generate_key(2048).as_pem(private=True),
        "ES256": ECKey.generate_key("P-256").as_pem(private=True),
        "EdDSA": OKPKey.generate_key("Ed25519").as_pem(private=True),
    }
    for alg, pem in keys.items():
        overrides = {"DJWTO_ALGORITHM": alg, "DJWTO_SIGNING_KEY": pem}
        with override_settings(**overrides):
            alg_access = mint_djwto()[1]
        scenarios.append(
            Scenario(
                f"djwto {alg} (JSON)",
                get("/djwto/json/", HTTP_AUTHORIZATION=f"Bearer {alg_access}"),
                "protected",
                client=client,
                context=lambda o=overrides: override_settings(**o),
            )
        )

    two_cookies = backends_cookie_header(access)
    scenarios += [
        Scenario(
            "djwto HS256 (TWO-COOKIES)",
            get("/djwto/two-cookies/", HTTP_COOKIE=two_cookies),
            "protected",
            client=client,
        ),
        Scenario(
            "djwto JWTPermissionMixin", get("/djwto/perm/", **bearer), "protected", client=client
        ),
        Scenario(
            "djwto request.user (DB)", get("/djwto/db-user/", **bearer), "protected", client=client
        ),
        Scenario(
            "djwto + revocation (database)",
            get("/djwto/json/", **bearer),
            "revocation",
            client=client,
            context=lambda: override_settings(
                DJWTO_CHECK_ACCESS_REVOCATION=True,
                DJWTO_DENYLIST_BACKEND="djwto.denylist.DatabaseDenylist",
            ),
        ),
    ]
    cache_aliases = {"locmem": "denylist_locmem"}
    if info["redis"]:
        cache_aliases = {"redis": "denylist", **cache_aliases}
    for label, alias in cache_aliases.items():
        scenarios.append(
            Scenario(
                f"djwto + revocation (cache: {label})",
                get("/djwto/json/", **bearer),
                "revocation",
                client=client,
                context=lambda a=alias: override_settings(
                    DJWTO_CHECK_ACCESS_REVOCATION=True,
                    DJWTO_DENYLIST_BACKEND="djwto.denylist.CacheDenylist",
                    DJWTO_DENYLIST_CACHE=a,
                ),
            )
        )
    if info["redis"]:
        scenarios.append(
            Scenario(
                "djwto + revocation (cache: redis + local cache)",
                get("/djwto/json/", **bearer),
                "revocation",
                client=client,
                context=lambda: override_settings(
                    DJWTO_CHECK_ACCESS_REVOCATION=True,
                    DJWTO_DENYLIST_LOCAL_CACHE=10_000,
                    DJWTO_DENYLIST_BACKEND="djwto.denylist.CacheDenylist",
                    DJWTO_DENYLIST_CACHE="denylist",
                ),
            )
        )
        import redis

        raw_redis = redis.Redis.from_url(info["redis"])
        deny_keys = ["djwto-bench:1:djwto:deny:user:1", "djwto-bench:1:djwto:deny:sid:0"]
        scenarios.append(
            Scenario(
                "floor: redis-py MGET round trip",
                lambda: raw_redis.mget(deny_keys),
                "revocation",
                kind="direct",
            )
        )
    scenarios += [
        Scenario(
            "simplejwt stateless", get("/sj/stateless/", **sj_bearer), "protected", client=client
        ),
        Scenario("simplejwt DB user", get("/sj/db-user/", **sj_bearer), "protected", client=client),
        Scenario("djwto login", post("/login/", login_headers, login_body), "login", client=client),
        Scenario(
            "simplejwt login", post("/sj/login/", login_headers, login_body), "login", client=client
        ),
        Scenario(
            "simplejwt login + UPDATE_LAST_LOGIN",
            post("/sj/login/", login_headers, login_body),
            "login",
            client=client,
            context=sj_settings(UPDATE_LAST_LOGIN=True),
            note="like for like: djwto's login always updates last_login",
        ),
        Scenario(
            "djwto refresh_access",
            post("/api/token/refresh/refresh_access/", djwto_refresh_headers, djwto_refresh_body),
            "refresh",
            client=client,
        ),
        Scenario(
            "simplejwt refresh (blacklist check)",
            post("/sj/refresh/", sj_refresh_headers, sj_refresh_body),
            "refresh",
            client=client,
        ),
    ]

    # Rotation consumes the refresh token it is given: every call needs a fresh one, minted
    # into a pool before the timed loop (djwto: claims + signature, as its login makes them;
    # simplejwt: RefreshToken.for_user, which also records the OutstandingToken row as its
    # login does). The timed loop only pops a prebuilt request and calls the handler.
    djwto_pool: list[tuple[dict[str, Any], bytes]] = []
    sj_pool: list[tuple[dict[str, Any], bytes]] = []

    def fill_djwto(n: int) -> None:
        djwto_pool.clear()
        for _ in range(n):
            headers, body = json_body({"refresh": mint_djwto()[0]})
            djwto_pool.append(
                (base_environ("POST", "/api/token/refresh/update_refresh/", **headers), body)
            )

    def fill_sj(n: int) -> None:
        sj_pool.clear()
        for _ in range(n):
            headers, body = json_body({"refresh": str(RefreshToken.for_user(user))})
            sj_pool.append((base_environ("POST", "/sj/refresh/", **headers), body))

    sj_rotation = sj_settings(ROTATE_REFRESH_TOKENS=True, BLACKLIST_AFTER_ROTATION=True)

    scenarios += [
        Scenario(
            "djwto update_refresh (rotation)",
            pooled_op(client, djwto_pool),
            "rotation",
            client=client,
            prepare=fill_djwto,
            note="pool of refresh tokens minted before the timed loop",
        ),
        Scenario(
            "simplejwt rotate + blacklist",
            pooled_op(client, sj_pool),
            "rotation",
            client=client,
            prepare=fill_sj,
            context=sj_rotation,
            note="pool of RefreshToken.for_user tokens minted before the timed loop",
        ),
    ]

    # The denylist lookup itself, on two prebuilt tables per engine (routed with
    # DATABASE_ROUTERS): keys shaped like a refresh check ([user:..., sid:..., jti]); all absent
    # (a valid token, the common case), or with the jti present (a revoked token).
    denylist = DatabaseDenylist()
    tables = info["denylist_tables"]
    sources = [
        (
            "SQLite",
            "small",
            "DenySmallRouter",
            args.small_rows,
            sqlite_keys(tables["SQLite"]["small"]["path"]),
        ),
        (
            "SQLite",
            "large",
            "DenyLargeRouter",
            args.large_rows,
            sqlite_keys(tables["SQLite"]["large"]["path"]),
        ),
    ]
    if "PostgreSQL" in tables:
        warm_pg("deny_pg_small")
        warm_pg("deny_pg_large")
        sources += [
            ("PostgreSQL", "small", "DenyPgSmallRouter", args.small_rows, pg_keys("deny_pg_small")),
            ("PostgreSQL", "large", "DenyPgLargeRouter", args.large_rows, pg_keys("deny_pg_large")),
        ]
    warm_sqlite("deny_small")
    warm_sqlite("deny_large")
    # For context, on SQLite: the jti alone (one index probe instead of three).
    for engine, _, router, rows, keys_of_ids in sources:
        # The denylist as a request meets it: the database revocation check of a protected
        # view (two keys, user: and sid:, both absent), on each table.
        scenarios.append(
            Scenario(
                revocation_scenario(engine, rows),
                get("/djwto/json/", **bearer),
                "denylist",
                client=client,
                context=lambda r=router: override_settings(
                    DATABASE_ROUTERS=[f"benchmarks.bench_views.{r}"],
                    DJWTO_CHECK_ACCESS_REVOCATION=True,
                    DJWTO_DENYLIST_BACKEND="djwto.denylist.DatabaseDenylist",
                ),
            )
        )
        absent, present = denylist_key_pools(keys_of_ids, rows)
        for jti_only, case, pool in (
            (False, "absent", absent),
            (False, "present", present),
            (True, "absent", absent),
            (True, "present", present),
        ):
            if jti_only:
                if engine != "SQLite":
                    continue
                pool = [lookup[-1:] for lookup in pool]
            keys_iter = itertools.cycle(pool)
            scenarios.append(
                Scenario(
                    denylist_scenario(engine, rows, case, jti_only=jti_only),
                    lambda it=keys_iter: denylist.lookup(next(it)),
                    "denylist",
                    kind="direct",
                    context=lambda r=router: override_settings(
                        DATABASE_ROUTERS=[f"benchmarks.bench_views.{r}"]
                    ),
                )
            )

    # Token work alone (no cache): backends.decode with DJWTO_TOKEN_CACHE_SIZE=0.
    for alg, pem in {"HS256": bench_settings.HS_KEY, **keys}.items():
        overrides = {"DJWTO_ALGORITHM": alg, "DJWTO_SIGNING_KEY": pem, "DJWTO_TOKEN_CACHE_SIZE": 0}
        with override_settings(**overrides):
            token = mint_djwto()[1]
        scenarios.append(
            Scenario(
                f"decode uncached {alg}",
                lambda t=token: backends.decode(t, "access"),
                "token",
                kind="direct",
                context=lambda o=overrides: override_settings(**o),
            )
        )
    if args.only:
        wanted = [w.strip().lower() for w in args.only.split(",")]
        scenarios = [
            s
            for s in scenarios
            if s.name == scenarios[0].name or any(w in s.name.lower() for w in wanted)
        ]
    return scenarios


def backends_cookie_header(access: str) -> str:
    """The cookies a TWO-COOKIES browser sends: the HttpOnly token, the JS payload, csrftoken."""
    payload = access.split(".")[1]
    return (
        f"csrftoken={secrets.token_urlsafe(24)}; jwt_access_payload={payload}; "
        f"jwt_access_token={access}"
    )


def revocation_scenario(engine: str, rows: int) -> str:
    return f"djwto + revocation (database), {engine}, {human(rows)} rows"


def denylist_scenario(engine: str, rows: int, case: str, *, jti_only: bool = False) -> str:
    keys = ", jti only" if jti_only else ""
    return f"denylist lookup{keys}, {engine}, {human(rows)} rows ({case})"


def human(rows: int) -> str:
    if rows >= 1_000_000 and rows % 1_000_000 == 0:
        return f"{rows // 1_000_000}M"
    if rows >= 1_000 and rows % 1_000 == 0:
        return f"{rows // 1_000}k"
    return str(rows)


# --- targets --------------------------------------------------------------------------------


@dataclass
class Target:
    scenario: str
    text: str
    compute: Callable[[dict[str, list[float]]], float | None]
    limit: float
    unit: str = "×"
    informational: bool = False  # shown for context, not one of the targets

    def evaluate(self, samples: dict[str, list[float]]) -> dict[str, Any]:
        value = self.compute(samples)
        return {
            "scenario": self.scenario,
            "target": self.text,
            "limit": self.limit,
            "value": value,
            "unit": self.unit,
            "informational": self.informational,
            "passed": None if value is None else value <= self.limit,
        }


def ratio_of(a: str, b: str) -> Callable[[dict[str, list[float]]], float | None]:
    """Median of the per-round ratios a/b."""

    def compute(samples):
        if a not in samples or b not in samples:
            return None
        return statistics.median(x / y for x, y in zip(samples[a], samples[b], strict=False))

    return compute


def added_over(a: str, b: str) -> Callable[[dict[str, list[float]]], float | None]:
    """Median of the per-round differences a - b, in µs."""

    def compute(samples):
        if a not in samples or b not in samples:
            return None
        return statistics.median(x - y for x, y in zip(samples[a], samples[b], strict=False))

    return compute


def build_targets(names: list[str], large_rows: int, small_rows: int) -> list[Target]:
    plain = "plain View + JsonResponse"
    hs = "djwto HS256 (JSON)"
    targets = [Target(hs, "≤ 1.35× plain", ratio_of(hs, plain), 1.35)]
    for alg in ("RS256", "ES256", "EdDSA"):
        name = f"djwto {alg} (JSON)"
        targets.append(Target(name, "≤ 1.40× plain", ratio_of(name, plain), 1.40))
    targets += [
        Target(hs, "≤ 0.60× simplejwt stateless", ratio_of(hs, "simplejwt stateless"), 0.60),
        Target(
            "djwto login",
            "≤ 0.60× simplejwt login",
            ratio_of("djwto login", "simplejwt login"),
            0.60,
        ),
        Target(
            "djwto login",
            "≤ 0.60× simplejwt + UPDATE_LAST_LOGIN",
            ratio_of("djwto login", "simplejwt login + UPDATE_LAST_LOGIN"),
            0.60,
            informational=True,
        ),
        Target(
            "djwto refresh_access",
            "≤ 0.60× simplejwt refresh",
            ratio_of("djwto refresh_access", "simplejwt refresh (blacklist check)"),
            0.60,
        ),
        Target(
            "djwto update_refresh (rotation)",
            "≤ 0.50× simplejwt rotate+blacklist",
            ratio_of("djwto update_refresh (rotation)", "simplejwt rotate + blacklist"),
            0.50,
        ),
    ]
    for engine in ("SQLite", "PostgreSQL"):
        large = revocation_scenario(engine, large_rows)
        targets.append(
            Target(
                large,
                f"≤ 1.10× at {human(small_rows)} rows",
                ratio_of(large, revocation_scenario(engine, small_rows)),
                1.10,
                informational=True,
            )
        )
    for engine, jti_only in (("SQLite", False), ("PostgreSQL", False), ("SQLite", True)):
        for case in ("absent", "present"):
            large = denylist_scenario(engine, large_rows, case, jti_only=jti_only)
            small = denylist_scenario(engine, small_rows, case, jti_only=jti_only)
            targets.append(
                Target(
                    large,
                    f"≤ 1.10× the {human(small_rows)}-row lookup",
                    ratio_of(large, small),
                    1.10,
                    informational=jti_only,
                )
            )
    for name in names:
        if name.startswith("djwto + revocation (cache"):
            # On Redis the target is for the local cache (DJWTO_DENYLIST_LOCAL_CACHE); the
            # plain Redis row (one MGET round trip per request) is shown for context.
            targets.append(
                Target(
                    name,
                    f"adds ≤ 25 µs over {hs}",
                    added_over(name, hs),
                    25.0,
                    unit="µs",
                    informational=name.endswith("(cache: redis)"),
                )
            )
    return [t for t in targets if t.scenario in names]


# --- memory of the verified-token cache ------------------------------------------------------


def measure_token_cache(quick: bool) -> dict[str, Any]:
    """tracemalloc: bytes per cached token (claims + key string + dict slot) and at the bound."""
    from django.contrib.auth import get_user_model
    from django.test import override_settings

    from djwto import backends, conf
    from djwto.claims import build_access_claims, build_refresh_claims

    bound = conf.DEFAULTS["TOKEN_CACHE_SIZE"]
    sample = 512 if quick else bound
    user = get_user_model().objects.get(username="alice")
    with override_settings(DJWTO_TOKEN_CACHE_SIZE=sample):
        refresh_claims = build_refresh_claims(user)
        tokens = [backends.encode(build_access_claims(refresh_claims)) for _ in range(sample + 64)]
        cache = backends.get_token_cache()
        token_bytes = statistics.mean(sys.getsizeof(t) for t in tokens)
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        for token in tokens[:sample]:
            backends.decode(token, "access")
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        for token in tokens[sample:]:  # past the bound: the oldest entries go
            backends.decode(token, "access")
        bounded = len(cache) == sample
    per_entry = (after - before) / sample + token_bytes  # the key string is the token itself
    return {
        "bound": bound,
        "setting": "DJWTO_TOKEN_CACHE_SIZE",
        "sampled_entries": sample,
        "token_chars": round(statistics.mean(len(t) for t in tokens)),
        "bytes_per_entry": round(per_entry),
        "bytes_at_bound": round(per_entry * bound),
        "stays_bounded": bounded,
    }


# --- running and reporting ------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    info = configure(args)
    scenarios = build_scenarios(args, info)
    for scenario in scenarios:  # every scenario answers 2xx before we time anything
        scenario.run_batch(1)
    for scenario in scenarios:
        scenario.calibrate(args.batch_seconds)
    gc.freeze()
    rng = random.Random(args.seed)
    order = list(scenarios)
    for _ in range(args.rounds):
        rng.shuffle(order)
        for scenario in order:
            scenario.samples.append(scenario.run_batch(scenario.n))
    gc.unfreeze()
    samples = {s.name: s.samples for s in scenarios}
    plain = samples[scenarios[0].name]
    names = [s.name for s in scenarios]
    targets = [t.evaluate(samples) for t in build_targets(names, args.large_rows, args.small_rows)]
    memory = measure_token_cache(args.quick)
    import django

    return {
        "meta": {
            "python": platform.python_version(),
            "django": django.get_version(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "rounds": args.rounds,
            "quick": args.quick,
            "batch_ms": args.batch_seconds * 1000,
            "seed": args.seed,
            "redis": info["redis"],
            "denylist_cache_backend": "redis" if info["redis"] else "locmem",
            "postgres": info["postgres"],
            "denylist_tables": info["denylist_tables"],
            "seconds": round(time.perf_counter() - started, 1),
        },
        "scenarios": [
            {
                "name": s.name,
                "group": s.group,
                "kind": s.kind,
                "batch": s.n,
                "median_us": statistics.median(s.samples),
                "min_us": min(s.samples),
                "ratio_plain": (
                    statistics.median(x / y for x, y in zip(s.samples, plain, strict=False))
                    if s.kind == "request"
                    else None
                ),
                "note": s.note,
                "samples_us": s.samples,
            }
            for s in scenarios
        ],
        "targets": targets,
        "token_cache_memory": memory,
    }


def format_table(results: dict[str, Any]) -> str:
    by_scenario: dict[str, list[dict[str, Any]]] = {}
    for target in results["targets"]:
        by_scenario.setdefault(target["scenario"], []).append(target)
    rows = [("scenario", "median µs", "× plain", "target", "measured", "")]
    for s in results["scenarios"]:
        ratio = "—" if s["ratio_plain"] is None else f"{s['ratio_plain']:.2f}×"
        targets = by_scenario.get(s["name"]) or [None]
        for i, t in enumerate(targets):
            first = i == 0
            if t is None:
                target = measured = verdict = ""
            else:
                value = t["value"]
                measured = (
                    "n/a"
                    if value is None
                    else f"{value:.2f}×"
                    if t["unit"] == "×"
                    else f"{value:.1f} µs"
                )
                target = t["target"]
                verdict = {True: "PASS", False: "FAIL", None: "n/a"}[t["passed"]]
                if t["informational"]:
                    verdict = f"({verdict.lower()}, info)"
            rows.append(
                (
                    s["name"] if first else "",
                    f"{s['median_us']:,.1f}" if first else "",
                    ratio if first else "",
                    target,
                    measured,
                    verdict,
                )
            )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    aligns = ["<", ">", ">", "<", ">", "<"]
    lines = []
    for n, row in enumerate(rows):
        lines.append(
            "  ".join(
                f"{cell:{a}{w}}" for cell, a, w in zip(row, aligns, widths, strict=False)
            ).rstrip()
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def format_report(results: dict[str, Any]) -> str:
    meta = results["meta"]
    mem = results["token_cache_memory"]
    targets = [t for t in results["targets"] if not t["informational"]]
    passed = sum(1 for t in targets if t["passed"])
    tables = meta["denylist_tables"]
    lines = [
        f"djwto benchmark: Python {meta['python']}, Django {meta['django']}, {meta['cpus']} CPUs, "
        f"{meta['rounds']} rounds of ~{meta['batch_ms']:g} ms batches"
        f"{' (quick)' if meta['quick'] else ''}; in-process WSGIHandler calls, no middleware, "
        "in-memory SQLite, MD5 hasher.",
        "",
        format_table(results),
        "",
        f"targets: {passed}/{len(targets)} pass"
        + (
            ": FAIL "
            + "; ".join(f"{t['scenario']} {t['target']}" for t in targets if t["passed"] is False)
            if passed < len(targets)
            else ""
        ),
        f"cache denylist backend: {meta['denylist_cache_backend']}"
        + (f" ({meta['redis']})" if meta["redis"] else " (Redis not reachable)"),
        "denylist tables: "
        + "; ".join(
            f"{engine} "
            + ", ".join(f"{human(t['rows'])} rows ({describe_build(t)})" for t in by_size.values())
            for engine, by_size in tables.items()
        )
        + ". SQLite: files read into a 256 MiB page cache each before timing. PostgreSQL: "
        + (
            f"on {meta['postgres']}, one database per size, read into its buffers before timing"
            if meta["postgres"]
            else "not reachable, skipped"
        )
        + ". Lookups of 3 keys shaped like a refresh check (user:, sid:, jti), all absent or "
        "with the jti present.",
        "rotation: each call consumes its refresh token; a pool of fresh tokens is minted before "
        "each timed loop (djwto: claims + signature; simplejwt: RefreshToken.for_user, which also "
        "writes its OutstandingToken row), so minting is not in the numbers on either side.",
        "login: djwto also updates last_login (one UPDATE); simplejwt's UPDATE_LAST_LOGIN is off "
        "(its default), while its blacklist app records an OutstandingToken per login.",
        f"verified-token cache: ~{mem['bytes_per_entry']:,} bytes per entry "
        f"(a {mem['token_chars']}-char token and its claims), "
        f"~{mem['bytes_at_bound'] / 2**20:.1f} MiB "
        f"at the bound {mem['setting']}={mem['bound']:,}; "
        f"{'stays bounded' if mem['stays_bounded'] else 'NOT BOUNDED'} "
        f"(measured with tracemalloc over {mem['sampled_entries']:,} entries).",
        f"total {meta['seconds']} s",
    ]
    return "\n".join(lines)


def describe_build(table: dict[str, Any]) -> str:
    return "cached" if table["cached"] else f"built in {table['built_seconds']} s"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # joserfc 1.8 flags the "EdDSA" alg name as deprecated (RFC 9864); the scenario still
    # measures what djwto's DJWTO_ALGORITHM="EdDSA" does today.
    warnings.filterwarnings("ignore", message="EdDSA is deprecated")
    results = run(args)
    print(format_report(results))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=2, default=str)
        print(f"results written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
