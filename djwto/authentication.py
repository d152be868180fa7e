"""Authenticating one request from its token: the path shared by mixins and decorators.

``authenticate_request`` reads the raw token through the transport (running the CSRF check for
cookie credentials), verifies it, applies the access-revocation policy when enabled, and sets
``request.jwt`` / ``request.payload`` (claims), ``request.token`` (raw) and a lazy
``request.user`` (``AnonymousUser`` when the account is gone or inactive).

A refresh token is worth more than an access token: whoever takes one (a token endpoint, or a
mixin, decorator or adapter with ``token_type = "refresh"``) also gets the checks of
:func:`get_refresh_user`: the user must exist, be active and still have the password of the
login.
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
from .claims import get_claims_user_id, is_stamp_valid
from .exceptions import UserInvalid
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


def check_refresh_user(user: Any, claims: dict[str, Any]) -> Any:
    """``user`` if a refresh token with ``claims`` may still act for it; raise ``UserInvalid``.

    The user must exist and be active, and the token's password stamp must match the current
    password (0.0.4 tokens carry no stamp: they are exempt until they expire).
    """
    if not user.is_authenticated or not (
        is_stamp_valid(user, claims.get("stamp")) or legacy.is_legacy(claims)
    ):
        raise UserInvalid()
    return user


def get_refresh_user(claims: dict[str, Any]) -> Any:
    """The user of verified refresh ``claims``, checked by :func:`check_refresh_user`."""
    return check_refresh_user(get_user_for_claims(claims), claims)


async def aget_refresh_user(claims: dict[str, Any]) -> Any:
    return check_refresh_user(await aget_user_for_claims(claims), claims)


def _attach(
    http_request: HttpRequest, token: str, claims: dict[str, Any], user: Any = None
) -> None:
    # Any until djwto.typing's request class (with jwt, payload and token) is available.
    request: Any = http_request
    request.jwt = claims
    request.payload = claims  # the djwto 0.0.4 name
    request.token = token
    if user is not None:
        request.user = user

        async def loaded() -> Any:
            return user

        request.auser = loaded
        return
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
    check_user: bool = True,
) -> dict[str, Any]:
    """Verify the request's token of ``token_type``; raise a ``DjwtoError`` otherwise.

    ``data`` is the parsed body, where the JSON transport may find a refresh token; ``sender``
    is who a reuse detection is reported as. A refresh token's user is loaded and checked
    (:func:`check_refresh_user`) and becomes ``request.user``, unless ``check_user`` is off
    (logout, which ends a session whatever became of its user).
    """
    token, claims = _read(request, transport, token_type, data)
    user = None
    if token_type == "refresh":
        # Every taker of refresh tokens, token endpoint or protected view, refuses revoked or
        # rotated ones, and tokens whose user is gone, inactive or changed password.
        sessions.check_refresh(claims, request=request, sender=sender)
        if check_user:
            user = get_refresh_user(claims)
    elif token_type == "access" and sessions.is_access_check_enabled():
        sessions.check_access(claims)
    _attach(request, token, claims, user)
    return claims


async def aauthenticate_request(
    request: HttpRequest, transport: Transport, token_type: str = "access"
) -> dict[str, Any]:
    token, claims = _read(request, transport, token_type, None)
    user = None
    if token_type == "refresh":
        await sync_to_async(sessions.check_refresh)(claims, request=request)
        user = await aget_refresh_user(claims)
    elif token_type == "access" and sessions.is_access_check_enabled():
        await sessions.acheck_access(claims)
    _attach(request, token, claims, user)
    return claims


def is_superuser(claims: dict[str, Any]) -> bool:
    """Whether the token speaks for a superuser (``user.is_superuser``, exactly ``true``)."""
    user = claims.get("user")
    return isinstance(user, dict) and user.get("is_superuser") is True


def has_perms(claims: dict[str, Any], perms: tuple[str, ...]) -> bool:
    """Whether the token grants every one of ``perms`` (no database query).

    A superuser has every permission, as Django's ``User.has_perm`` says (tokens are issued
    to active users only); anyone else needs each one listed in ``user.perms``.
    """
    if is_superuser(claims):
        return True
    user = claims.get("user")
    granted = user.get("perms") if isinstance(user, dict) else None
    if not isinstance(granted, list):
        return not perms
    return all(perm in granted for perm in perms)
