"""System checks (``manage.py check``): misconfiguration is loud and early.

Every setting's value is checked by its validator in :data:`djwto.conf.SETTINGS` (the same one
the runtime getters use); the checks below add what needs several settings or the outside world.

Errors:
- ``djwto.E001`` the signing key is missing or empty
- ``djwto.E002`` ``DJWTO_ALGORITHM`` is ``none`` or not supported
- ``djwto.E003`` ``DJWTO_MODE`` is unknown
- ``djwto.E004`` a lifetime is not a positive ``timedelta`` (or the grace is negative); for
  ``None``, which djwto 0.0.4 read as "no expiry", the hint names the replacement
- ``djwto.E005`` a key cannot be used with the algorithm (wrong type, or asymmetric keys missing)
- ``djwto.E006`` ``DJWTO_LEEWAY`` is invalid or above 60 seconds
- ``djwto.E007`` ``DJWTO_SAME_SITE`` is invalid (0.0.4's lower-case spellings and ``None``
  included: the hint names the replacement), or ``"None"`` without ``Secure``
- ``djwto.E008`` ``DJWTO_MAX_TOKEN_BYTES``, ``DJWTO_TOKEN_CACHE_SIZE`` or
  ``DJWTO_DENYLIST_LOCAL_CACHE`` is not a valid size
- ``djwto.E009`` the denylist backend or its cache alias does not exist
- ``djwto.E010`` the HMAC key is weaker than RFC 7518 §3.2 allows: shorter than the hash output
  (32 bytes for HS256), or a placeholder such as ``change-me`` (this was the warning W001)
- ``djwto.E011`` a setting without a check of its own has a value of the wrong type (a flag that
  is not ``True``/``False``, a claim or cookie domain that is not a string, ...)
- ``djwto.E012`` ``DJWTO_CLAIMS_CLASS`` (when set) cannot be imported or is not a class
- ``djwto.E013`` ``DJWTO_ISS_CLAIM``, ``DJWTO_SUB_CLAIM`` or ``DJWTO_AUD_CLAIM`` is empty:
  djwto 0.0.4 read that as unset; the replacement is ``None``
- ``djwto.E020`` the denylist table (``djwto_deniedtoken``) is missing from the database
- ``djwto.E050`` ``DJWTO_PERMISSIONS_CLAIM`` is not ``"all"``, ``"none"``, a list of app labels
  or a callable (or the dotted path of one that imports)
- ``djwto.E030`` ``DJWTO_SIGNING_KEY`` / ``DJWTO_VERIFYING_KEY`` is set but is not one of
  ``DJWTO_KEYS`` (which alone decides): the tokens it signed would be refused
- ``djwto.E031`` two keys with one ``kid`` (the same key listed twice)
- ``djwto.E032`` ``DJWTO_KEYS`` is malformed, a key file cannot be read, or a JWKS setting is
  invalid
- ``djwto.E040`` the cache store's cache keeps nothing (``DummyCache``): every revocation is lost
- ``djwto.E041`` the cache store's cache is per-process (local memory) while the environment
  says several processes serve the site (``WEB_CONCURRENCY``, ``GUNICORN_CMD_ARGS``,
  ``UWSGI_PROCESSES``)
- ``djwto.E042`` the Python package the cache store's cache backend needs (``redis``,
  ``pymemcache``, ``pylibmc``) is not installed
- ``djwto.E060`` ``DJWTO_SESSION_RECORDS`` is on and the session records table
  (``djwto_sessionrecord``) is missing from the database

Warnings:
- ``djwto.W002`` the signing key is Django's ``SECRET_KEY``
- ``djwto.W003`` the access token lives longer than the refresh token
- ``djwto.W004`` cookies are not ``Secure`` while ``DEBUG`` is off
- ``djwto.W005`` CSRF protection is off in a cookie mode
- ``djwto.W006`` the cache denylist uses a per-process (local-memory) cache
- ``djwto.W007`` ``DJWTO_JTI_CLAIM = False``: in djwto 0.0.4 it left ``jti`` out of every token
  (and so turned revocation off); refresh tokens now always carry one
- ``djwto.W008`` a ``DJWTO_*`` setting djwto does not know (a typo?), naming the closest known one
- ``djwto.W050`` the permissions of the largest group, or of the user with the most permissions
  of their own, would make a token too large for its cookie (or ``DJWTO_MAX_TOKEN_BYTES``): that
  user's login would fail (a database check)
- ``djwto.W030`` a private key file can be read by group or others

Infos:
- ``djwto.I030`` asymmetric keys, but no route serves the JWKS document
- ``djwto.I031`` ``DJWTO_KEYS`` holds HMAC secrets only: the JWKS route answers 404
- ``djwto.W040`` the cache store uses Memcached, which evicts keys when full and keeps nothing
  across a restart
- ``djwto.W041`` the cache store's cache culls entries beyond ``MAX_ENTRIES`` (file and
  database caches)
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from .conf import (
    COOKIE_MODES,
    HMAC_ALGORITHMS,
    PREFIX,
    SETTINGS,
    SettingError,
    djwto_settings,
    get_raw_signing_key,
)

MAX_LEEWAY_SECONDS = 60
_HASH_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}
#: Keys copied from a README or a template rather than generated.
_PLACEHOLDER = re.compile(rb"change[-_ ]?me", re.IGNORECASE)
_SIZES = ("MAX_TOKEN_BYTES", "TOKEN_CACHE_SIZE", "DENYLIST_LOCAL_CACHE")


def _error(msg: str, id: str, hint: str | None = None) -> checks.CheckMessage:
    return checks.Error(msg, hint=hint, id=f"djwto.{id}")


def _warning(msg: str, id: str, hint: str | None = None) -> checks.CheckMessage:
    return checks.Warning(msg, hint=hint, id=f"djwto.{id}")


def _check_values(names: Iterable[str]) -> tuple[list[checks.CheckMessage], set[str]]:
    """The table's validators on the configured values: the errors, and the names that failed."""
    messages: list[checks.CheckMessage] = []
    failed: set[str] = set()
    for name in names:
        spec = SETTINGS[name]
        try:
            spec.clean(name, getattr(djwto_settings, name))
        except SettingError as exc:
            failed.add(name)
            messages.append(_error(exc.msg, exc.id or spec.check_id, exc.hint))
    return messages, failed


