"""Findings of the outside review on tokens, users and permissions, each by item and catalogue id:
5 (U1/U2) refresh-only views check the user like the endpoints; 7 (U5) superusers and the size
of the permission claim; 8 (L3) the failure signal for a refused inactive user; 9 (M6) bodies
in other charsets; 12 (T1, M4, T3) what a missing credential, a non-string ``refresh`` and a
CSRF failure say."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.signals import user_login_failed
from django.contrib.contenttypes.models import ContentType
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.http import JsonResponse
from django.test import Client
from django.urls import include, path
from django.views import View

from djwto.backends import encode
from djwto.claims import build_refresh_claims
from djwto.decorators import jwt_login_required, jwt_perm_required
from djwto.mixins import JWTAuthMixin, JWTPermissionMixin
from djwto.models import DeniedToken
from tests.security.helpers import cookie_header, nothing_written
from tests.support import (
    CSRF,
    PASSWORD,
    USER_CHANGES,
    P,
    assert_rejected,
    bearer,
    change_user,
    decode_unverified,
)
from tests.upgrade.conftest import legacy_pair

pytestmark = pytest.mark.urls(__name__)

ALLOW_ALL = "django.contrib.auth.backends.AllowAllUsersModelBackend"


# --- views of this module ----------------------------------------------------------------------


def _claims_body(request):
    return JsonResponse({"type": request.jwt["type"], "user": request.user.get_username()})


class RefreshOnly(JWTAuthMixin, View):
    token_type = "refresh"

    def post(self, request):
        return _claims_body(request)


class AsyncRefreshOnly(JWTAuthMixin, View):
    token_type = "refresh"

    async def post(self, request):
        user = await request.auser()
        return JsonResponse({"type": request.jwt["type"], "user": user.get_username()})


@jwt_login_required(token_type="refresh")
def fn_refresh_only(request):
    return _claims_body(request)


@jwt_login_required(token_type="refresh")
async def afn_refresh_only(request):
    user = await request.auser()
    return JsonResponse({"type": request.jwt["type"], "user": user.get_username()})


class NoRowPermission(JWTPermissionMixin, View):
    """A permission with no ``Permission`` row: Django's ``has_perm`` grants it to superusers."""

    permission_required = "nowhere.do_anything"

    def get(self, request):
        return JsonResponse({"ok": True})


@jwt_perm_required("nowhere.do_anything")
async def afn_no_row(request):
    return JsonResponse({"ok": True})


class Perm1(JWTPermissionMixin, View):
    permission_required = "testapp.perm1"

    def get(self, request):
        return JsonResponse({"ok": True})


urlpatterns = [
    path("", include("djwto.urls")),
    path("refresh-only/", RefreshOnly.as_view()),
    path("arefresh-only/", AsyncRefreshOnly.as_view()),
    path("fn-refresh-only/", fn_refresh_only),
    path("afn-refresh-only/", afn_refresh_only),
    path("no-row/", NoRowPermission.as_view()),
    path("afn-no-row/", afn_no_row),
    path("perm1/", Perm1.as_view()),
]
REFRESH_ONLY = ("/refresh-only/", "/arefresh-only/", "/fn-refresh-only/", "/afn-refresh-only/")


def _post_refresh(path_: str, token: str, mode: str):
    if mode == "JSON":
        return Client().post(path_, **bearer(token))
    return Client(enforce_csrf_checks=True).post(
        path_,
        HTTP_COOKIE=cookie_header(jwt_refresh=token, csrftoken=CSRF),
        HTTP_X_CSRFTOKEN=CSRF,
    )


@pytest.fixture(params=["JSON", "ONE-COOKIE"])
def any_mode(request, settings):
    settings.DJWTO_MODE = request.param
    settings.DJWTO_COOKIE_SECURE = True
    return request.param


# --- 5: refresh-only mixins and decorators check the user as the endpoints do --------------------


