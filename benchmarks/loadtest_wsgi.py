"""The WSGI application gunicorn serves in ``make loadtest``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.loadtest_settings")
application = get_wsgi_application()
