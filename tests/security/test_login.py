"""L. Login: L1-L5. Uniform failures, the hasher runs either way, a failure signal with the
password scrubbed, malformed bodies are 400 (413 when too big), and every login is a new
session whatever cookies come with it."""

from __future__ import annotations

import json
import time

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import get_hasher
from django.contrib.auth.signals import user_login_failed
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.views.debug import SafeExceptionReporterFilter

from djwto import signals
from djwto.backends import encode
from tests.security.helpers import access_claims, cookie_header, nothing_written, refresh_claims
from tests.support import CSRF, P, assert_no_token_issued, assert_rejected, decode_unverified, login

pytestmark = pytest.mark.django_db
ALLOW_ALL = ["django.contrib.auth.backends.AllowAllUsersModelBackend"]


def post_login(username, password, *, as_json: bool = False, client: Client | None = None, **extra):
    client = client or Client(enforce_csrf_checks=True)
    if as_json:
        return client.post(
            "/login/",
            json.dumps({"username": username, "password": password}),
            content_type="application/json",
            **extra,
        )
    return client.post("/login/", {"username": username, "password": password}, **extra)


def failures(password: str) -> dict[str, tuple[str, str]]:
    return {
        "unknown_user": ("mallory", password),
        "wrong_password": ("alice", password + "!"),
        "inactive_user": ("carol", password),
        "empty_password": ("alice", ""),
        "unknown_user_empty_password": ("mallory", ""),
        "username_case": ("ALICE", password),
        "username_padded": ("alice ", password),
    }


def fingerprint(response) -> tuple:
    """Everything a client can observe of a response, Date aside."""
    headers = sorted((k, v) for k, v in response.headers.items() if k.lower() != "date")
    cookies = sorted(m.OutputString() for m in response.cookies.values())
    return response.status_code, response.content, tuple(headers), tuple(cookies)


# --- L1 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
@pytest.mark.parametrize("backends", ["model", "allow_all"])
def test_L1_uniform_failures(
    mode, settings, monkeypatch, alice, carol, password, as_json, backends
):
    # Expires is "now": hold the clock so that only what the server chose can differ.
    monkeypatch.setattr(time, "time", lambda: 1_900_000_000.0)
    if backends == "allow_all":
        # authenticate() then returns the inactive user: djwto's own check must look the same.
        settings.AUTHENTICATION_BACKENDS = ALLOW_ALL
    seen = {}
    for case, (username, secret) in failures(password).items():
        with nothing_written():
            response = post_login(username, secret, as_json=as_json)
        assert_rejected(response, 401, code="invalid_credentials")
        assert not response.cookies, case
        seen[case] = fingerprint(response)
    assert len(set(seen.values())) == 1, seen
    # And a good login still works with the same client shape.
    assert post_login("alice", password, as_json=as_json).status_code == 200


# --- L2 ---------------------------------------------------------------------------------------


@pytest.fixture
def hasher_calls(monkeypatch):
    """Count the default hasher's work (encode runs for a check and for a dummy hash alike)."""
    hasher_class = type(get_hasher("default"))
    calls = []
    original = hasher_class.encode

    def counting(self, password, salt, *args, **kwargs):
        calls.append(password)
        return original(self, password, salt, *args, **kwargs)

    monkeypatch.setattr(hasher_class, "encode", counting)
    return calls


@pytest.mark.parametrize("backends", ["model", "allow_all"])
def test_L2_the_hasher_runs_for_unknown_users_too(
    settings, alice, carol, password, hasher_calls, backends
):
    if backends == "allow_all":
        settings.AUTHENTICATION_BACKENDS = ALLOW_ALL
    counts = {}
    for case, (username, secret) in {**failures(password), "success": ("alice", password)}.items():
        hasher_calls.clear()
        post_login(username, secret)
        counts[case] = len(hasher_calls)
    assert counts["success"] >= 1
    assert set(counts.values()) == {counts["success"]}, counts


# --- L3 ---------------------------------------------------------------------------------------


