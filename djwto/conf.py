"""djwto's settings: flat ``DJWTO_*`` names, read from ``django.conf.settings`` at use time.

Nothing here is bound at import, so ``override_settings`` works for every setting. Objects
derived from settings (imported keys, the verified-token cache, the denylist backend) are
memoised with :func:`derived` and dropped whenever a ``DJWTO_*`` setting (or ``SECRET_KEY``)
changes.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

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

DEFAULTS: dict[str, Any] = {
    "MODE": "JSON",
    "SIGNING_KEY": None,
    "VERIFYING_KEY": None,
    "ALGORITHM": "HS256",
    "ISS_CLAIM": None,
    "SUB_CLAIM": None,
    "AUD_CLAIM": None,
    "IAT_CLAIM": True,
    "JTI_CLAIM": True,
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=5),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=1),
    "NBF_LIFETIME": None,
    "LEEWAY": timedelta(0),
    "ALLOW_REFRESH_UPDATE": True,
    "REFRESH_COOKIE_PATH": "api/token/refresh",
    "SAME_SITE": "Lax",
    "DOMAIN": None,
    "COOKIE_SECURE": True,
    "CSRF": True,
    "MAX_TOKEN_BYTES": 8192,
    "MAX_SESSION_LIFETIME": timedelta(days=30),
    "ROTATION_GRACE": timedelta(0),
    "CHECK_ACCESS_REVOCATION": False,
    "DENYLIST_BACKEND": "djwto.denylist.DatabaseDenylist",
    "DENYLIST_CACHE": "default",
    # Keys of CacheDenylist on Redis kept per process, invalidated by Redis (0: off).
    "DENYLIST_LOCAL_CACHE": 0,
    "TOKEN_CACHE_SIZE": 4096,
    "ACCEPT_LEGACY_TOKENS": True,  # tokens issued by djwto 0.0.4 (djwto.legacy)
}

_PREFIX = "DJWTO_"


class Settings:
    """Read-through access: ``djwto_settings.MODE`` is ``settings.DJWTO_MODE`` or its default.

    A value, once read, is kept on this object until a setting changes (``setting_changed``,
    which ``override_settings`` and pytest-django's ``settings.X = ...`` send), so the dozen
    reads of a request cost an attribute lookup each instead of a miss in Django's settings.
    Deleting a setting through pytest-django's fixture sends no signal: call
    :func:`clear_derived` after it.
    """

    def __getattr__(self, name: str) -> Any:
        try:
            default = DEFAULTS[name]
        except KeyError:
            raise AttributeError(f"djwto has no setting {name!r}") from None
        generation = _values_generation
        value = getattr(django_settings, _PREFIX + name, default)
        with _values_lock:
            # Not if a setting changed since we read it: the value could be the old one.
            if generation == _values_generation:
                self.__dict__[name] = value
        return value


def _forget_values() -> None:
    global _values_generation
    with _values_lock:
        _values_generation += 1
        djwto_settings.__dict__.clear()


_values_lock = threading.Lock()
_values_generation = 0
djwto_settings = Settings()

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
    for clear in _derived_cache_clearers:
        clear()


def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith(_PREFIX) or setting in ("SECRET_KEY", "CACHES", "AUTH_USER_MODEL"):
        clear_derived()


setting_changed.connect(_on_setting_changed, dispatch_uid="djwto.conf.setting_changed")


def get_mode() -> str:
    mode = djwto_settings.MODE
    if mode not in MODES:
        raise ImproperlyConfigured(f"DJWTO_MODE must be one of {', '.join(MODES)}; got {mode!r}.")
    return mode


def get_algorithm() -> str:
    algorithm = djwto_settings.ALGORITHM
    if algorithm not in ALGORITHMS:
        raise ImproperlyConfigured(
            f"DJWTO_ALGORITHM must be one of {', '.join(ALGORITHMS)}; got {algorithm!r}. "
            "'none' is never accepted."
        )
    return algorithm


def get_raw_signing_key() -> str | bytes | None:
    """The configured signing key, else the ``DJWTO_SIGNING_KEY`` environment variable."""
    key = djwto_settings.SIGNING_KEY
    if key is None:
        key = os.environ.get("DJWTO_SIGNING_KEY")
    return key or None


def get_signing_key() -> str | bytes:
    """The signing key; ``ImproperlyConfigured`` naming the setting when it is missing."""
    key = get_raw_signing_key()
    if not key:
        raise ImproperlyConfigured(
            "DJWTO_SIGNING_KEY is missing or empty: set it in your settings or in the "
            "DJWTO_SIGNING_KEY environment variable (for HS* a random string of 32+ bytes, "
            "for RS/PS/ES/EdDSA the private key in PEM)."
        )
    return key


def get_lifetime(name: str, *, optional: bool = False) -> timedelta | None:
    """A ``timedelta`` setting, checked to be positive."""
    value = getattr(djwto_settings, name)
    if value is None and optional:
        return None
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise ImproperlyConfigured(
            f"DJWTO_{name} must be a positive datetime.timedelta; got {value!r}."
        )
    return value


def get_leeway() -> int:
    leeway = djwto_settings.LEEWAY
    if isinstance(leeway, timedelta):
        leeway = leeway.total_seconds()
    if isinstance(leeway, bool) or not isinstance(leeway, (int, float)) or leeway < 0:
        raise ImproperlyConfigured(
            f"DJWTO_LEEWAY must be a non-negative timedelta (or seconds); got {leeway!r}."
        )
    return int(leeway)


def get_refresh_path() -> str:
    """The refresh cookie's path and URL prefix, without surrounding slashes."""
    return str(djwto_settings.REFRESH_COOKIE_PATH).strip("/")