@pytest.mark.parametrize("change", USER_CHANGES)
@pytest.mark.parametrize("path_", REFRESH_ONLY)
def test_5_U1_U2_refresh_only_views_refuse_a_changed_user(any_mode, alice, change, path_):
    token = encode(build_refresh_claims(alice))
    assert _post_refresh(path_, token, any_mode).json() == {"type": "refresh", "user": "alice"}
    change_user(alice, change)
    with nothing_written():
        response = _post_refresh(path_, token, any_mode)
    assert_rejected(response, 401, code="user_invalid")
    # The endpoints answer the same for the same token.
    assert_rejected(
        _post_refresh(f"{P}/validate_refresh/", token, any_mode), 401, code="user_invalid"
    )


@pytest.mark.parametrize("path_", REFRESH_ONLY)
def test_5_U2_a_004_refresh_token_has_no_stamp_and_is_exempt_as_on_the_endpoints(alice, path_):
    refresh, _ = legacy_pair(alice)
    alice.set_password("another one")
    alice.save()
    assert _post_refresh(path_, refresh, "JSON").status_code == 200
    assert _post_refresh(f"{P}/validate_refresh/", refresh, "JSON").status_code == 200
    alice.is_active = False
    alice.save()
    assert_rejected(_post_refresh(path_, refresh, "JSON"), 401, code="user_invalid")


def test_5_U1_logout_still_ends_the_session_of_a_changed_user(alice):
    token = encode(build_refresh_claims(alice))
    change_user(alice, "password")
    response = Client().post(f"{P}/logout/", **bearer(token))
    assert response.status_code == 200
    assert DeniedToken.objects.exists()


# --- 7: superusers and the size of the permission claim ---------------------------------------


def check_permission_claim_size():
    from djwto.checks import check_permission_claim_size as check

    return check()


def _many_permissions(count: int, app_label: str = "bulk") -> list[Permission]:
    content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model="thing")
    return Permission.objects.bulk_create(
        Permission(codename=f"perm_{i:04d}", name=f"Permission {i}", content_type=content_type)
        for i in range(count)
    )


@pytest.fixture
def root(db):
    return get_user_model().objects.create_superuser("root", "root@djwto.com", PASSWORD)


def _login(client: Client, username: str):
    return client.post("/login/", {"username": username, "password": PASSWORD})


def _access_of(response, mode: str) -> str:
    if mode == "JSON":
        return response.json()["access"]
    return response.cookies["jwt_access"].value


@pytest.mark.parametrize("mode", ["JSON", "ONE-COOKIE", "TWO-COOKIES"])
def test_7_U5_a_superuser_logs_in_on_a_project_with_500_permissions(settings, root, mode):
    settings.DJWTO_MODE = mode
    _many_permissions(500)
    client = Client()
    response = _login(client, "root")
    assert response.status_code == 200, response.content[:300]
    access = response.cookies["jwt_access_token"].value if mode == "TWO-COOKIES" else None
    access = access or _access_of(response, mode)
    user = decode_unverified(access)["user"]
    assert user == {"username": "root", "id": root.pk, "perms": [], "is_superuser": True}
    kwargs = bearer(access) if mode == "JSON" else {}
    assert client.get("/perm1/", **kwargs).status_code == 200


@pytest.mark.parametrize("path_", ["/no-row/", "/afn-no-row/"])
def test_7_U5_a_superuser_has_a_permission_without_a_row_as_in_django(root, bob, path_):
    assert root.has_perm("nowhere.do_anything") and not bob.has_perm("nowhere.do_anything")
    root_access = _login(Client(), "root").json()["access"]
    bob_access = _login(Client(), "bob").json()["access"]
    assert Client().get(path_, **bearer(root_access)).status_code == 200
    assert_rejected(Client().get(path_, **bearer(bob_access)), 403, code="permission_denied")


def test_7_U5_a_demoted_superuser_loses_the_claim_on_refresh(root):
    refresh = _login(Client(), "root").json()["refresh"]
    root.is_superuser = False
    root.save()
    for endpoint in ("refresh_access", "update_refresh"):
        access = Client().post(f"{P}/{endpoint}/", **bearer(refresh)).json()["access"]
        assert "is_superuser" not in decode_unverified(access)["user"]
        assert_rejected(Client().get("/no-row/", **bearer(access)), 403, code="permission_denied")


