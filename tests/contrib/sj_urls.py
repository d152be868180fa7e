"""The same client script talks to ``sj/`` (simplejwt itself) and ``dj/`` (djwto's compat views)."""

from django.conf import settings
from django.urls import include, path
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt import views as sj
from rest_framework_simplejwt.authentication import JWTAuthentication as SimpleJWTAuthentication

from djwto.contrib.drf import JWTAuthentication
from djwto.contrib.simplejwt import views as dj


class SJProtected(APIView):
    authentication_classes = [SimpleJWTAuthentication]
    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response({"user": request.user.get_username()})


class DJProtected(SJProtected):
    authentication_classes = [JWTAuthentication]


simplejwt = [
    path("", sj.TokenObtainPairView.as_view()),
    path("refresh/", sj.TokenRefreshView.as_view()),
    path("verify/", sj.TokenVerifyView.as_view()),
    path("blacklist/", sj.TokenBlacklistView.as_view()),
]
if settings.ROTATE:
    djwto = [
        path("", dj.TokenObtainPairView.as_view()),
        path("refresh/", dj.TokenRefreshView.as_view(rotate=True)),
        path("verify/", dj.TokenVerifyView.as_view()),
        path("blacklist/", dj.TokenBlacklistView.as_view()),
    ]
else:
    djwto = [path("", include("djwto.contrib.simplejwt.urls"))]

urlpatterns = [
    path("sj/api/token/", include(simplejwt)),
    path("dj/api/token/", include(djwto)),
    path("sj/api/me/", SJProtected.as_view()),
    path("dj/api/me/", DJProtected.as_view()),
]
