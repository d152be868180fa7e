"""Settings for the test suite. ``DJWTO_TEST_DATABASE=postgres`` runs it on PostgreSQL."""

import os
from datetime import timedelta

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
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.environ.get("DJWTO_PG_NAME", "test"),
            "USER": os.environ.get("DJWTO_PG_USER", "postgres"),
            "HOST": os.environ.get("DJWTO_PG_HOST", "127.0.0.1"),
            "PORT": os.environ.get("DJWTO_PG_PORT", "5432"),
            "TEST": {"NAME": os.environ.get("DJWTO_PG_TEST_NAME", "djwto_test")},
        }
    }
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

DJWTO_SIGNING_KEY = "tests-only-djwto-signing-key-of-more-than-64-bytes-0123456789abcdefghij"
DJWTO_ACCESS_TOKEN_LIFETIME = timedelta(minutes=5)
DJWTO_REFRESH_TOKEN_LIFETIME = timedelta(days=1)