def _check_sizes() -> list[checks.CheckMessage]:
    return _check_values(_SIZES)[0]


def _check_algorithm_and_keys(failed: set[str]) -> list[checks.CheckMessage]:
    if "KEYS" in failed:
        return []
    if djwto_settings.KEYS:
        return _check_key_list()
    if failed & {"ALGORITHM", "SIGNING_KEY", "VERIFYING_KEY"}:
        return []
    algorithm = djwto_settings.ALGORITHM
    key = get_raw_signing_key()
    if algorithm in HMAC_ALGORITHMS:
        if not key:
            return [
                _error(
                    "DJWTO_SIGNING_KEY is missing or empty.",
                    "E001",
                    "Set DJWTO_SIGNING_KEY (setting or environment variable) to a random "
                    f"string of at least {_HASH_BYTES[algorithm]} bytes, e.g. "
                    "secrets.token_urlsafe(64).",
                )
            ]
        messages = _check_hmac_strength(key, algorithm)
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


def _check_hmac_strength(
    key: str | bytes, algorithm: str, name: str = "DJWTO_SIGNING_KEY"
) -> list[checks.CheckMessage]:
    """RFC 7518 §3.2: an HMAC key at least as long as the hash, and not a copied placeholder."""
    raw = key.encode() if isinstance(key, str) else key
    hint = "Generate one: python -c 'import secrets; print(secrets.token_urlsafe(64))'."
    if _PLACEHOLDER.search(raw):
        return [
            _error(
                f"{name} is a placeholder ('change-me'): anyone who read the same "
                "example can sign tokens.",
                "E010",
                hint,
            )
        ]
    if len(raw) < _HASH_BYTES[algorithm]:
        return [
            _error(
                f"{name} is {len(raw)} bytes, shorter than the {algorithm} hash "
                f"({_HASH_BYTES[algorithm]} bytes, RFC 7518 §3.2): it can be brute-forced "
                "from one token.",
                "E010",
                hint,
            )
        ]
    return []


def _check_key_import() -> list[checks.CheckMessage]:
    from .keys import KeyConfigError, load_key_set

    try:
        load_key_set()
    except KeyConfigError as exc:
        return [_error(str(exc), exc.check_id)]
    except ImproperlyConfigured as exc:
        return [_error(str(exc), "E005")]
    return []


