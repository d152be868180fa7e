"""Tokens issued by djwto 0.0.4, accepted after an upgrade until they expire.

A 0.0.4 token is signed with the same key and carries 0.0.4's claim set: ``type``, ``exp``,
``iat``, ``jti`` and ``user: {<USERNAME_FIELD>, id, perms}`` (access tokens add
``refresh_iat`` and keep their refresh token's ``jti``), but none of what sessions need:
no ``sid``, ``auth_time`` or ``stamp``. After its signature and claims pass the usual checks,
:func:`upgrade_claims` gives such a token a session in memory:

* ``sid`` is derived from the 0.0.4 login (its refresh token's ``jti`` and ``iat``), so a
  refresh token and the access tokens 0.0.4 issued with it share one family, and the family
  starts (for logout-all cut-offs) when that login happened;
* ``auth_time`` is the login's ``iat`` (without one, ``exp`` less the refresh lifetime).

From there the ordinary policy applies: logout revokes the family and denies the ``jti``
(0.0.4's own blacklist was copied by the migrations, so a logged-out 0.0.4 token stays
refused), logout-all cuts it off, rotation consumes it and issues a token of the same family
with a password stamp, and replaying it afterwards is reuse. 0.0.4 tokens have no password
stamp: a password change does not end them (they expire within 0.0.4's refresh lifetime,
a day by default); ``revoke_user_sessions`` does.

``DJWTO_ACCEPT_LEGACY_TOKENS = False`` refuses them all with 401 ``legacy_token``.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from .conf import djwto_settings, get_lifetime
from .exceptions import LegacyToken

#: Claims every token of djwto 1.x carries (or derives) and no 0.0.4 token has.
SESSION_CLAIMS = ("sid", "auth_time", "stamp", "refresh_jti")
_SID_SALT = "djwto.legacy.sid:"


def is_legacy_shape(claims: dict[str, Any]) -> bool:
    """Whether verified ``claims`` have 0.0.4's shape (no session claims, a ``user.id``)."""
    if any(name in claims for name in SESSION_CLAIMS):
        return False
    user = claims.get("user")
    return isinstance(user, dict) and "id" in user


def _login_time(claims: dict[str, Any]) -> int:
    """When the 0.0.4 login happened: the refresh token's ``iat`` (``refresh_iat`` in access
    tokens), or 0 when 0.0.4 was configured without ``iat``."""
    issued = claims.get("refresh_iat" if claims.get("type") == "access" else "iat")
    return issued if type(issued) is int and issued >= 0 else 0


def get_legacy_sid(claims: dict[str, Any]) -> str:
    """The family id of a 0.0.4 login: its creation time in ns, then a digest of its ``jti``."""
    digest = hashlib.sha256((_SID_SALT + str(claims.get("jti", ""))).encode()).hexdigest()
    return f"{_login_time(claims) * 1_000_000_000:016x}{digest[:16]}"


def upgrade_claims(claims: dict[str, Any]) -> dict[str, Any]:
    """Give verified 0.0.4 ``claims`` their session (in place) and return them.

    Tokens of djwto 1.x are returned untouched. Raises :class:`LegacyToken` for a 0.0.4
    token while ``DJWTO_ACCEPT_LEGACY_TOKENS`` is off. A 0.0.4 token without ``jti``
    (``DJWTO_JTI_CLAIM = False`` in 0.0.4) gets no session: as a refresh token it is refused,
    as an access token it is accepted until it expires.
    """
    if "sid" in claims or not is_legacy_shape(claims):
        return claims
    if not djwto_settings.ACCEPT_LEGACY_TOKENS:
        raise LegacyToken()
    if claims.get("jti"):
        claims["sid"] = get_legacy_sid(claims)
        claims["auth_time"] = _login_time(claims) or _estimated_login_time(claims)
    return claims


def _estimated_login_time(claims: dict[str, Any]) -> int:
    """Without ``iat``: when a refresh token of the configured lifetime expiring at ``exp``
    was issued (an access token's own ``exp`` says less, but it is never refreshed)."""
    lifetime = get_lifetime("REFRESH_TOKEN_LIFETIME") or timedelta(0)
    return max(0, int(claims["exp"] - lifetime.total_seconds()))


def is_legacy(claims: dict[str, Any]) -> bool:
    """Whether ``claims`` are those of a 0.0.4 token given its session by
    :func:`upgrade_claims` (such a token has no password stamp to check)."""
    return (
        "stamp" not in claims
        and "refresh_jti" not in claims
        and bool(claims.get("jti"))
        and claims.get("sid") == get_legacy_sid(claims)
    )
