"""The claims of djwto's tokens: their names, where each one travels, and how they are built.

The payload keeps djwto 0.0.4's shape (``user: {<USERNAME_FIELD>, id, perms}``, ``type``,
``refresh_iat``; ``user`` also says ``is_superuser``, and a superuser's ``perms`` are not
listed: every permission check grants them all) and adds what sessions need: ``sid`` (the
login's family id, which starts with the family's creation time in nanoseconds),
``auth_time`` and ``stamp`` (a hash derived from the password hash, so a password change ends
earlier sessions).

Every token a login, a refresh or a rotation issues is built by one :class:`Claims` object,
the class named by ``DJWTO_CLAIMS_CLASS``. To add claims of your own, subclass it::

    class MyClaims(Claims):
        def get_custom_claims(self, user):
            return {"email": user.email}

Claims from ``get_custom_claims`` are computed again on every refresh and rotation.
"""

# No ``from __future__ import annotations``: the TypedDicts' NotRequired must be seen at run
# time (Python 3.11 cannot read it from a string annotation).
import secrets
import time
from collections.abc import Callable, Iterable
from typing import Any, NotRequired, TypedDict

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.module_loading import import_string

from .conf import derived, djwto_settings, get_lifetime, validated_settings

#: Claims djwto sets itself; anything else in a payload is a project's custom claim.
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
#: Registered claims an access token copies from its refresh token (custom claims are copied
#: too). The rest are the access token's own (``iat``, ``exp``, ``jti``, ``type``) or name the
#: refresh token (``refresh_iat``, ``refresh_jti``).
COPIED_TO_ACCESS = ("sub", "user", "sid")
#: Claims ``refresh_access`` takes from the presented refresh token rather than from a fresh
#: build: its access token belongs to that token (same ``jti``, never outliving its ``exp``).
KEPT_FROM_PRESENTED = ("jti", "iat", "exp", "nbf", "auth_time", "stamp", "sid")
#: Claims read from the database again on every refresh and rotation: of ``user``, the keys
#: :meth:`Claims.get_user_claims` returns (permissions included); other keys of ``user``, added
#: by a ``get_payload`` override, are carried over. (``stamp`` is recomputed by a rotation and
#: checked against the database by every refresh.)
REREAD_ON_REFRESH = ("user",)
#: Claims a rotation carries over from the refresh token it replaces.
CARRIED_ON_ROTATION = ("sid", "auth_time")

_STAMP_SALT = "djwto.tokens.session_stamp"


class UserClaims(TypedDict):
    """The ``user`` claim. It also holds ``<USERNAME_FIELD>: str`` (``"username"`` by default),
    whose name depends on the user model, and any key a ``get_payload`` override added."""

    id: int | str
    perms: list[str]
    is_superuser: NotRequired[bool]


class RefreshClaims(TypedDict):
    """A refresh token's registered claims (custom claims sit beside them).

    Hooks take and return ``dict[str, Any]`` because custom claims have arbitrary names;
    ``cast(RefreshClaims, claims)`` to read the registered ones with their types.
    """

    type: str
    sub: str
    exp: int
    jti: str
    user: UserClaims
    sid: str
    auth_time: int
    stamp: str
    iat: NotRequired[int]
    nbf: NotRequired[int]
    iss: NotRequired[str]
    aud: NotRequired[str | list[str]]


class AccessClaims(TypedDict):
    """An access token's registered claims (``request.jwt`` of a protected view)."""

    type: str
    sub: str
    exp: int
    user: UserClaims
    sid: str
    refresh_jti: str
    jti: NotRequired[str]
    iat: NotRequired[int]
    refresh_iat: NotRequired[int]
    iss: NotRequired[str]
    aud: NotRequired[str | list[str]]


# --- ids ------------------------------------------------------------------------------------


def new_jti() -> str:
    return secrets.token_urlsafe(16)


def new_sid(now_ns: int | None = None) -> str:
    """A family id whose first 16 hex digits are its creation time in nanoseconds."""
    if now_ns is None:
        now_ns = time.time_ns()
    return f"{now_ns:016x}{secrets.token_hex(8)}"


def sid_created_ns(sid: Any) -> int:
    try:
        return int(sid[:16], 16)
    except (TypeError, ValueError):
        return 0


def get_claims_user_id(claims: dict[str, Any]) -> str:
    """The user id a token speaks for: ``user.id`` (0.0.4's place), else ``sub``."""
    user = claims.get("user")
    if isinstance(user, dict) and user.get("id") is not None:
        return str(user["id"])
    return str(claims.get("sub", ""))


# --- the session stamp ----------------------------------------------------------------------


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


# --- permissions ----------------------------------------------------------------------------