def _check_lifetimes(failed: set[str]) -> list[checks.CheckMessage]:
    messages: list[checks.CheckMessage] = []
    if not failed & {"ACCESS_TOKEN_LIFETIME", "REFRESH_TOKEN_LIFETIME"}:
        access = djwto_settings.ACCESS_TOKEN_LIFETIME
        refresh = djwto_settings.REFRESH_TOKEN_LIFETIME
        if access > refresh:
            messages.append(
                _warning(
                    "DJWTO_ACCESS_TOKEN_LIFETIME is longer than "
                    "DJWTO_REFRESH_TOKEN_LIFETIME; access tokens are cut to the "
                    "refresh token's expiry.",
                    "W003",
                )
            )
    if "LEEWAY" not in failed:
        seconds = _seconds(djwto_settings.LEEWAY)
        if seconds > MAX_LEEWAY_SECONDS:
            messages.append(
                _error(
                    f"DJWTO_LEEWAY is {seconds:g}s; more than {MAX_LEEWAY_SECONDS}s "
                    "keeps expired tokens alive.",
                    "E006",
                    "Fix clock skew with NTP instead.",
                )
            )
    return messages


def _seconds(value: timedelta | float) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else value


def _check_transport(failed: set[str]) -> list[checks.CheckMessage]:
    if "MODE" in failed:
        return []
    mode = djwto_settings.MODE
    messages: list[checks.CheckMessage] = []
    secure = djwto_settings.COOKIE_SECURE
    if (
        not failed & {"SAME_SITE", "COOKIE_SECURE"}
        and djwto_settings.SAME_SITE == "None"
        and not secure
    ):
        messages.append(
            _error(
                "DJWTO_SAME_SITE='None' without DJWTO_COOKIE_SECURE: browsers drop such cookies.",
                "E007",
            )
        )
    if mode in COOKIE_MODES:
        if "COOKIE_SECURE" not in failed and not secure and not settings.DEBUG:
            messages.append(
                _warning(
                    "DJWTO_COOKIE_SECURE is off outside DEBUG: token cookies "
                    "travel over plain HTTP.",
                    "W004",
                )
            )
        if "CSRF" not in failed and not djwto_settings.CSRF:
            messages.append(
                _warning(
                    f"DJWTO_CSRF is off in {mode} mode: any site can make the "
                    "browser use the token cookies.",
                    "W005",
                )
            )
    return messages


def _check_denylist(failed: set[str]) -> list[checks.CheckMessage]:
    if "DENYLIST_BACKEND" in failed:
        return []
    backend = djwto_settings.DENYLIST_BACKEND
    try:
        cls = import_string(backend) if isinstance(backend, str) else backend
    except ImportError as exc:
        return [_error(f"DJWTO_DENYLIST_BACKEND {backend!r} cannot be imported: {exc}", "E009")]
    from .stores import CacheStore

    if isinstance(cls, type) and issubclass(cls, CacheStore) and "DENYLIST_CACHE" not in failed:
        alias = djwto_settings.DENYLIST_CACHE
        caches = getattr(settings, "CACHES", {})
        if alias not in caches:
            return [_error(f"DJWTO_DENYLIST_CACHE {alias!r} is not in CACHES.", "E009")]
        if "locmem" in caches[alias].get("BACKEND", "").lower() and not _several_processes():
            return [
                _warning(
                    "The cache denylist uses a local-memory cache: revocations are not "
                    "shared between processes.",
                    "W006",
                    "Point DJWTO_DENYLIST_CACHE at a Redis cache.",
                )
            ]
    return []


def _check_claims_class(failed: set[str]) -> list[checks.CheckMessage]:
    """Only a project's own value is imported here: the default is djwto's and tested with it."""
    if "CLAIMS_CLASS" in failed or not hasattr(settings, PREFIX + "CLAIMS_CLASS"):
        return []
    value = djwto_settings.CLAIMS_CLASS
    if isinstance(value, type):
        return []
    try:
        cls = import_string(value)
    except ImportError as exc:
        return [_error(f"DJWTO_CLAIMS_CLASS {value!r} cannot be imported: {exc}", "E012")]
    if not isinstance(cls, type):
        return [_error(f"DJWTO_CLAIMS_CLASS {value!r} is not a class.", "E012")]
    return []


