"""Turning results and :class:`~djwto.exceptions.DjwtoError` into JSON responses, in one place."""

from __future__ import annotations

from typing import Any

from django.http import JsonResponse
from django.utils.cache import add_never_cache_headers

from .exceptions import AuthenticationFailed, DjwtoError, MethodNotAllowed


def token_response(data: dict[str, Any], status: int = 200) -> JsonResponse:
    """A JSON response that no cache may keep (it carries or sets credentials)."""
    response = JsonResponse(data, status=status)
    add_never_cache_headers(response)
    return response


def error_response(exc: DjwtoError) -> JsonResponse:
    """``{"error", "code"}`` with the exception's status; 401s say how to authenticate."""
    response = token_response(exc.as_dict(), status=exc.status_code)
    if isinstance(exc, AuthenticationFailed):
        challenge = 'Bearer realm="api"'
        if exc.bearer_error:
            challenge += f', error="{exc.bearer_error}"'
        response["WWW-Authenticate"] = challenge
    if isinstance(exc, MethodNotAllowed) and getattr(exc, "allowed", None):
        response["Allow"] = ", ".join(exc.allowed)
    return response
