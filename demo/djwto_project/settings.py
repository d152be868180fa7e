"""Settings of the djwto demo project.

!!! DEMO ONLY. Never deploy these settings: the default SECRET_KEY below is public (it is in
!!! this repository). The djwto keys are generated on first run (demo_keys.py) unless the
!!! environment gives them (DEMO_KEYS, DJWTO_SIGNING_KEY, DEMO_ALGORITHM).

Everything that differs between runs comes from the environment (docs/demo.md lists every
variable): each ``DJWTO_*`` setting of djwto's table under its own name, parsed by its type
(``envsettings.py``), and the Django variables below (``DJANGO_DEBUG``, ``DATABASE_URL``...).
"""

from __future__ import annotations

import importlib.util
import os
import warnings
from pathlib import Path

from .envsettings import (
    DEMO_DEFAULTS,
    EnvironmentVariableError,
    djwto_settings_from_env,
    misspelt_variables,
    parse_bool,
    parse_int,
    parse_list,
)

BASE_DIR = Path(__file__).resolve().parent.parent  # the demo/ folder


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name, "")
    return parse_bool(name, value) if value.strip() else default


def env_list(name: str) -> list[str]:
    return parse_list(os.environ.get(name, ""))


def require(module: str, variable: str, extra: str) -> None:
    """A clear message, at start, for a variable whose driver is not installed."""
    if importlib.util.find_spec(module) is None:
        raise EnvironmentVariableError(
            f"Environment variable {variable} needs the {module} package: "
            f"pip install 'djwto[{extra}]' (or make demo DEMO_EXTRAS=demo,{extra})."
        )


# --- Django ------------------------------------------------------------------------------------

# DEMO ONLY: a public key. Set DJANGO_SECRET_KEY for anything but a local demo.
SECRET_KEY = os.environ.get(
    "DJANGO_SECRET_KEY", "demo-only-django-secret-key-do-not-use-in-production-0123456789"
)
# Off unless asked for: DEBUG pages show settings and tracebacks to whoever gets an error.
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", *env_list("DJANGO_ALLOWED_HOSTS")]
# Same-origin POSTs (the page at http://127.0.0.1:<port> or http://localhost:<port> calling its
# own server) pass Django's Origin check without this; list other origins here if you need to.
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "ninja",
    "djwto",
    "testapp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "djwto_project.urls"
WSGI_APPLICATION = "djwto_project.wsgi.application"
ASGI_APPLICATION = "djwto_project.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", "")
# Seconds a database connection is kept: 0 (one per request) suits daphne, which serves the demo
# (Django: "When using ASGI, persistent connections should be disabled"); e.g. 60 under gunicorn.
_conn_max_age = os.environ.get("DJANGO_CONN_MAX_AGE", "")
CONN_MAX_AGE = parse_int("DJANGO_CONN_MAX_AGE", _conn_max_age) if _conn_max_age.strip() else 0
if DATABASE_URL:
    require("dj_database_url", "DATABASE_URL", "demo")
    if DATABASE_URL.startswith(("postgres", "pgsql")) and not (
        importlib.util.find_spec("psycopg") or importlib.util.find_spec("psycopg2")
    ):
        require("psycopg", "DATABASE_URL", "postgres")
    import dj_database_url

    # Health checks: a kept connection that the server closed is replaced, not used.
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=CONN_MAX_AGE, conn_health_checks=True
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("DEMO_DB_PATH") or str(BASE_DIR / "db.sqlite3"),
            "OPTIONS": {
                # Concurrent requests write the denylist. IMMEDIATE takes the write lock when a
                # transaction begins, so a writer waits (up to `timeout` seconds) instead of
                # failing with "database is locked" when its read lock cannot be upgraded.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    require("redis", "REDIS_URL", "redis")
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "djwto-demo",
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"

# --- djwto -------------------------------------------------------------------------------------

# The demo's choices (envsettings.DEMO_DEFAULTS: TWO-COOKIES mode, a public signing key, an
# iss claim...) and every other DJWTO_* setting can be set from the environment under its name.
demo_djwto_defaults = dict(DEMO_DEFAULTS)
if REDIS_URL:
    demo_djwto_defaults["DENYLIST_BACKEND"] = "djwto.stores.CacheStore"
    demo_djwto_defaults["DENYLIST_CACHE"] = "default"

# Sets DJWTO_MODE, DJWTO_SIGNING_KEY, ... as module globals (Django reads settings from them).
djwto_env = djwto_settings_from_env(os.environ, demo_djwto_defaults)
globals().update(djwto_env)
for _variable, _meant in misspelt_variables(os.environ).items():
    warnings.warn(f"{_variable} is not read by the demo: did you mean {_meant}?", stacklevel=1)
# Settings derived from these go below, reading djwto_env.

# djwto keys: generated on first run into demo/.keys/ (git-ignored) unless the environment
# gives them (DEMO_KEYS, DJWTO_SIGNING_KEY, DEMO_ALGORITHM): see demo_keys.py.
from djwto_project.demo_keys import demo_keys  # noqa: E402

if not os.environ.get("DJWTO_KEYS"):
    DJWTO_KEYS = demo_keys(BASE_DIR)

# The page's "Your sessions" card lists and revokes the user's sessions (docs/sessions.md).
DJWTO_SESSION_RECORDS = True

# Django's own cookies follow the same rule as djwto's: the page reads csrftoken from JS.
CSRF_COOKIE_SECURE = djwto_env["DJWTO_COOKIE_SECURE"]
SESSION_COOKIE_SECURE = djwto_env["DJWTO_COOKIE_SECURE"]
