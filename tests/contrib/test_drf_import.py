"""A project whose DEFAULT_AUTHENTICATION_CLASSES names djwto's class can import DRF's APIView
first: DRF then imports djwto.contrib.drf while rest_framework.views is half-initialised."""

from __future__ import annotations

import subprocess
import sys

from tests.support import REPO

SCRIPT = """
import django
from django.conf import settings

settings.configure(
    INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "rest_framework"],
    REST_FRAMEWORK={"DEFAULT_AUTHENTICATION_CLASSES": ["djwto.contrib.drf.JWTAuthentication"]},
)
django.setup()
from rest_framework.views import APIView

print(APIView.authentication_classes[0].__module__)
"""


def test_apiview_imports_first_with_djwto_in_the_default_authentication_classes():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "djwto.contrib.drf"
