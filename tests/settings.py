"""Settings for the test suite. ``DJWTO_TEST_DATABASE=postgres`` runs it on PostgreSQL (where:
``DJWTO_TEST_POSTGRES_URL`` and ``DJWTO_PG_TEST_NAME``, see tests/support/services.py)."""

import os
from datetime import timedelta

from tests.support.services import django_database

SECRET_KEY = "tests-only-django-secret-key-not-for-production-0123456789"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
USE_TZ = True
ROOT_URLCONF = "tests.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    "djwto",
    "tests.testapp",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

if os.environ.get("DJWTO_TEST_DATABASE") == "postgres":
    # The server of DJWTO_TEST_POSTGRES_URL; the test database is DJWTO_PG_TEST_NAME.
    DATABASES = {"default": django_database()}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

DJWTO_SIGNING_KEY = "tests-only-djwto-signing-key-of-more-than-64-bytes-0123456789abcdefghij"
DJWTO_ACCESS_TOKEN_LIFETIME = timedelta(minutes=5)
DJWTO_REFRESH_TOKEN_LIFETIME = timedelta(days=1)
