"""Settings of the daphne process in test_channels_e2e.py: the test settings on a SQLite file."""

import os

from tests.settings import *  # noqa: F403

DATABASES = {
    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["DJWTO_E2E_DB"]}
}
ROOT_URLCONF = "tests.contrib.urls"
DJWTO_COOKIE_SECURE = False
