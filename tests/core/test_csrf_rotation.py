"""The CSRF secret is new at each login and kept by every refresh, as in djwto 0.0.4.

A client that stores the csrftoken it got at login (0.0.4's README examples do) and a second
browser tab that read it at the same time must both go on working through any number of
refresh_access and update_refresh calls; only a new login changes it.
"""

from __future__ import annotations

import pytest
from django.test import Client

from tests.support import COOKIE_MODES, P, login

NO_CSRF_MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]


@pytest.fixture(params=COOKIE_MODES)
def cookie_mode(request, settings):
    settings.DJWTO_MODE = request.param
    settings.DJWTO_COOKIE_SECURE = True
    return request.param


def login_csrf(client: Client, mode: str, password: str) -> str:
    """Log in; the csrftoken value the login response set (what a client stores)."""
    session = login(client, mode, "alice", password)
    assert session.login_response.status_code == 200, session.login_response.content
    return session.login_response.cookies["csrftoken"].value


@pytest.mark.parametrize("middleware", ["with", "without"])
def test_a_csrftoken_stored_at_login_works_for_the_whole_session(
    cookie_mode, settings, alice, password, middleware
):
    if middleware == "without":
        settings.MIDDLEWARE = NO_CSRF_MIDDLEWARE
    client = Client(enforce_csrf_checks=True)
    stored = login_csrf(client, cookie_mode, password)
    for action in ("refresh_access", "update_refresh", "refresh_access"):
        response = client.post(f"{P}/{action}/", HTTP_X_CSRFTOKEN=stored)
        assert response.status_code == 200, (action, response.content)
        # The cookie is sent again (its expiry renewed) with the value the client holds.
        assert response.cookies["csrftoken"].value == stored, action
        assert client.post("/protected/", HTTP_X_CSRFTOKEN=stored).status_code == 200
    response = client.post(f"{P}/logout/", HTTP_X_CSRFTOKEN=stored)
    assert response.status_code == 200, response.content
    # Logged out for real: the refresh cookie is gone.
    assert client.post(f"{P}/refresh_access/", HTTP_X_CSRFTOKEN=stored).status_code == 401


def test_a_second_tab_holding_the_login_csrftoken_keeps_working(cookie_mode, alice, password):
    browser = Client(enforce_csrf_checks=True)  # one cookie jar, shared by the tabs
    tab_a = tab_b = login_csrf(browser, cookie_mode, password)
    assert browser.post(f"{P}/refresh_access/", HTTP_X_CSRFTOKEN=tab_a).status_code == 200
    assert browser.post(f"{P}/update_refresh/", HTTP_X_CSRFTOKEN=tab_a).status_code == 200
    # Tab B never saw those answers; it still sends what it read at login.
    assert browser.post("/protected/", HTTP_X_CSRFTOKEN=tab_b).status_code == 200
    assert browser.post(f"{P}/refresh_access/", HTTP_X_CSRFTOKEN=tab_b).status_code == 200
    assert browser.post(f"{P}/update_refresh/", HTTP_X_CSRFTOKEN=tab_b).status_code == 200


def test_login_rotates_the_csrf_secret(cookie_mode, alice, password):
    client = Client(enforce_csrf_checks=True)
    first = login_csrf(client, cookie_mode, password)
    assert client.post(f"{P}/refresh_access/", HTTP_X_CSRFTOKEN=first).status_code == 200
    second = login_csrf(client, cookie_mode, password)
    assert second != first
    # The secret before the login is worthless after it.
    response = client.post(f"{P}/refresh_access/", HTTP_X_CSRFTOKEN=first)
    assert response.status_code == 403
    assert response.json() == {"error": "CSRF verification failed.", "code": "csrf_failed"}
    assert client.post(f"{P}/refresh_access/", HTTP_X_CSRFTOKEN=second).status_code == 200


def test_a_planted_csrf_cookie_does_not_survive_the_login(cookie_mode, alice, password):
    """Login CSRF fixation: a csrftoken set before the login is replaced by the login."""
    client = Client(enforce_csrf_checks=True)
    planted = "P" * 32
    client.cookies["csrftoken"] = planted
    issued = login_csrf(client, cookie_mode, password)
    assert issued != planted
    assert client.post("/protected/", HTTP_X_CSRFTOKEN=planted).status_code == 403
    assert client.post("/protected/", HTTP_X_CSRFTOKEN=issued).status_code == 200


def test_a_refresh_without_a_csrf_cookie_is_refused_and_issues_none(cookie_mode, alice, password):
    client = Client(enforce_csrf_checks=True)
    stored = login_csrf(client, cookie_mode, password)
    del client.cookies["csrftoken"]
    response = client.post(f"{P}/refresh_access/", HTTP_X_CSRFTOKEN=stored)
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert not [name for name in response.cookies if name.startswith("jwt_")]
