"""Settings of the load-test project: the benchmark's views, served by gunicorn on PostgreSQL.

``benchmarks/loadtest.py`` sets the ``DJWTO_LOADTEST_*`` environment variables (database,
algorithm, keys) for each gunicorn server it starts and for itself; this module only reads
them. Django's default password hashers (PBKDF2 first), plus MD5 for the user that only mints
the rotation scenarios' tokens.
"""

import os
from datetime import timedelta

from django.conf import global_settings

env = os.environ.get

SECRET_KEY = "loadtest-only-django-secret-key-not-for-production-0123456789abcdef"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
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
MIDDLEWARE: list[str] = []  # the same framework cost for every view, as in bench.py
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": env("DJWTO_LOADTEST_DB", "djwto_loadtest"),
        "USER": env("DJWTO_BENCH_PG_USER", "postgres"),
        "PASSWORD": env("DJWTO_BENCH_PG_PASSWORD", ""),
        "HOST": env("DJWTO_BENCH_PG_HOST", "127.0.0.1"),
        "PORT": env("DJWTO_BENCH_PG_PORT", "5432"),
        "CONN_MAX_AGE": 600,  # persistent connections, as a deployment would run
    }
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
PASSWORD_HASHERS = [
    *global_settings.PASSWORD_HASHERS,
    "django.contrib.auth.hashers.MD5PasswordHasher",
]

HS_KEY = "loadtest-only-hs256-signing-key-of-more-than-64-bytes-0123456789abcdefghijkl"
ALGORITHM = env("DJWTO_LOADTEST_ALG", "HS256")
SIGNING_KEY = env("DJWTO_LOADTEST_SIGNING_KEY") or HS_KEY
VERIFYING_KEY = env("DJWTO_LOADTEST_VERIFYING_KEY") or ""

DJWTO_SIGNING_KEY = SIGNING_KEY
DJWTO_ALGORITHM = ALGORITHM
DJWTO_MODE = "JSON"
DJWTO_ACCESS_TOKEN_LIFETIME = timedelta(days=1)
DJWTO_REFRESH_TOKEN_LIFETIME = timedelta(days=1)

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}
SIMPLE_JWT = {
    "ALGORITHM": ALGORITHM,
    "SIGNING_KEY": SIGNING_KEY,
    "VERIFYING_KEY": VERIFYING_KEY,
    "ACCESS_TOKEN_LIFETIME": timedelta(days=1),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=1),
    # The rotation server (DJWTO_LOADTEST_ROTATE=1) rotates and blacklists, as bench.py's
    # rotation scenario; the others refresh without rotating.
    "ROTATE_REFRESH_TOKENS": env("DJWTO_LOADTEST_ROTATE") == "1",
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,  # like for like: djwto's login updates last_login
}
LOGGING_CONFIG = None
