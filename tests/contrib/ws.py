"""The websocket application of the adapter tests (also served by daphne in the e2e test)."""

from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.routing import URLRouter
from django.urls import path

from djwto.contrib.channels import JWTAuthMiddleware, get_subprotocol


class WhoAmI(AsyncJsonWebsocketConsumer):
    async def connect(self):
        await self.accept(subprotocol=get_subprotocol(self.scope))
        user = self.scope["user"]
        await self.send_json(
            {
                "user": user.get_username() if user.is_authenticated else None,
                "jwt": self.scope["jwt"] is not None,
                "subprotocols": self.scope["subprotocols"],
            }
        )

    async def receive_json(self, content, **kwargs):
        await self.send_json({"echo": content, "user": self.scope["user"].get_username()})


application = JWTAuthMiddleware(URLRouter([path("ws/whoami/", WhoAmI.as_asgi())]))
