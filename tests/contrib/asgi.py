"""ASGI entry point of the e2e test: Django for HTTP, the djwto-authenticated consumer for ws."""

import django
from channels.routing import ProtocolTypeRouter
from django.core.handlers.asgi import ASGIHandler

django.setup()

from tests.contrib.ws import application as websocket_application  # noqa: E402

application = ProtocolTypeRouter({"http": ASGIHandler(), "websocket": websocket_application})
