"""djwto's settings: one table of flat ``DJWTO_*`` names, read from ``django.conf.settings`` at
use time.

:data:`SETTINGS` holds every setting once: its name, default, type, validator and a one-line
description. The runtime getters validate through it (``ImproperlyConfigured`` naming the
setting), ``checks.py`` reports the same validators' failures as system checks, and
:func:`render_settings_table` prints it for the README.

Nothing here is bound at import, so ``override_settings`` works for every setting. Values, once
read, are kept until a setting changes; objects derived from settings (imported keys, the
verified-token cache, the denylist backend) are memoised with :func:`derived` and dropped
whenever a ``DJWTO_*`` setting (or ``SECRET_KEY``) changes.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal, TypeVar, overload

from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed

MODES = ("JSON", "ONE-COOKIE", "TWO-COOKIES")
COOKIE_MODES = ("ONE-COOKIE", "TWO-COOKIES")
HMAC_ALGORITHMS = ("HS256", "HS384", "HS512")
ASYMMETRIC_ALGORITHMS = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
    # RFC 9864 names: EdDSA with the curve fixed by the algorithm.
    "Ed25519",
    "Ed448",
)
ALGORITHMS = HMAC_ALGORITHMS + ASYMMETRIC_ALGORITHMS
SAME_SITE_VALUES = ("Lax", "Strict", "None", False)

PREFIX = "DJWTO_"


# --- the table ---------------------------------------------------------------------------------


class SettingError(ValueError):
    """A setting's value that djwto cannot use.

    ``msg`` names the setting and the value, ``hint`` says what to do; ``id`` (``"E004"``...)
    overrides the setting's own check id for this failure.
    """

    def __init__(self, msg: str, hint: str | None = None, id: str | None = None) -> None:
        super().__init__(msg)
        self.msg = msg
        self.hint = hint
        self.id = id

    def __str__(self) -> str:
        return f"{self.msg} {self.hint}" if self.hint else self.msg


@dataclass(frozen=True)
class Setting:
    """One ``DJWTO_*`` setting: what it is, its default, and how a value is checked.

    ``clean`` returns the value djwto uses (``LEEWAY`` in seconds, the refresh path without
    slashes, ...) or raises :class:`SettingError`; ``check_id`` is the system check id its
    failures are reported under.
    """

    name: str
    default: Any
    type: str
    description: str
    clean: Callable[[str, Any], Any]
    check_id: str
    #: How the default reads in the docs, when its ``repr`` does not say it.
    default_doc: str | None = None

    @property
    def setting(self) -> str:
        return PREFIX + self.name


def _bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise SettingError(
            f"{PREFIX}{name} must be True or False; got {value!r}.",
            "A string such as 'False' is true in Python: use the literal True or False.",
        )
    return value


def _optional_claim(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise SettingError(f"{PREFIX}{name} must be a string or None; got {value!r}.")
    if not value:
        raise _empty_claim(name)
    return value


def _empty_claim(name: str) -> SettingError:
    return SettingError(
        f"{PREFIX}{name} is empty: djwto 0.0.4 read an empty value as unset, djwto now puts "
        "it in every token as it is.",
        f"Set {PREFIX}{name} = None to leave the claim out.",
        id="E013",
    )


def _audience(name: str, value: Any) -> str | list[str] | tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        if not value:
            raise _empty_claim(name)
        return value
    if isinstance(value, (list, tuple)):
        if not value:
            raise _empty_claim(name)
        if all(isinstance(item, str) and item for item in value):
            return value
    raise SettingError(
        f"{PREFIX}{name} must be a string, a list of non-empty strings or None; got {value!r}."
    )


def _mode(name: str, value: Any) -> str:
    if value not in MODES:
        raise SettingError(
            f"{PREFIX}{name} must be one of {', '.join(MODES)}; got {value!r}.",
            f"Use one of {', '.join(MODES)}.",
        )
    return str(value)


def _algorithm(name: str, value: Any) -> str:
    if not isinstance(value, str) or value not in ALGORITHMS:
        raise SettingError(
            f"{PREFIX}{name} must be one of {', '.join(ALGORITHMS)}; got {value!r}.",
            "'none' is never accepted.",
        )
    return value


def _key(name: str, value: Any) -> str | bytes | None:
    if value is not None and not isinstance(value, (str, bytes)):
        raise SettingError(
            f"{PREFIX}{name} must be a string or bytes (an HMAC secret or a PEM key); "
            f"got a {type(value).__name__}."
        )
    return value


def _positive_lifetime(name: str, value: Any) -> timedelta:
    if not isinstance(value, timedelta) or value <= timedelta(0):
        hint = None
        if value is None or value == timedelta(0):
            hint = (
                "djwto 0.0.4 gave tokens no expiry of their own for an empty value; every token "
                "now expires: set a datetime.timedelta (e.g. timedelta(minutes=5))."
            )
        raise SettingError(
            f"{PREFIX}{name} must be a positive datetime.timedelta; got {value!r}.", hint
        )
    return value


def _optional_lifetime(name: str, value: Any) -> timedelta | None:
    if value is None:
        return None
    return _positive_lifetime(name, value)


def _nbf_lifetime(name: str, value: Any) -> timedelta | None:
    # timedelta(0) was djwto 0.0.4's default, meaning no nbf claim: it still does.
    if value is None or value == timedelta(0):
        return None
    return _positive_lifetime(name, value)


def _grace(name: str, value: Any) -> timedelta:
    if not isinstance(value, timedelta) or value < timedelta(0):
        raise SettingError(f"{PREFIX}{name} must be a datetime.timedelta >= 0; got {value!r}.")
    return value


def _leeway(name: str, value: Any) -> int:
    seconds = value.total_seconds() if isinstance(value, timedelta) else value
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
        raise SettingError(
            f"{PREFIX}{name} must be a datetime.timedelta >= 0 (or seconds); got {value!r}."
        )
    return int(seconds)


def _path(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise SettingError(f"{PREFIX}{name} must be a string; got {value!r}.")
    return value.strip("/")


def _same_site(name: str, value: Any) -> str | Literal[False]:
    if value is False:
        return False
    if isinstance(value, str) and value in SAME_SITE_VALUES:
        return value
    hint = "Use 'Lax' (default), 'Strict' or 'None' (spelt so), or False for no attribute."
    if isinstance(value, str):
        for known in ("Lax", "Strict", "None"):
            if value.lower() == known.lower():
                hint = f"Spell it {known!r}."
    elif value is None:
        hint = (
            "djwto 0.0.4 sent no SameSite attribute for None; set False for that, or 'Lax' "
            "(the default)."
        )
    raise SettingError(f"{PREFIX}{name} {value!r} is invalid.", hint)


def _optional_str(name: str, value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise SettingError(f"{PREFIX}{name} must be a string or None; got {value!r}.")
    return value


def _str(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise SettingError(f"{PREFIX}{name} must be a string; got {value!r}.")
    return value


def _size(minimum: int) -> Callable[[str, Any], int]:
    def clean(name: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise SettingError(f"{PREFIX}{name} must be an integer >= {minimum}; got {value!r}.")
        return value

    return clean


def _permissions_claim(name: str, value: Any) -> Any:
    """``"all"``, ``"none"``, a list of app labels, or a filter (a callable or its path)."""
    if value in ("all", "none") or callable(value):
        return value
    if isinstance(value, str) and "." in value:
        return value  # a dotted path; whether it imports is checked on use and by djwto.E050
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) and v for v in value):
        return tuple(value)
    raise SettingError(
        f"{PREFIX}{name} must be 'all', 'none', a list of app labels, or a callable "
        f"(or its dotted path) filtering permissions; got {value!r}.",
        "See docs/permissions.md.",
    )


def _keys(name: str, value: Any) -> list[dict[str, Any]] | None:
    """``DJWTO_KEYS``: entries of ``algorithm`` plus one of ``key`` (PEM, secret, JWK dict,
    ``pathlib.Path``) or ``file`` (a path). Whether each key imports is checked by keys.py."""
    if value is None:
        return None
    hint = (
        'Each entry is a dict such as {"algorithm": "ES256", "file": "/etc/djwto/es256.pem"} '
        'or {"algorithm": "HS256", "key": "<secret>"}; the first one signs, all verify.'
    )
    if not isinstance(value, (list, tuple)) or not value:
        raise SettingError(
            f"{PREFIX}{name} must be a non-empty list of keys or None; got {value!r:.80}.", hint
        )
    for index, entry in enumerate(value):
        where = f"{PREFIX}{name}[{index}]"
        if not isinstance(entry, dict):
            raise SettingError(f"{where} must be a dict; got a {type(entry).__name__}.", hint)
        unknown = set(entry) - {"algorithm", "key", "file"}
        if unknown:
            raise SettingError(f"{where} has unknown fields: {', '.join(sorted(unknown))}.", hint)
        if entry.get("algorithm") not in ALGORITHMS:
            raise SettingError(
                f"{where} needs an algorithm, one of {', '.join(ALGORITHMS)}; got "
                f"{entry.get('algorithm')!r}.",
                hint,
            )
        if ("key" in entry) == ("file" in entry):
            raise SettingError(f"{where} needs exactly one of 'key' and 'file'.", hint)
        material = entry.get("key", entry.get("file"))
        allowed: tuple[type, ...] = (
            (str, bytes, dict, os.PathLike) if "key" in entry else (str, os.PathLike)
        )
        if not isinstance(material, allowed) or not material:
            raise SettingError(
                f"{where}: {'key' if 'key' in entry else 'file'} of the wrong type or empty "
                f"({type(material).__name__}).",
                hint,
            )
    return list(value)


def _import_path(name: str, value: Any) -> Any:
    """A dotted path or the class itself; whether it imports is a system check's business."""
    if not isinstance(value, (str, type)):
        raise SettingError(f"{PREFIX}{name} must be a dotted path or a class; got {value!r}.")
    return value


