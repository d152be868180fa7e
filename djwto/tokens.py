"""Building the claims of refresh and access tokens from a user.

The payload keeps djwto 0.0.4's shape (``user: {<USERNAME_FIELD>, id, perms}``, ``type``,
``refresh_iat``) and adds what sessions need: ``sid`` (the login's family id, which starts
with the family's creation time in nanoseconds), ``auth_time`` and ``stamp`` (a hash derived
from the password hash, so a password change ends earlier sessions).
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

from .conf import djwto_settings, get_lifetime
from .queries import get_all_permissions

#: Claims djwto sets itself; anything else in a refresh payload is a project's custom claim.
REGISTERED_CLAIMS = frozenset(
    {
        "iss",
        "aud",
        "sub",
        "iat",
        "exp",
        "nbf",
        "jti",
        "type",
        "user",
        "sid",
        "auth_time",
        "stamp",
        "refresh_iat",
        "refresh_jti",
    }
)
_STAMP_SALT = "djwto.tokens.session_stamp"


def new_jti() -> str:
    return secrets.token_urlsafe(16)


def new_sid(now_ns: int | None = None) -> str:
    """A family id whose first 16 hex digits are its creation time in nanoseconds."""
    if now_ns is None:
        now_ns = time.time_ns()
    return f"{now_ns:016x}{secrets.token_hex(8)}"


def sid_created_ns(sid: str) -> int:
    try:
        return int(sid[:16], 16)
    except (TypeError, ValueError):
        return 0


def _json_pk(user: Any) -> Any:
    pk = user.pk
    return pk if isinstance(pk, int) and not isinstance(pk, bool) else str(pk)


def get_user_claims(user: Any) -> dict[str, Any]:
    """``{<USERNAME_FIELD>: ..., "id": pk, "perms": [...]}``, read from the database now."""
    username_field = getattr(user, "USERNAME_FIELD", "username")
    return {
        username_field: str(getattr(user, username_field)),
        "id": _json_pk(user),
        "perms": sorted(get_all_permissions(user)),
    }


def _stamp(user: Any, secret: str | bytes | None = None) -> str:
    value = f"{user.pk}:{user.password or ''}:{int(bool(getattr(user, 'is_active', True)))}"
    return salted_hmac(_STAMP_SALT, value, secret=secret, algorithm="sha256").hexdigest()[:32]


def get_session_stamp(user: Any) -> str:
    """Derived from the password hash (never the hash itself), like ``get_session_auth_hash``."""
    return _stamp(user)


def is_stamp_valid(user: Any, stamp: Any) -> bool:
    """Compare in constant time, accepting stamps made with ``SECRET_KEY_FALLBACKS`` too."""
    if not isinstance(stamp, str):
        return False
    if constant_time_compare(stamp, _stamp(user)):
        return True
    return any(
        constant_time_compare(stamp, _stamp(user, fallback))
        for fallback in getattr(settings, "SECRET_KEY_FALLBACKS", ())
    )


def _standard_claims(token_type: str, now: int, lifetime_seconds: int) -> dict[str, Any]:
    claims: dict[str, Any] = {}
    if djwto_settings.ISS_CLAIM is not None:
        claims["iss"] = djwto_settings.ISS_CLAIM
    if djwto_settings.AUD_CLAIM is not None:
        aud = djwto_settings.AUD_CLAIM
        claims["aud"] = aud if isinstance(aud, str) else list(aud)
    if djwto_settings.IAT_CLAIM:
        claims["iat"] = now
    claims["exp"] = now + lifetime_seconds
    claims["type"] = token_type
    return claims


def _seconds(name: str) -> int:
    return int(get_lifetime(name).total_seconds())


def build_refresh_claims(
    user: Any, *, previous: dict[str, Any] | None = None, now: int | None = None
) -> dict[str, Any]:
    """The claims of a new refresh token for ``user``.

    With ``previous`` (a rotation) the token continues that login's family: same ``sid`` and
    ``auth_time``, the project's custom claims carried over, and ``exp`` never beyond
    ``auth_time + DJWTO_MAX_SESSION_LIFETIME``.
    """
    now = int(time.time()) if now is None else now
    lifetime = _seconds("REFRESH_TOKEN_LIFETIME")
    claims: dict[str, Any] = {}
    user_claims = get_user_claims(user)
    if previous is not None:
        claims.update({k: v for k, v in previous.items() if k not in REGISTERED_CLAIMS})
        user_claims = {**previous.get("user", {}), **user_claims}
    claims.update(_standard_claims("refresh", now, lifetime))
    sub = djwto_settings.SUB_CLAIM
    claims["sub"] = str(sub) if sub is not None else str(user.pk)
    nbf = get_lifetime("NBF_LIFETIME", optional=True)
    if nbf is not None:
        claims["nbf"] = now + int(nbf.total_seconds())
    claims["jti"] = new_jti()
    claims["user"] = user_claims
    if previous is not None:
        claims["sid"] = previous["sid"]
        claims["auth_time"] = previous.get("auth_time", now)
    else:
        claims["sid"] = new_sid()
        claims["auth_time"] = now
    claims["stamp"] = get_session_stamp(user)
    max_session = get_lifetime("MAX_SESSION_LIFETIME", optional=True)
    if max_session is not None:
        claims["exp"] = min(claims["exp"], claims["auth_time"] + int(max_session.total_seconds()))
    return claims


def build_access_claims(
    refresh_claims: dict[str, Any], *, now: int | None = None
) -> dict[str, Any]:
    """The claims of an access token derived from a refresh token's claims.

    The access token never outlives its refresh token.
    """
    now = int(time.time()) if now is None else now
    claims = {k: v for k, v in refresh_claims.items() if k not in REGISTERED_CLAIMS}
    claims.update(_standard_claims("access", now, _seconds("ACCESS_TOKEN_LIFETIME")))
    claims["exp"] = min(claims["exp"], refresh_claims["exp"])
    for name in ("sub", "user", "sid"):
        if name in refresh_claims:
            claims[name] = refresh_claims[name]
    if djwto_settings.JTI_CLAIM:
        claims["jti"] = new_jti()
    if "iat" in refresh_claims:
        claims["refresh_iat"] = refresh_claims["iat"]
    claims["refresh_jti"] = refresh_claims["jti"]
    return claims
