"""One hierarchy: every failure djwto reports to a client is a :class:`DjwtoError`.

Each class carries the HTTP status, a stable machine ``code`` and a message safe to show a
client (never a token, never a password, never an internal detail).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class DjwtoError(Exception):
    status_code = 400
    code = "error"
    #: Lazy: translated into the active language when the response is built.
    default_message: StrOrPromise = _("Request failed.")

    def __init__(self, message: StrOrPromise | None = None, *, code: str | None = None) -> None:
        # Not ``message or ...``: truth-testing a lazy message would translate it now, before
        # the request's language is known (or before the apps are ready).
        if message is None or (isinstance(message, str) and not message):
            message = self.default_message
        self.message: StrOrPromise = message
        # ``code=`` is deprecated: raise the subclass that carries the code instead.
        if code is not None:
            self.code = code
        super().__init__(self.message)

    def as_dict(self) -> dict[str, str]:
        return {"error": str(self.message), "code": self.code}


class BadRequest(DjwtoError):
    status_code = 400
    code = "bad_request"
    default_message = _("Malformed request.")


class PayloadTooLarge(BadRequest):
    """The request body is over Django's ``DATA_UPLOAD_MAX_*`` limits."""

    status_code = 413
    code = "payload_too_large"
    default_message = _("Request body too large.")


class AuthenticationFailed(DjwtoError):
    """A problem with the credentials presented: 401."""

    status_code = 401
    code = "authentication_failed"
    default_message = _("Authentication failed.")
    #: The ``error`` parameter of ``WWW-Authenticate`` (RFC 6750 §3.1), when Bearer applies.
    bearer_error: str | None = "invalid_token"


class InvalidCredentials(AuthenticationFailed):
    code = "invalid_credentials"
    default_message = _("Invalid username or password.")
    bearer_error = None


class NotAuthenticated(AuthenticationFailed):
    code = "token_missing"
    default_message = _("Authentication credentials were not provided.")
    bearer_error = None


class InvalidToken(AuthenticationFailed):
    code = "token_invalid"
    default_message = _("Token is invalid.")


class ExpiredToken(InvalidToken):
    code = "token_expired"
    default_message = _("Token has expired.")


class TokenNotYetValid(InvalidToken):
    """``nbf`` or ``iat`` lies in the future, beyond the leeway."""

    code = "token_not_yet_valid"
    default_message = _("Token is not valid yet.")


class WrongTokenType(InvalidToken):
    """A refresh token where an access token belongs, or the other way round."""

    code = "token_wrong_type"
    default_message = _("Token is of the wrong type for this endpoint.")


class AmbiguousToken(InvalidToken):
    """Two credential cookies of one name: refuse rather than guess which one is meant."""

    code = "token_ambiguous"
    default_message = _("Duplicate credential cookies.")


class UserInvalid(InvalidToken):
    """The token's user is gone, inactive, or changed their password since the login."""

    code = "user_invalid"
    default_message = _("The user of this token is no longer valid.")


class SessionExpired(ExpiredToken):
    """The login is older than ``DJWTO_MAX_SESSION_LIFETIME``."""

    code = "session_expired"
    default_message = _("The session reached its maximum lifetime; log in again.")


class RevokedToken(InvalidToken):
    code = "token_revoked"
    default_message = _("Token has been revoked.")


class TokenRotated(RevokedToken):
    """A rotated refresh token presented again within ``DJWTO_ROTATION_GRACE``: refused only."""

    code = "token_rotated"
    default_message = _("Refresh token was just rotated; use the new one.")


class TokenReused(RevokedToken):
    code = "token_reused"
    default_message = _("Refresh token was already used; the session has been revoked.")


class PermissionDenied(DjwtoError):
    status_code = 403
    code = "permission_denied"
    default_message = _("You do not have permission to perform this action.")


class CSRFFailed(PermissionDenied):
    code = "csrf_failed"
    default_message = _("CSRF verification failed.")


class NotFound(DjwtoError):
    status_code = 404
    code = "not_found"
    default_message = _("Not found.")


class MethodNotAllowed(DjwtoError):
    """The endpoint does not answer this HTTP method; the response's ``Allow`` lists ``allowed``."""

    status_code = 405
    code = "method_not_allowed"
    default_message = _("Method not allowed.")

    def __init__(self, allowed: Iterable[str] = (), message: StrOrPromise | None = None) -> None:
        self.allowed: tuple[str, ...] = tuple(method.upper() for method in allowed)
        super().__init__(message)


class TokenTooLarge(DjwtoError):
    """A token would not fit in a cookie or in ``DJWTO_MAX_TOKEN_BYTES``: a server-side problem
    (too many claims), not input. Nothing is issued and nothing is written."""

    status_code = 500
    code = "token_too_large"
    default_message = _("Token too large for a cookie.")


class StoreUnavailable(DjwtoError):
    """The denylist could not be read or written: fail closed."""

    status_code = 503
    code = "store_unavailable"
    default_message = _("Token store unavailable; try again later.")


class LegacyToken(InvalidToken):
    """A token issued by djwto 0.0.4 while ``DJWTO_ACCEPT_LEGACY_TOKENS`` is off."""

    code = "legacy_token"
    default_message = _("Tokens issued by djwto 0.0.4 are no longer accepted; log in again.")
