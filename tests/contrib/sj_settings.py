"""Settings of the side-by-side run: simplejwt (with its blacklist app) and djwto in one project."""

import os

from tests.settings import *  # noqa: F403

ROTATE = os.environ.get("SJ_ROTATE") == "1"
INSTALLED_APPS = [
    *INSTALLED_APPS,  # noqa: F405
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
ROOT_URLCONF = "tests.contrib.sj_urls"
SIMPLE_JWT = {"ROTATE_REFRESH_TOKENS": ROTATE, "BLACKLIST_AFTER_ROTATION": ROTATE}
