"""Plain Django views that know nothing of djwto: the middleware alone authenticates them."""

from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import HttpResponse, JsonResponse
from django.views import View
from django.views.decorators.csrf import csrf_exempt


def _who(request, user):
    return JsonResponse(
        {
            "user": user.get_username() if user.is_authenticated else None,
            "jwt": request.jwt is not None,
        }
    )


@login_required
def private(request):
    return _who(request, request.user)


@csrf_exempt
def whoami(request):
    return _who(request, request.user)


async def awhoami(request):
    return _who(request, await request.auser())


class Reports(PermissionRequiredMixin, View):
    permission_required = "testapp.perm1"
    raise_exception = True

    def get(self, request):
        return _who(request, request.user)


def untouched(request):
    return HttpResponse("ok")
