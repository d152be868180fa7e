"""djwto's token views speaking simplejwt's dialect: the same hooks, other bodies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _

from ...exceptions import (
    AuthenticationFailed,
    BadRequest,
    DjwtoError,
    ExpiredToken,
    InvalidCredentials,
    MethodNotAllowed,
    RevokedToken,
    WrongTokenType,
)
from ...transports import BearerTransport, Tokens, Transport
from ...views import LoginView, LogoutView, RefreshView, ValidateView

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = [
    "BodyTransport",
    "FieldErrors",
    "SimpleJWTMixin",
    "TokenBlacklistView",
    "TokenObtainPairView",
    "TokenRefreshView",
    "TokenVerifyView",
]

#: simplejwt's ``WWW-Authenticate`` on 401 answers (``Bearer realm="api"``).
CHALLENGE = 'Bearer realm="api"'
NO_ACCOUNT = _("No active account found with the given credentials")
NO_ACCOUNT_FOR_TOKEN = _("No active account found for the given token.")


class FieldErrors(BadRequest):
    """Invalid body fields, answered as DRF's serializers do: ``{"field": ["message"]}``."""

    code = "invalid_fields"
    default_message = _("Invalid fields.")

    def __init__(self, fields: dict[str, list[StrOrPromise]]) -> None:
        super().__init__()
        self.fields = fields


def check_string_field(data: Mapping[str, Any], name: str) -> list[StrOrPromise]:
    """DRF ``CharField``'s complaints about ``data[name]``, in its words (none if it is fine)."""
    if name not in data:
        return [_("This field is required.")]
    value = data[name]
    if value is None:
        return [_("This field may not be null.")]
    if not isinstance(value, str):
        return [_("Not a valid string.")]
    if not value.strip():
        return [_("This field may not be blank.")]
    return []


def require_fields(data: Mapping[str, Any], *names: str) -> None:
    errors = {name: problems for name in names if (problems := check_string_field(data, name))}
    if errors:
        raise FieldErrors(errors)


class BodyTransport(BearerTransport):
    """Tokens in the body both ways: ``{"<field>": token}`` in, ``{"refresh", "access"}`` out."""

    def __init__(self, field: str) -> None:
        self.field = field

    def get_raw_token(
        self, request: HttpRequest, token_type: str, data: Mapping[str, Any] | None = None
    ) -> str:
        data = data or {}
        require_fields(data, self.field)
        return str(data[self.field])


def _is(exc: DjwtoError, cls: type[DjwtoError]) -> bool:
    """``exc`` is a ``cls``, or carries the code of one (raised as ``InvalidToken(code=...)``)."""
    return isinstance(exc, cls) or any(exc.code == sub.code for sub in (cls, *_subclasses(cls)))


def _subclasses(cls: type[DjwtoError]) -> list[type[DjwtoError]]:
    return [sub for direct in cls.__subclasses__() for sub in (direct, *_subclasses(direct))]


def simplejwt_error(exc: DjwtoError) -> JsonResponse:
    """The body and status simplejwt (through DRF) answers for the same failure."""
    body: dict[str, Any]
    if isinstance(exc, FieldErrors):
        body = dict(exc.fields)
    elif isinstance(exc, InvalidCredentials):
        body = {"detail": NO_ACCOUNT}
    elif exc.code == "user_invalid":
        body = {"detail": NO_ACCOUNT_FOR_TOKEN}
    elif isinstance(exc, AuthenticationFailed):
        if _is(exc, ExpiredToken):
            detail = _("Token is expired")
        elif _is(exc, RevokedToken):
            detail = _("Token is blacklisted")
        elif _is(exc, WrongTokenType):
            detail = _("Token has wrong type")
        else:
            detail = _("Token is invalid")
        body = {"detail": detail, "code": "token_not_valid"}
    else:
        body = {"detail": exc.message}
    response = JsonResponse(body, status=exc.status_code)
    add_never_cache_headers(response)
    if exc.status_code == 401:
        response["WWW-Authenticate"] = CHALLENGE
    if isinstance(exc, MethodNotAllowed) and exc.allowed:
        response["Allow"] = ", ".join(exc.allowed)
    return response


class SimpleJWTMixin:
    """Body transport and simplejwt's error bodies for a djwto token view."""

    #: The body field holding the presented token.
    token_field = "refresh"
    request: HttpRequest

    def get_transport(self) -> Transport:
        return BodyTransport(self.token_field)

    def handle_error(self, exc: DjwtoError) -> HttpResponse:
        if isinstance(exc, MethodNotAllowed):
            exc.message = _('Method "%(method)s" not allowed.') % {"method": self.request.method}
        return simplejwt_error(exc)


class TokenObtainPairView(SimpleJWTMixin, LoginView):
    """``{"username", "password"}`` → ``{"refresh", "access"}``; 401 ``{"detail"}`` else."""

    def get_credentials(self) -> dict[str, str | None]:
        require_fields(self.get_data(), get_user_model().USERNAME_FIELD, "password")
        return super().get_credentials()

    def get_payload(self, user: Any) -> dict[str, Any]:
        payload = super().get_payload(user)
        # simplejwt's claim, which frontends decode: the user's pk as a string.
        payload["user_id"] = str(user.pk)
        return payload


class TokenRefreshView(SimpleJWTMixin, RefreshView):
    """``{"refresh"}`` → ``{"access"}`` (``rotate=True``: ``{"access", "refresh"}``)."""

    token_type = "refresh"

    def get_token_response(self, tokens: Tokens) -> HttpResponse:
        body = {"access": tokens.access}
        if self.rotate:
            body["refresh"] = tokens.refresh
        return JsonResponse(body)


class TokenVerifyView(SimpleJWTMixin, ValidateView):
    """``{"token"}`` (access or refresh) → ``{}``; 401 ``token_not_valid`` otherwise."""

    token_field = "token"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.token_type = "access"
        try:
            super().post(request, *args, **kwargs)
        except DjwtoError as exc:
            if not _is(exc, WrongTokenType):
                raise
            self.token_type = "refresh"
            super().post(request, *args, **kwargs)
        return JsonResponse({})


class TokenBlacklistView(SimpleJWTMixin, LogoutView):
    """``{"refresh"}`` → ``{}``: the token's session is revoked."""

    http_method_names = ["post", "options"]
    token_type = "refresh"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        super().post(request, *args, **kwargs)
        return JsonResponse({})