@pytest.fixture
def login_failures():
    received = {"djwto": [], "django": []}

    def on_djwto(sender, **kwargs):
        received["djwto"].append(kwargs)

    def on_django(sender, **kwargs):
        received["django"].append(kwargs)

    signals.jwt_login_fail.connect(on_djwto)
    user_login_failed.connect(on_django)
    yield received
    signals.jwt_login_fail.disconnect(on_djwto)
    user_login_failed.disconnect(on_django)


@pytest.mark.parametrize("backends", ["model", "allow_all"])
def test_L3_every_failure_sends_a_scrubbed_signal(
    mode, settings, alice, carol, password, login_failures, backends
):
    if backends == "allow_all":
        settings.AUTHENTICATION_BACKENDS = ALLOW_ALL
    for case, (username, secret) in failures(password).items():
        login_failures["djwto"].clear()
        post_login(username, secret)
        assert len(login_failures["djwto"]) == 1, case
        sent = login_failures["djwto"][0]
        assert sent["credentials"]["username"] == username
        assert sent["credentials"]["password"] != secret or secret == ""
        assert set(sent["credentials"]["password"]) == {"*"}
        assert sent["request"] is not None and sent["reason"]
        text = repr({k: v for k, v in sent.items() if k != "request"})
        assert not secret or secret not in text
    for sent in login_failures["django"]:
        assert set(sent["credentials"]["password"]) == {"*"}


def test_L3_sensitive_and_never_cache_on_login_and_refresh(mode, alice, password):
    seen = []

    def capture(sender, request, **kwargs):
        filtered = SafeExceptionReporterFilter().get_post_parameters(request)
        seen.append((sender.__name__, request.sensitive_post_parameters, filtered.get("password")))

    hooks = (
        signals.jwt_logged_in,
        signals.jwt_login_fail,
        signals.jwt_access_refreshed,
        signals.jwt_refresh_updated,
    )
    for signal in hooks:
        signal.connect(capture)
    try:
        bad = post_login("alice", "wrong")
        session = login(Client(enforce_csrf_checks=True), mode, "alice", password)
        refreshed = session.post_refresh(f"{P}/refresh_access/")
        rotated = session.post_refresh(f"{P}/update_refresh/")
        failed_refresh = Client().post(f"{P}/refresh_access/", HTTP_AUTHORIZATION="Bearer x.y.z")
    finally:
        for signal in hooks:
            signal.disconnect(capture)
    assert [s[0] for s in seen] == ["LoginView", "LoginView", "RefreshView", "RefreshView"]
    assert all(s[1] == "__ALL__" for s in seen), seen
    assert seen[0][2] == seen[1][2] == SafeExceptionReporterFilter.cleansed_substitute
    for response in (bad, session.login_response, refreshed, rotated, failed_refresh):
        cache_control = {d.strip() for d in response["Cache-Control"].split(",")}
        assert {"no-store", "no-cache", "must-revalidate", "private", "max-age=0"} <= cache_control
        assert response.has_header("Expires")


# --- L4 ---------------------------------------------------------------------------------------

JSON_BODIES = {
    "missing_password": {"username": "alice"},
    "missing_username": {"password": "x"},
    "empty_object": {},
    "password_list": {"username": "alice", "password": ["x"]},
    "password_object": {"username": "alice", "password": {"p": "x"}},
    "password_number": {"username": "alice", "password": 123456},
    "password_float": {"username": "alice", "password": 1.5},
    "password_null": {"username": "alice", "password": None},
    "password_true": {"username": "alice", "password": True},
    "password_1mb": {"username": "alice", "password": "x" * 1_000_000},
    "password_4097": {"username": "alice", "password": "x" * 4097},
    "username_list": {"username": ["alice"], "password": "x"},
    "username_4097": {"username": "a" * 4097, "password": "x"},
    "username_nul": {"username": "alice\x00", "password": "x"},
    "password_nul": {"username": "alice", "password": "x\x00y"},
}
RAW_JSON_BODIES = {
    "lone_surrogate_username": '{"username": "\\ud800", "password": "x"}',
    "lone_surrogate_password": '{"username": "alice", "password": "\\udfff"}',
    "array": '["alice", "x"]',
    "string": '"alice"',
    "null": "null",
    "broken": '{"username": "alice", "password": ',
    "not_utf8": b'{"username": "\xff", "password": "x"}',
    "nan_password": '{"username": "alice", "password": NaN}',
    "huge_int": '{"username": "alice", "password": %s}' % ("9" * 5000),
}