def _check_004_meanings(failed: set[str]) -> list[checks.CheckMessage]:
    """Values djwto 0.0.4 accepted that still work, but no longer mean the same."""
    if "JTI_CLAIM" not in failed and djwto_settings.JTI_CLAIM is False:
        return [
            _warning(
                "DJWTO_JTI_CLAIM is False: djwto 0.0.4 then left jti out of every token (and "
                "so never revoked them); refresh tokens now always carry one, only access "
                "tokens go without.",
                "W007",
                "Remove the setting to give access tokens a jti too, or silence djwto.W007.",
            )
        ]
    return []


def _check_unknown_names() -> list[checks.CheckMessage]:
    messages: list[checks.CheckMessage] = []
    for setting in dir(settings):
        if not setting.startswith(PREFIX) or setting[len(PREFIX) :] in SETTINGS:
            continue
        # Without the shared prefix, which would make every name look close.
        close = difflib.get_close_matches(setting[len(PREFIX) :], list(SETTINGS), n=1)
        messages.append(
            _warning(
                f"{setting} is not a djwto setting: djwto ignores it.",
                "W008",
                f"Did you mean {PREFIX}{close[0]}?"
                if close
                else "See the settings list (djwto.conf.SETTINGS).",
            )
        )
    return messages


@checks.register(checks.Tags.security)
def check_djwto_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    messages, failed = _check_values(SETTINGS)
    return [
        *messages,
        *_check_algorithm_and_keys(failed),
        *_check_jwks(failed),
        *_check_lifetimes(failed),
        *_check_transport(failed),
        *_check_denylist(failed),
        *_check_denylist_cache(failed),
        *_check_claims_class(failed),
        *([] if "PERMISSIONS_CLAIM" in failed else _check_permissions_claim()),
        *_check_004_meanings(failed),
        *_check_unknown_names(),
    ]


# --- keys: several keys, kids, the JWKS document ---------------------------------------------


def _check_key_list() -> list[checks.CheckMessage]:
    """``DJWTO_KEYS``: each HMAC secret strong enough, every key usable, one kid per key, and a
    leftover ``DJWTO_SIGNING_KEY``/``DJWTO_VERIFYING_KEY`` among them."""
    from .keys import KeyConfigError, legacy_key, load_key_set

    messages: list[checks.CheckMessage] = []
    for index, entry in enumerate(djwto_settings.KEYS):
        value = entry.get("key")
        if entry["algorithm"] in HMAC_ALGORITHMS and isinstance(value, (str, bytes)):
            messages += _check_hmac_strength(value, entry["algorithm"], f"DJWTO_KEYS[{index}]")
    imported = _check_key_import()
    if messages or imported:
        return messages + imported
    key_set = load_key_set()
    messages += _check_key_files(key_set)
    if get_raw_signing_key() or djwto_settings.VERIFYING_KEY:
        try:
            kid: str | None = legacy_key().kid
        except KeyConfigError:
            kid = None
        if kid not in key_set.by_kid:
            messages.append(
                _error(
                    "DJWTO_SIGNING_KEY (or DJWTO_VERIFYING_KEY) is set but is not one of "
                    "DJWTO_KEYS, which alone decides: the tokens that key signed are refused.",
                    "E030",
                    "Add it to DJWTO_KEYS as a verifying key until its tokens have expired "
                    "(docs/keys.md, rotation), or remove the setting and its environment "
                    "variable.",
                )
            )
    return messages


def _jwks_route_reachable() -> bool:
    from django.urls import NoReverseMatch, resolve, reverse

    from .views import JWKSView

    try:
        match = resolve(reverse("jwks"))
    except NoReverseMatch:
        return False
    return getattr(match.func, "view_class", None) is JWKSView


def _check_key_files(key_set: Any) -> list[checks.CheckMessage]:
    messages: list[checks.CheckMessage] = []
    for key in key_set.keys:
        if key.path is None or key.private is None:
            continue
        mode = key.path.stat().st_mode
        if mode & 0o077:
            messages.append(
                _warning(
                    f"{key.source}: the private key file {str(key.path)!r} can be read by "
                    f"other users (mode {mode & 0o777:o}).",
                    "W030",
                    f"chmod 600 {key.path}",
                )
            )
    return messages