_TABLE = (
    Setting("MODE", "JSON", "`str`", '`"JSON"`, `"ONE-COOKIE"` or `"TWO-COOKIES"`', _mode, "E003"),
    Setting(
        "SIGNING_KEY",
        None,
        "`str`, `bytes`",
        "HMAC secret (32+ random bytes for HS256, 64 for HS512), or the private key (PEM) "
        "for RS/PS/ES/EdDSA/Ed25519/Ed448",
        _key,
        "E005",
        default_doc="env `DJWTO_SIGNING_KEY`",
    ),
    Setting(
        "VERIFYING_KEY",
        None,
        "`str`, `bytes`, `None`",
        "public key (PEM); enough on its own for a server that only verifies",
        _key,
        "E005",
    ),
    Setting(
        "ALGORITHM",
        "HS256",
        "`str`",
        "one of HS256/384/512, RS256/384/512, PS256/384/512, ES256/384/512, EdDSA, or RFC "
        "9864's Ed25519/Ed448 (joserfc marks the name EdDSA deprecated); the only one accepted",
        _algorithm,
        "E002",
    ),
    Setting(
        "KEYS",
        None,
        "`list[dict]`, `None`",
        'several keys, each `{"algorithm": ..., "key" or "file": ...}`: the first signs, all '
        "verify (tokens name theirs by `kid`); replaces the three settings above (see the keys "
        "page)",
        _keys,
        "E032",
    ),
    Setting(
        "JWKS_PATH",
        ".well-known/jwks.json",
        "`str`",
        "where `djwto.urls` serves the public keys (JWKS) of asymmetric keys",
        _path,
        "E032",
    ),
    Setting(
        "JWKS_MAX_AGE",
        timedelta(minutes=10),
        "`timedelta`, `int`",
        "how long other services may cache the JWKS document (`Cache-Control: max-age`)",
        _leeway,  # the same rule: a timedelta >= 0 or seconds
        "E032",
    ),
    Setting(
        "ISS_CLAIM", None, "`str`, `None`", "`iss` to issue and require", _optional_claim, "E011"
    ),
    Setting(
        "AUD_CLAIM",
        None,
        "`str`, `list[str]`, `None`",
        "`aud` to issue and require; tokens with an `aud` are refused while it is unset",
        _audience,
        "E011",
    ),
    Setting(
        "SUB_CLAIM",
        None,
        "`str`, `None`",
        "a fixed `sub`; by default the user's primary key as a string",
        _optional_claim,
        "E011",
    ),
    Setting("IAT_CLAIM", True, "`bool`", "issue `iat`", _bool, "E011"),
    Setting(
        "JTI_CLAIM",
        True,
        "`bool`",
        "issue a `jti` in access tokens (refresh tokens always have one: revocation needs it)",
        _bool,
        "E011",
    ),
    Setting(
        "ACCESS_TOKEN_LIFETIME",
        timedelta(minutes=5),
        "`timedelta`",
        "how long an access token is valid",
        _positive_lifetime,
        "E004",
    ),
    Setting(
        "REFRESH_TOKEN_LIFETIME",
        timedelta(days=1),
        "`timedelta`",
        "how long a refresh token is valid",
        _positive_lifetime,
        "E004",
    ),
    Setting(
        "NBF_LIFETIME",
        None,
        "`timedelta`, `None`",
        "if set, a refresh token is not valid until `iat + this` (`None` or `timedelta(0)`: "
        "no `nbf`)",
        _nbf_lifetime,
        "E004",
    ),
    Setting(
        "LEEWAY",
        timedelta(0),
        "`timedelta`, `int`, `float`",
        "clock skew allowed on `exp`/`nbf`/`iat` (seconds if a number; at most 60 s)",
        _leeway,
        "E006",
    ),
    Setting(
        "ALLOW_REFRESH_UPDATE", True, "`bool`", "enable `update_refresh` (rotation)", _bool, "E011"
    ),
    Setting(
        "REFRESH_COOKIE_PATH",
        "api/token/refresh",
        "`str`",
        "the refresh routes' prefix and the refresh cookie's Path",
        _path,
        "E011",
    ),
    Setting(
        "SAME_SITE",
        "Lax",
        "`str`, `False`",
        'SameSite of every cookie: `"Lax"`, `"Strict"`, `"None"` (needs Secure), `False`: '
        "no attribute",
        _same_site,
        "E007",
    ),
    Setting("DOMAIN", None, "`str`, `None`", "Domain of every cookie", _optional_str, "E011"),
    Setting("COOKIE_SECURE", True, "`bool`", "`Secure` on every cookie", _bool, "E011"),
    Setting(
        "CSRF",
        True,
        "`bool`",
        "CSRF checks for cookie credentials and cross-site logins",
        _bool,
        "E011",
    ),
    Setting(
        "MAX_TOKEN_BYTES",
        8192,
        "`int`",
        "longer tokens are refused before any parsing (at least 256)",
        _size(256),
        "E008",
    ),
    Setting(
        "TOKEN_CACHE_SIZE",
        4096,
        "`int`",
        "verified tokens kept per process (0 disables); see Performance",
        _size(0),
        "E008",
    ),
    Setting(
        "MAX_SESSION_LIFETIME",
        timedelta(days=30),
        "`timedelta`, `None`",
        "rotation never extends a login past this (`None`: no limit)",
        _optional_lifetime,
        "E004",
    ),
    Setting(
        "ROTATION_GRACE",
        timedelta(0),
        "`timedelta`",
        "a just-rotated refresh token is refused without counting as reuse",
        _grace,
        "E004",
    ),
    Setting(
        "CHECK_ACCESS_REVOCATION",
        False,
        "`bool`",
        "protected views also refuse access tokens of revoked sessions",
        _bool,
        "E011",
    ),
    Setting(
        "DENYLIST_BACKEND",
        "djwto.stores.DatabaseStore",
        "`str`, class",
        'dotted path of the denylist store, or `"djwto.stores.CacheStore"` '
        "(the older `djwto.denylist.*` paths still work)",
        _import_path,
        "E009",
    ),
    Setting(
        "DENYLIST_CACHE", "default", "`str`", "the `CACHES` alias of the cache store", _str, "E009"
    ),
    Setting(
        "DENYLIST_LOCAL_CACHE",
        0,
        "`int`",
        "keys of the Redis store kept per process, invalidated by Redis (0: off)",
        _size(0),
        "E008",
    ),
    Setting(
        "CLAIMS_CLASS",
        "djwto.claims.Claims",
        "`str`, class",
        "dotted path of the class that decides the tokens' claims",
        _import_path,
        "E012",
    ),
    Setting(
        "PERMISSIONS_CLAIM",
        "all",
        "`str`, `list`, callable",
        'which permissions `user.perms` lists: `"all"`, `"none"`, a list of app labels, '
        "or a callable `(user, perms) -> perms` or its dotted path; superusers list none "
        "(see docs/permissions.md)",
        _permissions_claim,
        "E050",
    ),
    Setting(
        "ACCEPT_LEGACY_TOKENS",
        True,
        "`bool`",
        "accept tokens djwto 0.0.4 issued until they expire (`False`: 401 `legacy_token`)",
        _bool,
        "E011",
    ),
    Setting(
        "SESSION_RECORDS",
        False,
        "`bool`",
        "keep a record of each session (login) that its user can list and revoke; see "
        "docs/sessions.md",
        _bool,
        "E011",
    ),
)

