"""Secrets are never logged: every log record emitted while a slice of the catalogue runs (bad
and good tokens and logins, refresh, rotation, reuse, logout, CSRF failures, a failing store,
SQL at DEBUG) is searched for raw tokens, signatures, passwords and the signing key."""

from __future__ import annotations

import json
import logging

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client

from djwto import denylist
from djwto.backends import encode
from tests.security.helpers import Carrier, access_claims, forge, refresh_claims, segments
from tests.support import P, login

pytestmark = pytest.mark.django_db
WRONG_PASSWORD = "wrong-password-7f3c9a"
LOGGERS = ("", "django", "django.request", "django.security", "django.db.backends", "djwto")


class Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        if all(record is not seen for seen in self.records):
            self.records.append(record)


@pytest.fixture
def all_logs(caplog):
    caplog.set_level(logging.DEBUG)
    handler = Collect()
    previous = {}
    for name in LOGGERS:
        logger = logging.getLogger(name)
        previous[name] = logger.level
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
    debug_cursor = connection.force_debug_cursor
    connection.force_debug_cursor = True  # SQL is logged at DEBUG even with DEBUG = False
    yield handler.records, caplog
    connection.force_debug_cursor = debug_cursor
    for name in LOGGERS:
        logging.getLogger(name).removeHandler(handler)
        logging.getLogger(name).setLevel(previous[name])


def record_text(record: logging.LogRecord) -> str:
    parts = [record.getMessage(), repr(record.args), record.exc_text or ""]
    if record.exc_info:
        parts.append(logging.Formatter().formatException(record.exc_info))
    for key, value in record.__dict__.items():
        try:
            parts.append(f"{key}={value!r}")
        except Exception:
            pass
    return "\n".join(parts)


class Boom(Exception):
    pass


def run_slice(mode: str, alice, password: str, secrets: set[str]) -> None:
    """The representative slice of the catalogue; every token seen goes into ``secrets``."""
    carrier = Carrier("bearer" if mode == "JSON" else mode)
    # Bad logins: wrong password, unknown user, malformed JSON holding the password.
    Client().post("/login/", {"username": "alice", "password": WRONG_PASSWORD})
    Client().post("/login/", {"username": "nobody", "password": password})
    Client().post(
        "/login/",
        '{"username": "alice", "password": "%s"' % password,
        content_type="application/json",
    )
    Client().post(
        "/login/",
        json.dumps({"username": ["alice"], "password": password}),
        content_type="application/json",
    )
    # Good login, refresh, rotation.
    session = login(Client(enforce_csrf_checks=True), mode, "alice", password)
    assert session.login_response.status_code == 200
    secrets |= {session.access, session.refresh}
    first_refresh = session.refresh
    assert session.get("/protected/").status_code == 200
    assert session.post_refresh(f"{P}/refresh_access/").status_code == 200
    assert session.post_refresh(f"{P}/update_refresh/").status_code == 200
    secrets |= {session.access, session.refresh}
    # Bad tokens: forged, another key, expired, huge, malformed, wrong type.
    bad = [
        forge(access_claims(alice), key="secret"),
        forge(access_claims(alice, exp=1)),
        forge(access_claims(alice), header={"alg": "none"}),
        "A" * 200_000,
        encode(refresh_claims(alice)),
        "x.y.z",
        session.access + "x",
    ]
    secrets |= set(bad)
    for token in bad:
        carrier.access(token)
        carrier.refresh(token, "update_refresh")
    # CSRF failure with a good cookie, reuse of a rotated refresh token (logs a warning).
    session.client.post("/protected/")
    if mode == "JSON":
        Client().post(f"{P}/update_refresh/", HTTP_AUTHORIZATION=f"Bearer {first_refresh}")
    else:
        carrier.refresh(first_refresh, "update_refresh")
    # A failing store whose error message holds the token: logged by class name only.
    session = login(Client(enforce_csrf_checks=True), mode, "alice", password)
    secrets |= {session.access, session.refresh}
    original = denylist.DatabaseDenylist.lookup

    def failing(self, keys):
        raise Boom(f"database down while checking {session.refresh} / {password}")

    denylist.DatabaseDenylist.lookup = failing
    try:
        assert session.post_refresh(f"{P}/refresh_access/").status_code == 503
    finally:
        denylist.DatabaseDenylist.lookup = original
    # Logout, then the logged-out token again.
    assert session.client.post(f"{P}/logout/", **session.refresh_headers()).status_code == 200
    session.client.post(f"{P}/logout/", **session.refresh_headers())


@pytest.mark.parametrize("mode", ["JSON", "ONE-COOKIE", "TWO-COOKIES"])
def test_secrets_never_logged(settings, alice, password, all_logs, mode):
    settings.DJWTO_MODE = mode
    records, caplog = all_logs
    secrets: set[str] = set()
    run_slice(mode, alice, password, secrets)
    assert records, "the slice logged nothing: the capture is broken"
    assert any(r.name == "django.request" for r in records)
    assert any(r.name == "djwto" for r in records)  # reuse warning, store error
    assert any(r.name == "django.db.backends" for r in records)
    needles = {
        password: "password",
        WRONG_PASSWORD: "wrong password",
        django_settings.DJWTO_SIGNING_KEY: "signing key",
    }
    for token in secrets:
        needles[token[:2000]] = "raw token"
        parts = segments(token)
        if len(parts) == 3 and len(parts[2]) >= 16:
            needles[parts[2]] = "token signature"
    for record in [*records, *caplog.records]:
        text = record_text(record)
        for needle, what in needles.items():
            assert needle not in text, f"{what} in a {record.name} record: {text[:300]}"


def test_secrets_detector_catches_a_leak(all_logs, alice):
    """The negative control: a token logged anywhere in a record (args, extra) is found."""
    records, _ = all_logs
    token = encode(access_claims(alice))
    logging.getLogger("djwto").debug("checked %s", token)
    logging.getLogger("django.request").warning("x", extra={"token_seen": token})
    found = [r for r in records if token in record_text(r)]
    assert len(found) == 2
