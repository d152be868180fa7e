"""``request.user`` from a djwto access token, for every view (a middleware that never refuses).

    MIDDLEWARE = [
        ...,
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "djwto.middleware.JWTAuthenticationMiddleware",  # after it: the token wins
    ]

Precedence, decided per request:

- no djwto credential at all (no ``Authorization: Bearer`` header in the JSON mode, no access
  cookie in the cookie modes): ``request.user`` stays what ``AuthenticationMiddleware`` set (the
  session user, or ``AnonymousUser``);
- a valid access token: ``request.user`` / ``request.auser()`` are its user, loaded lazily (no
  query until touched), and ``request.jwt`` holds its claims;
- a credential that fails (bad, expired, forged, revoked, a refresh token, a cookie whose unsafe
  request fails the CSRF check): ``AnonymousUser``, never the session user behind it, never an
  error. Views protected by djwto's mixins and decorators still answer 401/403 themselves.

``request.jwt`` is ``None`` whenever no valid token authenticated the request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from .authentication import aauthenticate_request, authenticate_request
from .exceptions import DjwtoError, NotAuthenticated
from .transports import get_transport

GetResponse = Callable[[HttpRequest], HttpResponseBase]
AGetResponse = Callable[[HttpRequest], Awaitable[HttpResponseBase]]


def _anonymous(request: HttpRequest) -> None:
    request.user = AnonymousUser()

    async def auser() -> AnonymousUser:
        return AnonymousUser()

    request.auser = auser


def _no_credential(request: HttpRequest) -> None:
    if not hasattr(request, "user"):
        # Without AuthenticationMiddleware nothing else sets it; login_required needs it.
        _anonymous(request)


class JWTAuthenticationMiddleware:
    """Authenticate every request that carries a djwto access token; never refuse one."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: GetResponse | AGetResponse) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self.__acall__(request)
        request.jwt = None  # type: ignore[attr-defined]
        try:
            authenticate_request(request, get_transport(), "access")
        except NotAuthenticated:
            _no_credential(request)
        except DjwtoError:
            _anonymous(request)
        return self.get_response(request)

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        request.jwt = None  # type: ignore[attr-defined]
        try:
            await aauthenticate_request(request, get_transport(), "access")
        except NotAuthenticated:
            _no_credential(request)
        except DjwtoError:
            _anonymous(request)
        return await self.get_response(request)  # type: ignore[misc, no-any-return]
