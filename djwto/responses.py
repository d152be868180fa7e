"""Turning results and :class:`~djwto.exceptions.DjwtoError` into JSON responses, in one place."""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.cache import add_never_cache_headers

from .exceptions import AuthenticationFailed, DjwtoError, MethodNotAllowed


def error_response(exc: DjwtoError) -> JsonResponse:
    """``{"error", "code"}`` with the exception's status; 401s say how to authenticate.

    No cache may keep it (token endpoints get the same headers from ``never_cache``).
    """
    response = JsonResponse(exc.as_dict(), status=exc.status_code)
    add_never_cache_headers(response)
    if isinstance(exc, AuthenticationFailed):
        challenge = 'Bearer realm="api"'
        if exc.bearer_error:
            challenge += f', error="{exc.bearer_error}"'
        response["WWW-Authenticate"] = challenge
    if isinstance(exc, MethodNotAllowed) and exc.allowed:
        response["Allow"] = ", ".join(exc.allowed)
    return response