def test_7_U5_an_inactive_superuser_gets_no_claim(root):
    root.is_active = False
    assert "is_superuser" not in build_refresh_claims(root)["user"]


def test_7_U5_superuser_in_drf_permission_classes(settings, root):
    pytest.importorskip("rest_framework")
    settings.ROOT_URLCONF = "tests.contrib.urls"
    access = _login(Client(), "root").json()["access"]
    for path_ in ("/drf/perm1/", "/drf/perm12/"):
        assert Client().get(path_, **bearer(access)).status_code == 200


def test_7_U5_a_token_too_large_for_its_cookie_is_a_clear_json_500(settings, alice):
    settings.DJWTO_MODE = "ONE-COOKIE"
    alice.user_permissions.add(*_many_permissions(300))
    with nothing_written():
        response = _login(Client(), "alice")
    body = assert_rejected(response, 500, code="token_too_large")
    assert "DJWTO_PERMISSIONS_CLAIM" in body["error"] and "cookie" in body["error"]


@pytest.mark.parametrize("mode", ["JSON", "ONE-COOKIE"])
def test_7_U5_app_labels_keep_the_claim_small(settings, alice, mode):
    settings.DJWTO_MODE = mode
    settings.DJWTO_PERMISSIONS_CLAIM = ["testapp"]
    alice.user_permissions.add(*_many_permissions(500))
    client = Client()
    response = _login(client, "alice")
    assert response.status_code == 200, response.content[:300]
    access = _access_of(response, mode)
    assert decode_unverified(access)["user"]["perms"] == ["testapp.perm1"]
    kwargs = bearer(access) if mode == "JSON" else {}
    assert client.get("/perm1/", **kwargs).status_code == 200


def keep_perm2(user, perms):
    """A ``DJWTO_PERMISSIONS_CLAIM`` filter of the tests."""
    return {perm for perm in perms if perm.endswith("perm2")}


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ("all", ["testapp.perm1", "testapp.perm2"]),
        ("none", []),
        (["testapp"], ["testapp.perm1", "testapp.perm2"]),
        (["auth"], []),
        (f"{__name__}.keep_perm2", ["testapp.perm2"]),
        (keep_perm2, ["testapp.perm2"]),
    ],
)
def test_7_U5_the_policies_of_DJWTO_PERMISSIONS_CLAIM(settings, alice, policy, expected):
    settings.DJWTO_PERMISSIONS_CLAIM = policy
    alice.user_permissions.add(Permission.objects.get(codename="perm2"))
    assert build_refresh_claims(alice)["user"]["perms"] == expected


@pytest.mark.parametrize("policy", ["some", 3, [""], "tests.nowhere.keep"])
def test_7_E050_an_unusable_policy_is_refused_and_reported(settings, alice, policy):
    settings.DJWTO_PERMISSIONS_CLAIM = policy
    with pytest.raises(ImproperlyConfigured, match="DJWTO_PERMISSIONS_CLAIM"):
        build_refresh_claims(alice)
    ids = [m.id for m in checks.run_checks() if m.id.startswith("djwto.")]
    assert "djwto.E050" in ids


def test_7_W050_the_check_warns_about_the_largest_group_and_user(settings, alice):
    settings.DJWTO_MODE = "ONE-COOKIE"
    assert not [m for m in check_permission_claim_size() if m.id == "djwto.W050"]
    group = Group.objects.create(name="editors")
    group.permissions.add(*_many_permissions(150, "editing"))
    alice.user_permissions.add(*_many_permissions(150, "owning"))
    messages = [m for m in check_permission_claim_size() if m.id == "djwto.W050"]
    assert len(messages) == 2
    assert all(m.level == checks.WARNING and "cookie" in m.msg for m in messages)
    text = " ".join(m.msg for m in messages)
    assert "'editors'" in text and "'alice'" in text
    # Only what the claim keeps counts; superusers list none.
    settings.DJWTO_PERMISSIONS_CLAIM = ["testapp"]
    assert not [m for m in check_permission_claim_size() if m.id == "djwto.W050"]


