"""djwto.contrib.simplejwt: simplejwt's documented conversation, and a side-by-side run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tests.contrib.conftest import bad_tokens, bearer

pytestmark = pytest.mark.django_db
REPO = Path(__file__).resolve().parents[2]
PASSWORD = "boatymcboatface"


@pytest.fixture
def david(django_user_model):
    return django_user_model.objects.create_user("davidattenborough", password=PASSWORD)


def post(client: Client, path: str, body: dict):
    return client.post(path, json.dumps(body), content_type="application/json")


def obtain(client: Client) -> dict:
    response = post(
        client, "/sj/api/token/", {"username": "davidattenborough", "password": PASSWORD}
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_documented_usage_request_by_request(david):
    """simplejwt's "Usage" page: obtain a pair, use the access token, refresh, verify."""
    client = Client()
    pair = obtain(client)
    assert set(pair) == {"access", "refresh"}
    # curl -H "Authorization: Bearer <access>" http://localhost:8000/api/some-protected-view/
    assert client.get("/drf/stateless/", **bearer(pair["access"])).json() == {
        "user": "davidattenborough"
    }
    refreshed = post(client, "/sj/api/token/refresh/", {"refresh": pair["refresh"]})
    assert refreshed.status_code == 200
    assert set(refreshed.json()) == {"access"}
    assert client.get("/drf/stateless/", **bearer(refreshed.json()["access"])).status_code == 200
    verified = post(client, "/sj/api/token/verify/", {"token": pair["access"]})
    assert (verified.status_code, verified.json()) == (200, {})
    blacklisted = post(client, "/sj/api/token/blacklist/", {"refresh": pair["refresh"]})
    assert (blacklisted.status_code, blacklisted.json()) == (200, {})
    again = post(client, "/sj/api/token/refresh/", {"refresh": pair["refresh"]})
    assert again.status_code == 401
    assert again.json() == {"detail": "Token is blacklisted", "code": "token_not_valid"}
    assert again["WWW-Authenticate"] == 'Bearer realm="api"'


def test_access_token_carries_user_id_claim(david):
    from djwto.backends import decode

    assert decode(obtain(Client())["access"], "access")["user_id"] == str(david.pk)


def test_wrong_credentials(david):
    response = post(Client(), "/sj/api/token/", {"username": "davidattenborough", "password": "x"})
    assert response.status_code == 401
    assert response.json() == {"detail": "No active account found with the given credentials"}


def test_inactive_user_cannot_refresh(david):
    pair = obtain(Client())
    david.is_active = False
    david.save()
    response = post(Client(), "/sj/api/token/refresh/", {"refresh": pair["refresh"]})
    assert response.status_code == 401
    assert response.json() == {"detail": "No active account found for the given token."}


@pytest.mark.parametrize(
    ("kind", "detail"), [("expired", "Token is expired"), ("forged", "Token is invalid")]
)
def test_bad_tokens_on_verify(david, kind, detail):
    response = post(Client(), "/sj/api/token/verify/", {"token": bad_tokens(david)[kind]})
    assert response.status_code == 401
    assert response.json() == {"detail": detail, "code": "token_not_valid"}


def test_non_string_token_is_a_field_error(david):
    response = post(Client(), "/sj/api/token/refresh/", {"refresh": ["a", "b"]})
    assert (response.status_code, response.json()) == (400, {"refresh": ["Not a valid string."]})


def test_malformed_json_is_400(david):
    response = Client().post("/sj/api/token/", "{", content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) == {"detail"}


def _transcripts(rotate: bool) -> dict:
    env = {**os.environ, "SJ_ROTATE": "1" if rotate else "0"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "-m", "tests.contrib.sj_script"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout)


@pytest.mark.parametrize("rotate", [False, True], ids=["plain", "rotate"])
def test_same_client_script_against_simplejwt_and_djwto(rotate):
    """One frontend's requests to a real simplejwt backend and to djwto's: same answers.

    Token endpoints must match exactly (bodies with tokens masked, status, WWW-Authenticate);
    protected views are DRF's authentication classes, whose 401 bodies differ in detail.
    """
    transcripts = _transcripts(rotate)
    simplejwt, djwto = transcripts["simplejwt"], transcripts["djwto"]
    assert [step["step"] for step in simplejwt] == [step["step"] for step in djwto]
    for theirs, ours in zip(simplejwt, djwto, strict=True):
        if theirs["step"].startswith("protected"):
            assert ours["status"] == theirs["status"], theirs["step"]
            assert ours["www_authenticate"] == theirs["www_authenticate"], theirs["step"]
        else:
            assert ours == theirs


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"refresh": None}, {"refresh": ["This field may not be null."]}),
        ({"refresh": 12}, {"refresh": ["Not a valid string."]}),
        ({"refresh": "  "}, {"refresh": ["This field may not be blank."]}),
        ({}, {"refresh": ["This field is required."]}),
    ],
)
@pytest.mark.parametrize("endpoint", ["refresh/", "blacklist/"])
def test_field_errors_like_drf(david, endpoint, body, errors):
    response = post(Client(), f"/sj/api/token/{endpoint}", body)
    assert (response.status_code, response.json()) == (400, errors)


def test_get_is_405_with_allow_header(david):
    response = Client().get("/sj/api/token/refresh/")
    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "GET" not allowed.'}
    assert "POST" in response["Allow"]


def test_blacklist_revokes_the_session(david):
    pair = obtain(Client())
    assert post(Client(), "/sj/api/token/blacklist/", {"refresh": pair["refresh"]}).json() == {}
    verified = post(Client(), "/sj/api/token/verify/", {"token": pair["refresh"]})
    assert verified.status_code == 401
    assert verified.json() == {"detail": "Token is blacklisted", "code": "token_not_valid"}


def test_verify_refresh_of_deleted_user(david):
    pair = obtain(Client())
    david.delete()
    response = post(Client(), "/sj/api/token/verify/", {"token": pair["refresh"]})
    assert response.status_code == 401
    assert response.json() == {"detail": "No active account found for the given token."}


def test_oversized_body_is_413_in_drf_shape(david, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = post(Client(), "/sj/api/token/", {"username": "x" * 200, "password": "y"})
    assert response.status_code == 413
    assert set(response.json()) == {"detail"}
