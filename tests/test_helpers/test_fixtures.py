"""The pytest plugin's fixtures, as a project's tests use them."""

from __future__ import annotations

import time

from asgiref.sync import async_to_sync
from django.contrib.auth import authenticate

from djwto.test import AsyncJWTClient, JWTClient
from djwto.test.pytest_plugin import JWT_USER_PASSWORD
from tests.support import bearer


def test_jwt_user_is_an_active_user_with_the_documented_password(jwt_user):
    assert jwt_user.is_active
    assert authenticate(username="jwt-user", password=JWT_USER_PASSWORD) == jwt_user


def test_jwt_logged_in_client(jwt_logged_in_client, jwt_user):
    assert isinstance(jwt_logged_in_client, JWTClient)
    response = jwt_logged_in_client.get("/protected/")
    assert response.json()["db_user"] == jwt_user.get_username()


def test_jwt_tokens_are_the_user_s(jwt_tokens, jwt_client, jwt_user):
    assert jwt_tokens.access_claims["user"]["username"] == "jwt-user"
    assert jwt_client.get("/protected/", **bearer(jwt_tokens.access)).status_code == 200


def test_async_jwt_client(async_jwt_client, jwt_user):
    assert isinstance(async_jwt_client, AsyncJWTClient)
    async_jwt_client.force_jwt_login(jwt_user)
    assert async_to_sync(async_jwt_client.get)("/aprotected/").status_code == 200


def test_jwt_clock_is_frozen_for_the_test(jwt_clock, jwt_logged_in_client, settings):
    start = time.time()
    assert time.time() == start == jwt_clock()
    jwt_clock.advance(settings.DJWTO_ACCESS_TOKEN_LIFETIME.total_seconds())
    assert jwt_logged_in_client.get("/protected/").json()["code"] == "token_expired"