#: Every setting, by name without the ``DJWTO_`` prefix.
SETTINGS: dict[str, Setting] = {spec.name: spec for spec in _TABLE}
DEFAULTS: dict[str, Any] = {spec.name: spec.default for spec in _TABLE}


def clean(name: str, value: Any) -> Any:
    """``value`` as djwto uses it for setting ``name``; :class:`SettingError` if unusable."""
    return SETTINGS[name].clean(name, value)


def get_validated(name: str) -> Any:
    """The validated value of ``DJWTO_<name>`` (e.g. ``"DENYLIST_LOCAL_CACHE"``).

    Raises ``ImproperlyConfigured`` naming the setting and what to do. Kept like
    :data:`djwto_settings` values: after the first read it costs a dictionary lookup.
    """
    return getattr(validated_settings, name)


# --- read-through values -----------------------------------------------------------------------


class Settings:
    """Read-through access: ``djwto_settings.MODE`` is ``settings.DJWTO_MODE`` or its default.

    A value, once read, is kept on this object until a setting changes (``setting_changed``,
    which ``override_settings`` and pytest-django's ``settings.X = ...`` send), so the dozen
    reads of a request cost an attribute lookup each instead of a miss in Django's settings.
    Deleting a setting through pytest-django's fixture sends no signal: call
    :func:`clear_derived` after it.
    """

    def read_raw(self, name: str) -> Any:
        try:
            default = SETTINGS[name].default
        except KeyError:
            raise AttributeError(f"djwto has no setting {name!r}") from None
        return getattr(django_settings, PREFIX + name, default)

    def __getattr__(self, name: str) -> Any:
        generation = _values_generation
        value = self.read_raw(name)
        with _values_lock:
            # Not if a setting changed since we read it: the value could be the old one.
            if generation == _values_generation:
                self.__dict__[name] = value
        return value


