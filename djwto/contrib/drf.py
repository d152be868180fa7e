"""Django REST framework: an authentication class, permissions and a drf-spectacular scheme.

    REST_FRAMEWORK = {
        "DEFAULT_AUTHENTICATION_CLASSES": [
            "djwto.contrib.drf.JWTAuthentication",  # first: a token is never CSRF-checked
            "rest_framework.authentication.SessionAuthentication",
        ],
    }

    class Reports(APIView):
        permission_classes = [jwt_permissions("reports.view_report")]

Errors keep DRF's shape: ``{"detail": ..., "code": ...}`` with 401 and ``WWW-Authenticate``.
The user is loaded lazily; the permission classes here read the token's claims only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.http import HttpRequest
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from ..authentication import authenticate_request, has_perms
from ..exceptions import DjwtoError, NotAuthenticated
from ..transports import CookieTransport, Transport, get_transport

# Annotations only: rest_framework.views imports this module (DEFAULT_AUTHENTICATION_CLASSES).
if TYPE_CHECKING:
    from rest_framework.views import APIView

__all__ = [
    "HasJWTPermissions",
    "IsJWTAuthenticated",
    "JWTAuthentication",
    "jwt_permissions",
    "to_drf_exception",
]


def to_drf_exception(exc: DjwtoError) -> exceptions.APIException:
    """The DRF exception answering like ``exc``: same status, ``{"detail", "code"}`` body."""
    detail = {"detail": exc.message, "code": exc.code}
    if exc.status_code == 401:
        return exceptions.AuthenticationFailed(detail, exc.code)
    if exc.status_code == 403:
        return exceptions.PermissionDenied(detail, exc.code)
    error = exceptions.APIException(detail, exc.code)
    error.status_code = exc.status_code
    return error


class JWTAuthentication(BaseAuthentication):
    """A djwto access token, from the transport of ``DJWTO_MODE`` (or ``mode``).

    Returns ``None`` when no djwto credential is present (the next class may try), raises
    ``AuthenticationFailed`` for a bad one. In the cookie modes an unsafe request must pass
    Django's CSRF check, as on djwto's own views; a Bearer header never needs it.
    """

    #: Transport; ``None`` means ``DJWTO_MODE``, read per request.
    mode: str | None = None
    #: ``WWW-Authenticate`` of 401 answers (DRF answers 403 when this is empty).
    www_authenticate_realm = "api"

    def get_transport(self) -> Transport:
        return get_transport(self.mode)

    def authenticate(self, request: Request) -> tuple[Any, dict[str, Any]] | None:
        # DRF's Request proxies what the transport reads (META, COOKIES, POST for CSRF).
        try:
            claims = authenticate_request(cast(HttpRequest, request), self.get_transport())
        except NotAuthenticated:
            return None
        except DjwtoError as exc:
            raise to_drf_exception(exc) from exc
        return request.user, claims

    def authenticate_header(self, request: Request) -> str:
        return f'Bearer realm="{self.www_authenticate_realm}"'


def _claims(request: Request) -> dict[str, Any] | None:
    claims = getattr(request, "jwt", None)
    return claims if isinstance(claims, dict) else None


class IsJWTAuthenticated(BasePermission):
    """A djwto token authenticated the request (no query, unlike ``IsAuthenticated``)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return _claims(request) is not None


class HasJWTPermissions(BasePermission):
    """The token's ``user.perms`` hold the view's ``jwt_permissions``, or the token is a
    superuser's (no query).

    Set ``jwt_permissions = ["app.perm"]`` on the view, or use :func:`jwt_permissions`.
    """

    required: tuple[str, ...] = ()

    def get_required_permissions(self, view: APIView) -> tuple[str, ...]:
        perms = getattr(view, "jwt_permissions", None)
        if perms is None:
            return self.required
        return (perms,) if isinstance(perms, str) else tuple(perms)

    def has_permission(self, request: Request, view: APIView) -> bool:
        claims = _claims(request)
        return claims is not None and has_perms(claims, self.get_required_permissions(view))


def jwt_permissions(*perms: str) -> type[HasJWTPermissions]:
    """A permission class requiring every one of ``perms`` in the token's ``user.perms``."""
    return type("HasJWTPermissions", (HasJWTPermissions,), {"required": tuple(perms)})


try:
    from drf_spectacular.extensions import OpenApiAuthenticationExtension
except ImportError:  # pragma: no cover - drf-spectacular is optional
    pass
else:

    class JWTAuthenticationScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
        """The OpenAPI security scheme of :class:`JWTAuthentication`: bearer, or its cookie."""

        target_class = "djwto.contrib.drf.JWTAuthentication"
        match_subclasses = True
        name = "djwtoAuth"

        def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
            transport = self.target.get_transport()
            if isinstance(transport, CookieTransport):
                return {"type": "apiKey", "in": "cookie", "name": transport.access_cookie}
            return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
