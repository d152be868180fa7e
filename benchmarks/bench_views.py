"""The views the benchmark calls: a plain baseline, floors, Django's login, djwto and DRF."""

import base64
import hashlib
import hmac
import json
import time

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.http import JsonResponse
from django.views import View
from joserfc import jwt as jose_jwt
from joserfc.jwk import OctKey
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import (
    JWTAuthentication,
    JWTStatelessUserAuthentication,
)

from djwto.mixins import JWTPermissionMixin, JWTRequiredMixin

# --- baselines ------------------------------------------------------------------------------


class Plain(View):
    def get(self, request):
        return JsonResponse({"user": "alice"})


def _unauthorized():
    return JsonResponse({"error": "unauthorized"}, status=401)


def _b64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


class StdlibFloor(View):
    """The floor: a hand-rolled HS256 check with hmac, base64 and json (header, signature, exp)."""

    key = settings.HS_KEY.encode()

    def get(self, request):
        scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        try:
            header, payload, signature = token.split(".")
            expected = hmac.new(self.key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
            if scheme != "Bearer" or not hmac.compare_digest(expected, _b64(signature)):
                return _unauthorized()
            if json.loads(_b64(header)).get("alg") != "HS256":
                return _unauthorized()
            claims = json.loads(_b64(payload))
        except ValueError:
            return _unauthorized()
        if claims["exp"] <= time.time() or claims.get("type") != "access":
            return _unauthorized()
        return JsonResponse({"user": claims["user"]["username"]})


class JoserfcFloor(View):
    """A hand-written joserfc HS256 check: decode with one algorithm + claims registry (exp)."""

    key = OctKey.import_key(settings.HS_KEY)
    registry = jose_jwt.JWTClaimsRegistry(exp={"essential": True})

    def get(self, request):
        scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        try:
            decoded = jose_jwt.decode(token, self.key, algorithms=["HS256"])
            self.registry.validate(decoded.claims)
        except Exception:
            return _unauthorized()
        if scheme != "Bearer" or decoded.claims.get("type") != "access":
            return _unauthorized()
        return JsonResponse({"user": decoded.claims["user"]["username"]})


class DjangoLogin(View):
    """Django's own login work without a session: ``authenticate()`` and ``user_logged_in``
    (whose receiver updates ``last_login``), as ``django.contrib.auth.login()`` sends it."""

    def post(self, request):
        credentials = json.loads(request.body)
        user = authenticate(request, **credentials)
        if user is None:
            return _unauthorized()
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        return JsonResponse({"user": user.get_username()})


# --- djwto ----------------------------------------------------------------------------------


class DjwtoProtected(JWTRequiredMixin, View):
    mode = "JSON"

    def get(self, request):
        return JsonResponse({"user": request.jwt["user"]["username"]})


class DjwtoTwoCookies(DjwtoProtected):
    mode = "TWO-COOKIES"


class DjwtoPermission(JWTPermissionMixin, View):
    mode = "JSON"
    permission_required = "auth.view_user"

    def get(self, request):
        return JsonResponse({"user": request.jwt["user"]["username"]})


class DjwtoDatabaseUser(DjwtoProtected):
    """Touches ``request.user``: one query, like simplejwt's ``JWTAuthentication``."""

    def get(self, request):
        return JsonResponse({"user": request.user.get_username()})


# --- DRF + simplejwt ------------------------------------------------------------------------


class SimplejwtStateless(APIView):
    authentication_classes = [JWTStatelessUserAuthentication]

    def get(self, request):
        return Response({"user": request.user.id})


class SimplejwtDatabaseUser(APIView):
    authentication_classes = [JWTAuthentication]

    def get(self, request):
        return Response({"user": request.user.get_username()})


# --- routers for the denylist lookup scenario ------------------------------------------------


class _DenylistRouter:
    alias = "default"

    def db_for_read(self, model, **hints):
        return self.alias if model._meta.label == "djwto.DeniedToken" else None

    db_for_write = db_for_read


class DenySmallRouter(_DenylistRouter):
    alias = "deny_small"


class DenyLargeRouter(_DenylistRouter):
    alias = "deny_large"


class DenyPgSmallRouter(_DenylistRouter):
    alias = "deny_pg_small"


class DenyPgLargeRouter(_DenylistRouter):
    alias = "deny_pg_large"
