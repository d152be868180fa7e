"""R4/R9: a failing store or database is a 503 with ``Retry-After``, never a 500, and an
outage is logged once when it starts, summed up while it lasts, and once when it ends;
the log names the exception's message, scrubbed of credentials, and never a token.
"""

from __future__ import annotations

import logging

import pytest
from django.db import OperationalError, connection

from djwto.stores import DatabaseStore
from djwto.stores import outage as outage_module
from djwto.stores.outage import describe_error
from tests.sessions.support import Api
from tests.support import PASSWORD, REFRESH_ENDPOINTS, P, assert_error

ENDPOINTS = ("login", *REFRESH_ENDPOINTS)


@pytest.fixture
def api():
    return Api()


def call(api: Api, endpoint: str, refresh: str):
    if endpoint == "login":
        return api.client.post("/login/", {"username": "alice", "password": PASSWORD})
    return api.post(f"{P}/{endpoint}/", refresh)


def assert_503(response) -> None:
    assert_error(response, 503, "store_unavailable")
    assert int(response["Retry-After"]) > 0


def djwto_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "djwto"]


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


# --- R9: the database fails on a token path ----------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_R9_a_database_error_anywhere_on_a_token_path_is_a_503(alice, api, monkeypatch, endpoint):
    """The user lookups (authenticate(), the refresh's reload) raise it too, not only the store."""
    pair = api.login()
    from django.db.models import QuerySet

    def lost(self, *args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(QuerySet, "get", lost)  # every ORM .get(), the user lookups included
    assert_503(call(api, endpoint, pair.refresh))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("atomic_requests", [False, True], ids=["autocommit", "atomic"])
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_R9_a_terminated_postgresql_connection_is_a_503(
    alice, api, endpoint, caplog, monkeypatch, atomic_requests
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: DJWTO_TEST_DATABASE=postgres")
    from tests.support import postgres_admin

    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", atomic_requests)
    pair = api.login()
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    with postgres_admin() as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    response = call(api, endpoint, pair.refresh)
    assert_503(response)
    assert pair.refresh not in caplog.text
    connection.close()  # what close_old_connections does at the end of a real request
    assert call(api, endpoint, pair.refresh).status_code == 200


# --- R4/R9: the outage is logged once, summed up, and its end logged --------------------------


@pytest.mark.django_db
def test_R9_an_outage_is_logged_once_then_summed_up_then_its_end(alice, api, monkeypatch, caplog):
    clock = FakeMonotonic()
    monkeypatch.setattr(outage_module, "time", clock)
    pair = api.login()
    real = DatabaseStore.lookup
    failures = {"left": 40}

    def flaky(self, keys):
        if failures["left"] > 0:
            failures["left"] -= 1
            raise OperationalError("could not connect to server: Connection refused")
        return real(self, keys)

    monkeypatch.setattr(DatabaseStore, "lookup", flaky)
    caplog.set_level(logging.INFO, logger="djwto")
    for _ in range(40):  # one refused request every 0.5 s: 20 s of outage
        assert_503(api.refresh(pair.refresh))
        clock.now += 0.5
    lines = djwto_lines(caplog)
    assert lines[0].levelno == logging.ERROR
    assert "the denylist store failed" in lines[0].getMessage()
    assert "OperationalError: could not connect to server" in lines[0].getMessage()
    summaries = lines[1:]
    interval = outage_module.Outage.summary_interval
    assert 1 <= len(summaries) <= 20 / interval + 1  # not one line per request
    assert all("still failing" in r.getMessage() for r in summaries)
    assert sum(int(r.getMessage().split(": ")[-1].split()[0]) for r in summaries) <= 39

    caplog.clear()
    assert api.refresh(pair.refresh).status_code == 200
    assert api.refresh(pair.refresh).status_code == 200
    [end] = djwto_lines(caplog)
    assert "the denylist store is back" in end.getMessage()
    assert "40 requests were refused" in end.getMessage()

    caplog.clear()  # a new outage is logged again
    failures["left"] = 1
    assert_503(api.refresh(pair.refresh))
    assert [r.levelno for r in djwto_lines(caplog)] == [logging.ERROR]


@pytest.mark.django_db
def test_R9_a_database_outage_on_login_is_logged_once(alice, api, monkeypatch, caplog):
    from django.contrib.auth.backends import ModelBackend

    def down(self, request, **credentials):
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(ModelBackend, "authenticate", down)
    for _ in range(30):
        assert_503(call(api, "login", ""))
    lines = djwto_lines(caplog)
    assert len(lines) == 1 and "the database failed" in lines[0].getMessage()
    monkeypatch.undo()
    caplog.clear()
    assert call(api, "login", "").status_code == 200
    [end] = djwto_lines(caplog)
    assert "the database is back" in end.getMessage() and "30 requests" in end.getMessage()


# --- U: the log names the error, never a secret ------------------------------------------------


@pytest.mark.parametrize(
    "message, secret",
    [
        ("Error connecting to redis://:hunter2@cache.internal:6379/0.", "hunter2"),
        ("redis://admin:s3cr%40t@10.0.0.1:6380 refused", "s3cr%40t"),
        ('connection to server failed: password="pg-pass" host=db', "pg-pass"),
        ("DSN: host=db user=app password=pg-pass dbname=x", "pg-pass"),
        ("rediss://default:tok.en-1@h:1: timeout", "tok.en-1"),
    ],
)
def test_error_messages_are_scrubbed_of_credentials(message, secret):
    described = describe_error(ConnectionError(message))
    assert described.startswith("ConnectionError: ")
    assert secret not in described
    assert "***" in described


def test_error_messages_never_carry_a_token():
    token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
    assert token not in describe_error(ValueError(f"bad value {token}"))


class ProjectStoreError(Exception):
    """A project's own store error: its message may hold anything."""


def test_the_message_of_an_unknown_exception_is_not_logged():
    described = describe_error(ProjectStoreError("checking eyJx.eyJy.sig for password hunter2"))
    assert described.startswith("ProjectStoreError")
    assert "hunter2" not in described and "eyJ" not in described