@pytest.mark.parametrize("case", [*JSON_BODIES, *RAW_JSON_BODIES])
def test_L4_malformed_json_login_is_400(mode, alice, password, case, hasher_calls):
    body = json.dumps(JSON_BODIES[case]) if case in JSON_BODIES else RAW_JSON_BODIES[case]
    with nothing_written():
        response = Client(enforce_csrf_checks=True).post(
            "/login/", body, content_type="application/json"
        )
    assert_rejected(response, 400, code="bad_request")
    assert not response.cookies
    assert hasher_calls == []  # refused before any authentication


FORM_CASES = {
    "missing_password": ("application/x-www-form-urlencoded", b"username=alice"),
    "duplicate_username": (
        "application/x-www-form-urlencoded",
        b"username=alice&username=bob&password=x",
    ),
    "duplicate_password": (
        "application/x-www-form-urlencoded",
        b"username=alice&password=a&password=b",
    ),
    "text_plain": ("text/plain", b"username=alice&password=x"),
    "xml": ("application/xml", b"<login><username>alice</username></login>"),
    "json_as_form": ("application/x-www-form-urlencoded", b'{"username":"alice","password":"x"}'),
    "form_as_json": ("application/json", b"username=alice&password=x"),
    "no_content_type": ("", b"username=alice&password=x"),
    "multipart_no_fields": ("multipart/form-data; boundary=XX", b"--XX--\r\n"),
    "multipart_broken": ("multipart/form-data", b"garbage"),
    "nul_in_form": ("application/x-www-form-urlencoded", b"username=al%00ice&password=x"),
}


@pytest.mark.parametrize("case", list(FORM_CASES))
def test_L4_missing_fields_and_wrong_content_type_are_400(mode, alice, case):
    content_type, body = FORM_CASES[case]
    with nothing_written():
        response = Client(enforce_csrf_checks=True).generic(
            "POST", "/login/", body, content_type=content_type
        )
    assert_rejected(response, 400, code="bad_request")


