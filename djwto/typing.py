"""Types for code that uses djwto: the request of a protected view, and what mixins need.

    from djwto.typing import JWTRequest

    class Profile(JWTRequiredMixin, View):
        def get(self, request: JWTRequest) -> JsonResponse:
            return JsonResponse({"user": request.jwt["user"]})

    @jwt_login_required
    def profile(request: JWTRequest) -> JsonResponse: ...

Importing this module touches no settings and no models.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from django.http import HttpRequest, HttpResponseBase

__all__ = ["Claims", "DjangoView", "JWTRequest"]

#: The claims of a verified token, as ``request.jwt`` holds them.
Claims = dict[str, Any]


class JWTRequest(HttpRequest):
    """An ``HttpRequest`` that djwto authenticated: for annotations only.

    djwto never builds one: it sets these attributes on Django's own request object (so
    ``isinstance(request, JWTRequest)`` is false). ``request.user`` is typed by django-stubs
    already (your ``AUTH_USER_MODEL`` or ``AnonymousUser``); djwto makes it lazy, so a view
    that reads only ``request.jwt`` runs no query.
    """

    #: The verified claims of the token the request presented.
    jwt: Claims
    #: The same claims under djwto 0.0.4's name.
    payload: Claims
    #: The raw token (never log it).
    token: str


class DjangoView(Protocol):
    """What djwto's mixins need of the class they are mixed into: a ``django.views.View``."""

    request: HttpRequest

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Callable[..., HttpResponseBase]: ...

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase: ...


class AsyncDjangoView(Protocol):
    """A ``django.views.View`` whose handlers are ``async def``: ``dispatch`` is awaitable."""

    request: HttpRequest

    async def dispatch(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase: ...
