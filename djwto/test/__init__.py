"""Helpers for your own tests: a logged-in test client, tokens on demand, and a clock to move.

- :class:`JWTClient` / :class:`AsyncJWTClient`: Django's test clients with
  ``force_jwt_login(user)`` (no password, any ``DJWTO_MODE``) and ``jwt_logout()``.
- :func:`tokens_for`: the refresh and access tokens the login would issue, with extra claims.
- :func:`freeze_time` and :func:`travel`: move every clock djwto reads, for expiry tests.

pytest fixtures over these live in :mod:`djwto.test.pytest_plugin` (loaded by itself once djwto
is installed). See docs/testing.md.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponse
from django.test import AsyncClient, Client, RequestFactory
from django.utils import timezone

from ..conf import djwto_settings, get_mode, get_refresh_path
from ..transports import Tokens, get_transport

__all__ = [
    "AsyncJWTClient",
    "Clock",
    "JWTClient",
    "freeze_time",
    "tokens_for",
    "travel",
]

#: Methods Django's CSRF check lets through; every other one gets the ``X-CSRFToken`` header.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


# --- tokens -----------------------------------------------------------------------------------


def tokens_for(user: Any, *, login_view: type[Any] | None = None, **claims: Any) -> Tokens:
    """The refresh and access tokens a login of ``user`` would issue, plus ``claims``.

    The claims come from the login view's hooks (``get_payload``, the claims class, signing),
    ``djwto.views.LoginView`` unless ``login_view`` names your subclass. Extra ``claims`` are
    added to the refresh token and travel to the access token as a ``get_payload()`` override's
    would; registered ones (``exp``...) replace the issued values. Nothing is sent or stored.
    """
    from ..views import LoginView

    view = (login_view or LoginView)()
    view.setup(RequestFactory().post("/"))
    payload = view.get_payload

    def with_claims(user: Any) -> dict[str, Any]:
        return {**payload(user), **claims}

    with mock.patch.object(view, "get_payload", with_claims):
        tokens: Tokens = view.create_tokens(user)
    return tokens


# --- clients ----------------------------------------------------------------------------------


class JWTClientMixin:
    """What both clients share: the tokens of the last ``force_jwt_login`` and how to send them."""

    cookies: Any
    #: The tokens the client holds (``None`` when logged out); refreshed from JSON answers.
    jwt_tokens: Tokens | None = None
    #: The transport the client logged in with (``DJWTO_MODE`` at that time, or ``mode=``).
    jwt_mode: str | None = None
    #: The cookies the login set (token cookies and the CSRF cookie).
    jwt_cookie_names: tuple[str, ...] = ()

    def force_jwt_login(self, user: Any, *, mode: str | None = None, **claims: Any) -> Tokens:
        """Log ``user`` in without a password, as the login view would, in ``mode``.

        JSON: later requests carry ``Authorization: Bearer`` (the refresh token under the
        refresh endpoints' path, the access token elsewhere) unless they set their own.
        Cookie modes: the token cookies and the CSRF cookie are set, and unsafe requests carry
        ``X-CSRFToken``. Returns the tokens (extra ``claims`` as in :func:`tokens_for`).
        """
        self.jwt_logout(revoke=False)
        self.jwt_mode = mode or get_mode()
        tokens = tokens_for(user, **claims)
        transport = get_transport(self.jwt_mode)
        if transport.uses_cookies:
            response = HttpResponse()
            request = RequestFactory().post("/")
            transport.set_tokens(request, response, tokens, rotate_csrf=True)
            for name, morsel in response.cookies.items():
                self.cookies[name] = morsel.value
                self.cookies[name].update({k: v for k, v in morsel.items() if v})
            self.jwt_cookie_names = tuple(response.cookies)
        self.jwt_tokens = tokens
        return tokens

    def jwt_logout(self, *, revoke: bool = True) -> None:
        """Forget the tokens and their cookies; ``revoke`` also revokes the login's session
        server-side, as a logout does (needs the denylist store, e.g. the database)."""
        tokens = self.jwt_tokens
        for name in self.jwt_cookie_names:
            self.cookies.pop(name, None)
        self.jwt_tokens = self.jwt_mode = None
        self.jwt_cookie_names = ()
        if tokens is None:
            return
        if revoke:
            from ..sessions import revoke_refresh

            revoke_refresh(tokens.refresh_claims)

    # --- what each request carries ---

    def get_jwt_headers(self, method: str, path: str) -> dict[str, str]:
        """The headers a request of ``method`` to ``path`` gets (HTTP names, title case)."""
        tokens = self.jwt_tokens
        if tokens is None:
            return {}
        if not get_transport(self.jwt_mode).uses_cookies:
            under_refresh = urlsplit(path).path.lstrip("/").startswith(get_refresh_path())
            token = tokens.refresh if under_refresh else tokens.access
            return {"Authorization": f"Bearer {token}"} if token else {}
        csrf = self.cookies.get(settings.CSRF_COOKIE_NAME)
        if method.upper() in SAFE_METHODS or csrf is None or not djwto_settings.CSRF:
            return {}
        name = settings.CSRF_HEADER_NAME.removeprefix("HTTP_").replace("_", "-").title()
        return {name: csrf.value}

    def remember_tokens(self, response: Any) -> None:
        """JSON mode: keep the tokens a refresh or rotation answered with."""
        if self.jwt_tokens is None or get_transport(self.jwt_mode).uses_cookies:
            return
        if response.status_code != 200 or "json" not in response.get("Content-Type", ""):
            return
        try:
            body = json.loads(response.content)
        except ValueError:
            return
        if not isinstance(body, dict):
            return
        for name in ("refresh", "access"):
            if isinstance(body.get(name), str):
                setattr(self.jwt_tokens, name, body[name])


class JWTClient(JWTClientMixin, Client):
    """``django.test.Client`` that can be logged in with a JWT: see :meth:`force_jwt_login`."""

    def request(self, **request: Any) -> Any:
        headers = self.get_jwt_headers(request["REQUEST_METHOD"], request["PATH_INFO"])
        for name, value in headers.items():
            request.setdefault("HTTP_" + name.upper().replace("-", "_"), value)
        response = super().request(**request)
        self.remember_tokens(response)
        return response


class AsyncJWTClient(JWTClientMixin, AsyncClient):
    """``django.test.AsyncClient`` that can be logged in with a JWT, like :class:`JWTClient`."""

    async def request(self, **request: Any) -> Any:
        headers = self.get_jwt_headers(request["method"], request["path"])
        present = {name for name, _value in request["headers"]}
        request["headers"] = [
            *request["headers"],
            *(
                (name.lower().encode("ascii"), value.encode("latin1"))
                for name, value in headers.items()
                if name.lower().encode("ascii") not in present
            ),
        ]
        response = await super().request(**request)
        self.remember_tokens(response)
        return response


# --- the clock --------------------------------------------------------------------------------


class Clock:
    """One frozen time for ``time.time``, ``time.time_ns`` and ``django.utils.timezone.now``.

    djwto reads the time through ``time.time`` and stores ``timezone.now()`` in the denylist, so
    all three must agree. Frozen, so a boundary such as "exactly ``exp``" does not drift:
    ``advance(seconds)`` moves it, assigning ``now`` sets it; calling it returns ``now``.
    """

    def __init__(self, start: float | None = None) -> None:
        self.now: float = time.time() if start is None else start
        self.stack = ExitStack()

    def __call__(self) -> float:
        return self.now

    def as_datetime(self) -> datetime:
        """``now`` as ``timezone.now()`` would give it (aware in UTC under ``USE_TZ``)."""
        return datetime.fromtimestamp(self.now, tz=UTC if settings.USE_TZ else None)

    def as_ns(self) -> int:
        return int(self.now * 1e9)

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def replacements(self) -> list[tuple[object, str, Callable[[], Any]]]:
        """(owner, attribute, replacement) for each clock the frozen time stands in for."""
        return [
            (time, "time", self),
            (time, "time_ns", self.as_ns),
            (timezone, "now", self.as_datetime),
        ]

    def __enter__(self) -> Clock:
        for owner, name, replacement in self.replacements():
            self.stack.enter_context(mock.patch.object(owner, name, replacement))
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stack.close()


@contextmanager
def freeze_time(at: float | datetime | None = None) -> Iterator[Clock]:
    """Stop the clock (at ``at``: a timestamp or an aware datetime; default now) for the block.

    ``with freeze_time() as clock: ... clock.advance(301)`` expires a 5-minute access token.
    """
    start = at.timestamp() if isinstance(at, datetime) else at
    with Clock(start) as clock:
        yield clock


@contextmanager
def travel(seconds: float) -> Iterator[Clock]:
    """Run the block ``seconds`` from now (negative: in the past), the clock frozen there."""
    with freeze_time(time.time() + seconds) as clock:
        yield clock
