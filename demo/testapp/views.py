"""The demo's views: the page, the login subclass and the protected endpoints it calls."""

from __future__ import annotations

from django.conf import settings
from django.contrib.staticfiles.views import serve
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.generic import TemplateView

from djwto.mixins import JWTPermissionMixin, JWTRequiredMixin
from djwto.views import LoginView


class DemoLoginView(LoginView):
    """djwto's login, customised the documented way: the tokens also carry the email."""

    def get_payload(self, user):
        payload = super().get_payload(user)
        payload["user"]["email"] = user.email
        return payload


class ProtectedView(JWTRequiredMixin, View):
    """Any valid access token."""

    def get(self, request: HttpRequest) -> JsonResponse:
        return JsonResponse({"username": request.jwt["user"]["username"]})


class PermsProtectedView(JWTPermissionMixin, View):
    """A valid access token of a user holding ``testapp.perm1`` (alice, not bob)."""

    permission_required = "testapp.perm1"

    def get(self, request: HttpRequest) -> JsonResponse:
        return JsonResponse(
            {"username": request.jwt["user"]["username"], "permission": "testapp.perm1"}
        )


class AsyncProtectedView(JWTRequiredMixin, View):
    """The same check on an ``async def`` handler."""

    async def get(self, request: HttpRequest) -> JsonResponse:
        return JsonResponse({"username": request.jwt["user"]["username"], "async": True})


class ClaimsView(JWTRequiredMixin, View):
    """The verified claims of the access token: how the page shows them in ONE-COOKIE mode,
    where the token is an HttpOnly cookie that JavaScript cannot read."""

    def get(self, request: HttpRequest) -> JsonResponse:
        return JsonResponse({"claims": request.jwt})


@method_decorator(ensure_csrf_cookie, name="get")
class IndexView(TemplateView):
    """The demo page. The server tells it the mode; everything else happens in the browser."""

    template_name = "testapp/index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        refresh_path = "/" + str(
            getattr(settings, "DJWTO_REFRESH_COOKIE_PATH", "api/token/refresh")
        ).strip("/")
        context["djwto_config"] = {
            "mode": settings.DJWTO_MODE,
            "refreshPath": refresh_path,
            "accessLifetime": int(settings.DJWTO_ACCESS_TOKEN_LIFETIME.total_seconds()),
            "csrfCookieName": settings.CSRF_COOKIE_NAME,
            "cookieSecure": settings.DJWTO_COOKIE_SECURE,
        }
        # The public keys, for other services, when there are any (asymmetric keys).
        from django.urls import reverse

        from djwto.keys import get_key_set

        context["jwks_url"] = reverse("jwks") if get_key_set().jwks() else None
        return context


def demo_static(request: HttpRequest, path: str) -> HttpResponse:
    # DEMO ONLY (see djwto_project/urls.py): the finders' files, served by Django itself.
    return serve(request, path, insecure=True)
