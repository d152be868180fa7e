"""Signals, named as past-tense events (the 0.0.4 names kept).

Every signal is sent with ``sender`` = the view class and keyword arguments; none ever
carries a password or a raw token.

- ``jwt_logged_in(request, user, refresh_claims, access_claims)``
- ``jwt_login_fail(request, credentials, reason)``: ``credentials`` has the password scrubbed
- ``jwt_blacklisted(request, claims, jti)``: a refresh token revoked by logout
- ``jwt_token_validated(request, claims, token_type)``
- ``jwt_access_refreshed(request, user, refresh_claims, access_claims)``
- ``jwt_refresh_updated(request, user, refresh_claims, access_claims, previous_claims)``
- ``jwt_reuse_detected(request, user_id, sid, claims)``: a rotated refresh token came back
- ``jwt_sessions_revoked(user_id)``: every session of a user was revoked

A login also sends Django's own ``user_logged_in`` (which updates ``last_login``) and a failed
one ``user_login_failed``, as ``django.contrib.auth.login()`` and ``authenticate()`` do.
"""

from django.dispatch import Signal

jwt_logged_in = Signal()
jwt_login_fail = Signal()
jwt_blacklisted = Signal()
jwt_token_validated = Signal()
jwt_access_refreshed = Signal()
jwt_refresh_updated = Signal()
jwt_reuse_detected = Signal()
jwt_sessions_revoked = Signal()
