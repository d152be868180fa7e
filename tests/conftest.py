"""Shared fixtures: users, clients, and a ``auth`` helper that speaks each transport."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from djwto.conf import clear_derived

MODES = ("JSON", "ONE-COOKIE", "TWO-COOKIES")
COOKIE_MODES = ("ONE-COOKIE", "TWO-COOKIES")
P = "/api/token/refresh"


@pytest.fixture(autouse=True)
def _fresh_derived_state():
    """Each test starts with empty key/token caches (settings changes clear them anyway)."""
    clear_derived()
    yield
    clear_derived()


@pytest.fixture
def password():
    return "correct horse battery staple"


@pytest.fixture
def alice(db, password):
    user = get_user_model().objects.create_user("alice", "alice@djwto.com", password)
    user.user_permissions.add(Permission.objects.get(codename="perm1"))
    return user


@pytest.fixture
def bob(db, password):
    return get_user_model().objects.create_user("bob", "bob@djwto.com", password)


def decode_unverified(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


@dataclass
class Session:
    """A logged-in client in one mode: knows where its tokens live."""

    client: Client
    mode: str
    refresh: str | None = None
    access: str | None = None
    login_response: object = None
    extra: dict = field(default_factory=dict)

    @property
    def cookie_mode(self) -> bool:
        return self.mode != "JSON"

    def csrf_headers(self) -> dict:
        token = self.client.cookies.get("csrftoken")
        return {"HTTP_X_CSRFTOKEN": token.value} if token is not None else {}

    def access_headers(self) -> dict:
        if self.cookie_mode:
            return self.csrf_headers()
        return {"HTTP_AUTHORIZATION": f"Bearer {self.access}"}

    def refresh_headers(self) -> dict:
        if self.cookie_mode:
            return self.csrf_headers()
        return {"HTTP_AUTHORIZATION": f"Bearer {self.refresh}"}

    def get(self, path, **extra):
        return self.client.get(path, **{**self.access_headers(), **extra})

    def post(self, path, data=None, **extra):
        return self.client.post(path, data or {}, **{**self.access_headers(), **extra})

    def post_refresh(self, path, **extra):
        response = self.client.post(path, **{**self.refresh_headers(), **extra})
        self._remember(response)
        return response

    def _remember(self, response):
        if response.status_code != 200:
            return
        if self.cookie_mode:
            for name in ("jwt_refresh", "jwt_access", "jwt_access_token"):
                morsel = response.cookies.get(name)
                if morsel is not None and morsel.value:
                    if name == "jwt_refresh":
                        self.refresh = morsel.value
                    else:
                        self.access = morsel.value
        else:
            body = response.json()
            self.refresh = body.get("refresh", self.refresh)
            self.access = body.get("access", self.access)


def login(client: Client, mode: str, username: str, password: str) -> Session:
    session = Session(client, mode)
    response = client.post("/login/", {"username": username, "password": password})
    session.login_response = response
    session._remember(response)
    return session


@pytest.fixture(params=MODES)
def mode(request, settings):
    settings.DJWTO_MODE = request.param
    if request.param != "JSON":
        settings.DJWTO_COOKIE_SECURE = True
    return request.param


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def alice_session(mode, alice, password, csrf_client):
    session = login(csrf_client, mode, "alice", password)
    assert session.login_response.status_code == 200, session.login_response.content
    return session
