"""URLs of the session servers: djwto's routes plus two protected views that name the process."""

import os

from django.http import JsonResponse
from django.urls import include, path
from django.views import View

from djwto.mixins import JWTRequiredMixin


def ping(request):
    return JsonResponse({"pid": os.getpid()})


class WhoAmI(JWTRequiredMixin, View):
    def get(self, request):
        return JsonResponse({"user": request.jwt["user"]["username"], "pid": os.getpid()})


class AsyncWhoAmI(JWTRequiredMixin, View):
    async def get(self, request):
        return JsonResponse({"user": request.jwt["user"]["username"], "pid": os.getpid()})


urlpatterns = [
    path("", include("djwto.urls")),
    path("ping/", ping),
    path("whoami/", WhoAmI.as_view()),
    path("awhoami/", AsyncWhoAmI.as_view()),
]