#: A permission filter of ``DJWTO_PERMISSIONS_CLAIM``: ``(user, perms) -> perms to list``.
PermissionsFilter = Callable[[Any, set[str]], Iterable[str]]


def _none(user: Any, perms: set[str]) -> Iterable[str]:
    return ()


def _by_app_labels(labels: tuple[str, ...]) -> PermissionsFilter:
    def keep(user: Any, perms: set[str]) -> Iterable[str]:
        return [perm for perm in perms if perm.partition(".")[0] in labels]

    return keep


@derived
def get_permissions_filter() -> PermissionsFilter | None:
    """``DJWTO_PERMISSIONS_CLAIM`` as a filter, or ``None`` for ``"all"`` (imported once)."""
    value = validated_settings.PERMISSIONS_CLAIM
    if value == "all":
        return None
    if value == "none":
        return _none
    if isinstance(value, tuple):
        return _by_app_labels(value)
    if isinstance(value, str):
        try:
            value = import_string(value)
        except ImportError as exc:
            raise ImproperlyConfigured(
                f"DJWTO_PERMISSIONS_CLAIM {value!r} cannot be imported: {exc}"
            ) from exc
        if not callable(value):
            raise ImproperlyConfigured(
                "DJWTO_PERMISSIONS_CLAIM must name a callable (user, perms) -> perms."
            )
    filter_: PermissionsFilter = value
    return filter_


def is_active_superuser(user: Any) -> bool:
    """Django's rule in ``User.has_perm``: an active superuser has every permission."""
    return getattr(user, "is_superuser", False) is True and getattr(user, "is_active", True)


# --- building claims ------------------------------------------------------------------------


def _json_pk(user: Any) -> int | str:
    pk = user.pk
    return pk if isinstance(pk, int) and not isinstance(pk, bool) else str(pk)


def _seconds(name: str) -> int:
    lifetime = get_lifetime(name)  # not optional: a missing one raised ImproperlyConfigured
    return int(lifetime.total_seconds()) if lifetime is not None else 0