def _check_jwks(failed: set[str]) -> list[checks.CheckMessage]:
    """Whether other services can fetch the public keys (only once the keys load)."""
    from .keys import load_key_set

    if failed & {"KEYS", "JWKS_PATH", "ALGORITHM", "SIGNING_KEY", "VERIFYING_KEY"}:
        return []
    try:
        key_set = load_key_set()
    except ImproperlyConfigured:
        return []  # reported above
    asymmetric = key_set.jwks() is not None
    try:
        reachable = _jwks_route_reachable()
    except Exception:  # a broken URLconf is reported by Django's own checks
        return []
    if asymmetric and not reachable:
        return [
            checks.Info(
                "djwto has asymmetric keys (DJWTO_KEYS or DJWTO_ALGORITHM) but no route serves "
                "their JWKS document: other services cannot fetch the public keys.",
                hint='Include djwto.urls, or route djwto.views.JWKSView yourself, named "jwks".',
                id="djwto.I030",
            )
        ]
    # Said only to who set DJWTO_KEYS: a one-secret HS256 project is not asking for a JWKS.
    if reachable and not asymmetric and djwto_settings.KEYS:
        return [
            checks.Info(
                "DJWTO_KEYS holds HMAC secrets only, which are never published: the JWKS "
                "endpoint answers 404 and only services holding a secret can verify tokens.",
                hint="Add an asymmetric key (ES256, EdDSA, RS256) to publish its public key "
                "(docs/keys.md).",
                id="djwto.I031",
            )
        ]
    return []


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


