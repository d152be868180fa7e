"""The same login, three more frameworks: a DRF view, a Ninja API and a websocket consumer."""

from __future__ import annotations

from channels.generic.websocket import AsyncJsonWebsocketConsumer
from ninja import NinjaAPI
from rest_framework.response import Response
from rest_framework.views import APIView

from djwto.contrib.channels import get_subprotocol
from djwto.contrib.drf import IsJWTAuthenticated, JWTAuthentication
from djwto.contrib.ninja import JWTAuth


class DRFMe(APIView):
    """DRF: djwto's authentication class (no SessionAuthentication CSRF on Bearer POSTs)."""

    authentication_classes = [JWTAuthentication]
    permission_classes = [IsJWTAuthenticated]

    def get(self, request):
        return Response({"username": request.auth["user"]["username"], "framework": "DRF"})

    def post(self, request):
        return Response(
            {"username": request.auth["user"]["username"], "framework": "DRF", "method": "POST"}
        )


ninja_api = NinjaAPI(urls_namespace="demo-ninja", auth=JWTAuth(), title="djwto demo")


@ninja_api.get("/me")
def ninja_me(request):
    return {"username": request.auth["user"]["username"], "framework": "Ninja"}


class EchoConsumer(AsyncJsonWebsocketConsumer):
    """Echoes each message with the user djwto authenticated at the handshake."""

    async def connect(self):
        user = self.scope["user"]
        await self.accept(subprotocol=get_subprotocol(self.scope))
        if not user.is_authenticated:
            # Accepted first, so the browser sees the code (a refused handshake has none).
            await self.close(code=4401)
            return
        await self.send_json({"hello": user.get_username()})

    async def receive_json(self, content, **kwargs):
        await self.send_json({"echo": content, "user": self.scope["user"].get_username()})
