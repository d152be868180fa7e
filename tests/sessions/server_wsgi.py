"""WSGI entry point of the session servers (``gunicorn tests.sessions.server_wsgi``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.sessions.server_settings")
application = get_wsgi_application()