class ValidatedSettings(Settings):
    """``validated_settings.LEEWAY``: the value validated by the table (seconds, here).

    An unusable value raises ``ImproperlyConfigured`` on every read (nothing is kept).
    """

    def read_raw(self, name: str) -> Any:
        value = super().read_raw(name)
        try:
            return SETTINGS[name].clean(name, value)
        except SettingError as exc:
            raise ImproperlyConfigured(str(exc)) from None


def _forget_values() -> None:
    global _values_generation
    with _values_lock:
        _values_generation += 1
        djwto_settings.__dict__.clear()
        validated_settings.__dict__.clear()


_values_lock = threading.Lock()
_values_generation = 0
djwto_settings = Settings()
validated_settings = ValidatedSettings()

T = TypeVar("T")
_derived_cache_clearers: list[Callable[[], None]] = [_forget_values]


def derived(func: Callable[[], T]) -> Callable[[], T]:
    """Memoise a zero-argument function of the settings until a djwto setting changes."""
    cached = functools.cache(func)
    _derived_cache_clearers.append(cached.cache_clear)
    return cached


def on_clear_derived(func: Callable[[], None]) -> Callable[[], None]:
    """Call ``func`` whenever derived objects are dropped (to stop what they started)."""
    _derived_cache_clearers.append(func)
    return func


