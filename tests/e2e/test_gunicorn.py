"""The demo the way it is deployed: gunicorn with two worker processes, PostgreSQL through
``DATABASE_URL`` and the denylist in Redis through ``REDIS_URL``.

Two workers do not share memory, so a revocation seen by one must be seen by the other: the
shared stores are what makes logout and reuse detection hold. This server also runs with
``DJWTO_COOKIE_SECURE=0``, and a plain ``requests.Session`` (which never sends ``Secure``
cookies over http) drives it: the other way to test cookie modes over http.

Skipped, with a message, when PostgreSQL or Redis (tests/support/services.py) is down.
"""

from __future__ import annotations

from contextlib import ExitStack

import pytest

from tests.support import (
    REDIS_URL,
    cookie_attrs,
    postgres_url,
    redis_client,
    redis_keys_removed,
    require_redis,
    set_cookie_headers,
    throwaway_database,
)
from tests.support import P as REFRESH

from .support import DemoClient

pytestmark = pytest.mark.e2e

CACHE_PREFIX = "djwto-demo"  # KEY_PREFIX in demo/djwto_project/settings.py


@pytest.fixture(scope="module")
def deployed(demo_pool):
    """The demo under gunicorn (2 workers), ONE-COOKIE mode, on a throwaway PostgreSQL database."""
    require_redis()
    redis = redis_client()
    # Cleanups run after every server has stopped: the keys the demo wrote, then the database.
    resources = ExitStack()
    demo_pool.cleanups.append(resources.close)
    dbname = resources.enter_context(throwaway_database("djwto_e2e"))
    resources.enter_context(redis_keys_removed(f"{CACHE_PREFIX}:*"))
    database_url = postgres_url(dbname)
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
    return server, redis


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
