"""Signals: sent by the view class with the request, never carrying a raw token or password."""

from __future__ import annotations

import pytest
from django.test import Client

from djwto import signals
from djwto.views import LoginView, LogoutView, RefreshView, ValidateView
from tests.support import P, bearer, login

ALL = [
    "jwt_logged_in",
    "jwt_login_fail",
    "jwt_blacklisted",
    "jwt_token_validated",
    "jwt_access_refreshed",
    "jwt_refresh_updated",
    "jwt_reuse_detected",
    "jwt_sessions_revoked",
]


@pytest.fixture
def received():
    """Every djwto signal sent during the test: a list of (name, sender, kwargs)."""
    log: list[tuple[str, object, dict]] = []
    receivers = []
    for name in ALL:

        def receiver(sender, _name=name, **kwargs):
            log.append((_name, sender, kwargs))

        getattr(signals, name).connect(receiver, weak=False)
        receivers.append((name, receiver))
    yield log
    for name, receiver in receivers:
        getattr(signals, name).disconnect(receiver)


def flatten(value) -> list[str]:
    """Every string inside ``value`` (dicts, lists), to look for secrets in."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in flatten(k) + flatten(v)]
    if isinstance(value, (list, tuple, set)):
        return [s for v in value for s in flatten(v)]
    return []


def assert_no_secrets(log, secrets):
    for name, _sender, kwargs in log:
        strings = flatten({k: v for k, v in kwargs.items() if k not in ("request", "signal")})
        for secret in secrets:
            for s in strings:
                assert secret not in s, f"{name} carries a secret in {s!r}"


def only(log, name):
    found = [(sender, kwargs) for n, sender, kwargs in log if n == name]
    assert len(found) == 1, [n for n, _, _ in log]
    return found[0]


def test_logged_in(received, alice, password):
    s = login(Client(), "JSON", "alice", password)
    sender, kwargs = only(received, "jwt_logged_in")
    assert sender is LoginView
    assert kwargs["request"].path == "/login/"
    assert kwargs["user"] == alice
    assert kwargs["refresh_claims"]["type"] == "refresh"
    assert kwargs["access_claims"]["type"] == "access"
    assert_no_secrets(received, [password, s.refresh, s.access])


@pytest.mark.parametrize("username", ["alice", "nobody"])
def test_login_fail_scrubs_the_password(received, alice, username):
    Client().post("/login/", {"username": username, "password": "hunter2-secret"})
    sender, kwargs = only(received, "jwt_login_fail")
    assert sender is LoginView
    assert kwargs["credentials"] == {"username": username, "password": "********"}
    assert kwargs["reason"] == "invalid credentials"
    # Django's error reports would hide the POSTed password too.
    assert kwargs["request"].sensitive_post_parameters == "__ALL__"
    assert_no_secrets(received, ["hunter2-secret"])
    assert not [n for n, _, _ in received if n == "jwt_logged_in"]


def test_token_validated(received, alice, password):
    s = login(Client(), "JSON", "alice", password)
    received.clear()
    Client().post("/validate_access/", **bearer(s.access))
    Client().post(f"{P}/validate_refresh/", **bearer(s.refresh))
    events = [(n, sender, kw) for n, sender, kw in received if n == "jwt_token_validated"]
    assert [kw["token_type"] for _, _, kw in events] == ["access", "refresh"]
    for _, sender, kwargs in events:
        assert sender is ValidateView
        assert kwargs["request"].method == "POST"
        assert kwargs["claims"]["type"] == kwargs["token_type"]
    assert_no_secrets(received, [s.refresh, s.access])


def test_access_refreshed(received, alice, password):
    s = login(Client(), "JSON", "alice", password)
    received.clear()
    body = Client().post(f"{P}/refresh_access/", **bearer(s.refresh)).json()
    sender, kwargs = only(received, "jwt_access_refreshed")
    assert sender is RefreshView
    assert kwargs["user"] == alice
    assert kwargs["request"].path == f"{P}/refresh_access/"
    assert kwargs["access_claims"]["refresh_jti"] == kwargs["refresh_claims"]["jti"]
    assert_no_secrets(received, [s.refresh, s.access, body["access"]])


def test_refresh_updated(received, alice, password):
    s = login(Client(), "JSON", "alice", password)
    received.clear()
    body = Client().post(f"{P}/update_refresh/", **bearer(s.refresh)).json()
    sender, kwargs = only(received, "jwt_refresh_updated")
    assert sender is RefreshView
    assert kwargs["user"] == alice
    assert kwargs["request"].path == f"{P}/update_refresh/"
    assert kwargs["previous_claims"]["jti"] != kwargs["refresh_claims"]["jti"]
    assert_no_secrets(received, [s.refresh, s.access, body["refresh"], body["access"]])


def test_blacklisted(received, alice, password):
    s = login(Client(), "JSON", "alice", password)
    received.clear()
    Client().post(f"{P}/logout/", **bearer(s.refresh))
    sender, kwargs = only(received, "jwt_blacklisted")
    assert sender is LogoutView
    assert kwargs["request"].path == f"{P}/logout/"
    assert kwargs["jti"] == kwargs["claims"]["jti"]
    assert_no_secrets(received, [s.refresh, s.access])


def test_reuse_detected(received, alice, password):
    s = login(Client(), "JSON", "alice", password)
    Client().post(f"{P}/update_refresh/", **bearer(s.refresh))
    received.clear()
    Client().post(f"{P}/refresh_access/", **bearer(s.refresh))
    sender, kwargs = only(received, "jwt_reuse_detected")
    assert sender is RefreshView
    assert kwargs["user_id"] == str(alice.pk)
    assert kwargs["sid"] == kwargs["claims"]["sid"]
    assert kwargs["request"].path == f"{P}/refresh_access/"
    assert_no_secrets(received, [s.refresh, s.access])


def test_sessions_revoked(received, alice, password):
    s = login(Client(), "JSON", "alice", password)
    received.clear()
    Client().post(f"{P}/logout_all/", **bearer(s.refresh))
    _sender, kwargs = only(received, "jwt_sessions_revoked")
    assert kwargs["user_id"] == str(alice.pk)


def test_no_signal_for_failed_token_checks(received, alice, password):
    login(Client(), "JSON", "alice", password)
    received.clear()
    Client().post("/validate_access/", **bearer("a.b.c"))
    Client().post(f"{P}/refresh_access/", **bearer("a.b.c"))
    Client().post(f"{P}/logout/", **bearer("a.b.c"))
    assert received == []


def test_subclass_views_send_with_their_own_class(received, alice, password):
    from django.test import RequestFactory

    class MyLogin(LoginView):
        pass

    MyLogin.as_view()(RequestFactory().post("/login/", {"username": "alice", "password": password}))
    sender, _ = only(received, "jwt_logged_in")
    assert sender is MyLogin
