"""ASGI entry point: HTTP through Django, websockets through Channels behind djwto's middleware.

``python demo/manage.py serve`` runs it with daphne (``uvicorn --app-dir demo
djwto_project.asgi:application`` works too).
"""

import os
import sys
from pathlib import Path

_REPO_ROOT = str(Path(__file__).resolve().parent.parent.parent)
if _REPO_ROOT not in sys.path:  # ``djwto`` importable even when it is not pip-installed
    sys.path.append(_REPO_ROOT)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "djwto_project.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_application = get_asgi_application()  # first: it sets Django up

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402
from testapp.api import EchoConsumer  # noqa: E402

from djwto.contrib.channels import JWTAuthMiddleware  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": JWTAuthMiddleware(URLRouter([path("ws/echo/", EchoConsumer.as_asgi())])),
    }
)
