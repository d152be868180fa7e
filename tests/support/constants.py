"""Paths, modes and endpoint names the tests share (the URLs are those of tests/urls.py)."""

from __future__ import annotations

from pathlib import Path

#: The repository's root (the working directory of every subprocess the tests start).
REPO = Path(__file__).resolve().parents[2]

#: The prefix of the refresh-token endpoints (``djwto.urls``, unchanged since 0.0.4).
P = "/api/token/refresh"
MODES = ("JSON", "ONE-COOKIE", "TWO-COOKIES")
COOKIE_MODES = ("ONE-COOKIE", "TWO-COOKIES")
#: The password of the test users (``alice``, ``bob`` and ``carol`` of tests/conftest.py).
PASSWORD = "correct horse battery staple"

#: Every endpoint that reads a refresh token.
REFRESH_ENDPOINTS = ("refresh_access", "update_refresh", "validate_refresh", "logout", "logout_all")
#: Every view that reads an access token (mixins and decorators, sync and async, validate).
ACCESS_PATHS = ("/protected/", "/aprotected/", "/perm/", "/fn/", "/afn/", "/validate_access/")
#: The protected views without a permission: mixins and decorators, sync and async.
PROTECTED = ("/protected/", "/aprotected/", "/fn/", "/afn/")
#: The mixin-protected view by flavour (the ``flavour`` fixture of tests/core).
PROTECTED_BY_FLAVOUR = {"sync": "/protected/", "async": "/aprotected/"}

#: How a transport carries a token (the ``Carrier`` names of tests/security).
ACCESS_CARRIERS = ("bearer", "ONE-COOKIE", "TWO-COOKIES")
REFRESH_CARRIERS = ("bearer", "json-body", "ONE-COOKIE", "TWO-COOKIES")
ACCESS_COOKIE = {"ONE-COOKIE": "jwt_access", "TWO-COOKIES": "jwt_access_token"}
TOKEN_COOKIES = ("jwt_access", "jwt_access_token", "jwt_refresh")

#: A well-formed CSRF secret: sent as both the ``csrftoken`` cookie and ``X-CSRFToken``, it
#: passes Django's check, so a cookie-mode rejection is about the token, never about CSRF.
CSRF = "A" * 32


def bearer(token: str) -> dict[str, str]:
    """Django test-client keyword arguments that send ``token`` as ``Authorization: Bearer``."""
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}
