"""Reading and building tokens directly, and changing a user under a token's feet."""

from __future__ import annotations

import base64
import json

from djwto.backends import encode
from djwto.claims import build_access_claims, build_refresh_claims


def decode_unverified(token: str) -> dict:
    """The payload of a compact JWS, signature not checked."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def sign(claims: dict) -> str:
    return encode(claims)


def make_pair(user, *, now: int | None = None, **refresh_overrides) -> tuple[dict, dict]:
    """(refresh claims, access claims) for ``user``, as the views build them."""
    refresh = build_refresh_claims(user, now=now)
    refresh.update(refresh_overrides)
    return refresh, build_access_claims(refresh, now=now)


#: The ways a user can stop being the one a refresh token was issued to.
USER_CHANGES = ("deactivate", "delete", "password")


def change_user(user, change: str) -> None:
    """Deactivate or delete ``user``, or change its password (one of :data:`USER_CHANGES`)."""
    if change == "deactivate":
        user.is_active = False
        user.save()
    elif change == "delete":
        user.delete()
    else:
        user.set_password("something else")
        user.save()
