"""Generic views: the login, refresh, validate, logout and logout-all endpoints.

Every step is a method to override. Claims are built by a :class:`djwto.claims.Claims`
(``DJWTO_CLAIMS_CLASS``, or a view's ``claims_class``); claims it gives in
``get_custom_claims()`` are recomputed on every refresh and rotation. Claims a
``LoginView.get_payload()`` override adds are carried over unchanged instead, while the
standard ones (permissions included) are re-read from the database.
"""

from __future__ import annotations

import codecs
import json
import re
import time
from typing import TYPE_CHECKING, Any, cast

from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import BadRequest as DjangoBadRequest
from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.db import DatabaseError, connections, transaction
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    UnreadablePostError,
)
from django.http.multipartparser import MultiPartParserError
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables

from . import session_records, sessions, signals
from .authentication import BAD_LOOKUP_ERRORS, authenticate_request, get_refresh_user
from .backends import encode
from .claims import Claims, get_claims_class
from .conf import djwto_settings
from .exceptions import (
    BadRequest,
    DjwtoError,
    InvalidCredentials,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    SessionExpired,
    StoreUnavailable,
)
from .responses import error_response
from .stores.outage import database_outage
from .transports import Tokens, Transport, check_csrf, get_transport
from .typing import JWTRequest

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

#: Longest username or password accepted; Django's hashers refuse longer passwords too.
MAX_CREDENTIAL_LENGTH = 4096
#: Credential names hidden from failure signals, as Django's own cleansing hides them.
SENSITIVE_CREDENTIALS = re.compile("api|token|key|secret|password|signature", re.IGNORECASE)
CLEANSED_SUBSTITUTE = "********************"
#: Body charsets the token endpoints read: UTF-8 and its ASCII subset (RFC 8259 for JSON;
#: Django refuses any other for form bodies).
BODY_CHARSETS = frozenset({"utf-8", "ascii"})


def scrub_credentials(credentials: dict[str, Any]) -> dict[str, Any]:
    """``credentials`` with passwords, keys and tokens replaced, fit for signal receivers."""
    return {
        key: CLEANSED_SUBSTITUTE if SENSITIVE_CREDENTIALS.search(key) else value
        for key, value in credentials.items()
    }


#: ``Retry-After`` of a 503 (the store or the database is failing).
RETRY_AFTER_SECONDS = 5


