"""The sessions a user can see: list them, and end one (needs ``DJWTO_SESSION_RECORDS``).

``GET sessions/`` lists the sessions of the access token's user; ``DELETE sessions/<sid>/``
revokes one through :func:`djwto.sessions.revoke_family`. Both are protected like any view of
:class:`~djwto.mixins.JWTRequiredMixin` (cookie modes: CSRF on ``DELETE``), answer JSON errors
as the token endpoints do, and answer 404 for a session that is not the user's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext_lazy as _

from . import session_records
from .claims import get_claims_user_id
from .exceptions import NotFound
from .mixins import JWTRequiredMixin
from .typing import JWTRequest
from .views import TokenView

if TYPE_CHECKING:
    from .models import SessionRecord

#: The longest session id a URL may name (the column's size).
MAX_SID_LENGTH = 255


class SessionViewMixin(JWTRequiredMixin):
    """What both session views share: the user, the current session, the data shown.

    Mixed in before :class:`~djwto.views.TokenView`, which answers errors as JSON and marks
    every answer never-cache.
    """

    def check_enabled(self) -> None:
        """404 while ``DJWTO_SESSION_RECORDS`` is off: there is nothing to list."""
        if not session_records.is_enabled():
            raise NotFound(_("Session records are off (DJWTO_SESSION_RECORDS)."))

    def get_claims(self) -> dict[str, Any]:
        return cast(JWTRequest, self.request).jwt

    def get_user_id(self) -> str:
        """Whose sessions: the access token's user."""
        return get_claims_user_id(self.get_claims())[:255]

    def get_current_sid(self) -> str | None:
        """The session of the access token that made this request."""
        sid = self.get_claims().get("sid")
        return sid if isinstance(sid, str) else None

    def get_session_data(self, record: SessionRecord) -> dict[str, Any]:
        """One session as the client sees it (never the IP hash)."""
        return {
            "sid": record.sid,
            "current": record.sid == self.get_current_sid(),
            "created_at": record.created_at.isoformat(),
            "last_refresh_at": (
                record.last_refresh_at.isoformat() if record.last_refresh_at else None
            ),
            "expires_at": record.expires_at.isoformat(),
            "user_agent": record.user_agent,
        }


class SessionListView(SessionViewMixin, TokenView):
    """GET: the user's active sessions, newest first, the current one marked."""

    http_method_names = ["get", "options"]
    token_type = "access"
    #: At most this many sessions are listed (the newest).
    max_sessions = 100

    def get_max_sessions(self) -> int:
        return self.max_sessions

    def get_sessions(self) -> list[SessionRecord]:
        return session_records.get_active_records(self.get_user_id(), limit=self.get_max_sessions())

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.check_enabled()
        return JsonResponse(
            {"sessions": [self.get_session_data(record) for record in self.get_sessions()]}
        )


class SessionDetailView(SessionViewMixin, TokenView):
    """DELETE: revoke one of the user's sessions (its refresh tokens stop working now; its
    access tokens at their ``exp``, or now with ``DJWTO_CHECK_ACCESS_REVOCATION``)."""

    http_method_names = ["delete", "options"]
    token_type = "access"

    def get_session(self, sid: str) -> SessionRecord:
        """The user's active session ``sid``, or 404 (whoever else's it is)."""
        if not (0 < len(sid) <= MAX_SID_LENGTH and sid.isascii() and sid.isprintable()):
            raise NotFound(_("No such session."))
        record = session_records.get_active_record(self.get_user_id(), sid)
        if record is None:
            raise NotFound(_("No such session."))
        return record

    def revoke(self, record: SessionRecord) -> None:
        session_records.revoke(record)

    def delete(self, request: HttpRequest, sid: str, *args: Any, **kwargs: Any) -> HttpResponse:
        self.check_enabled()
        record = self.get_session(sid)
        self.revoke(record)
        current = record.sid == self.get_current_sid()
        response = JsonResponse(
            {"msg": _("Session revoked."), "sid": record.sid, "current": current}
        )
        if current:
            # Ending the session in use is a logout: its cookies go too.
            self.get_transport().delete_tokens(response)
        return response