def clear_derived() -> None:
    for clear_one in _derived_cache_clearers:
        clear_one()


def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith(PREFIX) or setting in ("SECRET_KEY", "CACHES", "AUTH_USER_MODEL"):
        clear_derived()


setting_changed.connect(_on_setting_changed, dispatch_uid="djwto.conf.setting_changed")


# --- getters ------------------------------------------------------------------------------------


def get_mode() -> str:
    mode: str = validated_settings.MODE
    return mode


def get_algorithm() -> str:
    algorithm: str = validated_settings.ALGORITHM
    return algorithm


def get_raw_signing_key() -> str | bytes | None:
    """The configured signing key, else the ``DJWTO_SIGNING_KEY`` environment variable."""
    key: str | bytes | None = validated_settings.SIGNING_KEY
    if key is None:
        key = os.environ.get("DJWTO_SIGNING_KEY")
    return key or None


def get_signing_key() -> str | bytes:
    """The signing key; ``ImproperlyConfigured`` naming the setting when it is missing."""
    key = get_raw_signing_key()
    if not key:
        raise ImproperlyConfigured(
            "DJWTO_SIGNING_KEY is missing or empty: set it in your settings or in the "
            "DJWTO_SIGNING_KEY environment variable (for HS* a random string of 32+ bytes, e.g. "
            "secrets.token_urlsafe(64); for RS/PS/ES/EdDSA the private key in PEM)."
        )
    return key


