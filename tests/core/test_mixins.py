"""``JWTRequiredMixin`` and ``JWTPermissionMixin`` on sync and async class-based views."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from djwto.backends import encode
from tests.support import PROTECTED_BY_FLAVOUR as PROTECTED
from tests.support import bearer, decode_unverified, login, make_pair

pytestmark = pytest.mark.urls("tests.core.urls")

WHOAMI = {"sync": "/whoami/", "async": "/awhoami/"}
PERM = {"sync": "/perm/", "async": "/aperm/"}


@pytest.fixture
def json_alice(alice, password):
    return login(Client(), "JSON", "alice", password)


def test_valid_access_token_reaches_the_handler(json_alice, flavour):
    response = json_alice.get(PROTECTED[flavour])
    assert response.status_code == 200
    assert response.json() == {"username": "alice", "type": "access", "db_user": "alice"}


def test_every_mode_reaches_the_handler(alice_session, flavour):
    assert alice_session.get(PROTECTED[flavour]).json()["db_user"] == "alice"
    assert alice_session.post(PROTECTED[flavour]).json()["method"] == "POST"


def test_missing_token_is_401_with_a_bare_bearer_challenge(db, flavour):
    response = Client().get(PROTECTED[flavour])
    assert response.status_code == 401
    assert response.json() == {
        "error": "Authentication credentials were not provided.",
        "code": "token_missing",
    }
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert "no-store" in response["Cache-Control"]


def test_bad_token_is_401_with_invalid_token_challenge(db, flavour):
    response = Client().get(PROTECTED[flavour], **bearer("a.b.c"))
    assert response.status_code == 401
    assert set(response.json()) == {"error", "code"}
    assert response.json()["code"] == "token_invalid"
    assert response["WWW-Authenticate"] == 'Bearer realm="api", error="invalid_token"'


def test_refresh_token_is_not_an_access_token(json_alice, flavour):
    response = Client().get(PROTECTED[flavour], **bearer(json_alice.refresh))
    assert response.status_code == 401
    assert response.json()["code"] == "token_wrong_type"


def test_expired_access_token_is_401(json_alice, clock, flavour):
    clock.advance(301)
    response = json_alice.get(PROTECTED[flavour])
    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"


def test_request_carries_the_claims_and_the_raw_token(json_alice, flavour):
    body = json_alice.post(WHOAMI[flavour]).json()
    assert body == {
        "jti": decode_unverified(json_alice.access)["jti"],
        "same": True,
        "token_len": len(json_alice.access),
    }


def test_request_user_is_lazy(json_alice, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert json_alice.post("/whoami/").status_code == 200
    with django_assert_num_queries(1):
        assert json_alice.get("/whoami/").json() == {"authenticated": True, "username": "alice"}


def test_request_auser_costs_one_query(json_alice, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert json_alice.post("/awhoami/").status_code == 200
    with django_assert_num_queries(1):
        assert json_alice.get("/awhoami/").json() == {"authenticated": True, "username": "alice"}


@pytest.mark.parametrize("change", ["delete", "deactivate"])
def test_user_gone_or_inactive_is_anonymous(json_alice, alice, flavour, change):
    if change == "delete":
        alice.delete()
    else:
        alice.is_active = False
        alice.save()
    response = json_alice.get(WHOAMI[flavour])
    assert response.status_code == 200  # the access token itself is still valid
    assert response.json() == {"authenticated": False, "username": ""}


@pytest.mark.parametrize("user_id", ["not-a-number", None, 10**30])
def test_token_pointing_to_no_user_gives_anonymous_not_500(alice, flavour, user_id):
    _refresh, access = make_pair(alice)
    access["user"] = {**access["user"], "id": user_id}
    if user_id is None:
        access["sub"] = "x"
    response = Client().get(WHOAMI[flavour], **bearer(encode(access)))
    assert response.status_code == 200
    assert response.json()["authenticated"] is False


def test_permission_granted(json_alice):
    assert json_alice.get("/perm/").status_code == 200


def test_permission_denied_is_403_json(bob, password, flavour):
    s = login(Client(), "JSON", "bob", password)
    response = s.get(PERM[flavour])
    assert response.status_code == 403
    assert response.json() == {
        "error": "You do not have permission to perform this action.",
        "code": "permission_denied",
    }
    assert "WWW-Authenticate" not in response


def test_every_listed_permission_is_required(alice, password):
    s = login(Client(), "JSON", "alice", password)
    assert s.get("/aperm/").status_code == 403  # needs perm1 and perm2
    alice.user_permissions.add(Permission.objects.get(codename="perm2"))
    s = login(Client(), "JSON", "alice", password)
    assert s.get("/aperm/").status_code == 200


def test_permission_check_makes_no_query(json_alice, bob, password, django_assert_num_queries):
    bobs = login(Client(), "JSON", "bob", password)
    with django_assert_num_queries(0):
        assert json_alice.get("/perm/").status_code == 200
        assert bobs.get("/perm/").status_code == 403
        assert json_alice.get("/aperm/").status_code == 403


def test_permission_comes_from_the_token_not_the_database(json_alice, alice):
    alice.user_permissions.clear()
    assert json_alice.get("/perm/").status_code == 200  # until the next refresh


def test_missing_token_on_a_permission_view_is_401_not_403(db, flavour):
    assert Client().get(PERM[flavour]).status_code == 401


def test_raise_exception_raises_djangos_permission_denied(json_alice, flavour):
    path = {"sync": "/raising/", "async": "/araising/"}[flavour]
    response = json_alice.get(path)
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")  # Django's handler403, not JSON


def test_raise_exception_also_covers_a_missing_token(db):
    response = Client().get("/raising/")
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")


def test_permission_required_missing_is_improperly_configured(json_alice):
    with pytest.raises(ImproperlyConfigured, match="permission_required"):
        json_alice.get("/no-perm-attr/")


def test_handler_errors_are_not_swallowed(json_alice, flavour):
    # A method the view doesn't define is still Django's 405, after authentication.
    response = json_alice.client.put(PROTECTED[flavour], **bearer(json_alice.access))
    assert response.status_code == 405


def test_get_permission_required_accepts_a_string_or_an_iterable():
    from djwto.mixins import JWTPermissionMixin

    class One(JWTPermissionMixin):
        permission_required = "a.b"

    class Many(JWTPermissionMixin):
        permission_required = {"a.b"}

    assert One().get_permission_required() == ("a.b",)
    assert Many().get_permission_required() == ("a.b",)


@pytest.mark.parametrize(
    "path", ["/refresh-only/", "/arefresh-only/", "/fn-refresh/", "/afn-refresh/"]
)
def test_views_taking_refresh_tokens_refuse_revoked_ones(json_alice, path):
    """Like the token endpoints: a logged-out refresh token is no credential anywhere."""
    assert Client().get(path, **bearer(json_alice.refresh)).json() == {"type": "refresh"}
    assert Client().get(path, **bearer(json_alice.access)).status_code == 401
    from tests.support import P

    assert Client().post(f"{P}/logout/", **bearer(json_alice.refresh)).status_code == 200
    response = Client().get(path, **bearer(json_alice.refresh))
    assert response.status_code == 401
    assert response.json()["code"] == "token_revoked"


@pytest.mark.parametrize("path", ["/refresh-only/", "/arefresh-only/"])
def test_views_taking_refresh_tokens_refuse_rotated_ones(json_alice, path):
    from tests.support import P

    Client().post(f"{P}/update_refresh/", **bearer(json_alice.refresh))
    response = Client().get(path, **bearer(json_alice.refresh))
    assert response.status_code == 401
    assert response.json()["code"] == "token_reused"


def test_token_type_attribute_can_require_a_refresh_token(json_alice):
    from djwto.mixins import JWTRequiredMixin

    class RefreshOnly(JWTRequiredMixin):
        token_type = "refresh"

    assert RefreshOnly().get_token_type() == "refresh"
    assert Client().get("/fn-refresh/", **bearer(json_alice.refresh)).json() == {"type": "refresh"}
    assert Client().get("/fn-refresh/", **bearer(json_alice.access)).status_code == 401
