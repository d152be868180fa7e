"""Settings of the djwto demo project.

!!! DEMO ONLY. Never deploy these settings: the default SECRET_KEY and DJWTO_SIGNING_KEY below
!!! are public (they are in this repository), and DEBUG is on by default.

Everything that differs between runs comes from the environment:

=============================  ==============================================================
``DJWTO_MODE``                 ``JSON``, ``ONE-COOKIE`` or ``TWO-COOKIES`` (default)
``DJWTO_SIGNING_KEY``          HS256 key; a public demo-only key by default
``DJWTO_COOKIE_SECURE``        ``1``/``0``: mark the token cookies ``Secure`` (default ``1``;
                               browsers accept Secure cookies from http://127.0.0.1 and
                               http://localhost, which they treat as potentially trustworthy)
``DJWTO_ACCESS_TOKEN_SECONDS`` access-token lifetime in seconds (default 300)
``DJANGO_DEBUG``               ``1``/``0`` (default ``1``)
``DJANGO_SECRET_KEY``          a public demo-only key by default
``DJANGO_ALLOWED_HOSTS``       extra host names, comma-separated (loopback names always allowed)
``DJANGO_CSRF_TRUSTED_ORIGINS`` extra trusted origins, comma-separated (same-origin requests
                               never need one)
``DEMO_DB_PATH``               the SQLite file (default ``demo/db.sqlite3``)
``DATABASE_URL``               any database instead, e.g. ``postgres://postgres@127.0.0.1:5432/test``
                               (needs ``dj-database-url``; wins over ``DEMO_DB_PATH``)
``REDIS_URL``                  e.g. ``redis://127.0.0.1:6379/0``: caches in Redis and the
                               denylist becomes ``djwto.denylist.CacheDenylist``
=============================  ==============================================================
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent  # the demo/ folder


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


# --- Django ------------------------------------------------------------------------------------

# DEMO ONLY: a public key. Set DJANGO_SECRET_KEY for anything but a local demo.
SECRET_KEY = os.environ.get(
    "DJANGO_SECRET_KEY", "demo-only-django-secret-key-do-not-use-in-production-0123456789"
)
DEBUG = env_bool("DJANGO_DEBUG", True)
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

if os.environ.get("DATABASE_URL"):
    import dj_database_url

    DATABASES = {"default": dj_database_url.config(conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("DEMO_DB_PATH") or str(BASE_DIR / "db.sqlite3"),
            # Several gunicorn workers may write the denylist at once.
            "OPTIONS": {"timeout": 20},
        }
    }

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
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

DJWTO_MODE = os.environ.get("DJWTO_MODE", "TWO-COOKIES").strip().upper()
# DEMO ONLY: this key is public. Anyone who knows it can mint tokens for any user of the demo.
# Set DJWTO_SIGNING_KEY (32+ random bytes) for anything but a local demo.
DJWTO_SIGNING_KEY = os.environ.get(
    "DJWTO_SIGNING_KEY", "demo-only-djwto-signing-key-PUBLIC-do-not-use-in-production"
)
DJWTO_ALGORITHM = "HS256"
DJWTO_ISS_CLAIM = "djwto-demo"
DJWTO_ACCESS_TOKEN_LIFETIME = timedelta(
    seconds=int(os.environ.get("DJWTO_ACCESS_TOKEN_SECONDS", "300"))
)
DJWTO_REFRESH_TOKEN_LIFETIME = timedelta(days=1)
DJWTO_COOKIE_SECURE = env_bool("DJWTO_COOKIE_SECURE", True)
DJWTO_SAME_SITE = "Lax"
DJWTO_CSRF = True
if REDIS_URL:
    DJWTO_DENYLIST_BACKEND = "djwto.denylist.CacheDenylist"
    DJWTO_DENYLIST_CACHE = "default"
else:
    DJWTO_DENYLIST_BACKEND = "djwto.denylist.DatabaseDenylist"

# The page's "Your sessions" card lists and revokes the user's sessions (docs/sessions.md).
DJWTO_SESSION_RECORDS = True

# Django's own cookies follow the same rule as djwto's: the page reads csrftoken from JS.
CSRF_COOKIE_SECURE = DJWTO_COOKIE_SECURE
SESSION_COOKIE_SECURE = DJWTO_COOKIE_SECURE
