"""Django Ninja: ``auth=JWTAuth()`` (sync) or ``auth=AsyncJWTAuth()`` (async), any mode.

    from ninja import NinjaAPI
    from djwto.contrib.ninja import JWTAuth

    api = NinjaAPI(auth=JWTAuth())

    @api.get("/me")
    def me(request):
        return {"user": request.auth["user"]["username"]}  # request.auth: the claims

A missing credential lets Ninja try the next ``auth`` callable (then its 401); a bad one
answers 401 (403 for a failed CSRF check) in Ninja's ``{"detail": ...}`` shape. The OpenAPI
scheme follows ``DJWTO_MODE`` (or ``mode``) when the schema is generated: HTTP bearer, or an
``apiKey`` cookie.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security.base import AuthBase, SecuritySchema

from ..authentication import aauthenticate_request, authenticate_request
from ..exceptions import DjwtoError, NotAuthenticated
from ..transports import CookieTransport, Transport, get_transport

__all__ = ["AsyncJWTAuth", "JWTAuth", "JWTAuthError"]


class JWTAuthError(HttpError):
    """A djwto failure as Ninja's ``HttpError``; ``code`` is djwto's machine code."""

    def __init__(self, error: DjwtoError) -> None:
        super().__init__(error.status_code, str(error.message))
        self.code = error.code
        self.error = error


class JWTAuth(AuthBase):
    """A djwto access token from the transport of ``mode`` (default ``DJWTO_MODE``)."""

    openapi_type = "http"

    def __init__(self, mode: str | None = None) -> None:
        self.mode = mode
        super().__init__()

    def get_transport(self) -> Transport:
        return get_transport(self.mode)

    @property
    def openapi_security_schema(self) -> SecuritySchema:
        transport = self.get_transport()
        if isinstance(transport, CookieTransport):
            return SecuritySchema("apiKey", **{"in": "cookie", "name": transport.access_cookie})
        return SecuritySchema("http", scheme="bearer", bearerFormat="JWT")

    @openapi_security_schema.setter
    def openapi_security_schema(self, value: SecuritySchema) -> None:
        """Ninja sets a schema fixed at construction; ours follows the mode, read at use."""

    def authenticate(self, request: HttpRequest) -> dict[str, Any] | None:
        try:
            return authenticate_request(request, self.get_transport())
        except NotAuthenticated:
            return None
        except DjwtoError as exc:
            raise JWTAuthError(exc) from exc

    def __call__(self, request: HttpRequest) -> dict[str, Any] | None:
        return self.authenticate(request)


class AsyncJWTAuth(JWTAuth):
    """The async twin, for ``async def`` operations (revocation checks are awaited)."""

    async def authenticate(self, request: HttpRequest) -> dict[str, Any] | None:  # type: ignore[override]
        try:
            return await aauthenticate_request(request, self.get_transport())
        except NotAuthenticated:
            return None
        except DjwtoError as exc:
            raise JWTAuthError(exc) from exc

    async def __call__(self, request: HttpRequest) -> dict[str, Any] | None:  # type: ignore[override]
        return await self.authenticate(request)