class Claims:
    """Builds the claims of every token djwto issues: at login, on refresh and on rotation.

    Subclass it and name the subclass in ``DJWTO_CLAIMS_CLASS`` (or a view's
    ``claims_class``); every method is a hook.
    """

    def get_user_claims(self, user: Any) -> dict[str, Any]:
        """``{<USERNAME_FIELD>: ..., "id": pk, "perms": [...]}``, read from the database now,
        plus ``"is_superuser": true`` for an active superuser."""
        username_field = getattr(user, "USERNAME_FIELD", "username")
        claims = {
            username_field: str(getattr(user, username_field)),
            "id": _json_pk(user),
            "perms": self.get_permissions(user),
        }
        if is_active_superuser(user):
            # Only for superusers: every other user's claim keeps 0.0.4's exact shape.
            claims["is_superuser"] = True
        return claims

    def get_permissions(self, user: Any) -> list[str]:
        """The ``user.perms`` claim: what Django's backends grant, sorted, as
        ``DJWTO_PERMISSIONS_CLAIM`` keeps them.

        Empty for a superuser: ``is_superuser`` grants every permission (listing them all
        would outgrow a cookie), and for ``"none"``.
        """
        if is_active_superuser(user):
            return []
        keep = get_permissions_filter()
        if keep is _none:
            return []
        perms = set(user.get_all_permissions())
        return sorted(perms if keep is None else set(keep(user, perms)))

    def get_custom_claims(self, user: Any) -> dict[str, Any]:
        """Claims of your own, beside the registered ones; recomputed on every refresh."""
        return {}

    def check_custom_claims(self, custom: dict[str, Any]) -> None:
        """Refuse custom claims named like one djwto sets itself."""
        for name in custom:
            if name in REGISTERED_CLAIMS:
                raise ImproperlyConfigured(
                    f"{type(self).__qualname__}.get_custom_claims() returned the claim "
                    f"{name!r}, which djwto sets itself; give your claim another name."
                )

    def get_standard_claims(self, token_type: str, now: int, lifetime: int) -> dict[str, Any]:
        """``iss``, ``aud``, ``iat``, ``exp`` and ``type`` from the settings."""
        claims: dict[str, Any] = {}
        if djwto_settings.ISS_CLAIM is not None:
            claims["iss"] = djwto_settings.ISS_CLAIM
        if djwto_settings.AUD_CLAIM is not None:
            aud = djwto_settings.AUD_CLAIM
            claims["aud"] = aud if isinstance(aud, str) else list(aud)
        if djwto_settings.IAT_CLAIM:
            claims["iat"] = now
        claims["exp"] = now + lifetime
        claims["type"] = token_type
        return claims

    def build_refresh(
        self, user: Any, previous: dict[str, Any] | None = None, *, now: int | None = None
    ) -> dict[str, Any]:
        """The claims of a new refresh token for ``user``.

        With ``previous`` (a refresh or a rotation) the token continues that login's family:
        same ``sid`` and ``auth_time``, the previous custom claims carried over unless
        ``get_custom_claims`` gives them anew, and ``exp`` never beyond
        ``auth_time + DJWTO_MAX_SESSION_LIFETIME``.
        """
        now = int(time.time()) if now is None else now
        claims: dict[str, Any] = {}
        user_claims = self.get_user_claims(user)
        if previous is not None:
            claims.update({k: v for k, v in previous.items() if k not in REGISTERED_CLAIMS})
            # Keys an override added are carried over; a superuser status never is.
            carried = {k: v for k, v in previous.get("user", {}).items() if k != "is_superuser"}
            user_claims = {**carried, **user_claims}
        custom = self.get_custom_claims(user)
        self.check_custom_claims(custom)
        claims.update(custom)
        claims.update(self.get_standard_claims("refresh", now, _seconds("REFRESH_TOKEN_LIFETIME")))
        sub = djwto_settings.SUB_CLAIM
        claims["sub"] = str(sub) if sub is not None else str(user.pk)
        nbf = get_lifetime("NBF_LIFETIME", optional=True)
        if nbf is not None:
            claims["nbf"] = now + int(nbf.total_seconds())
        claims["jti"] = new_jti()
        claims["user"] = user_claims
        if previous is not None:
            for name in CARRIED_ON_ROTATION:
                claims[name] = previous.get(name, now)
        else:
            claims["sid"] = new_sid()
            claims["auth_time"] = now
        claims["stamp"] = get_session_stamp(user)
        max_session = get_lifetime("MAX_SESSION_LIFETIME", optional=True)
        if max_session is not None:
            cap = claims["auth_time"] + int(max_session.total_seconds())
            claims["exp"] = min(claims["exp"], cap)
        return claims

    def build_access(
        self, refresh_claims: dict[str, Any], *, now: int | None = None
    ) -> dict[str, Any]:
        """The claims of an access token derived from a refresh token's claims.

        Custom claims and :data:`COPIED_TO_ACCESS` come from the refresh claims; the access
        token never outlives its refresh token.
        """
        now = int(time.time()) if now is None else now
        claims = {k: v for k, v in refresh_claims.items() if k not in REGISTERED_CLAIMS}
        claims.update(self.get_standard_claims("access", now, _seconds("ACCESS_TOKEN_LIFETIME")))
        claims["exp"] = min(claims["exp"], refresh_claims["exp"])
        for name in COPIED_TO_ACCESS:
            if name in refresh_claims:
                claims[name] = refresh_claims[name]
        if djwto_settings.JTI_CLAIM:
            claims["jti"] = new_jti()
        if "iat" in refresh_claims:
            claims["refresh_iat"] = refresh_claims["iat"]
        claims["refresh_jti"] = refresh_claims["jti"]
        return claims

    def keep_presented(self, fresh: dict[str, Any], presented: dict[str, Any]) -> dict[str, Any]:
        """``fresh`` refresh claims made to speak for the ``presented`` refresh token.

        ``refresh_access`` derives its access token from these: fresh user data and custom
        claims, but the presented token's identity and lifetime (:data:`KEPT_FROM_PRESENTED`).
        """
        claims = dict(fresh)
        for name in KEPT_FROM_PRESENTED:
            if name in presented:
                claims[name] = presented[name]
            else:
                claims.pop(name, None)
        return claims


@derived
def get_claims_class() -> type[Claims]:
    """The class named by ``DJWTO_CLAIMS_CLASS`` (imported once per settings change)."""
    path = djwto_settings.CLAIMS_CLASS
    try:
        cls = import_string(path) if isinstance(path, str) else path
    except ImportError as exc:
        raise ImproperlyConfigured(
            f"DJWTO_CLAIMS_CLASS {path!r} cannot be imported: {exc}"
        ) from exc
    if not (isinstance(cls, type) and issubclass(cls, Claims)):
        raise ImproperlyConfigured(
            f"DJWTO_CLAIMS_CLASS must name a subclass of djwto.claims.Claims; got {path!r}."
        )
    return cls


def build_refresh_claims(
    user: Any, *, previous: dict[str, Any] | None = None, now: int | None = None
) -> dict[str, Any]:
    """The refresh claims the views would issue for ``user`` (``DJWTO_CLAIMS_CLASS``)."""
    return get_claims_class()().build_refresh(user, previous, now=now)


def build_access_claims(
    refresh_claims: dict[str, Any], *, now: int | None = None
) -> dict[str, Any]:
    """The access claims the views would derive from ``refresh_claims``."""
    return get_claims_class()().build_access(refresh_claims, now=now)
