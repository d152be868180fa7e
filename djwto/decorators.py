"""Function-view equivalents of the mixins, on the same code path.

@jwt_login_required
def profile(request: JWTRequest) -> JsonResponse: ...

@jwt_perm_required("reports.view_report")
async def reports(request: JWTRequest) -> JsonResponse: ...
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any, TypeVar, cast, overload

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponseBase
from django.views.decorators.csrf import csrf_exempt

from .authentication import aauthenticate_request, authenticate_request, has_perms
from .exceptions import DjwtoError, PermissionDenied
from .responses import error_response
from .transports import get_transport

#: A view function; the decorators return one of the same type.
ViewFunc = TypeVar("ViewFunc", bound=Callable[..., Any])


def _protect(
    view_func: ViewFunc, *, token_type: str, perms: tuple[str, ...], mode: str | None
) -> ViewFunc:
    def check(claims: dict[str, Any]) -> None:
        if perms and not has_perms(claims, perms):
            raise PermissionDenied()

    view: Callable[..., Any]
    if iscoroutinefunction(view_func):

        async def async_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            try:
                check(await aauthenticate_request(request, get_transport(mode), token_type))
            except DjwtoError as exc:
                return error_response(exc)
            return cast(HttpResponseBase, await view_func(request, *args, **kwargs))

        view = markcoroutinefunction(async_view)
    else:

        def sync_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            try:
                check(authenticate_request(request, get_transport(mode), token_type))
            except DjwtoError as exc:
                return error_response(exc)
            return cast(HttpResponseBase, view_func(request, *args, **kwargs))

        view = sync_view

    return cast(ViewFunc, csrf_exempt(functools.wraps(view_func)(view)))


@overload
def jwt_login_required(view_func: ViewFunc) -> ViewFunc: ...


@overload
def jwt_login_required(
    view_func: None = None, *, token_type: str = "access", mode: str | None = None
) -> Callable[[ViewFunc], ViewFunc]: ...


def jwt_login_required(
    view_func: ViewFunc | None = None, *, token_type: str = "access", mode: str | None = None
) -> ViewFunc | Callable[[ViewFunc], ViewFunc]:
    """Require a valid token (401 JSON otherwise). Usable bare or with arguments."""

    def decorator(func: ViewFunc) -> ViewFunc:
        return _protect(func, token_type=token_type, perms=(), mode=mode)

    return decorator(view_func) if view_func is not None else decorator


def jwt_perm_required(
    perms: str | Iterable[str], *, mode: str | None = None
) -> Callable[[ViewFunc], ViewFunc]:
    """Require a valid access token whose ``user.perms`` hold ``perms``, or a superuser's
    (403 JSON otherwise)."""
    required = (perms,) if isinstance(perms, str) else tuple(perms)

    def decorator(func: ViewFunc) -> ViewFunc:
        return _protect(func, token_type="access", perms=required, mode=mode)

    return decorator
