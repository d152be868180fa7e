"""The suite's settings with ``AUTH_USER_MODEL`` swapped for an integer ``USERNAME_FIELD``.

Django fixes the user model at start-up, so tests using it run in a subprocess.
"""

from tests.settings import *  # noqa: F403

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "djwto",
    "tests.numberuser",
]
MIDDLEWARE: list[str] = []
AUTH_USER_MODEL = "numberuser.NumberUser"
ROOT_URLCONF = "djwto.urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
