"""djwto.contrib.ninja: JWTAuth and AsyncJWTAuth with Ninja's TestClient, in every mode."""

from __future__ import annotations

import asyncio

import pytest
from django.test import Client
from ninja.testing import TestAsyncClient, TestClient

from tests.contrib.conftest import BAD, access_token, bad_tokens
from tests.contrib.ninja_api import api

pytestmark = pytest.mark.django_db(transaction=True)
CSRF = "A" * 32
COOKIE = {"ONE-COOKIE": "jwt_access", "TWO-COOKIES": "jwt_access_token"}


def call(method: str, path: str, *, token=None, mode="JSON", csrf=None, **params):
    """One request through Ninja's test client (async operations through its async twin)."""
    params.setdefault("_dont_enforce_csrf_checks", False)
    if token is not None:
        if mode == "JSON":
            # Ninja's test client keeps header names as given in META: spell them as WSGI does.
            params["headers"] = {"AUTHORIZATION": f"Bearer {token}"}
        else:
            params["COOKIES"] = {COOKIE[mode]: token, "csrftoken": CSRF}
            if csrf is not None:
                params["headers"] = {"X_CSRFTOKEN": csrf}
    if path.startswith("/a"):
        return asyncio.run(TestAsyncClient(api).request(method, path, **params))
    return TestClient(api).request(method, path, **params)


@pytest.mark.parametrize("path", ["/me", "/ame"])
def test_valid_token(alice, path):
    response = call("GET", path, token=access_token(alice))
    assert response.status_code == 200, response.content
    assert response.json() == {"user": "alice", "method": "GET", "db_user": "alice"}


@pytest.mark.parametrize("path", ["/me", "/ame"])
def test_missing_token_is_401(path):
    response = call("GET", path)
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


@pytest.mark.parametrize("path", ["/me", "/ame"])
@pytest.mark.parametrize("kind", BAD)
def test_bad_token_is_401(alice, path, kind):
    response = call("GET", path, token=bad_tokens(alice)[kind])
    assert response.status_code == 401
    assert set(response.json()) == {"detail"}


def test_expired_message(alice):
    response = call("GET", "/me", token=bad_tokens(alice)["expired"])
    assert response.json() == {"detail": "Token has expired."}


def test_public_operation_needs_nothing():
    assert call("GET", "/public").json() == {"ok": True}


@pytest.fixture(params=["ONE-COOKIE", "TWO-COOKIES"])
def cookie_mode(request, settings):
    settings.DJWTO_MODE = request.param
    return request.param


@pytest.mark.parametrize("path", ["/me", "/ame"])
def test_cookie_mode(cookie_mode, alice, path):
    token = access_token(alice)
    assert call("GET", path, token=token, mode=cookie_mode).status_code == 200
    assert call("POST", path, token=token, mode=cookie_mode).status_code == 403
    assert call("POST", path, token=token, mode=cookie_mode, csrf="B" * 32).status_code == 403
    ok = call("POST", path, token=token, mode=cookie_mode, csrf=CSRF)
    assert ok.json() == {"user": "alice", "method": "POST"}


@pytest.mark.parametrize("path", ["/me", "/ame"])
def test_wrong_mode(cookie_mode, alice, path, settings):
    # A Bearer header in a cookie mode is not read; a cookie in the JSON mode neither.
    assert call("GET", path, token=access_token(alice)).status_code == 401
    settings.DJWTO_MODE = "JSON"
    assert call("GET", path, token=access_token(alice), mode=cookie_mode).status_code == 401


def test_through_django_with_real_cookies_and_csrf(cookie_mode, alice, password):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/login/", {"username": "alice", "password": password}).status_code == 200
    assert client.get("/ninja/me").json()["user"] == "alice"
    assert client.post("/ninja/me").status_code == 403
    csrf = client.cookies["csrftoken"].value
    assert client.post("/ninja/me", HTTP_X_CSRFTOKEN=csrf).json()["user"] == "alice"


@pytest.mark.parametrize(
    ("mode", "scheme"),
    [
        ("JSON", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}),
        ("ONE-COOKIE", {"type": "apiKey", "in": "cookie", "name": "jwt_access"}),
        ("TWO-COOKIES", {"type": "apiKey", "in": "cookie", "name": "jwt_access_token"}),
    ],
)
def test_openapi_scheme_follows_the_mode(settings, mode, scheme):
    settings.DJWTO_MODE = mode
    schema = api.get_openapi_schema()
    assert schema["components"]["securitySchemes"] == {"JWTAuth": scheme, "AsyncJWTAuth": scheme}
    assert schema["paths"]["/ninja/me"]["get"]["security"] == [{"JWTAuth": []}]
    assert "security" not in schema["paths"]["/ninja/public"]["get"]
