"""A Ninja API of the adapter tests: sync and async operations, both auth classes."""

from ninja import NinjaAPI

from djwto.contrib.ninja import AsyncJWTAuth, JWTAuth

api = NinjaAPI(urls_namespace="contrib-ninja", auth=JWTAuth())


def _me(request):
    return {"user": request.auth["user"]["username"], "method": request.method}


@api.get("/me")
def me(request):
    return {**_me(request), "db_user": request.user.get_username()}


@api.post("/me")
def post_me(request):
    return _me(request)


@api.get("/ame", auth=AsyncJWTAuth())
async def ame(request):
    user = await request.auser()
    return {**_me(request), "db_user": user.get_username()}


@api.post("/ame", auth=AsyncJWTAuth())
async def apost_me(request):
    return _me(request)


@api.get("/public", auth=None)
def public(request):
    return {"ok": True}
