"""tokens_for() issues what the login issues; freeze_time() and travel() move every clock
djwto reads."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from django.test import Client
from django.utils import timezone

from djwto.backends import decode
from djwto.test import freeze_time, tokens_for, travel
from djwto.views import LoginView
from tests.support import PASSWORD, P, assert_error, bearer, decode_unverified


def test_tokens_for_issues_the_login_s_claims(settings, alice):
    settings.DJWTO_MODE = "JSON"
    issued = Client().post("/login/", {"username": "alice", "password": PASSWORD}).json()
    tokens = tokens_for(alice)
    for name in ("refresh", "access"):
        by_login = decode_unverified(issued[name])
        by_helper = decode(getattr(tokens, name), name)
        assert set(by_helper) == set(by_login)
        assert by_helper["user"] == by_login["user"]
        assert by_helper == getattr(tokens, f"{name}_claims")
    assert Client().get("/protected/", **bearer(tokens.access)).status_code == 200
    assert Client().post(f"{P}/refresh_access/", **bearer(tokens.refresh)).status_code == 200


def test_extra_claims_reach_both_tokens_and_survive_a_refresh(settings, alice):
    settings.DJWTO_MODE = "JSON"
    tokens = tokens_for(alice, tenant="acme", roles=["admin"])
    assert decode(tokens.access, "access")["tenant"] == "acme"
    assert decode(tokens.refresh, "refresh")["roles"] == ["admin"]
    refreshed = Client().post(f"{P}/refresh_access/", **bearer(tokens.refresh)).json()["access"]
    assert decode(refreshed, "access")["tenant"] == "acme"


def test_registered_claims_can_be_replaced(alice):
    tokens = tokens_for(alice, exp=int(time.time()) - 10)
    assert_error(Client().get("/protected/", **bearer(tokens.access)), 401, "token_expired")


def test_tokens_for_uses_the_given_login_view(alice):
    class TenantLogin(LoginView):
        def get_payload(self, user):
            return {**super().get_payload(user), "tenant": "from-the-view"}

    tokens = tokens_for(alice, login_view=TenantLogin)
    assert tokens.access_claims["tenant"] == "from-the-view"


def test_freeze_time_stops_and_moves_every_clock(settings):
    with freeze_time() as clock:
        start = time.time()
        assert time.time() == start and time.time_ns() == int(start * 1e9)
        assert timezone.now() == datetime.fromtimestamp(start, tz=UTC)
        clock.advance(90)
        assert time.time() == start + 90 == clock()
        assert timezone.now() == datetime.fromtimestamp(start + 90, tz=UTC)
    assert abs(time.time() - start) < 60  # the real clock again


def test_freeze_time_at_a_datetime():
    at = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    with freeze_time(at):
        assert timezone.now() == at
        assert time.time() == at.timestamp()


def test_travel_expires_an_access_token(alice, settings):
    settings.DJWTO_MODE = "JSON"
    tokens = tokens_for(alice)
    lifetime = settings.DJWTO_ACCESS_TOKEN_LIFETIME.total_seconds()
    with travel(lifetime - 30):
        assert Client().get("/protected/", **bearer(tokens.access)).status_code == 200
    with travel(lifetime + 30):
        assert_error(Client().get("/protected/", **bearer(tokens.access)), 401, "token_expired")
    with travel(-3600):
        assert_error(
            Client().get("/protected/", **bearer(tokens.access)), 401, "token_not_yet_valid"
        )
