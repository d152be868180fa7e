"""Sessions across processes: two gunicorn servers (2 workers x 4 threads each) sharing
PostgreSQL and Redis, driven over HTTP with ``requests`` in the JSON mode.

Each behaviour runs against both stores: ``DatabaseStore`` on PostgreSQL and
``CacheStore`` on Redis (Django's ``RedisCache``). A fifth server points its cache store at a
Redis port where nothing listens and must fail closed. The servers run with
``DJWTO_CHECK_ACCESS_REVOCATION`` on, so access tokens of revoked sessions are refused too.

Whatever the test database is, these servers always use a throwaway PostgreSQL database, so
this is the rotation race on PostgreSQL that runs in the SQLite pass of ``make test``.
Skipped, with a message, when PostgreSQL or Redis is not reachable.
"""

from __future__ import annotations

import threading
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field

import pytest
import requests

from tests.support import (
    PASSWORD,
    REDIS_URL,
    P,
    decode_unverified,
    postgres_params,
    require_postgres,
    require_redis,
    throwaway_database,
)

from .servers import GUNICORN, Server, prepare_database, server_env, start_all
from .support import Pair, RedisStoreView, StoreView

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.redis]

STORES = ("database", "cache")


class PostgresStoreView(StoreView):
    """The ``djwto_deniedtoken`` table of the servers' database, read with psycopg."""

    kind = "database"

    def __init__(self, dbname: str):
        self.dbname = dbname

    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        import psycopg

        with psycopg.connect(
            **postgres_params(self.dbname), autocommit=True, connect_timeout=3
        ) as conn:
            return conn.execute(sql, params).fetchall()

    def entries(self):
        return {
            jti: (kind, reason, user_id)
            for jti, kind, reason, user_id in self.rows(
                "SELECT jti, token_type, reason, user_id FROM djwto_deniedtoken"
            )
        }

    def dump(self):
        return "\n".join(map(repr, self.rows("SELECT * FROM djwto_deniedtoken")))


@dataclass
class Cluster:
    servers: dict[str, Server]
    views: dict[str, StoreView] = field(default_factory=dict)

    def pair(self, store: str) -> tuple[Server, Server, StoreView]:
        return self.servers[f"{store}-a"], self.servers[f"{store}-b"], self.views[store]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    require_postgres()
    require_redis()
    if not GUNICORN.exists():
        pytest.skip(f"needs gunicorn next to {GUNICORN.parent}/python: pip install -e '.[test]'")
    databases = ExitStack()
    dbname = databases.enter_context(throwaway_database("djwto_sessions"))
    key_prefix = f"djwto-sessions-servers-{uuid.uuid4().hex[:10]}"
    redis_view = RedisStoreView(key_prefix)
    servers: dict[str, Server] = {}
    try:
        base = server_env(
            DJWTO_SESSIONS_DB=dbname,
            DJWTO_SESSIONS_KEY_PREFIX=key_prefix,
            DJWTO_SESSIONS_REDIS_URL=REDIS_URL,
            DJWTO_CHECK_ACCESS_REVOCATION="1",
        )
        prepare_database(base)
        log_dir = tmp_path_factory.mktemp("session-servers")
        for store in STORES:
            for side in ("a", "b"):
                servers[f"{store}-{side}"] = Server(
                    f"{store}-{side}", {**base, "DJWTO_SESSIONS_STORE": store}, log_dir
                )
        servers["redis-down"] = Server(
            "redis-down",
            {
                **base,
                "DJWTO_SESSIONS_STORE": "cache",
                "DJWTO_SESSIONS_REDIS_URL": "redis://127.0.0.1:1/0",
            },
            log_dir,
            workers=1,
            threads=2,
        )
        start_all(list(servers.values()))
        yield Cluster(servers, {"database": PostgresStoreView(dbname), "cache": redis_view})
    finally:
        for server in servers.values():
            server.stop()
        redis_view.clear()
        databases.close()


@pytest.fixture(params=STORES)
def pair(request, cluster):
    return cluster.pair(request.param)


def post(server: Server, path: str, token: str | None = None, **kwargs) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.post(server.url(path), headers=headers, timeout=15, **kwargs)


def get(server: Server, path: str, token: str) -> requests.Response:
    return requests.get(server.url(path), headers={"Authorization": f"Bearer {token}"}, timeout=15)


