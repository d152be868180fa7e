"""WSGI entry point: ``gunicorn --chdir demo djwto_project.wsgi``."""

import os
import sys
from pathlib import Path

_REPO_ROOT = str(Path(__file__).resolve().parent.parent.parent)
if _REPO_ROOT not in sys.path:  # ``djwto`` importable even when it is not pip-installed
    sys.path.append(_REPO_ROOT)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "djwto_project.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
