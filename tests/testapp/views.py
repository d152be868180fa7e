"""Views the tests protect: each behaviour on a sync and an async handler."""

from django.http import JsonResponse
from django.views import View

from djwto.decorators import jwt_login_required, jwt_perm_required
from djwto.mixins import JWTPermissionMixin, JWTRequiredMixin


def _body(request):
    return {"username": request.jwt["user"].get("username"), "type": request.jwt["type"]}


class Protected(JWTRequiredMixin, View):
    def get(self, request):
        return JsonResponse({**_body(request), "db_user": request.user.get_username()})

    def post(self, request):
        return JsonResponse({**_body(request), "method": "POST"})


class AsyncProtected(JWTRequiredMixin, View):
    async def get(self, request):
        user = await request.auser()
        return JsonResponse({**_body(request), "db_user": user.get_username()})

    async def post(self, request):
        return JsonResponse({**_body(request), "method": "POST"})


class PermProtected(JWTPermissionMixin, View):
    permission_required = "testapp.perm1"

    def get(self, request):
        return JsonResponse(_body(request))


class AsyncPermProtected(JWTPermissionMixin, View):
    permission_required = ["testapp.perm1", "testapp.perm2"]

    async def get(self, request):
        return JsonResponse(_body(request))


@jwt_login_required
def fn_protected(request):
    return JsonResponse(_body(request))


@jwt_login_required
async def afn_protected(request):
    return JsonResponse(_body(request))


@jwt_perm_required("testapp.perm1")
def fn_perm_protected(request):
    return JsonResponse(_body(request))


@jwt_perm_required(["testapp.perm1"])
async def afn_perm_protected(request):
    return JsonResponse(_body(request))