def test_7_W050_json_mode_measures_against_max_token_bytes(settings, alice):
    settings.DJWTO_MODE = "JSON"
    alice.user_permissions.add(*_many_permissions(120))
    assert not [m for m in check_permission_claim_size() if m.id == "djwto.W050"]
    alice.user_permissions.add(*_many_permissions(400, "more"))
    (message,) = [m for m in check_permission_claim_size() if m.id == "djwto.W050"]
    assert "DJWTO_MAX_TOKEN_BYTES" in message.msg


def test_7_the_filter_is_imported_once_per_settings_change(settings):
    from djwto.claims import get_permissions_filter

    settings.DJWTO_PERMISSIONS_CLAIM = f"{__name__}.keep_perm2"
    assert get_permissions_filter() is get_permissions_filter() is keep_perm2


# --- 8: a refused inactive user sends Django's failure signal -----------------------------------


def test_8_L3_an_inactive_user_under_allow_all_sends_user_login_failed(settings, carol, alice):
    settings.AUTHENTICATION_BACKENDS = [ALLOW_ALL]
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    user_login_failed.connect(receiver)
    try:
        inactive = Client().post("/login/", {"username": "carol", "password": PASSWORD})
        assert len(received) == 1
        credentials = received[0]["credentials"]
        assert credentials["username"] == "carol"
        assert PASSWORD not in json.dumps(credentials) and credentials["password"]
        assert received[0]["request"].path == "/login/"
        wrong = Client().post("/login/", {"username": "alice", "password": "wrong"})
        assert len(received) == 2  # Django's own, for the wrong password
    finally:
        user_login_failed.disconnect(receiver)
    assert (inactive.status_code, inactive.json()) == (wrong.status_code, wrong.json())

    # Every header but never_cache's Expires, which is the second each answer was made in.
    def headers(response):
        return sorted((k, v) for k, v in response.headers.items() if k != "Expires")

    assert headers(inactive) == headers(wrong)
    carol.refresh_from_db()
    assert carol.last_login is None


# --- 9: bodies in another charset ---------------------------------------------------------------

FORM = "username=al\u00e9&password=x"
JSON_BODY = '{"username": "al\u00e9", "password": "x", "refresh": "a.b.c"}'
#: Declared charsets, and the codec each body is written in (an unknown name: UTF-8 bytes).
CHARSETS = {
    "utf-16": "utf-16",
    "utf-32": "utf-32",
    "latin-1": "latin-1",
    "no-such-charset": "utf-8",
}
TOKEN_ENDPOINTS = (
    "/login/",
    f"{P}/refresh_access/",
    f"{P}/update_refresh/",
    f"{P}/validate_refresh/",
    f"{P}/logout/",
    f"{P}/logout_all/",
    "/validate_access/",
)


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("kind", ["form", "json"])
@pytest.mark.parametrize("charset", list(CHARSETS))
@pytest.mark.parametrize("endpoint", TOKEN_ENDPOINTS)
def test_9_M6_a_body_in_another_charset_is_a_json_400(
    settings, any_mode, alice, debug, kind, charset, endpoint
):
    settings.DEBUG = debug
    text, content_type = (
        (FORM, "application/x-www-form-urlencoded")
        if kind == "form"
        else (JSON_BODY, "application/json")
    )
    client = Client(enforce_csrf_checks=True)
    with nothing_written():
        response = client.generic(
            "POST",
            endpoint,
            text.encode(CHARSETS[charset]),
            content_type=f"{content_type}; charset={charset}",
            HTTP_COOKIE=cookie_header(jwt_refresh="a.b.c", jwt_access="a.b.c", csrftoken=CSRF),
            HTTP_X_CSRFTOKEN=CSRF,
        )
    body = assert_rejected(response, 400, code="bad_request")
    assert "UTF-8" in body["error"] or "body" in body["error"]


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8", None])
def test_9_M6_utf8_and_ascii_bodies_still_log_in(alice, charset):
    content_type = "application/x-www-form-urlencoded"
    if charset:
        content_type += f"; charset={charset}"
    response = Client().generic(
        "POST", "/login/", f"username=alice&password={PASSWORD}".encode(), content_type=content_type
    )
    assert response.status_code == 200, response.content


