"""Where tokens travel (``DJWTO_MODE``): reading them from requests, writing them to responses.

- ``JSON``: tokens in the response body; ``Authorization: Bearer`` afterwards (refresh
  endpoints also take ``{"refresh": ...}`` in a JSON body).
- ``ONE-COOKIE``: HttpOnly ``jwt_access`` (path ``/``) and ``jwt_refresh`` (the refresh path).
- ``TWO-COOKIES``: HttpOnly ``jwt_access_token`` plus ``jwt_access_payload`` (the access claims
  in base64 JSON for JavaScript, never read by the server) and ``jwt_refresh``.

A cookie is an ambient credential: the browser sends it on cross-site requests too. So cookie
transports run Django's CSRF check themselves on every unsafe request whose credential came
from a cookie, whether or not ``CsrfViewMiddleware`` is installed or the view is exempt.
Cookie transports read only cookies, so a junk ``Authorization`` header can never switch a
request to a path without CSRF.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import BadRequest as DjangoBadRequest
from django.core.exceptions import (
    DisallowedHost,
    ImproperlyConfigured,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponseBase
from django.http.multipartparser import MultiPartParserError
from django.middleware.csrf import CsrfViewMiddleware, get_token, rotate_token
from django.utils.http import is_same_domain
from django.utils.translation import gettext_lazy as _

from .conf import djwto_settings, get_mode, get_refresh_path
from .exceptions import (
    AmbiguousToken,
    BadRequest,
    CSRFFailed,
    InvalidToken,
    NotAuthenticated,
    PayloadTooLarge,
    TokenTooLarge,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
MAX_COOKIE_BYTES = 4096


@dataclass
class Tokens:
    """What a token view issues; ``None`` for a token it does not issue."""

    refresh: str | None = None
    access: str | None = None
    refresh_claims: dict[str, Any] = field(default_factory=dict)
    access_claims: dict[str, Any] = field(default_factory=dict)


# --- CSRF ------------------------------------------------------------------------------------


def _no_view(request: HttpRequest) -> HttpResponseBase:
    """The view and ``get_response`` handed to ``CsrfViewMiddleware``: its request and view
    hooks only look at the callable (for ``csrf_exempt``), never call it."""
    raise AssertionError("CsrfViewMiddleware called the view it was only meant to check.")


def check_csrf(request: HttpRequest) -> None:
    """Django's CSRF check (token and Origin/Referer), for unsafe methods; raise on failure.

    It runs ``CsrfViewMiddleware`` exactly as the middleware would before a view, through its
    public hooks, so every CSRF setting (``CSRF_TRUSTED_ORIGINS``, ``CSRF_USE_SESSIONS``,
    ``CSRF_HEADER_NAME``, ``CSRF_FAILURE_VIEW`` ...) means what it means for Django.
    """
    if not djwto_settings.CSRF or request.method in SAFE_METHODS:
        return
    middleware = CsrfViewMiddleware(_no_view)
    middleware.process_request(request)
    try:
        # Django's check reads request.POST (csrfmiddlewaretoken) first.
        rejection = middleware.process_view(request, _no_view, (), {})
    except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
        raise PayloadTooLarge() from None
    except (MultiPartParserError, UnicodeError, DjangoBadRequest, SuspiciousOperation):
        # A body Django cannot parse (another charset, say): djwto's 400, not Django's page.
        raise BadRequest(_("The body is not valid form data.")) from None
    if rejection is not None:
        # Django's reason went to its ``django.security.csrf`` log; the client gets the code.
        raise CSRFFailed()


def set_csrf_cookie(request: HttpRequest, response: HttpResponseBase, *, rotate: bool) -> None:
    """Make sure the response carries the CSRF cookie, with or without ``CsrfViewMiddleware``.

    ``rotate`` (a login) issues a new secret, as ``django.contrib.auth.login()`` does, so a
    secret planted before the login is worthless after it. Otherwise (refresh) the secret the
    client holds is kept: a client that stored its csrftoken at login, or a second tab, goes
    on working.
    """
    if not djwto_settings.CSRF:
        return
    middleware = CsrfViewMiddleware(_no_view)
    if rotate:
        rotate_token(request)
    else:
        middleware.process_request(request)  # the secret of the request's cookie, if any
        get_token(request)  # that secret, or a new one; either way the cookie is sent
    middleware.process_response(request, response)
    morsel = response.cookies.get(settings.CSRF_COOKIE_NAME)
    if morsel is not None and djwto_settings.COOKIE_SECURE:
        # Secure like the token cookies it guards, whatever CSRF_COOKIE_SECURE says: a
        # csrftoken cookie readable or plantable over plain HTTP undoes the CSRF check.
        morsel["secure"] = True


def _origin_is_trusted(request: HttpRequest, origin: str) -> bool:
    try:
        good_origin = f"{request.scheme}://{request.get_host()}"
    except DisallowedHost:
        return False
    trusted_origins = getattr(settings, "CSRF_TRUSTED_ORIGINS", ())
    if origin == good_origin or origin in trusted_origins:
        return True
    # Wildcards as CsrfViewMiddleware matches them: the port counts, "*.d" matches d too, and
    # an Origin that does not parse (a crafted "http://[") is untrusted, not a 500.
    try:
        parsed = urlsplit(origin)
    except ValueError:
        return False
    for trusted in trusted_origins:
        if "*" in trusted:
            pattern = urlsplit(trusted)
            if pattern.scheme == parsed.scheme and is_same_domain(
                parsed.netloc, pattern.netloc.lstrip("*")
            ):
                return True
    return False


def check_login_csrf(request: HttpRequest) -> None:
    """Login CSRF: refuse a login that a foreign site made the browser send.

    Browsers label such requests with ``Sec-Fetch-Site: cross-site`` and a foreign ``Origin``;
    scripts send neither and can still log in without a CSRF token (as in djwto 0.0.4).
    """
    if not djwto_settings.CSRF:
        return
    if request.headers.get("Sec-Fetch-Site", "").lower() == "cross-site":
        raise CSRFFailed(_("Cross-site login refused."))
    origin = request.headers.get("Origin")
    if origin is not None and not _origin_is_trusted(request, origin):
        raise CSRFFailed(_("Cross-site login refused: Origin is not trusted."))


# --- cookie sizes ----------------------------------------------------------------------------


def cookie_fits(name: str, value: str) -> bool:
    """Whether a cookie stays within the size every browser keeps (name, ``=`` and value)."""
    return len(name) + len(value) + 1 <= MAX_COOKIE_BYTES


def check_cookie_size(name: str, value: str) -> None:
    """Raise :class:`TokenTooLarge` for a cookie browsers would drop: a configuration problem."""
    if not cookie_fits(name, value):
        raise TokenTooLarge(
            _(
                "The %(name)s cookie would be %(size)d bytes, over the %(limit)d bytes browsers "
                "keep: the token holds too many claims, usually permissions. Keep the permission "
                "claim small (DJWTO_PERMISSIONS_CLAIM) or trim get_payload()."
            )
            % {"name": name, "size": len(name) + len(value) + 1, "limit": MAX_COOKIE_BYTES}
        )


# --- transports ------------------------------------------------------------------------------


class Transport:
    """Where one ``DJWTO_MODE`` carries tokens, and what that implies elsewhere.

    Views ask the transport, never the mode's name:

    - ``uses_cookies``: tokens are ambient credentials (cookies), so CSRF applies.
    - ``accepts_refresh_in_body``: refresh endpoints also take the refresh token from a JSON
      body ``{"refresh": ...}`` (a header-less client, as in djwto 0.0.4).
    - ``echoes_refresh_token``: ``refresh_access`` answers with the presented refresh token
      beside the new access token, as 0.0.4's JSON mode did, so a client can store the
      answer's pair whole. Cookie transports never repeat a cookie the client already has.
    """

    #: The ``DJWTO_MODE`` value this transport serves.
    mode: ClassVar[str] = ""
    uses_cookies: ClassVar[bool] = False
    accepts_refresh_in_body: ClassVar[bool] = False
    echoes_refresh_token: ClassVar[bool] = False

    def get_raw_token(
        self, request: HttpRequest, token_type: str, data: Mapping[str, Any] | None = None
    ) -> str:
        """The raw token of ``token_type`` in ``request``; runs the CSRF check if needed.

        ``data`` is the parsed request body, for transports that accept a token there.
        """
        raise NotImplementedError

    def get_body(self, tokens: Tokens, message: StrOrPromise) -> dict[str, Any]:
        """The JSON body of a response that issues ``tokens``."""
        return {"msg": message}

    def check_login(self, request: HttpRequest) -> None:
        """Checks a login request must pass in this transport."""

    def set_tokens(
        self,
        request: HttpRequest,
        response: HttpResponseBase,
        tokens: Tokens,
        *,
        rotate_csrf: bool = False,
    ) -> None:
        """Write the issued tokens to the response (cookie transports).

        ``rotate_csrf``: a login, which gets a new CSRF secret; a refresh keeps the client's.
        """

    def delete_tokens(self, response: HttpResponseBase) -> None:
        """Expire every token cookie this transport sets."""

    def has_credentials(self, request: HttpRequest) -> bool:
        """Whether the request carries a credential of this transport that needs CSRF."""
        return False


def parse_bearer(header: str) -> str:
    """``Bearer <token>``: scheme case-insensitive, exactly one single-space-separated token."""
    scheme, sep, token = header.partition(" ")
    if not sep or scheme.lower() != "bearer":
        raise NotAuthenticated(_("Authorization header must be 'Bearer <token>'."))
    if not token or " " in token:
        raise InvalidToken(_("Authorization header must hold exactly one token."))
    return token


class BearerTransport(Transport):
    mode = "JSON"
    accepts_refresh_in_body = True
    echoes_refresh_token = True

    def get_raw_token(
        self, request: HttpRequest, token_type: str, data: Mapping[str, Any] | None = None
    ) -> str:
        header = request.META.get("HTTP_AUTHORIZATION")
        if header is not None:
            return parse_bearer(header)
        if (
            token_type == "refresh"
            and data
            and "refresh" in data
            and request.content_type == "application/json"
        ):
            # A JSON body only, as documented: a token in a form field is ignored.
            token = data["refresh"]
            if not isinstance(token, str):
                raise BadRequest(_("Field 'refresh' must be a string."))
            return token
        raise NotAuthenticated(self.get_missing_message(request, token_type))

    def get_missing_message(self, request: HttpRequest, token_type: str) -> StrOrPromise:
        """Why no token was found: a token cookie sent to this header-based server, say."""
        found = sorted(name for name in _TOKEN_COOKIE_NAMES if name in request.COOKIES)
        if found:
            if token_type == "refresh":
                message = _(
                    "A %(name)s cookie was sent, but this server (JSON mode) reads tokens from "
                    "an 'Authorization: Bearer <token>' header or a JSON body "
                    '{"refresh": <token>}.'
                )
            else:
                message = _(
                    "A %(name)s cookie was sent, but this server (JSON mode) reads tokens from "
                    "an 'Authorization: Bearer <token>' header."
                )
            return message % {"name": found[0]}
        return NotAuthenticated.default_message

    def get_body(self, tokens: Tokens, message: StrOrPromise) -> dict[str, Any]:
        body = {}
        if tokens.refresh is not None:
            body["refresh"] = tokens.refresh
        if tokens.access is not None:
            body["access"] = tokens.access
        return body


class CookieTransport(Transport):
    uses_cookies = True
    refresh_cookie: ClassVar[str] = "jwt_refresh"
    access_cookie: ClassVar[str] = "jwt_access"
    #: Cookies the transport sets for the access token: (name, HttpOnly).
    access_cookies: ClassVar[tuple[tuple[str, bool], ...]] = (("jwt_access", True),)

    def get_cookie(self, request: HttpRequest, name: str) -> str | None:
        """The value of cookie ``name``; two cookies of that name are refused, not guessed."""
        value = request.COOKIES.get(name)
        if value is None:
            return None
        raw = request.META.get("HTTP_COOKIE", "")
        if raw.count(name) > 1:
            # Names as django.http.parse_cookie reads them ("jwt_access =B" is jwt_access too).
            names = [
                part.split("=", 1)[0].strip() if "=" in part else "" for part in raw.split(";")
            ]
            if names.count(name) > 1:
                # Two cookies of one name (say, one planted by a sibling subdomain) are
                # ambiguous: refuse rather than guess which the user meant.
                raise AmbiguousToken()
        return value

    def get_raw_token(
        self, request: HttpRequest, token_type: str, data: Mapping[str, Any] | None = None
    ) -> str:
        name = self.refresh_cookie if token_type == "refresh" else self.access_cookie
        token = self.get_cookie(request, name)
        if token is None:
            raise NotAuthenticated(self.get_missing_message(request, name))
        check_csrf(request)
        return token

    def get_missing_message(self, request: HttpRequest, name: str) -> StrOrPromise:
        """Why the ``name`` cookie is missing, when the request tells: a Bearer header sent
        instead, or a Secure cookie the browser kept to itself over plain HTTP."""
        if request.META.get("HTTP_AUTHORIZATION", "").lower().startswith("bearer"):
            return _(
                "An Authorization: Bearer header was sent, but this server (%(mode)s mode) "
                "reads tokens from the %(name)s cookie only."
            ) % {"mode": self.mode, "name": name}
        if djwto_settings.COOKIE_SECURE and not request.is_secure():
            return _(
                "Authentication credentials were not provided: the %(name)s cookie is Secure, "
                "and browsers do not send Secure cookies over plain HTTP. Use HTTPS."
            ) % {"name": name}
        return NotAuthenticated.default_message

    def check_login(self, request: HttpRequest) -> None:
        check_login_csrf(request)

    def has_credentials(self, request: HttpRequest) -> bool:
        names = {self.refresh_cookie, *(name for name, _ in self.access_cookies)}
        return any(name in request.COOKIES for name in names)

    def set_cookie(
        self,
        response: HttpResponseBase,
        name: str,
        value: str,
        *,
        exp: int | None,
        path: str,
        httponly: bool,
    ) -> None:
        check_cookie_size(name, value)
        max_age = None if exp is None else max(0, exp - int(time.time()))
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path=path,
            domain=djwto_settings.DOMAIN,
            secure=bool(djwto_settings.COOKIE_SECURE),
            httponly=httponly,
            samesite=djwto_settings.SAME_SITE,
        )

    def delete_cookie(
        self, response: HttpResponseBase, name: str, *, path: str, httponly: bool
    ) -> None:
        # Same Path, Domain, Secure and SameSite as when set, so the browser replaces it.
        response.set_cookie(
            name,
            "",
            max_age=0,
            expires="Thu, 01 Jan 1970 00:00:00 GMT",
            path=path,
            domain=djwto_settings.DOMAIN,
            secure=bool(djwto_settings.COOKIE_SECURE),
            httponly=httponly,
            samesite=djwto_settings.SAME_SITE,
        )

    def access_cookie_values(self, access: str, tokens: Tokens) -> dict[str, str]:
        """The value of each of ``access_cookies`` for the access token ``access``."""
        return {"jwt_access": access}

    def get_cookie_values(self, tokens: Tokens) -> dict[str, str]:
        """Every token cookie ``set_tokens`` would write for ``tokens``, by name."""
        values = {}
        if tokens.refresh is not None:
            values[self.refresh_cookie] = tokens.refresh
        if tokens.access is not None:
            values.update(self.access_cookie_values(tokens.access, tokens))
        return values

    def set_tokens(
        self,
        request: HttpRequest,
        response: HttpResponseBase,
        tokens: Tokens,
        *,
        rotate_csrf: bool = False,
    ) -> None:
        if tokens.refresh is not None:
            self.set_cookie(
                response,
                self.refresh_cookie,
                tokens.refresh,
                exp=tokens.refresh_claims.get("exp"),
                path="/" + get_refresh_path(),
                httponly=True,
            )
        if tokens.access is not None:
            values = self.access_cookie_values(tokens.access, tokens)
            for name, httponly in self.access_cookies:
                self.set_cookie(
                    response,
                    name,
                    values[name],
                    exp=tokens.access_claims.get("exp"),
                    path="/",
                    httponly=httponly,
                )
        set_csrf_cookie(request, response, rotate=rotate_csrf)

    def delete_tokens(self, response: HttpResponseBase) -> None:
        self.delete_cookie(
            response, self.refresh_cookie, path="/" + get_refresh_path(), httponly=True
        )
        for name, httponly in self.access_cookies:
            self.delete_cookie(response, name, path="/", httponly=httponly)


class OneCookieTransport(CookieTransport):
    mode = "ONE-COOKIE"


class TwoCookiesTransport(CookieTransport):
    mode = "TWO-COOKIES"
    access_cookie = "jwt_access_token"
    access_cookies = (("jwt_access_token", True), ("jwt_access_payload", False))

    def access_cookie_values(self, access: str, tokens: Tokens) -> dict[str, str]:
        claims = json.dumps(tokens.access_claims, sort_keys=True, cls=DjangoJSONEncoder)
        return {
            "jwt_access_token": access,
            "jwt_access_payload": base64.b64encode(claims.encode()).decode(),
        }


#: Every cookie name a cookie transport reads a token from.
_TOKEN_COOKIE_NAMES = ("jwt_access", "jwt_access_token", "jwt_refresh")

TRANSPORTS: dict[str, Transport] = {
    t.mode: t for t in (BearerTransport(), OneCookieTransport(), TwoCookiesTransport())
}


def get_transport(mode: str | None = None) -> Transport:
    """The transport of ``mode`` (default: ``DJWTO_MODE``, read now)."""
    if mode is None:
        return TRANSPORTS[get_mode()]
    try:
        return TRANSPORTS[mode]
    except KeyError:
        raise ImproperlyConfigured(
            f"A view's mode must be one of {', '.join(TRANSPORTS)}; got {mode!r}."
        ) from None
