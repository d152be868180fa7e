"""Mixins that protect class-based views with a JWT, on sync and async views alike.

    class Profile(JWTRequiredMixin, View):
        def get(self, request):
            return JsonResponse({"user": request.jwt["user"]})

    class Reports(JWTPermissionMixin, View):
        permission_required = "reports.view_report"
        async def get(self, request): ...

A missing or bad token answers 401 JSON with ``WWW-Authenticate: Bearer``; a good token
without the permissions answers 403 JSON. Set ``raise_exception = True`` to raise Django's
``PermissionDenied`` instead (like ``django.contrib.auth.mixins.AccessMixin``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponseBase

from .authentication import aauthenticate_request, authenticate_request, has_perms
from .exceptions import DjwtoError, PermissionDenied
from .responses import error_response
from .transports import Transport, get_transport

_async_views: dict[type, bool] = {}


def _is_async_view(cls: type) -> bool:
    """``cls.view_is_async``, which Django recomputes from the handlers on every access."""
    try:
        return _async_views[cls]
    except KeyError:
        is_async = _async_views[cls] = bool(cls.view_is_async)  # type: ignore[attr-defined]
        return is_async


class JWTAuthMixin:
    """The shared base: authenticate, check permission, then delegate to the view."""

    #: Which token this view accepts ("access"; "refresh" for refresh-only endpoints).
    token_type = "access"
    #: Transport for this view; ``None`` means the ``DJWTO_MODE`` setting, read per request.
    mode: str | None = None
    #: Raise Django's ``PermissionDenied`` instead of answering 401/403 JSON.
    raise_exception = False

    @classmethod
    def as_view(cls, **initkwargs: Any):
        view = super().as_view(**initkwargs)  # type: ignore[misc]
        # djwto runs CSRF itself where a cookie carries the credential; a Bearer header is
        # not ambient, so CsrfViewMiddleware must not reject those requests.
        view.csrf_exempt = True
        return view

    def get_mode(self) -> str | None:
        return self.mode

    def get_transport(self) -> Transport:
        return get_transport(self.get_mode())

    def get_token_type(self) -> str:
        return self.token_type

    def has_permission(self) -> bool:
        return True

    def handle_no_permission(self, exc: DjwtoError) -> HttpResponseBase:
        if self.raise_exception:
            raise DjangoPermissionDenied(exc.message) from exc
        return error_response(exc)

    def check_permission(self) -> None:
        if not self.has_permission():
            raise PermissionDenied()

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any):
        if _is_async_view(type(self)):
            return self._adispatch(request, *args, **kwargs)
        try:
            authenticate_request(request, self.get_transport(), self.get_token_type())
            self.check_permission()
        except DjwtoError as exc:
            return self.handle_no_permission(exc)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    async def _adispatch(self, request: HttpRequest, *args: Any, **kwargs: Any):
        try:
            await aauthenticate_request(request, self.get_transport(), self.get_token_type())
            self.check_permission()
        except DjwtoError as exc:
            return self.handle_no_permission(exc)
        return await super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class JWTRequiredMixin(JWTAuthMixin):
    """A valid access token is required."""


class JWTPermissionMixin(JWTAuthMixin):
    """A valid access token whose ``user.perms`` claim holds ``permission_required``."""

    permission_required: str | Iterable[str] | None = None

    def get_permission_required(self) -> tuple[str, ...]:
        if self.permission_required is None:
            raise ImproperlyConfigured(
                f"{self.__class__.__name__} is missing the permission_required attribute. "
                f"Define {self.__class__.__name__}.permission_required, or override "
                f"{self.__class__.__name__}.get_permission_required()."
            )
        if isinstance(self.permission_required, str):
            return (self.permission_required,)
        return tuple(self.permission_required)

    def has_permission(self) -> bool:
        return has_perms(self.request.jwt, self.get_permission_required())  # type: ignore[attr-defined]
