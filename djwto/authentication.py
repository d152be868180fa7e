"""Authenticating one request from its token: the path shared by mixins and decorators.

``authenticate_request`` reads the raw token through the transport (running the CSRF check for
cookie credentials), verifies it, applies the access-revocation policy when enabled, and sets
``request.jwt`` / ``request.payload`` (claims), ``request.token`` (raw) and a lazy
``request.user`` (``AnonymousUser`` when the account is gone or inactive).
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from . import legacy, sessions
from .backends import decode
from .claims import get_claims_user_id
from .transports import Transport

#: What a user lookup raises for a value of the wrong type, size or shape (an id from a token,
#: a username typed for an integer field): input to refuse, never a 500.
BAD_LOOKUP_ERRORS = (ValueError, TypeError, ValidationError, OverflowError)


def get_user_for_claims(claims: dict[str, Any]) -> Any:
    """The active user a token speaks for, or ``AnonymousUser``; one query, never a 500."""
    User = get_user_model()
    try:
        user = User._default_manager.get(pk=get_claims_user_id(claims))
    except (User.DoesNotExist, *BAD_LOOKUP_ERRORS):
        return AnonymousUser()
    return user if getattr(user, "is_active", True) else AnonymousUser()


async def aget_user_for_claims(claims: dict[str, Any]) -> Any:
    User = get_user_model()
    try:
        user = await User._default_manager.aget(pk=get_claims_user_id(claims))
    except (User.DoesNotExist, *BAD_LOOKUP_ERRORS):
        return AnonymousUser()
    return user if getattr(user, "is_active", True) else AnonymousUser()


def _attach(http_request: HttpRequest, token: str, claims: dict[str, Any]) -> None:
    # Any until djwto.typing's request class (with jwt, payload and token) is available.
    request: Any = http_request
    request.jwt = claims
    request.payload = claims  # the djwto 0.0.4 name
    request.token = token
    request.user = SimpleLazyObject(lambda: get_user_for_claims(claims))

    async def auser() -> Any:
        return await aget_user_for_claims(claims)

    request.auser = auser


def _read(
    request: HttpRequest, transport: Transport, token_type: str, data: dict[str, Any] | None
) -> tuple[str, dict[str, Any]]:
    token = transport.get_raw_token(request, token_type, data)
    return token, legacy.upgrade_claims(decode(token, token_type))


def authenticate_request(
    request: HttpRequest,
    transport: Transport,
    token_type: str = "access",
    *,
    data: dict[str, Any] | None = None,
    sender: Any = None,
) -> dict[str, Any]:
    """Verify the request's token of ``token_type``; raise a ``DjwtoError`` otherwise.

    ``data`` is the parsed body, where the JSON transport may find a refresh token; ``sender``
    is who a reuse detection is reported as.
    """
    token, claims = _read(request, transport, token_type, data)
    if token_type == "refresh":
        # Every taker of refresh tokens, token endpoint or protected view, refuses revoked or
        # rotated ones.
        sessions.check_refresh(claims, request=request, sender=sender)
    elif token_type == "access" and sessions.is_access_check_enabled():
        sessions.check_access(claims)
    _attach(request, token, claims)
    return claims


async def aauthenticate_request(
    request: HttpRequest, transport: Transport, token_type: str = "access"
) -> dict[str, Any]:
    token, claims = _read(request, transport, token_type, None)
    if token_type == "refresh":
        await sync_to_async(sessions.check_refresh)(claims, request=request)
    elif token_type == "access" and sessions.is_access_check_enabled():
        await sessions.acheck_access(claims)
    _attach(request, token, claims)
    return claims


def has_perms(claims: dict[str, Any], perms: tuple[str, ...]) -> bool:
    """Whether the token's ``user.perms`` hold every one of ``perms`` (no database query)."""
    granted = claims.get("user", {}).get("perms", ())
    return set(perms).issubset(granted)
