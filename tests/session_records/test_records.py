"""What a session record holds and when it is written: login, rotation, revocations; what it
costs (nothing while off) and how it stays consistent with the denylist store."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import DatabaseError, connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from djwto import session_records, sessions
from djwto.exceptions import TokenReused
from djwto.models import DeniedToken
from tests.sessions.support import Api
from tests.support import PASSWORD, P, assert_error, decode_unverified

TABLE = "djwto_sessionrecord"


def statements(queries) -> list[str]:
    """The SQL a request ran, without the savepoints of the test's own transaction."""
    return [q["sql"] for q in queries if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE"))]


def run_flow(api: Api) -> dict[str, list[str]]:
    """Login, refresh_access and rotation: the SQL each ran."""
    ran = {}
    with CaptureQueriesContext(connection) as login:
        pair = api.login()
    ran["login"] = statements(login.captured_queries)
    with CaptureQueriesContext(connection) as refresh:
        assert api.refresh(pair.refresh).status_code == 200
    ran["refresh"] = statements(refresh.captured_queries)
    with CaptureQueriesContext(connection) as rotation:
        api.rotated(pair.refresh)
    ran["rotation"] = statements(rotation.captured_queries)
    return ran


def test_off_no_query_touches_the_records_and_the_model_is_never_loaded(alice, api, monkeypatch):
    def forbidden():
        raise AssertionError("the session-record model was loaded while records are off")

    monkeypatch.setattr(session_records, "get_model", forbidden)
    ran = run_flow(api)
    for step, sql in ran.items():
        assert not [q for q in sql if TABLE in q], (step, sql)
    assert not session_records.is_enabled()


def test_on_costs_one_insert_at_login_one_update_at_rotation_and_nothing_on_refresh(
    alice, api, settings
):
    off = run_flow(api)
    settings.DJWTO_SESSION_RECORDS = True
    on = run_flow(api)
    assert len(on["login"]) == len(off["login"]) + 1
    (insert,) = [q for q in on["login"] if TABLE in q]
    assert insert.upper().startswith("INSERT")
    assert len(on["refresh"]) == len(off["refresh"])
    assert not [q for q in on["refresh"] if TABLE in q]
    assert len(on["rotation"]) == len(off["rotation"]) + 1
    (update,) = [q for q in on["rotation"] if TABLE in q]
    assert update.upper().startswith("UPDATE")


def test_login_writes_the_family_without_a_token_jti_or_address(alice, records):
    client = Client(HTTP_USER_AGENT="Firefox/140.0 (X11; Linux)", REMOTE_ADDR="198.51.100.7")
    pair = Api(client).login()
    claims = decode_unverified(pair.refresh)
    record = records.objects.get()
    assert record.sid == claims["sid"]
    assert record.user_id == str(alice.pk)
    assert record.last_refresh_at is None and record.revoked_at is None
    assert record.expires_at == datetime.fromtimestamp(claims["exp"], UTC)
    # auth_time is the login's second, rounded down; the record keeps its microseconds.
    assert 0 <= record.created_at.timestamp() - claims["auth_time"] < 2
    assert record.user_agent == "Firefox/140.0 (X11; Linux)"
    row = repr(records.objects.values_list())
    for secret in (
        claims["jti"],
        decode_unverified(pair.access)["jti"],
        "198.51.100.7",
        *pair.refresh.split("."),
        *pair.access.split("."),
    ):
        assert secret not in row


def test_the_ip_hash_is_keyed_equal_for_one_address_and_changes_with_the_key(
    alice, records, settings
):
    def login_from(address: str) -> str:
        Api(Client(REMOTE_ADDR=address)).login()
        return records.objects.order_by("-pk").first().ip_hash

    first, again, other = login_from("10.1.2.3"), login_from("10.1.2.3"), login_from("10.1.2.4")
    assert first == again != other
    assert len(first) == 32 and "10.1.2.3" not in first
    settings.SECRET_KEY = "another-secret-key-for-the-ip-hash-0123456789abcdefghijklmnop"
    assert login_from("10.1.2.3") != first


def test_a_hostile_user_agent_is_cleaned_and_cut_never_a_failure(alice, records):
    agent = "Evil\x00Agent\x1b[31m" + "x" * 1000
    Api(Client(HTTP_USER_AGENT=agent)).login()
    kept = records.objects.get().user_agent
    assert kept.startswith("EvilAgent[31m")
    assert len(kept) == session_records.USER_AGENT_LENGTH
    assert kept.isprintable()


def test_rotation_updates_the_record(alice, records, clock):
    api = Api(Client(HTTP_USER_AGENT="Old/1.0"))
    pair = api.login()
    clock.advance(3600)
    api.client = Client(HTTP_USER_AGENT="New/2.0")
    new = api.rotated(pair.refresh)
    record = records.objects.get()
    new_claims = decode_unverified(new.refresh)
    assert record.sid == new_claims["sid"]
    assert record.last_refresh_at.timestamp() == pytest.approx(clock.now, abs=1)
    assert record.expires_at == datetime.fromtimestamp(new_claims["exp"], UTC)
    assert record.expires_at > datetime.fromtimestamp(decode_unverified(pair.refresh)["exp"], UTC)
    assert record.user_agent == "New/2.0"


def test_a_session_from_before_records_were_on_gets_its_record_at_rotation(
    alice, api, settings, clock
):
    pair = api.login()
    from djwto.models import SessionRecord

    assert not SessionRecord.objects.exists()
    settings.DJWTO_SESSION_RECORDS = True
    clock.advance(60)
    new = api.rotated(pair.refresh)
    record = SessionRecord.objects.get()
    claims = decode_unverified(new.refresh)
    assert record.sid == claims["sid"]
    assert record.created_at.timestamp() == claims["auth_time"]
    assert record.last_refresh_at is not None


def fail_after_writing(monkeypatch):
    """The record's update runs, then the database fails (a lost connection, say)."""
    real = session_records._record_rotation

    def failing(request, claims):
        real(request, claims)
        raise DatabaseError("connection lost")

    monkeypatch.setattr(session_records, "_record_rotation", failing)


def test_database_store_rotation_and_record_are_one_transaction(alice, api, records, monkeypatch):
    pair = api.login()
    fail_after_writing(monkeypatch)
    assert_error(api.rotate(pair.refresh), 503, "store_unavailable")
    # Neither the consumption of the old token nor the record's update was kept ...
    assert not DeniedToken.objects.filter(jti=decode_unverified(pair.refresh)["jti"]).exists()
    assert records.objects.get().last_refresh_at is None
    # ... so the client's retry is a plain rotation, not reuse.
    monkeypatch.undo()
    new = api.rotated(pair.refresh)
    assert records.objects.get().sid == decode_unverified(new.refresh)["sid"]
    assert records.objects.get().last_refresh_at is not None


@pytest.mark.redis
def test_cache_store_writes_the_record_first_so_a_failure_consumes_nothing(
    alice, api, records, redis_store, monkeypatch
):
    pair = api.login()
    fail_after_writing(monkeypatch)
    assert_error(api.rotate(pair.refresh), 503, "store_unavailable")
    assert decode_unverified(pair.refresh)["jti"] not in redis_store.entries()
    monkeypatch.undo()
    api.rotated(pair.refresh)  # not taken for reuse
    assert records.objects.get().last_refresh_at is not None


def test_reuse_still_revokes_the_family_and_marks_its_record(alice, api, records, store):
    pair = api.login()
    new = api.rotated(pair.refresh)
    assert_error(api.rotate(pair.refresh), 401, "token_reused")
    assert_error(api.refresh(new.refresh), 401, "token_revoked")
    assert records.objects.get().revoked_at is not None


def test_logout_and_logout_all_mark_the_records(alice, records, store):
    first, second, third = Api(), Api(), Api()
    pair1, pair2, pair3 = first.login(), second.login(), third.login()
    assert first.logout(pair1.refresh).status_code == 200
    sid1 = decode_unverified(pair1.refresh)["sid"]
    assert records.objects.get(sid=sid1).revoked_at is not None
    assert records.objects.filter(revoked_at__isnull=True).count() == 2
    assert second.logout_all(pair2.refresh).status_code == 200
    assert not records.objects.filter(revoked_at__isnull=True).exists()
    assert_error(third.refresh(pair3.refresh), 401, "token_revoked")


def test_a_login_whose_record_cannot_be_written_issues_no_token(alice, records, monkeypatch):
    def broken(**fields):
        raise DatabaseError("disk full")

    monkeypatch.setattr(records._default_manager, "create", broken)
    response = Client().post("/login/", {"username": "alice", "password": PASSWORD})
    assert_error(response, 503, "store_unavailable")


def test_a_failed_revocation_mark_leaves_the_revocation_standing(
    alice, api, records, monkeypatch, caplog
):
    pair = api.login()

    def broken(self, **fields):
        raise DatabaseError("read-only replica")

    from django.db.models import QuerySet

    monkeypatch.setattr(QuerySet, "update", broken)
    assert api.logout(pair.refresh).status_code == 200
    monkeypatch.undo()
    assert "could not be marked" in caplog.text
    assert_error(api.refresh(pair.refresh), 401, "token_revoked")


def test_refresh_access_leaves_the_record_as_it_is(alice, api, records):
    """``refresh_access`` does not write the record: it issues no refresh token."""
    pair = api.login()
    assert api.post(f"{P}/refresh_access/", pair.refresh).status_code == 200
    assert records.objects.get().last_refresh_at is None


def test_the_loser_of_a_rotation_race_revokes_the_family_outside_the_transaction(
    alice, api, records, store
):
    """Two rotations of one token that both passed the checks: the second finds it consumed,
    and the family's revocation for reuse is kept (not rolled back with the transaction)."""
    pair = api.login()
    previous = decode_unverified(pair.refresh)
    rotated = {**previous, "exp": previous["exp"] + 60}
    session_records.consume_refresh(previous, rotated)
    with pytest.raises(TokenReused):
        session_records.consume_refresh(previous, rotated)
    assert sessions.get_revoked_sids(previous["sub"], [previous["sid"]]) == {previous["sid"]}
    assert records.objects.get().revoked_at is not None
    assert_error(api.refresh(pair.refresh), 401)


def test_without_use_tz_the_times_are_local_and_right(alice, records, settings, clock):
    settings.USE_TZ = False
    settings.TIME_ZONE = "America/Sao_Paulo"
    api = Api()
    pair = api.login()
    clock.advance(600)
    new = api.rotated(pair.refresh)
    record = records.objects.get()
    assert record.created_at.tzinfo is None
    local = timezone.make_aware(record.expires_at, timezone.get_default_timezone())
    assert local.timestamp() == decode_unverified(new.refresh)["exp"]
    local = timezone.make_aware(record.last_refresh_at, timezone.get_default_timezone())
    assert local.timestamp() == pytest.approx(clock.now, abs=1)


def test_what_is_kept_of_a_request_without_an_agent_or_address():
    request = RequestFactory().get("/", HTTP_USER_AGENT="Agent/1")
    assert session_records.get_user_agent(request) == "Agent/1"
    del request.META["REMOTE_ADDR"], request.META["HTTP_USER_AGENT"]
    assert session_records.get_ip_hash(request) == ""
    assert session_records.get_user_agent(request) == ""
    assert session_records.get_ip_hash(None) == session_records.get_user_agent(None) == ""
