"""Settings of the benchmark: djwto and DRF + simplejwt views in one process.

``benchmarks/bench.py`` sets the ``DJWTO_BENCH_*`` environment variables before it calls
``django.setup()``; this module only reads them.
"""

import os
from datetime import timedelta

BENCH_DIR = os.environ.get("DJWTO_BENCH_DIR", "/tmp/djwto-bench")

SECRET_KEY = "bench-only-django-secret-key-not-for-production-0123456789abcdef"
DEBUG = False  # with DEBUG every query would be recorded
ALLOWED_HOSTS = ["testserver"]
USE_TZ = True
ROOT_URLCONF = "benchmarks.bench_urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "djwto",
]
# No middleware: every scenario pays exactly the same framework cost as the plain view.
MIDDLEWARE: list[str] = []

DATABASES = {
    # One in-memory SQLite database for users, simplejwt's blacklist and djwto's denylist.
    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
    # Prebuilt denylist tables for the lookup scaling scenario (see bench.py). Both get a
    # 256 MiB page cache that bench.py fills before timing, as a database server keeps a hot
    # table in its buffer pool: with SQLite's default 2 MiB (or a cache filling up while we
    # time) the 1M-row case would time this machine's page cache and system calls.
    "deny_small": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DJWTO_BENCH_DENY_SMALL", os.path.join(BENCH_DIR, "small.sqlite3")),
        "CONN_MAX_AGE": None,
        "OPTIONS": {"init_command": "PRAGMA cache_size=-262144"},
    },
    "deny_large": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DJWTO_BENCH_DENY_LARGE", os.path.join(BENCH_DIR, "large.sqlite3")),
        "CONN_MAX_AGE": None,
        "OPTIONS": {"init_command": "PRAGMA cache_size=-262144"},
    },
}

# The same two tables on PostgreSQL, when bench.py found a server (DJWTO_BENCH_PG_HOST): a
# database server is where a large denylist usually lives. One database per table size, created
# and dropped by this run (benchmarks/services.py).
if os.environ.get("DJWTO_BENCH_PG_HOST"):
    for _alias, _env in (
        ("deny_pg_small", "DJWTO_BENCH_PG_SMALL"),
        ("deny_pg_large", "DJWTO_BENCH_PG_LARGE"),
    ):
        DATABASES[_alias] = {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.environ[_env],
            "USER": os.environ.get("DJWTO_BENCH_PG_USER", "postgres"),
            "PASSWORD": os.environ.get("DJWTO_BENCH_PG_PASSWORD", ""),
            "HOST": os.environ["DJWTO_BENCH_PG_HOST"],
            "PORT": os.environ.get("DJWTO_BENCH_PG_PORT", "5432"),
            "CONN_MAX_AGE": None,
        }

_REDIS_URL = os.environ.get("DJWTO_BENCH_REDIS_URL")  # set by bench.py when Redis answers
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "denylist": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _REDIS_URL,
            "KEY_PREFIX": "djwto-bench",
        }
        if _REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "denylist"}
    ),
    "denylist_locmem": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "denylist_locmem",
    },
}
# MD5 for every scenario but the PBKDF2 login rows, which switch to Django's default list (so
# minting tokens through the login view stays cheap).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

HS_KEY = "bench-only-hs256-signing-key-of-more-than-64-bytes-0123456789abcdefghijklmn"

DJWTO_SIGNING_KEY = HS_KEY
DJWTO_ALGORITHM = "HS256"
DJWTO_MODE = "JSON"
# Long lifetimes: a full run takes minutes and must never see a token expire mid-run.
DJWTO_ACCESS_TOKEN_LIFETIME = timedelta(days=1)
DJWTO_REFRESH_TOKEN_LIFETIME = timedelta(days=1)
DJWTO_DENYLIST_CACHE = "denylist"
DJWTO_TOKEN_CACHE_SIZE = 4096  # djwto's default, spelled out for the memory measurement

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}
SIMPLE_JWT = {
    "ALGORITHM": "HS256",
    "SIGNING_KEY": HS_KEY,
    "ACCESS_TOKEN_LIFETIME": timedelta(days=1),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=1),
    # The non-rotating refresh scenario; bench.py switches rotation on for its own scenario.
    "ROTATE_REFRESH_TOKENS": False,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,  # simplejwt's default (djwto always updates last_login)
}

LOGGING_CONFIG = None
