"""Function-view equivalents of the mixins, on the same code path.

@jwt_login_required
def profile(request): ...

@jwt_perm_required("reports.view_report")
async def reports(request): ...
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.views.decorators.csrf import csrf_exempt

from .authentication import aauthenticate_request, authenticate_request, has_perms
from .exceptions import DjwtoError, PermissionDenied
from .responses import error_response
from .transports import get_transport


def _protect(view_func: Callable, *, token_type: str, perms: tuple[str, ...], mode: str | None):
    def check(claims: dict[str, Any]) -> None:
        if perms and not has_perms(claims, perms):
            raise PermissionDenied()

    if iscoroutinefunction(view_func):

        async def _view(request, *args, **kwargs):
            try:
                check(await aauthenticate_request(request, get_transport(mode), token_type))
            except DjwtoError as exc:
                return error_response(exc)
            return await view_func(request, *args, **kwargs)

        markcoroutinefunction(_view)
    else:

        def _view(request, *args, **kwargs):
            try:
                check(authenticate_request(request, get_transport(mode), token_type))
            except DjwtoError as exc:
                return error_response(exc)
            return view_func(request, *args, **kwargs)

    return csrf_exempt(functools.wraps(view_func)(_view))


def jwt_login_required(
    view_func: Callable | None = None, *, token_type: str = "access", mode: str | None = None
):
    """Require a valid token (401 JSON otherwise). Usable bare or with arguments."""

    def decorator(func: Callable):
        return _protect(func, token_type=token_type, perms=(), mode=mode)

    return decorator(view_func) if view_func is not None else decorator


def jwt_perm_required(perms: str | Iterable[str], *, mode: str | None = None):
    """Require a valid access token whose ``user.perms`` hold ``perms`` (403 JSON otherwise)."""
    required = (perms,) if isinstance(perms, str) else tuple(perms)

    def decorator(func: Callable):
        return _protect(func, token_type="access", perms=required, mode=mode)

    return decorator
