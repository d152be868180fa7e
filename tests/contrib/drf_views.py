"""DRF views of the adapter tests."""

from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from djwto.contrib.drf import HasJWTPermissions, IsJWTAuthenticated, JWTAuthentication
from djwto.contrib.drf import jwt_permissions as perms
from djwto.mixins import JWTRequiredMixin


class Echo(APIView):
    """The project's default authentication classes (set per test)."""

    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response({"user": request.user.get_username(), "jwt": request.auth is not None})

    def post(self, request):
        return Response({"user": request.user.get_username(), "data": request.data})


class Stateless(APIView):
    authentication_classes = [JWTAuthentication]
    permission_classes = [IsJWTAuthenticated]

    def get(self, request):
        return Response({"user": request.auth["user"]["username"]})

    def post(self, request):
        return Response({"user": request.auth["user"]["username"]})


class Perm1(Stateless):
    permission_classes = [perms("testapp.perm1")]


class Perm12(Stateless):
    permission_classes = [HasJWTPermissions]
    jwt_permissions = ["testapp.perm1", "testapp.perm2"]


class MixinOnAPIView(JWTRequiredMixin, APIView):
    """The class of the bug report: djwto's mixin on a DRF view."""

    def post(self, request):
        return Response({"user": request.user.get_username()})
