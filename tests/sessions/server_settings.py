"""Settings of the gunicorn servers that test_cross_process.py starts (JSON mode, no demo/).

Read from the environment the test sets:

- ``DJWTO_SESSIONS_DB``: the PostgreSQL database all servers share, on the server of
  ``DJWTO_TEST_POSTGRES_URL`` (tests/support/services.py);
- ``DJWTO_SESSIONS_STORE``: ``database`` (``DatabaseStore``) or ``cache`` (``CacheStore``
  on Redis at ``DJWTO_SESSIONS_REDIS_URL``, keys under ``DJWTO_SESSIONS_KEY_PREFIX``);
- ``DJWTO_CHECK_ACCESS_REVOCATION``: ``1`` to check access tokens against the store.
"""

import os

from tests.support.services import django_database

SECRET_KEY = "tests-only-django-secret-key-for-the-session-servers-0123456789"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
USE_TZ = True
ROOT_URLCONF = "tests.sessions.server_urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes", "djwto"]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]

DATABASES = {
    "default": {
        **django_database(),
        "NAME": os.environ.get("DJWTO_SESSIONS_DB", "djwto_sessions"),
        "CONN_MAX_AGE": 0,
    }
}
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "denylist": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ.get("DJWTO_SESSIONS_REDIS_URL", "redis://127.0.0.1:6379/0"),
        "KEY_PREFIX": os.environ.get("DJWTO_SESSIONS_KEY_PREFIX", "djwto-sessions"),
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
    },
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

DJWTO_MODE = "JSON"
DJWTO_SIGNING_KEY = "tests-only-djwto-signing-key-for-the-session-servers-0123456789abcdef"
if os.environ.get("DJWTO_SESSIONS_STORE", "database") == "cache":
    DJWTO_DENYLIST_BACKEND = "djwto.stores.CacheStore"
    DJWTO_DENYLIST_CACHE = "denylist"
DJWTO_CHECK_ACCESS_REVOCATION = os.environ.get("DJWTO_CHECK_ACCESS_REVOCATION") == "1"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {
        "djwto": {"handlers": ["stderr"], "level": "WARNING"},
        "django": {"handlers": ["stderr"], "level": "ERROR"},
    },
}