@overload
def get_lifetime(name: str, *, optional: Literal[False] = False) -> timedelta: ...
@overload
def get_lifetime(name: str, *, optional: bool) -> timedelta | None: ...
def get_lifetime(name: str, *, optional: bool = False) -> timedelta | None:
    """A lifetime setting, validated by the table (``None`` only where ``optional``)."""
    value: timedelta | None = getattr(validated_settings, name)
    if value is None and not optional:
        raise ImproperlyConfigured(f"{PREFIX}{name} must be a positive datetime.timedelta.")
    return value


def get_leeway() -> int:
    """``DJWTO_LEEWAY`` in whole seconds."""
    leeway: int = validated_settings.LEEWAY
    return leeway


def get_refresh_path() -> str:
    """The refresh cookie's path and URL prefix, without surrounding slashes."""
    path: str = validated_settings.REFRESH_COOKIE_PATH
    return path


# --- docs ---------------------------------------------------------------------------------------


def _show_default(spec: Setting) -> str:
    if spec.default_doc is not None:
        return spec.default_doc
    value = spec.default
    if isinstance(value, timedelta):
        seconds = int(value.total_seconds())
        for unit, size in (("days", 86400), ("hours", 3600), ("minutes", 60)):
            if seconds and seconds % size == 0:
                return f"`timedelta({unit}={seconds // size})`"
        return f"`timedelta(seconds={seconds})`" if seconds else "`timedelta(0)`"
    if isinstance(value, str):
        return f'`"{value}"`'
    return f"`{value!r}`"


def render_settings_table() -> str:
    """The settings reference as a Markdown table (docs/reference/settings.md renders it)."""
    lines = ["| setting | default | type | meaning |", "|---|---|---|---|"]
    for spec in _TABLE:
        lines.append(
            f"| `{spec.setting}` | {_show_default(spec)} | {spec.type} | {spec.description} |"
        )
    return "\n".join(lines) + "\n"