# --- 12: what a missing credential and a CSRF failure say ----------------------------------------


def test_12_T1_a_bearer_header_sent_to_a_cookie_mode_server(settings, alice):
    settings.DJWTO_MODE = "ONE-COOKIE"
    access = encode(build_refresh_claims(alice) | {"type": "access"})
    response = Client().get("/perm1/", secure=True, **bearer(access))
    body = assert_rejected(response, 401, code="token_missing")
    assert "Bearer" in body["error"] and "jwt_access cookie" in body["error"]


@pytest.mark.parametrize("cookie", ["jwt_access", "jwt_access_token", "jwt_refresh"])
def test_12_T1_a_cookie_sent_to_a_json_mode_server(settings, db, cookie):
    settings.DJWTO_MODE = "JSON"
    client = Client()
    client.cookies[cookie] = "a.b.c"
    body = assert_rejected(client.get("/perm1/"), 401, code="token_missing")
    assert f"{cookie} cookie" in body["error"] and "Authorization: Bearer" in body["error"]
    body = assert_rejected(client.post(f"{P}/refresh_access/"), 401, code="token_missing")
    assert '{"refresh"' in body["error"]


def test_12_T1_secure_cookies_over_plain_http(settings, alice):
    settings.DJWTO_MODE = "ONE-COOKIE"
    settings.DJWTO_COOKIE_SECURE = True
    body = assert_rejected(Client().get("/perm1/"), 401, code="token_missing")
    assert "HTTPS" in body["error"] and "Secure" in body["error"]
    body = assert_rejected(Client().get("/perm1/", secure=True), 401, code="token_missing")
    assert body["error"] == "Authentication credentials were not provided."
    settings.DJWTO_COOKIE_SECURE = False
    body = assert_rejected(Client().get("/perm1/"), 401, code="token_missing")
    assert body["error"] == "Authentication credentials were not provided."


@pytest.mark.parametrize("literal", ["null", "123", '["a.b.c"]', "{}", "true"])
@pytest.mark.parametrize("endpoint", ["refresh_access", "update_refresh", "logout"])
def test_12_M4_a_non_string_refresh_field_is_a_400(settings, db, literal, endpoint):
    settings.DJWTO_MODE = "JSON"
    with nothing_written():
        response = Client().post(
            f"{P}/{endpoint}/", '{"refresh": %s}' % literal, content_type="application/json"
        )
    body = assert_rejected(response, 400, code="bad_request")
    assert "refresh" in body["error"]


def test_12_T3_csrf_messages_end_with_one_period(settings, alice):
    settings.DJWTO_MODE = "ONE-COOKIE"
    token = encode(build_refresh_claims(alice))
    client = Client(enforce_csrf_checks=True)
    responses = [
        client.post(
            f"{P}/refresh_access/", HTTP_COOKIE=cookie_header(jwt_refresh=token), secure=True
        ),
        client.post("/login/", {"username": "alice"}, HTTP_ORIGIN="https://evil.example"),
        client.post(
            "/login/", {"username": "alice"}, HTTP_SEC_FETCH_SITE="cross-site", secure=True
        ),
    ]
    for response in responses:
        body = assert_rejected(response, 403, code="csrf_failed")
        assert body["error"].endswith(".") and not body["error"].endswith(".."), body


@pytest.mark.parametrize("path_", ["/drf/stateless/", "/ninja/me"])
def test_12_T3_adapters_csrf_messages_end_with_one_period(settings, alice, path_):
    pytest.importorskip("rest_framework" if "drf" in path_ else "ninja")
    settings.ROOT_URLCONF = "tests.contrib.urls"
    settings.DJWTO_MODE = "ONE-COOKIE"
    access = encode(build_refresh_claims(alice) | {"type": "access"})
    response = Client(enforce_csrf_checks=True).post(
        path_, HTTP_COOKIE=cookie_header(jwt_access=access), secure=True
    )
    assert response.status_code == 403, response.content
    detail = response.json()["detail"]
    message = detail["detail"] if isinstance(detail, dict) else detail
    assert message.endswith(".") and not message.endswith(".."), message