# Not tagged "database": Django 6 runs such checks only when a database is named, and a missing
# table must show in a plain `manage.py check` too (it reaches the database only here).
@checks.register()
def check_denylist_table(
    app_configs: Any = None, databases: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    from django.db import router

    from .models import DeniedToken
    from .stores import DatabaseStore

    backend = djwto_settings.DENYLIST_BACKEND
    try:
        cls = import_string(backend) if isinstance(backend, str) else backend
    except ImportError:
        return []  # djwto.E009 says so
    if not (isinstance(cls, type) and issubclass(cls, DatabaseStore)):
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


# --- the permission claim -------------------------------------------------------------------
#
# Every permission a user holds travels in ``user.perms`` (unless DJWTO_PERMISSIONS_CLAIM keeps
# fewer); a token too large for its cookie cannot be issued, so that user cannot log in. A
# database check: it builds, with the project's claims class and policy, the tokens of the
# user holding the most permissions of their own and of a member of the largest group.


def _check_permissions_claim() -> list[checks.CheckMessage]:
    """A filter's dotted path that does not import (other bad values: the table's validator)."""
    from .claims import get_permissions_filter

    try:
        get_permissions_filter.__wrapped__()  # type: ignore[attr-defined]
    except ImproperlyConfigured as exc:
        return [_error(str(exc), "E050", "See docs/permissions.md.")]
    return []


def _token_problem(user: Any) -> str | None:
    """Why the tokens djwto would issue ``user`` cannot be delivered, or ``None``."""
    from .backends import encode
    from .claims import get_claims_class
    from .exceptions import TokenTooLarge
    from .transports import CookieTransport, Tokens, cookie_fits, get_transport

    claims = get_claims_class()()
    refresh = claims.build_refresh(user)
    access = claims.build_access(refresh)
    try:
        tokens = Tokens(encode(refresh), encode(access), refresh, access)
    except TokenTooLarge:
        return f"over DJWTO_MAX_TOKEN_BYTES ({djwto_settings.MAX_TOKEN_BYTES})"
    transport = get_transport()
    if isinstance(transport, CookieTransport):
        for name, value in transport.get_cookie_values(tokens).items():
            if not cookie_fits(name, value):
                return f"{len(name) + len(value) + 1} bytes in the {name} cookie (at most 4096)"
    return None


def _largest_holders() -> list[tuple[str, Any]]:
    """(what, a user) for the user with the most permissions of their own and a stand-in
    member of the group with the most permissions; superusers are left out (they list none)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db.models import Count

    User = get_user_model()
    holders: list[tuple[str, Any]] = []
    field_names = {f.name for f in User._meta.get_fields()}
    if "user_permissions" in field_names:
        users = User._default_manager.all()
        if "is_superuser" in field_names:
            users = users.filter(is_superuser=False)
        user = (
            users.annotate(djwto_perm_count=Count("user_permissions"))
            .filter(djwto_perm_count__gt=0)
            .order_by("-djwto_perm_count")
            .first()
        )
        if user is not None:
            holders.append((f"user {user.get_username()!r}", user))
    group = (
        Group.objects.annotate(djwto_perm_count=Count("permissions"))
        .filter(djwto_perm_count__gt=0)
        .order_by("-djwto_perm_count")
        .first()
    )
    if group is not None:
        perms = {
            f"{app_label}.{codename}"
            for app_label, codename in group.permissions.values_list(
                "content_type__app_label", "codename"
            )
        }
        member = User(pk=2**31 - 1, **{User.USERNAME_FIELD: "a-member-of-the-group"})
        member.get_all_permissions = lambda obj=None: perms  # type: ignore[method-assign]
        holders.append((f"a member of group {group.name!r}", member))
    return holders


@checks.register(checks.Tags.database)
def check_permission_claim_size(
    app_configs: Any = None, databases: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    from django.apps import apps

    if _check_values(["PERMISSIONS_CLAIM"])[1]:
        return []  # an unusable value: check_djwto_settings reports it (E050)
    if _check_permissions_claim() or not apps.is_installed("django.contrib.auth"):
        return []  # an unusable filter is check_djwto_settings's E050
    messages: list[checks.CheckMessage] = []
    try:
        holders = _largest_holders()
    except Exception:  # no database or no tables yet: nothing to tell
        return []
    for what, user in holders:
        try:
            problem = _token_problem(user)
        except Exception:  # noqa: S112 - keys or a claims hook unusable: other checks say so
            continue
        if problem is not None:
            messages.append(
                _warning(
                    f"The permissions of {what} make a token too large ({problem}): "
                    "that login would fail with 500 token_too_large.",
                    "W050",
                    "Keep the permission claim small with DJWTO_PERMISSIONS_CLAIM (a list of "
                    "app labels, a filter, or 'none'); see docs/permissions.md.",
                )
            )
    return messages


# --- the cache store's cache: can it keep revocations? ----------------------------------------
#
# A revocation the cache forgets brings the session back: a cache that drops writes, evicts or
# culls keys, or that each process holds alone, is refused or warned about. A Redis server's
# eviction policy and persistence are read by the store itself at first use (see
# djwto.stores.cache), since they are the server's, not the settings'.

#: Cache backends (by class) and the package each imports when used.
_CACHE_PACKAGES = {
    "django.core.cache.backends.redis.RedisCache": "redis",
    "django.core.cache.backends.memcached.PyMemcacheCache": "pymemcache",
    "django.core.cache.backends.memcached.PyLibMCCache": "pylibmc",
}
#: (The local-memory cache culls too; djwto.W006 already sends it away.)
_CULLING_BACKENDS = (
    "django.core.cache.backends.filebased.FileBasedCache",
    "django.core.cache.backends.db.DatabaseCache",
)
_DEFAULT_MAX_ENTRIES = 300  # Django's BaseCache default


def _several_processes() -> bool:
    """Whether the environment says several worker processes serve the site."""
    import os
    import shlex

    for name in ("WEB_CONCURRENCY", "UWSGI_PROCESSES", "UWSGI_WORKERS"):
        count = os.environ.get(name, "").strip()
        if count.isdigit() and int(count) > 1:
            return True
    args = shlex.split(os.environ.get("GUNICORN_CMD_ARGS", ""))
    for i, arg in enumerate(args):
        value: str | None = None
        if arg in ("-w", "--workers") and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith("--workers="):
            value = arg.split("=", 1)[1]
        elif arg.startswith("-w") and len(arg) > 2:
            value = arg[2:]
        if value is not None and value.isdigit() and int(value) > 1:
            return True
    return False


def _is_missing(package: str) -> bool:
    from importlib import import_module

    try:
        import_module(package)
    except ImportError:
        return True
    return False


def _subclass_of(cls: type, dotted: str) -> bool:
    try:
        base = import_string(dotted)
    except ImportError:
        return False
    return isinstance(base, type) and issubclass(cls, base)


def _check_denylist_cache(failed: set[str]) -> list[checks.CheckMessage]:
    if failed & {"DENYLIST_BACKEND", "DENYLIST_CACHE"}:
        return []
    from .stores import CacheStore

    backend = djwto_settings.DENYLIST_BACKEND
    try:
        store_cls = import_string(backend) if isinstance(backend, str) else backend
    except ImportError:
        return []  # djwto.E009
    if not (isinstance(store_cls, type) and issubclass(store_cls, CacheStore)):
        return []
    alias = djwto_settings.DENYLIST_CACHE
    config = getattr(settings, "CACHES", {}).get(alias)
    if not config:
        return []  # djwto.E009
    name = config.get("BACKEND", "")
    try:
        cls = import_string(name) if isinstance(name, str) else name
    except ImportError as exc:
        return [_error(f"CACHES[{alias!r}] BACKEND {name!r} cannot be imported: {exc}", "E042")]
    if not isinstance(cls, type):
        return []
    where = f"DJWTO_DENYLIST_CACHE {alias!r} ({cls.__name__})"
    messages: list[checks.CheckMessage] = []
    for dotted, package in _CACHE_PACKAGES.items():
        if _subclass_of(cls, dotted) and _is_missing(package):
            messages.append(
                _error(
                    f"{where} needs the Python package {package!r}, which is not installed: "
                    "every refresh, logout and revocation check would answer 503.",
                    "E042",
                    f"pip install {package}"
                    + (' (or "djwto[redis]")' if package == "redis" else ""),
                )
            )
    if _subclass_of(cls, "django.core.cache.backends.dummy.DummyCache"):
        messages.append(
            _error(
                f"{where} keeps nothing: every logout, rotation and revocation is forgotten at "
                "once, and logged-out or rotated refresh tokens keep working.",
                "E040",
                "Point DJWTO_DENYLIST_CACHE at a Redis cache of its own, or use the default "
                "DatabaseStore.",
            )
        )
    elif _subclass_of(cls, "django.core.cache.backends.locmem.LocMemCache") and (
        _several_processes()
    ):
        messages.append(
            _error(
                f"{where} is per-process, and the environment says several processes serve "
                "the site: a revocation made in one is unknown to the others.",
                "E041",
                "Point DJWTO_DENYLIST_CACHE at a Redis cache of its own.",
            )
        )
    elif _subclass_of(cls, "django.core.cache.backends.memcached.BaseMemcachedCache"):
        messages.append(
            _warning(
                f"{where} is Memcached, which evicts the least recently used keys when its "
                "memory is full and keeps nothing across a restart: a revocation that is "
                "evicted or lost brings the logged-out session back.",
                "W040",
                "Use a Redis of its own with maxmemory-policy noeviction and persistence on "
                "(see docs/revocation.md), or the default DatabaseStore.",
            )
        )
    if any(_subclass_of(cls, dotted) for dotted in _CULLING_BACKENDS):
        options = config.get("OPTIONS") or {}
        max_entries = options.get("MAX_ENTRIES", _DEFAULT_MAX_ENTRIES)
        messages.append(
            _warning(
                f"{where} culls entries once it holds more than MAX_ENTRIES ({max_entries}): "
                "the revocations it culls are forgotten and their sessions come back.",
                "W041",
                "Use a Redis of its own with maxmemory-policy noeviction (see "
                "docs/revocation.md), or the default DatabaseStore.",
            )
        )
    return messages


# --- session records ----------------------------------------------------------------------------
#
# With DJWTO_SESSION_RECORDS on, every login writes a record: its table must exist where the
# records are written. Run like the denylist table's check (plain ``check`` and ``migrate``).


@checks.register()  # untagged, as check_denylist_table
def check_session_records_table(
    app_configs: Any = None, databases: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    from django.db import connections, router

    from .models import SessionRecord

    if djwto_settings.SESSION_RECORDS is not True:
        return []
    in_migrate = databases is not None
    aliases = databases if in_migrate else [router.db_for_write(SessionRecord)]
    messages: list[checks.CheckMessage] = []
    table = SessionRecord._meta.db_table
    for alias in aliases:
        if not router.allow_migrate_model(alias, SessionRecord):
            continue
        try:
            with connections[alias].cursor() as cursor:
                exists = table in connections[alias].introspection.table_names(cursor)
        except Exception:  # noqa: S112 - unreachable or unconfigured database: nothing to tell
            continue
        if exists or in_migrate:
            continue
        messages.append(
            _error(
                f"DJWTO_SESSION_RECORDS is on but the table {table!r} is missing from database "
                f"{alias!r}: every login would answer 503.",
                "E060",
                "Run `python manage.py migrate djwto`.",
            )
        )
    return messages
