"""R2: ten concurrent rotations of one refresh token, in threads with their own connections.

Every thread first passes the read-only checks (a barrier holds them all there), so all ten
reach the consuming insert together: only the store's atomic ``add`` (a unique insert in the
database, ``SET NX`` in Redis) can pick the winner.

With the default ``DJWTO_ROTATION_GRACE`` of 0 the nine losers presented a token that had just
been consumed: that is reuse, and it revokes the family, the winner's new tokens included
(RFC 9700 §4.14.2: the server cannot tell a race from a replay). With a grace period they are
refused (``token_rotated``) and the winner's tokens live on.

The database variant needs PostgreSQL as the test database (the PostgreSQL pass of
``make test``); test_cross_process.py runs the same race against real servers on PostgreSQL
in every run.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.test import Client

from djwto import sessions
from tests.support import assert_error, decode_unverified, require_postgres

from .support import Api, DatabaseStoreView, fresh_redis_store

N = 10


@pytest.fixture(
    params=[
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("redis", marks=pytest.mark.redis),
    ]
)
def race_store(request, settings):
    if request.param == "postgres":
        require_postgres()
        if connection.vendor != "postgresql":
            pytest.skip(
                "the test database is SQLite: this race runs in the PostgreSQL pass "
                "(DJWTO_TEST_DATABASE=postgres, part of `make test`) and against real "
                "servers on PostgreSQL in test_cross_process.py"
            )
        yield DatabaseStoreView()
        return
    with fresh_redis_store(settings, "race") as view:
        yield view


def _race(token: str, monkeypatch) -> list[tuple[int, dict]]:
    checked = threading.Barrier(N, timeout=15)
    real_check = sessions.check_refresh

    def check_then_wait(claims, **kwargs):
        real_check(claims, **kwargs)
        try:
            checked.wait()
        except threading.BrokenBarrierError:  # pragma: no cover - reported by the asserts
            pass

    monkeypatch.setattr(sessions, "check_refresh", check_then_wait)
    start = threading.Barrier(N, timeout=15)
    results: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def rotate() -> None:
        try:
            start.wait()
            response = Client().post(
                "/api/token/refresh/update_refresh/", HTTP_AUTHORIZATION=f"Bearer {token}"
            )
            with lock:
                results.append((response.status_code, response.json()))
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=rotate) for _ in range(N)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    monkeypatch.setattr(sessions, "check_refresh", real_check)
    assert len(results) == N, "a rotation thread did not finish"
    return results


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("grace", [0, 30])
def test_R2_concurrent_rotations_have_exactly_one_winner(
    race_store, alice, monkeypatch, received, settings, grace
):
    settings.DJWTO_ROTATION_GRACE = timedelta(seconds=grace)
    api = Api()
    pair = api.login()
    claims = decode_unverified(pair.refresh)

    results = _race(pair.refresh, monkeypatch)

    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [401] * (N - 1), results
    [winner] = [body for status, body in results if status == 200]
    losers = [body for status, body in results if status != 200]
    entries = race_store.entries()
    assert entries[claims["jti"]] == ("refresh", "rotated", str(alice.pk))  # exactly one row/key
    if race_store.kind == "database":
        from djwto.models import DeniedToken

        assert DeniedToken.objects.filter(jti=claims["jti"]).count() == 1

    if grace:
        assert {body["code"] for body in losers} == {"token_rotated"}
        assert received["reuse"] == [] and f"sid:{claims['sid']}" not in entries
        assert api.rotate(winner["refresh"]).status_code == 200
    else:
        # Race losers are reuse: the family is revoked, the winner's new tokens with it.
        assert {body["code"] for body in losers} == {"token_reused"}
        assert len(received["reuse"]) == N - 1
        assert entries[f"sid:{claims['sid']}"] == ("session", "reused", str(alice.pk))
        assert_error(api.rotate(winner["refresh"]), 401, "token_revoked")
