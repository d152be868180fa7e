"""Helpers of the upgrade tests: tokens shaped exactly as djwto 0.0.4 issued them."""

from __future__ import annotations

import time
import uuid

from django.test import Client

from djwto.backends import encode

P = "/api/token/refresh"
ACCESS_COOKIE = {"ONE-COOKIE": "jwt_access", "TWO-COOKIES": "jwt_access_token"}


def legacy_claims(user, *, iat: int | None = None, refresh_seconds: int = 86400) -> tuple:
    """(refresh, access) claims as djwto 0.0.4's ``process_claims`` and
    ``get_access_claims_from_refresh`` built them with its default settings."""
    iat = int(time.time()) if iat is None else iat
    refresh = {
        "iat": iat,
        "exp": iat + refresh_seconds,
        "jti": str(uuid.uuid4()),
        "type": "refresh",
        "user": {"username": user.get_username(), "id": user.pk, "perms": ["testapp.perm1"]},
    }
    access = dict(refresh, iat=iat, refresh_iat=iat, type="access", exp=iat + 300)
    return refresh, access


def legacy_pair(user, **kwargs) -> tuple[str, str]:
    """(refresh, access) raw 0.0.4 tokens, signed with the same key."""
    refresh, access = legacy_claims(user, **kwargs)
    return encode(refresh), encode(access)


def present_refresh(mode: str, action: str, refresh: str):
    """POST ``refresh`` to ``P/action/`` the way a 0.0.4 client of ``mode`` sends it."""
    client = Client()
    if mode == "JSON":
        return client.post(f"{P}/{action}/", HTTP_AUTHORIZATION=f"Bearer {refresh}")
    client.cookies["jwt_refresh"] = refresh
    return client.post(f"{P}/{action}/", {"jwt_type": "refresh"})


def present_access(mode: str, path: str, access: str, method: str = "get"):
    client = Client()
    if mode == "JSON":
        return getattr(client, method)(path, HTTP_AUTHORIZATION=f"Bearer {access}")
    client.cookies[ACCESS_COOKIE[mode]] = access
    return getattr(client, method)(path)


def tokens_of(mode: str, response) -> dict[str, str]:
    """The tokens a token response handed out, wherever ``mode`` puts them."""
    if mode == "JSON":
        return {k: v for k, v in response.json().items() if k in ("refresh", "access")}
    out = {}
    for name, morsel in response.cookies.items():
        if morsel.value and name == "jwt_refresh":
            out["refresh"] = morsel.value
        elif morsel.value and name == ACCESS_COOKIE[mode]:
            out["access"] = morsel.value
    return out
