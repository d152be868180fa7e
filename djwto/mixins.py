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

from collections.abc import Callable, Iterable
from typing import Any, cast

from django.core.exceptions import ImproperlyConfigured
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django.views.decorators.csrf import csrf_exempt

from .authentication import aauthenticate_request, authenticate_request, has_perms
from .exceptions import DjwtoError, PermissionDenied
from .responses import error_response
from .transports import Transport, get_transport
from .typing import AsyncDjangoView, DjangoView, JWTRequest

_async_views: dict[type, bool] = {}


def _is_async_view(cls: type) -> bool:
    """``cls.view_is_async``, which Django recomputes from the handlers on every access."""
    try:
        return _async_views[cls]
    except KeyError:
        is_async = _async_views[cls] = bool(getattr(cls, "view_is_async", False))
        return is_async


class JWTAuthMixin:
    """The shared base: authenticate, check permission, then delegate to the view.

    Mix it in before a ``django.views.View`` (:class:`~djwto.typing.DjangoView`).
    """

    #: Which token this view accepts ("access"; "refresh" for refresh-only endpoints, whose
    #: user must still exist, be active and have the login's password, as on djwto's own).
    token_type = "access"
    #: Transport for this view; ``None`` means the ``DJWTO_MODE`` setting, read per request.
    mode: str | None = None
    #: Raise Django's ``PermissionDenied`` instead of answering 401/403 JSON.
    raise_exception = False
    #: Set by ``View.setup()``. Annotate a handler's ``request`` as ``JWTRequest`` to read
    #: ``request.jwt`` with its type.
    request: HttpRequest

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Callable[..., HttpResponseBase]:
        view = cast(DjangoView, super()).as_view(**initkwargs)
        # djwto runs CSRF itself where a cookie carries the credential; a Bearer header is
        # not ambient, so CsrfViewMiddleware must not reject those requests.
        return csrf_exempt(view)

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

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if _is_async_view(type(self)):
            # An async view's dispatch returns a coroutine, as Django's own does (its stubs
            # type both as the response).
            return cast(HttpResponseBase, self.adispatch(request, *args, **kwargs))
        try:
            authenticate_request(request, self.get_transport(), self.get_token_type())
            self.check_permission()
        except DjwtoError as exc:
            return self.handle_no_permission(exc)
        return cast(DjangoView, super()).dispatch(request, *args, **kwargs)

    async def adispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        """The async twin of :meth:`dispatch`, for views whose handlers are ``async def``."""
        try:
            await aauthenticate_request(request, self.get_transport(), self.get_token_type())
            self.check_permission()
        except DjwtoError as exc:
            return self.handle_no_permission(exc)
        return await cast(AsyncDjangoView, super()).dispatch(request, *args, **kwargs)


class JWTRequiredMixin(JWTAuthMixin):
    """A valid access token is required."""


class JWTPermissionMixin(JWTAuthMixin):
    """A valid access token whose ``user.perms`` claim holds ``permission_required``, or a
    superuser's (``user.is_superuser``), as Django's ``has_perms`` answers."""

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
        # dispatch() authenticated the request before asking.
        return has_perms(cast(JWTRequest, self.request).jwt, self.get_permission_required())
