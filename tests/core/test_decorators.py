"""``jwt_login_required`` and ``jwt_perm_required`` on ``def`` and ``async def`` views."""

from __future__ import annotations

from asgiref.sync import iscoroutinefunction
from django.test import Client

from djwto.decorators import jwt_login_required, jwt_perm_required
from tests.support import bearer, login
from tests.testapp import views

LOGIN = {"sync": "/fn/", "async": "/afn/"}
PERM = {"sync": "/fnperm/", "async": "/afnperm/"}


def test_decorated_views_keep_their_kind_and_name():
    assert not iscoroutinefunction(views.fn_protected)
    assert iscoroutinefunction(views.afn_protected)
    assert iscoroutinefunction(views.afn_perm_protected)
    assert views.fn_protected.__name__ == "fn_protected"
    assert views.afn_perm_protected.__name__ == "afn_perm_protected"
    assert views.fn_protected.csrf_exempt is True  # djwto runs CSRF itself for cookies


def test_login_required_lets_a_valid_token_through(alice_session, flavour):
    response = alice_session.get(LOGIN[flavour])
    assert response.status_code == 200
    assert response.json() == {"username": "alice", "type": "access"}


def test_login_required_refuses_a_missing_token(db, flavour):
    response = Client().get(LOGIN[flavour])
    assert response.status_code == 401
    assert response.json()["code"] == "token_missing"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_login_required_refuses_a_refresh_token(alice, password, flavour):
    s = login(Client(), "JSON", "alice", password)
    response = Client().get(LOGIN[flavour], **bearer(s.refresh))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api", error="invalid_token"'


def test_perm_required_allows_alice_and_refuses_bob(alice, bob, password, flavour):
    alices = login(Client(), "JSON", "alice", password)
    bobs = login(Client(), "JSON", "bob", password)
    assert alices.get(PERM[flavour]).status_code == 200
    response = bobs.get(PERM[flavour])
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_perm_required_without_token_is_401(db, flavour):
    assert Client().get(PERM[flavour]).status_code == 401


def test_decorated_views_set_request_attributes(alice, password):
    from django.test import RequestFactory

    s = login(Client(), "JSON", "alice", password)
    seen = {}

    @jwt_login_required()
    def view(request):
        seen.update(jwt=request.jwt, token=request.token, user=request.user.get_username())
        from django.http import HttpResponse

        return HttpResponse("ok")

    response = view(RequestFactory().get("/", **bearer(s.access)))
    assert response.status_code == 200
    assert seen["token"] == s.access
    assert seen["jwt"]["type"] == "access"
    assert seen["user"] == "alice"


def test_async_decorated_view_called_directly(alice, password):
    from asgiref.sync import async_to_sync
    from django.http import HttpResponse
    from django.test import RequestFactory

    s = login(Client(), "JSON", "alice", password)

    @jwt_perm_required(("testapp.perm1",))
    async def view(request):
        return HttpResponse(request.jwt["user"]["username"])

    response = async_to_sync(view)(RequestFactory().get("/", **bearer(s.access)))
    assert response.content == b"alice"
    response = async_to_sync(view)(RequestFactory().get("/"))
    assert response.status_code == 401
