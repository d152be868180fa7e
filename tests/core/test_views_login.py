"""``LoginView``: credentials in, tokens out; every failure a JSON error."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory

from djwto.views import LoginView
from tests.support import bearer, decode_unverified


def post(data, **extra):
    return Client().post("/login/", data, **extra)


def post_json(data, **extra):
    body = data if isinstance(data, (str, bytes)) else json.dumps(data)
    return Client().post("/login/", body, content_type="application/json", **extra)


def test_form_login_in_every_mode(mode, alice, password):
    response = post({"username": "alice", "password": password})
    assert response.status_code == 200, response.content
    if mode == "JSON":
        assert decode_unverified(response.json()["access"])["user"]["username"] == "alice"
    else:
        assert response.json() == {"msg": "Tokens successfully created."}


def test_json_login_in_every_mode(mode, alice, password):
    response = post_json({"username": "alice", "password": password})
    assert response.status_code == 200, response.content


def test_json_login_with_a_charset(alice, password):
    response = Client().post(
        "/login/",
        json.dumps({"username": "alice", "password": password}),
        content_type="application/json; charset=utf-8",
    )
    assert response.status_code == 200


@pytest.mark.parametrize("jwt_type", ["access", "refresh"])
def test_login_accepts_the_004_jwt_type_field(alice, password, jwt_type):
    response = post({"username": "alice", "password": password, "jwt_type": jwt_type})
    assert response.status_code == 200


def test_login_refuses_an_unknown_jwt_type(alice, password):
    response = post({"username": "alice", "password": password, "jwt_type": "id"})
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


def test_wrong_password_unknown_user_and_inactive_user_look_the_same(alice, bob, password):
    bob.is_active = False
    bob.save()
    responses = [
        post({"username": "alice", "password": "wrong"}),
        post({"username": "nobody", "password": password}),
        post({"username": "bob", "password": password}),
    ]
    for response in responses:
        assert response.status_code == 401
        assert response.json() == {
            "error": "Invalid username or password.",
            "code": "invalid_credentials",
        }
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
        assert not [n for n in response.cookies if n.startswith("jwt_")]


def test_inactive_user_refused_even_by_a_backend_that_allows_inactive_users(
    settings, bob, password
):
    settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.AllowAllUsersModelBackend"]
    bob.is_active = False
    bob.save()
    response = post({"username": "bob", "password": password})
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        "[1, 2]",
        '"alice"',
        "null",
        "3",
        b"\xff\xfe{}",
        {"username": "alice"},
        {"password": "x"},
        {},
        {"username": "alice", "password": 123},
        {"username": "alice", "password": ["a"]},
        {"username": {"a": 1}, "password": "x"},
        {"username": "alice", "password": "x" * 4097},
        '{"username": "alice", "password": "\\ud800"}',
        {"username": "ali\x00ce", "password": "x"},
        {"username": "alice", "password": None},
    ],
)
def test_malformed_json_body_is_400(alice, body):
    response = post_json(body)
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"error", "code"}


@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
def test_empty_body_is_400_naming_the_missing_field(db, content_type):
    # generic() keeps the Content-Type of an empty body (post() drops it).
    response = Client().generic("POST", "/login/", b"", CONTENT_TYPE=content_type)
    assert response.status_code == 400
    assert response.json() == {"error": "Field 'username' is required.", "code": "bad_request"}


def test_form_field_sent_twice_is_400(alice, password):
    response = Client().post(
        "/login/",
        "username=alice&username=bob&password=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400


def test_too_many_form_fields_is_413(settings, alice, password):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 2
    response = Client().post(
        "/login/", "a=1&b=2&c=3", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_too_big_json_body_is_413(settings, alice, password):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = post_json({"username": "alice", "password": "x" * 200})
    assert response.status_code == 413


def test_get_is_405_json_with_allow(db):
    response = Client().get("/login/")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert response["Allow"] == "POST, OPTIONS"


def test_options_lists_the_methods(db):
    response = Client().options("/login/")
    assert response.status_code == 200
    assert response["Allow"] == "POST, OPTIONS"


def test_token_responses_are_never_cached(mode, alice, password):
    for response in (
        post({"username": "alice", "password": password}),
        post({"username": "alice", "password": "wrong"}),
    ):
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]


def test_last_login_is_updated_on_success_only(alice, password):
    assert alice.last_login is None
    post({"username": "alice", "password": "wrong"})
    alice.refresh_from_db()
    assert alice.last_login is None
    post({"username": "alice", "password": password})
    alice.refresh_from_db()
    assert alice.last_login is not None


def test_tokens_of_a_login_work_on_protected_views(alice, password):
    body = post({"username": "alice", "password": password}).json()
    assert Client().get("/protected/", **bearer(body["access"])).json()["db_user"] == "alice"


def test_a_subclass_can_add_claims(alice, password):
    class MyLogin(LoginView):
        def get_payload(self, user):
            payload = super().get_payload(user)
            payload["user"]["email"] = user.email
            payload["tenant"] = "acme"
            return payload

    request = RequestFactory().post("/login/", {"username": "alice", "password": password})
    response = MyLogin.as_view()(request)
    body = json.loads(response.content)
    refresh, access = decode_unverified(body["refresh"]), decode_unverified(body["access"])
    assert refresh["user"]["email"] == access["user"]["email"] == "alice@djwto.com"
    assert refresh["tenant"] == access["tenant"] == "acme"
    # and refreshing keeps them
    response = Client().post("/api/token/refresh/refresh_access/", **bearer(body["refresh"]))
    assert decode_unverified(response.json()["access"])["tenant"] == "acme"
    assert decode_unverified(response.json()["access"])["user"]["email"] == "alice@djwto.com"


def test_non_ascii_credentials_log_in(db):
    get_user_model().objects.create_user("zoë", "zoe@djwto.com", "pässwörd-ünïcode")
    response = post_json({"username": "zoë", "password": "pässwörd-ünïcode"})
    assert response.status_code == 200
    assert decode_unverified(response.json()["access"])["user"]["username"] == "zoë"