def login(server: Server, username: str = "alice") -> Pair:
    response = post(server, "/login/", data={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return Pair(response.json()["refresh"], response.json()["access"])


def rotate(server: Server, pair: Pair) -> Pair:
    response = post(server, f"{P}/update_refresh/", pair.refresh)
    assert response.status_code == 200, response.text
    return Pair(response.json()["refresh"], response.json()["access"])


def refused(response: requests.Response, status: int = 401, code: str | None = None) -> bool:
    body = response.json()
    return (
        response.status_code == status
        and set(body) == {"error", "code"}
        and (code is None or body["code"] == code)
    )


def test_R3_logout_on_one_server_holds_on_the_other(pair):
    a, b, store = pair
    tokens = login(a)
    claims = decode_unverified(tokens.refresh)
    assert post(b, f"{P}/refresh_access/", tokens.refresh).status_code == 200
    assert get(b, "/whoami/", tokens.access).json()["user"] == "alice"

    response = post(a, f"{P}/logout/", tokens.refresh)
    assert response.status_code == 200, response.text
    for _ in range(3):  # several requests, so both workers of b answer some
        assert refused(post(b, f"{P}/refresh_access/", tokens.refresh), code="token_revoked")
        assert refused(post(b, f"{P}/update_refresh/", tokens.refresh), code="token_revoked")
        assert refused(get(b, "/whoami/", tokens.access), code="token_revoked")
        assert refused(get(b, "/awhoami/", tokens.access), code="token_revoked")
    entries = store.entries()
    assert entries[claims["jti"]][1] == entries[f"sid:{claims['sid']}"][1] == "logout"


def test_logout_all_on_one_server_revokes_sessions_used_on_the_other(pair):
    a, b, _ = pair
    first = login(a)
    second = rotate(b, login(b))
    bobs = login(b, "bob")
    assert get(b, "/awhoami/", second.access).status_code == 200

    assert post(a, f"{P}/logout_all/", first.refresh).status_code == 200
    for server in (b, a):
        assert refused(post(server, f"{P}/refresh_access/", second.refresh), code="token_revoked")
        assert refused(get(server, "/whoami/", second.access), code="token_revoked")
        assert refused(get(server, "/awhoami/", second.access), code="token_revoked")
    assert post(a, f"{P}/refresh_access/", bobs.refresh).status_code == 200
    later = login(b)
    assert post(a, f"{P}/update_refresh/", later.refresh).status_code == 200


def test_R1_reuse_on_one_server_revokes_the_family_on_the_other(pair):
    a, b, store = pair
    stolen = login(a)
    legit = rotate(a, stolen)
    assert refused(post(b, f"{P}/update_refresh/", stolen.refresh), code="token_reused")
    assert refused(post(a, f"{P}/update_refresh/", legit.refresh), code="token_revoked")
    assert refused(get(b, "/whoami/", legit.access), code="token_revoked")
    sid = decode_unverified(stolen.refresh)["sid"]
    assert store.entries()[f"sid:{sid}"][1] == "reused"


def test_R2_rotation_race_split_across_servers(pair):
    a, b, store = pair
    tokens = login(a)
    claims = decode_unverified(tokens.refresh)
    n = 10
    barrier = threading.Barrier(n, timeout=15)
    results: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def rotate_once(server: Server) -> None:
        barrier.wait()
        response = post(server, f"{P}/update_refresh/", tokens.refresh)
        with lock:
            results.append((response.status_code, response.json()))

    threads = [threading.Thread(target=rotate_once, args=((a, b)[i % 2],)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [401] * (n - 1), results  # one winner, no 5xx, none lost
    entries = store.entries()
    assert entries[claims["jti"]][1] == "rotated"
    if store.kind == "database":
        assert store.rows(
            "SELECT count(*) FROM djwto_deniedtoken WHERE jti = %s", (claims["jti"],)
        ) == [(1,)]
    # Grace 0 (the default): the losers are reuse, and the family is revoked.
    assert {body["code"] for status, body in results if status == 401} <= {
        "token_reused",
        "token_revoked",
    }
    assert entries[f"sid:{claims['sid']}"][1] == "reused"
    [winner] = [body for status, body in results if status == 200]
    for server in (a, b):
        assert refused(post(server, f"{P}/update_refresh/", winner["refresh"]))


def test_R4_server_with_unreachable_redis_fails_closed(cluster):
    server = cluster.servers["redis-down"]
    tokens = login(server)  # login does not consult the denylist
    for endpoint in (
        "refresh_access",
        "update_refresh",
        "validate_refresh",
        "logout",
        "logout_all",
    ):
        response = post(server, f"{P}/{endpoint}/", tokens.refresh)
        assert refused(response, 503, "store_unavailable"), (endpoint, response.text)
    for path in ("/whoami/", "/awhoami/"):
        assert refused(get(server, path, tokens.access), 503, "store_unavailable")
    assert "denylist store failed (ConnectionError: " in server.log()
    assert tokens.refresh not in server.log()