@pytest.mark.parametrize("kind", ["json", "form", "too_many_fields", "too_many_files"])
def test_L4_bodies_over_django_limits_are_413(mode, settings, alice, password, kind):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    client = Client(enforce_csrf_checks=True)
    with nothing_written():
        if kind == "json":
            response = client.post(
                "/login/",
                json.dumps({"username": "alice", "password": "x" * 200_000}),
                content_type="application/json",
            )
        elif kind == "form":
            response = client.post("/login/", {"username": "alice", "password": "x" * 200_000})
        elif kind == "too_many_files":
            files = {
                f"f{i}": SimpleUploadedFile(f"{i}.txt", b"x")
                for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)
            }
            response = client.post("/login/", {"username": "alice", "password": password, **files})
        else:
            fields = {f"f{i}": "1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
            response = client.post("/login/", {"username": "alice", "password": password, **fields})
    assert_rejected(response, 413, code="payload_too_large")


def test_L4_refresh_bodies_over_django_limits_are_413(settings, alice):
    settings.DJWTO_MODE = "JSON"
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    token = encode(refresh_claims(alice))
    for endpoint in ("refresh_access", "update_refresh", "logout", "validate_refresh"):
        with nothing_written():
            response = Client().post(
                f"{P}/{endpoint}/",
                json.dumps({"refresh": token, "pad": "x" * 200_000}),
                content_type="application/json",
            )
        assert_rejected(response, 413, code="payload_too_large")


def test_L4_longest_accepted_credentials_are_processed(alice, password):
    response = post_login("alice", "x" * 4096, as_json=True)
    assert_rejected(response, 401, code="invalid_credentials")


# --- L5 ---------------------------------------------------------------------------------------


def _jtis(session_or_response, mode) -> tuple:
    cookies = session_or_response.cookies
    if mode == "JSON":
        body = session_or_response.json()
        refresh, access = body["refresh"], body["access"]
    else:
        refresh = cookies["jwt_refresh"].value
        access = cookies["jwt_access" if mode == "ONE-COOKIE" else "jwt_access_token"].value
    return decode_unverified(refresh), decode_unverified(access)


def test_L5_login_with_old_credentials_issues_fresh_tokens(mode, alice, password):
    client = Client(enforce_csrf_checks=True)
    first = login(client, mode, "alice", password)
    old_refresh, old_access = _jtis(first.login_response, mode)
    old_csrf = client.cookies.get("csrftoken")
    extra = {} if first.cookie_mode else {"HTTP_AUTHORIZATION": f"Bearer {first.access}"}
    again = client.post("/login/", {"username": "alice", "password": password}, **extra)
    assert again.status_code == 200
    new_refresh, new_access = _jtis(again, mode)
    assert new_refresh["jti"] != old_refresh["jti"] and new_access["jti"] != old_access["jti"]
    assert new_refresh["sid"] != old_refresh["sid"]
    assert new_access["refresh_jti"] == new_refresh["jti"]
    if first.cookie_mode:
        assert again.cookies["csrftoken"].value != old_csrf.value  # rotated with the login


@pytest.mark.parametrize("mode_name", ["ONE-COOKIE", "TWO-COOKIES"])
def test_L5_planted_cookies_are_replaced_on_login(settings, alice, bob, password, mode_name):
    """Session fixation: cookies planted for bob (or junk) never survive alice's login."""
    settings.DJWTO_MODE = mode_name
    access_name = "jwt_access" if mode_name == "ONE-COOKIE" else "jwt_access_token"
    planted = {
        "jwt_refresh": encode(refresh_claims(bob)),
        access_name: encode(access_claims(bob)),
        "jwt_access_payload": "e30",
        "csrftoken": CSRF,
    }
    for cookies in (planted, {**planted, "jwt_refresh": "junk", access_name: "junk"}):
        response = Client(enforce_csrf_checks=True).post(
            "/login/",
            {"username": "alice", "password": password},
            HTTP_COOKIE=cookie_header(**cookies),
        )
        assert response.status_code == 200
        refresh, access = _jtis(response, mode_name)
        assert refresh["user"]["username"] == access["user"]["username"] == "alice"
        for name in ("jwt_refresh", access_name, "csrftoken"):
            assert response.cookies[name].value and response.cookies[name].value != cookies[name]


def test_L5_failed_login_leaves_old_cookies_alone(mode, alice, password):
    client = Client(enforce_csrf_checks=True)
    login(client, mode, "alice", password)
    with nothing_written():
        response = client.post("/login/", {"username": "alice", "password": "wrong"})
    assert_rejected(response, 401, code="invalid_credentials")
    assert_no_token_issued(response)
    assert not response.cookies
    assert get_user_model().objects.get(username="alice").last_login is not None


class ExplodingBackend:
    """A backend with a bug: a project's traceback must still not show the password."""

    def authenticate(self, request, username=None, password=None):
        raise RuntimeError("backend bug")


def test_L3_a_crash_during_login_hides_the_credentials_in_tracebacks(settings, alice, password):
    from django.test import RequestFactory

    from djwto.views import LoginView

    settings.AUTHENTICATION_BACKENDS = [f"{__name__}.ExplodingBackend"]
    request = RequestFactory().post("/login/", {"username": "alice", "password": password})
    view = LoginView()
    view.setup(request)
    with pytest.raises(RuntimeError) as caught:
        view.get_user(view.get_credentials())
    reporter = SafeExceptionReporterFilter()
    frames = {}
    tb = caught.value.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith("djwto/views.py"):
            frames[tb.tb_frame.f_code.co_name] = dict(
                reporter.get_traceback_frame_variables(request, tb.tb_frame)
            )
        tb = tb.tb_next
    assert "get_user" in frames
    assert frames["get_user"]["credentials"] == reporter.cleansed_substitute
    assert password not in repr(frames)
