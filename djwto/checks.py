"""System checks (``manage.py check``): misconfiguration is loud and early.

Errors:
- ``djwto.E001`` the signing key is missing or empty
- ``djwto.E002`` ``DJWTO_ALGORITHM`` is ``none`` or not supported
- ``djwto.E003`` ``DJWTO_MODE`` is unknown
- ``djwto.E004`` a lifetime is not a positive ``timedelta`` (or the grace is negative)
- ``djwto.E005`` a key cannot be used with the algorithm (wrong type, or asymmetric keys missing)
- ``djwto.E006`` ``DJWTO_LEEWAY`` is invalid or above 60 seconds
- ``djwto.E007`` ``DJWTO_SAME_SITE`` is invalid, or ``None`` without ``Secure``
- ``djwto.E008`` ``DJWTO_MAX_TOKEN_BYTES``, ``DJWTO_TOKEN_CACHE_SIZE`` or
  ``DJWTO_DENYLIST_LOCAL_CACHE`` is not a valid size
- ``djwto.E009`` the denylist backend or its cache alias does not exist
- ``djwto.E020`` the denylist table (``djwto_deniedtoken``) is missing from the database

Warnings:
- ``djwto.W001`` an HMAC key shorter than the hash output (32 bytes for HS256)
- ``djwto.W002`` the signing key is Django's ``SECRET_KEY``
- ``djwto.W003`` the access token lives longer than the refresh token
- ``djwto.W004`` cookies are not ``Secure`` while ``DEBUG`` is off
- ``djwto.W005`` CSRF protection is off in a cookie mode
- ``djwto.W006`` the cache denylist uses a per-process (local-memory) cache
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from .conf import (
    ALGORITHMS,
    COOKIE_MODES,
    HMAC_ALGORITHMS,
    MODES,
    djwto_settings,
    get_raw_signing_key,
)

MAX_LEEWAY_SECONDS = 60
_HASH_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}


def _error(msg: str, id: str, hint: str | None = None) -> checks.Error:
    return checks.Error(msg, hint=hint, id=f"djwto.{id}")


def _warning(msg: str, id: str, hint: str | None = None) -> checks.Warning:
    return checks.Warning(msg, hint=hint, id=f"djwto.{id}")


def _check_algorithm_and_keys() -> list[checks.CheckMessage]:
    algorithm = djwto_settings.ALGORITHM
    if algorithm not in ALGORITHMS:
        return [
            _error(
                f"DJWTO_ALGORITHM {algorithm!r} is not supported.",
                "E002",
                f"Use one of {', '.join(ALGORITHMS)}; 'none' is never accepted.",
            )
        ]
    key = get_raw_signing_key()
    if algorithm in HMAC_ALGORITHMS:
        if not key:
            return [
                _error(
                    "DJWTO_SIGNING_KEY is missing or empty.",
                    "E001",
                    "Set DJWTO_SIGNING_KEY (setting or environment variable) to a random "
                    f"string of at least {_HASH_BYTES[algorithm]} bytes.",
                )
            ]
        messages: list[checks.CheckMessage] = []
        raw = key.encode() if isinstance(key, str) else key
        if len(raw) < _HASH_BYTES[algorithm]:
            messages.append(
                _warning(
                    f"DJWTO_SIGNING_KEY is {len(raw)} bytes, shorter than the {algorithm} hash "
                    f"({_HASH_BYTES[algorithm]} bytes): it can be brute-forced from one token.",
                    "W001",
                    "Use e.g. secrets.token_urlsafe(64).",
                )
            )
        if key == getattr(settings, "SECRET_KEY", None):
            messages.append(
                _warning(
                    "DJWTO_SIGNING_KEY is SECRET_KEY: a leak of either compromises both.",
                    "W002",
                    "Give djwto its own random key.",
                )
            )
        return messages + _check_key_import()
    if not key and not djwto_settings.VERIFYING_KEY:
        return [
            _error(
                f"{algorithm} needs DJWTO_SIGNING_KEY (private key, PEM) and/or "
                "DJWTO_VERIFYING_KEY (public key, PEM).",
                "E005",
            )
        ]
    return _check_key_import()


def _check_key_import() -> list[checks.CheckMessage]:
    from .backends import get_signing_material

    try:
        get_signing_material.__wrapped__()  # type: ignore[attr-defined]
    except ImproperlyConfigured as exc:
        return [_error(str(exc), "E005")]
    return []


def _check_lifetimes() -> list[checks.CheckMessage]:
    messages: list[checks.CheckMessage] = []
    values: dict[str, Any] = {}
    for name, optional in (
        ("ACCESS_TOKEN_LIFETIME", False),
        ("REFRESH_TOKEN_LIFETIME", False),
        ("NBF_LIFETIME", True),
        ("MAX_SESSION_LIFETIME", True),
    ):
        value = getattr(djwto_settings, name)
        values[name] = value
        if value is None and optional:
            continue
        if not isinstance(value, timedelta) or value <= timedelta(0):
            messages.append(
                _error(
                    f"DJWTO_{name} must be a positive datetime.timedelta; got {value!r}.", "E004"
                )
            )
    grace = djwto_settings.ROTATION_GRACE
    if not isinstance(grace, timedelta) or grace < timedelta(0):
        messages.append(
            _error(f"DJWTO_ROTATION_GRACE must be a timedelta >= 0; got {grace!r}.", "E004")
        )
    access, refresh = values["ACCESS_TOKEN_LIFETIME"], values["REFRESH_TOKEN_LIFETIME"]
    if not messages and access > refresh:
        messages.append(
            _warning(
                "DJWTO_ACCESS_TOKEN_LIFETIME is longer than "
                "DJWTO_REFRESH_TOKEN_LIFETIME; access tokens are cut to the "
                "refresh token's expiry.",
                "W003",
            )
        )
    leeway = djwto_settings.LEEWAY
    seconds = leeway.total_seconds() if isinstance(leeway, timedelta) else leeway
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
        messages.append(_error(f"DJWTO_LEEWAY must be a timedelta >= 0; got {leeway!r}.", "E006"))
    elif seconds > MAX_LEEWAY_SECONDS:
        messages.append(
            _error(
                f"DJWTO_LEEWAY is {seconds:g}s; more than {MAX_LEEWAY_SECONDS}s "
                "keeps expired tokens alive.",
                "E006",
                "Fix clock skew with NTP instead.",
            )
        )
    return messages


def _check_transport() -> list[checks.CheckMessage]:
    mode = djwto_settings.MODE
    if mode not in MODES:
        return [
            _error(f"DJWTO_MODE {mode!r} is unknown.", "E003", f"Use one of {', '.join(MODES)}.")
        ]
    messages: list[checks.CheckMessage] = []
    same_site = djwto_settings.SAME_SITE
    secure = djwto_settings.COOKIE_SECURE
    if same_site not in ("Lax", "Strict", "None", False):
        messages.append(
            _error(
                f"DJWTO_SAME_SITE {same_site!r} is invalid.",
                "E007",
                "Use 'Lax' (default), 'Strict' or 'None'.",
            )
        )
    elif same_site == "None" and not secure:
        messages.append(
            _error(
                "DJWTO_SAME_SITE='None' without DJWTO_COOKIE_SECURE: browsers drop such cookies.",
                "E007",
            )
        )
    if mode in COOKIE_MODES:
        if not secure and not settings.DEBUG:
            messages.append(
                _warning(
                    "DJWTO_COOKIE_SECURE is off outside DEBUG: token cookies "
                    "travel over plain HTTP.",
                    "W004",
                )
            )
        if not djwto_settings.CSRF:
            messages.append(
                _warning(
                    f"DJWTO_CSRF is off in {mode} mode: any site can make the "
                    "browser use the token cookies.",
                    "W005",
                )
            )
    return messages


def _check_sizes() -> list[checks.CheckMessage]:
    messages = []
    for name, minimum in (
        ("MAX_TOKEN_BYTES", 256),
        ("TOKEN_CACHE_SIZE", 0),
        ("DENYLIST_LOCAL_CACHE", 0),
    ):
        value = getattr(djwto_settings, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            messages.append(
                _error(f"DJWTO_{name} must be an integer >= {minimum}; got {value!r}.", "E008")
            )
    return messages


def _check_denylist() -> list[checks.CheckMessage]:
    backend = djwto_settings.DENYLIST_BACKEND
    try:
        cls = import_string(backend) if isinstance(backend, str) else backend
    except ImportError as exc:
        return [_error(f"DJWTO_DENYLIST_BACKEND {backend!r} cannot be imported: {exc}", "E009")]
    from .denylist import CacheDenylist

    if isinstance(cls, type) and issubclass(cls, CacheDenylist):
        alias = djwto_settings.DENYLIST_CACHE
        caches = getattr(settings, "CACHES", {})
        if alias not in caches:
            return [_error(f"DJWTO_DENYLIST_CACHE {alias!r} is not in CACHES.", "E009")]
        if "locmem" in caches[alias].get("BACKEND", "").lower():
            return [
                _warning(
                    "The cache denylist uses a local-memory cache: revocations are not "
                    "shared between processes.",
                    "W006",
                    "Point DJWTO_DENYLIST_CACHE at a Redis cache.",
                )
            ]
    return []


@checks.register(checks.Tags.security)
def check_djwto_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    return [
        *_check_algorithm_and_keys(),
        *_check_lifetimes(),
        *_check_transport(),
        *_check_sizes(),
        *_check_denylist(),
    ]


# --- the denylist table (upgrades from djwto 0.0.4) -------------------------------------------
#
# A database check, run by plain ``manage.py check`` (and ``runserver``) on the database the
# denylist writes to, and by ``migrate`` / ``check --database`` on the databases named. Inside
# ``migrate`` a table that djwto's pending migrations will create is not an error (or the
# migrate that creates it would be refused). A database that cannot be reached is not
# reported here: the connection error says more.


def _denylist_table_status(alias: str) -> tuple[bool, bool]:
    """(the table exists, djwto has unapplied migrations) on ``alias``."""
    from django.db import connections
    from django.db.migrations.loader import MigrationLoader

    from .models import DeniedToken

    connection = connections[alias]
    with connection.cursor() as cursor:
        exists = DeniedToken._meta.db_table in connection.introspection.table_names(cursor)
    if exists:
        return True, False
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    pending = any(key not in loader.applied_migrations for key in loader.graph.leaf_nodes("djwto"))
    return False, pending


@checks.register(checks.Tags.database)
def check_denylist_table(
    app_configs: Any = None, databases: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    from django.db import router

    from .denylist import DatabaseDenylist
    from .models import DeniedToken

    backend = djwto_settings.DENYLIST_BACKEND
    try:
        cls = import_string(backend) if isinstance(backend, str) else backend
    except ImportError:
        return []  # djwto.E009 says so
    if not (isinstance(cls, type) and issubclass(cls, DatabaseDenylist)):
        return []
    in_migrate = databases is not None
    aliases = databases if in_migrate else [router.db_for_write(DeniedToken)]
    messages: list[checks.CheckMessage] = []
    for alias in aliases:
        if not router.allow_migrate_model(alias, DeniedToken):
            continue
        try:
            exists, pending = _denylist_table_status(alias)
        except Exception:  # noqa: S112 - unreachable or unconfigured database: nothing to tell
            continue
        if exists or (pending and in_migrate):
            continue
        messages.append(
            _error(
                f"The denylist table {DeniedToken._meta.db_table!r} is missing from database "
                f"{alias!r}: every refresh, validate_refresh and logout would answer 503.",
                "E020",
                "Run `python manage.py migrate djwto`."
                if pending
                else "djwto's migrations are recorded as applied but the table is not there. "
                "Run `python manage.py migrate djwto 0001 --fake --skip-checks`, then "
                "`python manage.py migrate djwto`.",
            )
        )
    return messages