def _is_utf8(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(never_cache, name="dispatch")
@method_decorator(sensitive_post_parameters(), name="dispatch")
class TokenView(View):
    """Base of the token endpoints: JSON errors in one place, never-cache, body parsing.

    CSRF is djwto's own job here (see :mod:`djwto.transports`), so the middleware is skipped.
    Every answer is never-cache and every body is hidden from error reports, whatever a
    subclass's hooks return (a ``get_token_response()`` override included).
    """

    http_method_names = ["post", "options"]
    #: The token this endpoint reads ("access", "refresh", or ``None`` for login).
    token_type: str | None = None
    #: Transport; ``None`` means ``DJWTO_MODE``, read per request.
    mode: str | None = None

    def get_mode(self) -> str | None:
        return self.mode

    def get_transport(self) -> Transport:
        return get_transport(self.get_mode())

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            response = super().dispatch(request, *args, **kwargs)
        except DjwtoError as exc:
            response = self.handle_error(exc)
        except DatabaseError as exc:  # a lost connection: the store's 503, never a 500
            database_outage.failed(exc)
            response = self.handle_error(StoreUnavailable())
        else:
            if self.token_type != "access":  # login and refresh-token views read the database
                database_outage.succeeded()
        if response.status_code == 503:
            response.headers.setdefault("Retry-After", str(RETRY_AFTER_SECONDS))
            for connection in connections.all(initialized_only=True):
                # Under ATOMIC_REQUESTS the request's transaction is rolled back, not
                # committed (a commit on a lost connection would raise: a 500).
                if connection.settings_dict.get("ATOMIC_REQUESTS") and connection.in_atomic_block:
                    transaction.set_rollback(True, using=connection.alias)
        return response

    def handle_error(self, exc: DjwtoError) -> HttpResponse:
        return error_response(exc)

    def http_method_not_allowed(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        raise MethodNotAllowed(m for m in self.http_method_names if hasattr(self, m))

    # --- request data ---

    def get_data(self) -> dict[str, Any]:
        """The request body as a dict of strings: JSON object or form fields. Cached."""
        if not hasattr(self, "_data"):
            self._data = self._parse_data()
        return self._data

    def check_charset(self) -> None:
        """A body must be UTF-8: another declared charset (even an unknown one) is a 400."""
        charset = (
            self.request.content_params.get("charset") if self.request.content_params else None
        )
        if charset is None:
            return
        try:
            name = codecs.lookup(charset.strip()).name
        except LookupError:
            name = ""
        if name not in BODY_CHARSETS:
            raise BadRequest(_("The body must be encoded in UTF-8."))

    def _parse_data(self) -> dict[str, Any]:
        request = self.request
        self.check_charset()
        try:
            if request.content_type == "application/json":
                if not request.body:
                    return {}
                data = json.loads(request.body)
                if not isinstance(data, dict):
                    raise BadRequest(_("The JSON body must be an object."))
                return data
            data = {}
            for key, values in request.POST.lists():
                if len(values) != 1:
                    raise BadRequest(
                        _("Field %(name)s was sent more than once.") % {"name": repr(key)}
                    )
                data[key] = values[0]
            return data
        except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
            raise PayloadTooLarge() from None
        except (
            ValueError,
            UnicodeError,
            RecursionError,
            MultiPartParserError,
            UnreadablePostError,
            DjangoBadRequest,
            SuspiciousOperation,
        ):
            raise BadRequest(_("The body is not valid JSON or form data.")) from None

    def get_field(self, name: str, *, required: bool = True) -> str | None:
        """A body field that must be a non-empty string of sane length, or a 400."""
        value = self.get_data().get(name)
        if value is None:
            if required:
                raise BadRequest(_("Field %(name)s is required.") % {"name": repr(name)})
            return None
        if not isinstance(value, str) or len(value) > MAX_CREDENTIAL_LENGTH:
            raise BadRequest(
                _("Field %(name)s must be a string of at most %(limit)d characters.")
                % {"name": repr(name), "limit": MAX_CREDENTIAL_LENGTH}
            )
        # A lone surrogate (JSON "\ud800") breaks the hashers and the database driver, and NUL
        # is refused by PostgreSQL: both are malformed input, not a failed login.
        if "\x00" in value or (not value.isascii() and not _is_utf8(value)):
            raise BadRequest(
                _("Field %(name)s must be text without NUL or lone surrogates.")
                % {"name": repr(name)}
            )
        return value

    #: Whether a refresh token's user must still be valid (active, same password) here.
    check_user = True

    def get_token_claims(self, token_type: str) -> dict[str, Any]:
        """The request's token of ``token_type``, verified and checked for revocation.

        Sets ``request.jwt``, ``request.payload`` and ``request.token`` as the mixins do; for
        a refresh token also ``request.user``, checked as every taker of refresh tokens checks
        it (:func:`djwto.authentication.check_refresh_user`).
        """
        self.check_jwt_type()
        transport = self.get_transport()
        data = self.get_data() if transport.accepts_refresh_in_body else None
        return authenticate_request(
            self.request,
            transport,
            token_type,
            data=data,
            sender=self.__class__,
            check_user=self.check_user,
        )

    def check_jwt_type(self) -> None:
        """The optional 0.0.4 ``jwt_type`` field must agree with this endpoint."""
        jwt_type = self.get_data().get("jwt_type")
        if jwt_type is not None and jwt_type != self.token_type:
            raise BadRequest(
                _("jwt_type must be %(type)s on this endpoint.") % {"type": repr(self.token_type)}
            )


class TokenIssuerMixin:
    """Hooks for building, encoding and delivering tokens (login and refresh)."""

    #: The :class:`~djwto.claims.Claims` subclass; ``None`` means ``DJWTO_CLAIMS_CLASS``.
    claims_class: type[Claims] | None = None
    #: The ``msg`` of the answer (lazy: translated when the response is built).
    message: StrOrPromise = ""

    if TYPE_CHECKING:  # provided by the TokenView this is mixed into
        request: HttpRequest

        def get_transport(self) -> Transport: ...

    def get_claims_class(self) -> type[Claims]:
        return self.claims_class or get_claims_class()

    def get_claims(self) -> Claims:
        """The builder of every claim this view issues."""
        return self.get_claims_class()()

    def get_access_payload(self, refresh_payload: dict[str, Any]) -> dict[str, Any]:
        return self.get_claims().build_access(refresh_payload)

    def encode_token(self, claims: dict[str, Any]) -> str:
        return encode(claims)

    def get_message(self) -> StrOrPromise:
        return self.message

    def get_token_response(self, tokens: Tokens) -> HttpResponse:
        return JsonResponse(self.get_transport().get_body(tokens, self.get_message()))

    def set_cookies(self, response: HttpResponse, tokens: Tokens) -> None:
        self.get_transport().set_tokens(self.request, response, tokens)

    def respond(self, tokens: Tokens) -> HttpResponse:
        response = self.get_token_response(tokens)
        self.set_cookies(response, tokens)
        return response


class LoginView(TokenIssuerMixin, TokenView):
    """POST credentials; get a refresh and an access token."""

    message = _("Tokens successfully created.")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        transport = self.get_transport()
        transport.check_login(request)
        self.check_jwt_type()
        user = self.get_user(self.get_credentials())
        tokens = self.create_tokens(user)
        response = self.respond(tokens)
        session_records.record_login(request, tokens.refresh_claims)
        self.send_user_logged_in(user)
        signals.jwt_logged_in.send(
            sender=self.__class__,
            request=request,
            user=user,
            refresh_claims=tokens.refresh_claims,
            access_claims=tokens.access_claims,
        )
        return response

    def set_cookies(self, response: HttpResponse, tokens: Tokens) -> None:
        # A login starts a new session: a new CSRF secret, as django.contrib.auth.login() does.
        self.get_transport().set_tokens(self.request, response, tokens, rotate_csrf=True)

    def check_jwt_type(self) -> None:
        jwt_type = self.get_data().get("jwt_type")
        if jwt_type is not None and jwt_type not in ("access", "refresh"):
            raise BadRequest(_("jwt_type must be 'access' or 'refresh'."))

    @sensitive_variables("credentials")
    def get_credentials(self) -> dict[str, str | None]:
        username_field = get_user_model().USERNAME_FIELD
        credentials = {
            username_field: self.get_field(username_field),
            "password": self.get_field("password"),
        }
        return credentials

    @sensitive_variables("credentials")
    def get_user(self, credentials: dict[str, Any]) -> Any:
        """Authenticate with Django's backends; every failure looks the same to the client."""
        try:
            user = authenticate(self.request, **credentials)
        except BAD_LOOKUP_ERRORS:
            # A backend's lookup refused the value ("abc" for an integer username field).
            # authenticate() stopped before its failure signal: send it for Django.
            self.send_user_login_failed(credentials)
            user = None
        else:
            if user is not None and not getattr(user, "is_active", True):
                # A backend that lets inactive users through (AllowAllUsersModelBackend)
                # answered; djwto refuses them, and lockout tools must count the attempt.
                self.send_user_login_failed(credentials)
                user = None
        if user is None:
            self.login_failed(credentials, "invalid credentials")
            raise InvalidCredentials()
        return user

    @sensitive_variables("credentials")
    def send_user_login_failed(self, credentials: dict[str, Any]) -> None:
        """Django's ``user_login_failed`` for a failure ``authenticate()`` did not report."""
        user_login_failed.send(
            sender=self.__class__, credentials=scrub_credentials(credentials), request=self.request
        )

    def login_failed(self, credentials: dict[str, Any], reason: str) -> None:
        scrubbed = {k: ("********" if k == "password" else v) for k, v in credentials.items()}
        signals.jwt_login_fail.send(
            sender=self.__class__, request=self.request, credentials=scrubbed, reason=reason
        )

    def get_payload(self, user: Any) -> dict[str, Any]:
        """Claims of the refresh token for ``user``.

        Claims an override adds here are carried over unchanged by refresh and rotation; for
        claims computed again each time, use ``Claims.get_custom_claims()``.
        """
        return self.get_claims().build_refresh(user)

    def create_tokens(self, user: Any) -> Tokens:
        refresh_claims = self.get_payload(user)
        access_claims = self.get_access_payload(refresh_claims)
        return Tokens(
            self.encode_token(refresh_claims),
            self.encode_token(access_claims),
            refresh_claims,
            access_claims,
        )

    def send_user_logged_in(self, user: Any) -> None:
        """Django's ``user_logged_in``, as ``django.contrib.auth.login()`` sends it.

        Its receivers see the login: Django's own updates ``last_login``, and audit or
        lockout apps record it.
        """
        user_logged_in.send(sender=user.__class__, request=self.request, user=user)


class RefreshTokenMixin:
    """Reading, checking and re-validating the refresh token of a request."""

    token_type: str | None = "refresh"

    if TYPE_CHECKING:  # provided by the TokenView this is mixed into
        request: HttpRequest
        check_user: bool

        def get_token_claims(self, token_type: str) -> dict[str, Any]: ...

    def get_refresh_claims(self) -> dict[str, Any]:
        """The presented refresh token, verified and checked against the denylist."""
        return self.get_token_claims("refresh")

    def get_user(self, claims: dict[str, Any]) -> Any:
        """The user of ``claims``: it must exist, be active, and have the password of the login.

        :func:`~djwto.authentication.authenticate_request` made these checks (the same for a
        mixin's refresh-only view) when it read the token; their user is reused.
        """
        request: Any = self.request
        if self.check_user and getattr(request, "jwt", None) is claims:
            return request.user
        return get_refresh_user(claims)


class RefreshView(RefreshTokenMixin, TokenIssuerMixin, TokenView):
    """POST a refresh token; get a new access token (``rotate=True``: a new pair as well)."""

    rotate = False

    def get_message(self) -> StrOrPromise:
        if self.rotate:
            return _("Refresh token successfully updated.")
        return _("Access token successfully refreshed.")

    def get_rotated_payload(self, user: Any, previous: dict[str, Any]) -> dict[str, Any]:
        """Claims of a refresh token continuing ``previous``'s login, with fresh user data.

        Also the source of the access token ``refresh_access`` issues.
        """
        return self.get_claims().build_refresh(user, previous)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.rotate and not djwto_settings.ALLOW_REFRESH_UPDATE:
            raise NotFound(_("Refresh token updates are disabled (DJWTO_ALLOW_REFRESH_UPDATE)."))
        claims = self.get_refresh_claims()
        user = self.get_user(claims)
        if self.rotate:
            return self.rotate_tokens(user, claims)
        return self.refresh_access(user, claims)

    def refresh_access(self, user: Any, claims: dict[str, Any]) -> HttpResponse:
        fresh = self.get_rotated_payload(user, claims)
        # The access token belongs to the presented refresh token (its jti, iat and exp).
        access_claims = self.get_access_payload(self.get_claims().keep_presented(fresh, claims))
        tokens = Tokens(None, self.encode_token(access_claims), claims, access_claims)
        if self.get_transport().echoes_refresh_token:
            tokens.refresh = cast(JWTRequest, self.request).token
        response = self.respond(tokens)
        signals.jwt_access_refreshed.send(
            sender=self.__class__,
            request=self.request,
            user=user,
            refresh_claims=claims,
            access_claims=access_claims,
        )
        return response

    def rotate_tokens(self, user: Any, claims: dict[str, Any]) -> HttpResponse:
        refresh_claims = self.get_rotated_payload(user, claims)
        if refresh_claims["exp"] <= time.time():
            raise SessionExpired()
        access_claims = self.get_access_payload(refresh_claims)
        tokens = Tokens(
            self.encode_token(refresh_claims),
            self.encode_token(access_claims),
            refresh_claims,
            access_claims,
        )
        response = self.respond(tokens)
        # Consumed only once the new pair exists: a failure to build it (a token too large
        # for its cookie) must not burn the old token, or the retry would count as reuse.
        # With DJWTO_SESSION_RECORDS, the session's record is updated along with it.
        session_records.consume_refresh(
            claims, refresh_claims, request=self.request, sender=self.__class__
        )
        signals.jwt_refresh_updated.send(
            sender=self.__class__,
            request=self.request,
            user=user,
            refresh_claims=refresh_claims,
            access_claims=access_claims,
            previous_claims=claims,
        )
        return response


class ValidateView(RefreshTokenMixin, TokenView):
    """POST a token; 200 if it is valid for this endpoint's ``token_type``.

    A refresh token passes exactly the checks a refresh would: signature and claims, the
    denylist, and a user who still exists, is active and has the password of the login.
    """

    token_type = "access"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        claims = self.get_token_claims(self.token_type)
        if self.token_type == "refresh":
            self.get_user(claims)
        signals.jwt_token_validated.send(
            sender=self.__class__, request=request, claims=claims, token_type=self.token_type
        )
        return JsonResponse({"msg": _("Token is valid")})


class LogoutView(RefreshTokenMixin, TokenView):
    """POST: revoke the refresh token's session and clear cookies. DELETE: clear cookies."""

    http_method_names = ["post", "delete", "options"]
    #: Logging out ends the session whatever became of its user since.
    check_user = False

    def handle_error(self, exc: DjwtoError) -> HttpResponse:
        response = super().handle_error(exc)
        if exc.status_code == 401:
            # A forged or expired token still gets its cookies cleared; nothing is written.
            self.get_transport().delete_tokens(response)
        return response

    def revoke(self, claims: dict[str, Any]) -> None:
        sessions.revoke_refresh(claims)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        claims = self.get_refresh_claims()
        self.revoke(claims)
        signals.jwt_blacklisted.send(
            sender=self.__class__, request=request, claims=claims, jti=claims["jti"]
        )
        response = JsonResponse({"msg": _("Token successfully blacklisted.")})
        self.get_transport().delete_tokens(response)
        return response

    def delete(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        transport = self.get_transport()
        if transport.has_credentials(request):
            check_csrf(request)
        response = JsonResponse({"msg": _("Tokens successfully deleted.")})
        transport.delete_tokens(response)
        return response


class LogoutAllView(RefreshTokenMixin, TokenView):
    """POST a refresh token: revoke every session of its user and clear cookies."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        claims = self.get_refresh_claims()
        user = self.get_user(claims)
        sessions.revoke_user_sessions(user)
        response = JsonResponse({"msg": _("All sessions revoked.")})
        self.get_transport().delete_tokens(response)
        return response


# --- the public keys (JWKS) -------------------------------------------------------------------


class JWKSView(View):
    """GET: the JWKS document (RFC 7517) of every asymmetric verifying key, for other services.

    Public keys only, never a private or an HMAC key; with HMAC keys only it answers 404. Caches
    may keep it ``get_max_age()`` seconds, and ``If-None-Match`` gets a 304: a rotation adds the
    new key here one deploy before it signs, so a client's cached copy stays good.
    """

    http_method_names = ["get", "head", "options"]
    #: Seconds other services may cache the document; ``None``: ``DJWTO_JWKS_MAX_AGE``.
    max_age: int | None = None

    def get_max_age(self) -> int:
        from .conf import get_validated

        return self.max_age if self.max_age is not None else int(get_validated("JWKS_MAX_AGE"))

    def http_method_not_allowed(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        allowed = (m for m in self.http_method_names if hasattr(self, m))
        return error_response(MethodNotAllowed(allowed))

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        from django.utils.cache import get_conditional_response, patch_cache_control

        from .keys import get_jwks_document

        document = get_jwks_document()
        if document is None:
            return error_response(
                NotFound(_("No public keys: every djwto key is an HMAC secret, never published."))
            )
        response = HttpResponse(document.body, content_type="application/json")
        response["ETag"] = document.etag
        patch_cache_control(response, public=True, max_age=self.get_max_age())
        # A 304 for a matching If-None-Match, else the response itself.
        return get_conditional_response(request, etag=document.etag, response=response) or response
