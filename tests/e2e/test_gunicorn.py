"""The demo the way it is deployed: gunicorn with two worker processes, PostgreSQL through
``DATABASE_URL`` and the denylist in Redis through ``REDIS_URL``.

Two workers do not share memory, so a revocation seen by one must be seen by the other: the
shared stores are what makes logout and reuse detection hold. This server also runs with
``DJWTO_COOKIE_SECURE=0``, and a plain ``requests.Session`` (which never sends ``Secure``
cookies over http) drives it: the other way to test cookie modes over http.

Skipped, with a message, when PostgreSQL (127.0.0.1:5432) or Redis (127.0.0.1:6379) is down.
"""

from __future__ import annotations

import os
import uuid

import pytest

from .support import REFRESH, DemoClient, cookie_attrs, set_cookie_headers

pytestmark = pytest.mark.e2e

PG_URL = os.environ.get("DJWTO_E2E_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("DJWTO_E2E_REDIS_URL", "redis://127.0.0.1:6379/0")
CACHE_PREFIX = "djwto-demo"  # KEY_PREFIX in demo/djwto_project/settings.py


def _postgres_admin():
    try:
        import psycopg
    except ImportError:
        pytest.skip("needs psycopg: pip install -e '.[test]'")
    try:
        return psycopg.connect(PG_URL, autocommit=True, connect_timeout=3)
    except Exception as exc:
        pytest.skip(
            f"PostgreSQL not reachable at {PG_URL} ({exc.__class__.__name__}); "
            "start it to run this test"
        )


def _redis():
    try:
        import redis
    except ImportError:
        pytest.skip("needs redis-py: pip install -e '.[test]'")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except Exception as exc:
        pytest.skip(
            f"Redis not reachable at {REDIS_URL} ({exc.__class__.__name__}); "
            "start it to run this test"
        )
    return client


@pytest.fixture(scope="module")
def deployed(demo_pool):
    """The demo under gunicorn (2 workers), ONE-COOKIE mode, on a throwaway PostgreSQL database."""
    redis_client = _redis()
    admin = _postgres_admin()
    dbname = f"djwto_e2e_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{dbname}"')

    def drop() -> None:
        admin.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        admin.close()

    demo_pool.cleanups.append(drop)
    database_url = PG_URL.rsplit("/", 1)[0] + f"/{dbname}"
    server = demo_pool.get(
        "gunicorn-postgres-redis",
        mode="ONE-COOKIE",
        server="gunicorn",
        prepare=True,
        env={
            "DATABASE_URL": database_url,
            "REDIS_URL": REDIS_URL,
            "DJWTO_COOKIE_SECURE": "0",
            "DJANGO_DEBUG": "0",
        },
    )
    return server, redis_client


def test_gunicorn_postgres_redis_flow(deployed):
    server, redis_client = deployed
    client = DemoClient(server, loopback_secure=False)  # the stock cookie policy
    # DEBUG is off here: the page's assets are still served (by the demo's own static view).
    assert client.get("/static/testapp/demo.js").status_code == 200

    response = client.login("alice")
    assert response.status_code == 200, response.text
    for name, header in set_cookie_headers(response).items():
        assert "secure" not in cookie_attrs(header), (
            f"{name} is Secure despite DJWTO_COOKIE_SECURE=0"
        )
    assert client.raw_token("refresh") and client.cookie("csrftoken")

    # Several requests each, so both workers answer some of them.
    for _ in range(4):
        assert client.get("/testapp/protect/").json() == {"username": "alice"}
        assert client.get("/testapp/async_protect/").status_code == 200
        assert client.get("/testapp/perms_protect/").status_code == 200

    old_refresh = client.raw_token("refresh")
    assert client.refresh_call("update_refresh").status_code == 200
    assert client.raw_token("refresh") != old_refresh
    for _ in range(4):  # reuse of the consumed token, answered by either worker
        assert client.present_refresh(old_refresh, "refresh_access").status_code == 401
    assert client.refresh_call("refresh_access").status_code == 401  # the login is revoked

    # A second login, logged out: its refresh token is dead on every worker.
    ok = client.login("alice")
    assert ok.status_code == 200
    refresh = client.raw_token("refresh")
    response = client.post(f"{REFRESH}/logout/", token="refresh")
    assert response.status_code == 200 and response.json() == {
        "msg": "Token successfully blacklisted."
    }
    for _ in range(4):
        assert client.present_refresh(refresh, "refresh_access").status_code == 401
        assert client.present_refresh(refresh, "update_refresh").status_code == 401

    # REDIS_URL switched the denylist to djwto.denylist.CacheDenylist: it wrote to Redis.
    assert any(True for _ in redis_client.scan_iter(match=f"{CACHE_PREFIX}:*", count=1000)), (
        "nothing under the demo's cache prefix in Redis after a logout"
    )

    bob = DemoClient(server, loopback_secure=False)
    assert bob.login("bob").status_code == 200
    assert bob.get("/testapp/perms_protect/").status_code == 403
