"""Extra views for the core suite (``@pytest.mark.urls("tests.core.urls")``).

Everything in ``tests.urls`` is kept; the views below exercise knobs the shared views leave at
their defaults: a per-view ``mode``, ``raise_exception``, a missing ``permission_required``,
an explicitly ``csrf_exempt`` view, a view that reports ``request.user``.
"""

from django.http import JsonResponse
from django.urls import include, path
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from djwto.decorators import jwt_login_required
from djwto.mixins import JWTPermissionMixin, JWTRequiredMixin
from djwto.views import LoginView, RefreshView


class WhoAmI(JWTRequiredMixin, View):
    def get(self, request):
        return JsonResponse(
            {
                "authenticated": request.user.is_authenticated,
                "username": request.user.get_username(),
            }
        )

    def post(self, request):
        return JsonResponse(
            {
                "jti": request.jwt.get("jti"),
                "same": request.jwt is request.payload,
                "token_len": len(request.token),
            }
        )


class AsyncWhoAmI(JWTRequiredMixin, View):
    async def get(self, request):
        user = await request.auser()
        return JsonResponse(
            {"authenticated": user.is_authenticated, "username": user.get_username()}
        )

    async def post(self, request):
        return JsonResponse(
            {
                "jti": request.jwt.get("jti"),
                "same": request.jwt is request.payload,
                "token_len": len(request.token),
            }
        )


class JSONOnly(JWTRequiredMixin, View):
    mode = "JSON"

    def get(self, request):
        return JsonResponse({"ok": True})


class CookieOnly(JWTRequiredMixin, View):
    mode = "ONE-COOKIE"

    def get(self, request):
        return JsonResponse({"ok": True})

    def post(self, request):
        return JsonResponse({"ok": True})


class Raising(JWTPermissionMixin, View):
    permission_required = "testapp.perm2"
    raise_exception = True

    def get(self, request):
        return JsonResponse({"ok": True})


class AsyncRaising(Raising):
    async def get(self, request):
        return JsonResponse({"ok": True})


class NoPermissionAttr(JWTPermissionMixin, View):
    def get(self, request):  # pragma: no cover - never reached
        return JsonResponse({"ok": True})


class BadMode(JWTRequiredMixin, View):
    mode = "XML"

    def get(self, request):  # pragma: no cover - never reached
        return JsonResponse({"ok": True})


class Exempt(JWTRequiredMixin, View):
    def post(self, request):
        return JsonResponse({"ok": True})


@jwt_login_required(mode="JSON")
def fn_json_only(request):
    return JsonResponse({"ok": True})


@jwt_login_required(token_type="refresh")
def fn_refresh(request):
    return JsonResponse({"type": request.jwt["type"]})


@jwt_login_required(token_type="refresh")
async def afn_refresh(request):
    return JsonResponse({"type": request.jwt["type"]})


class RefreshOnly(JWTRequiredMixin, View):
    token_type = "refresh"

    def get(self, request):
        return JsonResponse({"type": request.jwt["type"]})


class AsyncRefreshOnly(JWTRequiredMixin, View):
    token_type = "refresh"

    async def get(self, request):
        return JsonResponse({"type": request.jwt["type"]})


urlpatterns = [
    path("", include("tests.urls")),
    path("whoami/", WhoAmI.as_view()),
    path("awhoami/", AsyncWhoAmI.as_view()),
    path("json-only/", JSONOnly.as_view()),
    path("cookie-only/", CookieOnly.as_view()),
    path("raising/", Raising.as_view()),
    path("araising/", AsyncRaising.as_view()),
    path("no-perm-attr/", NoPermissionAttr.as_view()),
    path("bad-mode/", BadMode.as_view()),
    path("exempt/", csrf_exempt(Exempt.as_view())),
    path("fn-json-only/", fn_json_only),
    path("fn-refresh/", fn_refresh),
    path("afn-refresh/", afn_refresh),
    path("refresh-only/", RefreshOnly.as_view()),
    path("arefresh-only/", AsyncRefreshOnly.as_view()),
    path("cookie-login/", LoginView.as_view(mode="ONE-COOKIE")),
    path("json-login/", LoginView.as_view(mode="JSON")),
    path("json-refresh/", RefreshView.as_view(mode="JSON")),
]
