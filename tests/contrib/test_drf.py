"""djwto.contrib.drf: DRF's authentication contract, djwto's CSRF rule, claim permissions."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authentication import SessionAuthentication
from rest_framework.test import APIClient

from djwto.contrib.drf import JWTAuthentication
from tests.contrib import drf_views
from tests.contrib.conftest import BAD, access_token, bad_tokens

pytestmark = pytest.mark.django_db

CHALLENGE = 'Bearer realm="api"'


@pytest.fixture
def jwt_first(monkeypatch):
    """As ``DEFAULT_AUTHENTICATION_CLASSES = [JWTAuthentication, SessionAuthentication]`` does
    (DRF binds that setting to ``APIView`` at import, so the tests set the class attribute)."""
    for view in (drf_views.Echo, drf_views.MixinOnAPIView):
        monkeypatch.setattr(
            view, "authentication_classes", [JWTAuthentication, SessionAuthentication]
        )


def client(token: str | None = None, **kwargs) -> APIClient:
    api = APIClient(**kwargs)
    if token is not None:
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api


def test_post_with_bearer_answers_200_not_csrf_403(jwt_first, alice):
    response = client(access_token(alice), enforce_csrf_checks=True).post(
        "/drf/echo/", {"a": 1}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"user": "alice", "data": {"a": 1}}


def test_the_mixin_on_an_apiview_works_once_configured(jwt_first, alice):
    response = client(access_token(alice), enforce_csrf_checks=True).post("/drf/mixin/")
    assert response.status_code == 200, response.content
    assert response.json() == {"user": "alice"}


def test_without_djwto_the_mixin_on_an_apiview_hits_drf_csrf(alice):
    """Why the adapter exists: DRF's SessionAuthentication sees the user djwto set."""
    response = client(access_token(alice), enforce_csrf_checks=True).post("/drf/mixin/")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_no_credential_returns_none_so_session_still_works(jwt_first, bob):
    api = client(enforce_csrf_checks=True)
    assert api.get("/drf/echo/").status_code == 401  # JWT first: its challenge, 401
    api.force_login(bob)
    assert api.get("/drf/echo/").json() == {"user": "bob", "jwt": False}


def test_missing_token_is_401_with_challenge(alice):
    response = client().get("/drf/stateless/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == CHALLENGE
    assert "detail" in response.json()


@pytest.mark.parametrize("kind", BAD)
def test_bad_token_is_401_in_drf_shape(alice, kind):
    response = client(bad_tokens(alice)[kind]).get("/drf/stateless/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == CHALLENGE
    body = response.json()
    assert set(body) == {"detail", "code"}
    assert body["code"].startswith("token_")


@pytest.mark.parametrize("kind", BAD)
def test_bad_token_is_refused_even_with_a_session(jwt_first, alice, bob, kind):
    api = client(bad_tokens(alice)[kind])
    api.force_login(bob)
    assert api.get("/drf/echo/").status_code == 401


def test_expired_code(alice):
    body = client(bad_tokens(alice)["expired"]).get("/drf/stateless/").json()
    assert body["code"] == "token_expired"


def test_stateless_path_makes_no_query(alice):
    api = client(access_token(alice))
    api.get("/drf/stateless/")
    with CaptureQueriesContext(connection) as queries:
        response = api.get("/drf/stateless/")
    assert response.json() == {"user": "alice"}
    assert len(queries) == 0


def test_permissions_read_the_token(alice, bob):
    assert client(access_token(alice)).get("/drf/perm1/").status_code == 200
    response = client(access_token(bob)).get("/drf/perm1/")
    assert response.status_code == 403
    assert "detail" in response.json()
    assert client(access_token(alice)).get("/drf/perm12/").status_code == 403
    assert client().get("/drf/perm1/").status_code == 401


def test_permission_denied_for_session_user_without_token(jwt_first, alice):
    api = client()
    api.force_login(alice)
    # No token, so no user.perms claim: the session user does not pass a claim permission.
    assert api.get("/drf/perm1/").status_code == 401


# --- modes -----------------------------------------------------------------------------------


@pytest.fixture(params=["ONE-COOKIE", "TWO-COOKIES"])
def cookie_mode(request, settings):
    settings.DJWTO_MODE = request.param
    return request.param


def cookie_login(api: APIClient, password: str) -> str:
    response = api.post("/login/", {"username": "alice", "password": password})
    assert response.status_code == 200
    return api.cookies["csrftoken"].value


def test_wrong_mode_bearer_in_cookie_mode(cookie_mode, alice):
    assert client(access_token(alice)).get("/drf/stateless/").status_code == 401


def test_wrong_mode_cookie_in_json_mode(alice, password, settings):
    api = client(enforce_csrf_checks=True)
    settings.DJWTO_MODE = "ONE-COOKIE"
    cookie_login(api, password)
    settings.DJWTO_MODE = "JSON"
    assert api.get("/drf/stateless/").status_code == 401


def test_cookie_mode_safe_request(cookie_mode, alice, password):
    api = client(enforce_csrf_checks=True)
    cookie_login(api, password)
    assert api.get("/drf/stateless/").json() == {"user": "alice"}


def test_cookie_mode_unsafe_request_needs_csrf(cookie_mode, alice, password):
    api = client(enforce_csrf_checks=True)
    csrf = cookie_login(api, password)
    refused = api.post("/drf/stateless/")
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"
    assert api.post("/drf/stateless/", HTTP_X_CSRFTOKEN="B" * 32).status_code == 403
    assert api.post("/drf/stateless/", HTTP_X_CSRFTOKEN=csrf).json() == {"user": "alice"}


# --- drf-spectacular -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "scheme"),
    [
        ("JSON", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}),
        ("ONE-COOKIE", {"type": "apiKey", "in": "cookie", "name": "jwt_access"}),
        ("TWO-COOKIES", {"type": "apiKey", "in": "cookie", "name": "jwt_access_token"}),
    ],
)
def test_spectacular_schema_has_the_scheme(settings, mode, scheme):
    from drf_spectacular.generators import SchemaGenerator

    settings.DJWTO_MODE = mode
    settings.REST_FRAMEWORK = {"DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema"}
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert schema["components"]["securitySchemes"]["djwtoAuth"] == scheme
    assert {"djwtoAuth": []} in schema["paths"]["/drf/stateless/"]["get"]["security"]


@pytest.mark.usefixtures("with_middleware", "jwt_first")
def test_with_the_middleware_too(alice, bob):
    api = client(access_token(alice), enforce_csrf_checks=True)
    assert api.post("/drf/echo/", {}, format="json").json() == {"user": "alice", "data": {}}
    session = client()
    session.force_login(bob)
    assert session.get("/drf/echo/").json() == {"user": "bob", "jwt": False}


def test_store_unavailable_keeps_its_status():
    from djwto.contrib.drf import to_drf_exception
    from djwto.exceptions import StoreUnavailable

    error = to_drf_exception(StoreUnavailable())
    assert error.status_code == 503
    assert error.detail["code"] == "store_unavailable"
