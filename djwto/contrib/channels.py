"""Channels: authenticate websocket handshakes with a djwto access token.

    application = ProtocolTypeRouter({
        "http": django_asgi_app,
        "websocket": JWTAuthMiddleware(URLRouter(websocket_urlpatterns)),
    })

Where the token comes from follows ``DJWTO_MODE`` (or ``mode``):

- cookie modes: the access cookie the browser sends with the handshake. Browsers send cookies
  on cross-site handshakes too and CSRF tokens do not apply, so a handshake labelled
  cross-site (``Sec-Fetch-Site``) or from an untrusted ``Origin`` is refused;
- JSON mode: the ``Sec-WebSocket-Protocol`` header, offered as two subprotocols,
  ``new WebSocket(url, ["bearer", token])``; the token is removed from
  ``scope["subprotocols"]`` and the consumer accepts with ``subprotocol="bearer"``
  (:func:`get_subprotocol`). Never the query string: URLs end up in logs.

Consumers get ``scope["user"]`` (loaded once, at the handshake) and ``scope["jwt"]`` (the claims,
or ``None`` without a credential, when the user is ``AnonymousUser``). A bad, expired, forged
or revoked token, or a token whose user is gone or inactive, closes the socket with
:data:`CLOSE_INVALID_TOKEN` (4401) before the consumer runs; a refused origin with
:data:`CLOSE_FORBIDDEN` (4403). The token is checked once: ``scope["jwt"]["exp"]`` says when
it ends.
"""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest

from ..authentication import aauthenticate_request
from ..exceptions import DjwtoError, NotAuthenticated, PermissionDenied, UserInvalid
from ..transports import Transport, check_login_csrf, get_transport

__all__ = [
    "BEARER_SUBPROTOCOL",
    "CLOSE_FORBIDDEN",
    "CLOSE_INVALID_TOKEN",
    "JWTAuthMiddleware",
    "get_subprotocol",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: The subprotocol that announces a token in the JSON mode (the next entry is the token).
BEARER_SUBPROTOCOL = "bearer"
#: Close code for a credential that is bad, expired, forged, revoked, or whose user is gone.
CLOSE_INVALID_TOKEN = 4401
#: Close code for a cookie handshake from another site.
CLOSE_FORBIDDEN = 4403


def get_subprotocol(scope: Scope) -> str | None:
    """The subprotocol a consumer should accept with: ``"bearer"`` if the client offered it."""
    return BEARER_SUBPROTOCOL if BEARER_SUBPROTOCOL in scope.get("subprotocols", ()) else None


def _split_subprotocols(offered: list[str]) -> tuple[list[str], str | None]:
    """(the subprotocols without the token, the token following ``"bearer"``)."""
    if BEARER_SUBPROTOCOL not in offered:
        return offered, None
    at = offered.index(BEARER_SUBPROTOCOL)
    token = offered[at + 1] if at + 1 < len(offered) else None
    return offered[: at + 1] + offered[at + 2 :], token


def handshake_request(scope: Scope, token: str | None = None) -> HttpRequest:
    """The handshake as a Django request, so the transports read it as they read any other."""
    http_scope = {
        **scope,
        "type": "http",
        "method": "GET",
        "scheme": "https" if scope.get("scheme") == "wss" else "http",
        "query_string": b"",
    }
    request = ASGIRequest(http_scope, io.BytesIO())
    request.META.pop("HTTP_AUTHORIZATION", None)
    if token is not None:
        request.META["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return request


class JWTAuthMiddleware:
    """ASGI middleware for websocket routes; other scope types pass through untouched."""

    #: Transport; ``None`` means ``DJWTO_MODE``, read per connection.
    mode: str | None = None

    def __init__(self, inner: ASGIApp, mode: str | None = None) -> None:
        self.inner = inner
        if mode is not None:
            self.mode = mode

    def get_transport(self) -> Transport:
        return get_transport(self.mode)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await self.inner(scope, receive, send)
            return
        transport = self.get_transport()
        subprotocols, token = _split_subprotocols(list(scope.get("subprotocols", [])))
        scope = {**scope, "subprotocols": subprotocols, "user": AnonymousUser(), "jwt": None}
        request = handshake_request(scope, None if transport.uses_cookies else token)
        try:
            if transport.has_credentials(request):
                check_login_csrf(request)
            claims = await aauthenticate_request(request, transport)
            user = await request.auser()
            if not user.is_authenticated:
                raise UserInvalid()
        except NotAuthenticated:
            await self.inner(scope, receive, send)
            return
        except DjwtoError as exc:
            code = CLOSE_FORBIDDEN if isinstance(exc, PermissionDenied) else CLOSE_INVALID_TOKEN
            await self.close(scope, receive, send, code)
            return
        scope["user"] = user
        scope["jwt"] = claims
        await self.inner(scope, receive, send)

    async def close(self, scope: Scope, receive: Receive, send: Send, code: int) -> None:
        """Accept, then close with ``code``: a close before accepting reaches the browser as
        a bare handshake failure, without the code."""
        message = await receive()
        if message["type"] != "websocket.connect":
            return
        await send({"type": "websocket.accept", "subprotocol": get_subprotocol(scope)})
        await send({"type": "websocket.close", "code": code})
