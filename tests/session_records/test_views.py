"""``GET sessions/`` and ``DELETE sessions/<sid>/``: in every transport, CSRF in the cookie
modes, 404 for whatever is not the user's, JSON errors everywhere."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import include, path

from tests.support import COOKIE_MODES, PASSWORD, P, assert_error, decode_unverified, login

LIST = "/sessions/"


def detail(sid: str) -> str:
    return f"/sessions/{sid}/"


def sid_of(session) -> str:
    return decode_unverified(session.access)["sid"]


def delete(session, path: str, *, csrf: bool = True):
    headers = session.access_headers() if csrf or not session.cookie_mode else {}
    return session.client.delete(path, **headers)


@pytest.fixture
def phone(mode, alice, records):
    """alice, logged in a second time from another device."""
    session = login(
        Client(enforce_csrf_checks=True, HTTP_USER_AGENT="Phone/2.0"), mode, "alice", PASSWORD
    )
    assert session.login_response.status_code == 200
    return session


@pytest.fixture
def laptop(mode, alice, records, phone):
    session = login(
        Client(enforce_csrf_checks=True, HTTP_USER_AGENT="Laptop/1.0"), mode, "alice", PASSWORD
    )
    assert session.login_response.status_code == 200
    return session


def test_the_list_shows_each_device_marks_the_current_one_and_hides_the_ip_hash(
    laptop, phone, records
):
    response = laptop.get(LIST)
    assert response.status_code == 200, response.content
    assert "no-store" in response.headers["Cache-Control"]
    sessions = response.json()["sessions"]
    assert [s["user_agent"] for s in sessions] == ["Laptop/1.0", "Phone/2.0"]  # newest first
    assert [s["current"] for s in sessions] == [True, False]
    assert [s["sid"] for s in sessions] == [sid_of(laptop), sid_of(phone)]
    for shown in sessions:
        assert set(shown) == {
            "sid",
            "current",
            "created_at",
            "last_refresh_at",
            "expires_at",
            "user_agent",
        }
        assert shown["last_refresh_at"] is None
    hashes = set(records.objects.values_list("ip_hash", flat=True))
    assert len(hashes) == 1 and next(iter(hashes))  # both from the test client's address
    assert next(iter(hashes)) not in response.content.decode()


def test_revoking_another_device_ends_its_refresh_and_drops_it_from_the_list(laptop, phone):
    response = delete(laptop, detail(sid_of(phone)))
    assert response.status_code == 200, response.content
    assert response.json() == {"msg": "Session revoked.", "sid": sid_of(phone), "current": False}
    assert not [name for name, m in response.cookies.items() if m.value == "" and "jwt" in name]
    assert_error(phone.post_refresh(f"{P}/refresh_access/"), 401, "token_revoked")
    assert [s["sid"] for s in laptop.get(LIST).json()["sessions"]] == [sid_of(laptop)]
    assert laptop.post_refresh(f"{P}/refresh_access/").status_code == 200
    # Gone: a second DELETE finds nothing.
    assert_error(delete(laptop, detail(sid_of(phone))), 404, "not_found")


def test_revoking_the_current_session_is_a_logout(laptop, phone):
    response = delete(laptop, detail(sid_of(laptop)))
    assert response.status_code == 200
    assert response.json()["current"] is True
    if laptop.cookie_mode:
        cleared = {name for name, m in response.cookies.items() if m.value == ""}
        assert "jwt_refresh" in cleared
    assert_error(laptop.client.post(f"{P}/refresh_access/", **laptop.refresh_headers()), 401)


def test_another_users_session_is_a_404_like_one_that_does_not_exist(mode, laptop, bob):
    bobs = login(Client(enforce_csrf_checks=True), mode, "bob", PASSWORD)
    foreign = assert_error(delete(laptop, detail(sid_of(bobs))), 404, "not_found")
    missing = assert_error(delete(laptop, detail("18ed2254922dab4c" + "0" * 16)), 404)
    assert foreign == missing
    assert bobs.post_refresh(f"{P}/refresh_access/").status_code == 200
    assert [s["sid"] for s in bobs.get(LIST).json()["sessions"]] == [sid_of(bobs)]


@pytest.mark.parametrize("mode", COOKIE_MODES, indirect=True)
def test_cookie_modes_refuse_a_delete_without_the_csrf_token(laptop, phone):
    response = delete(laptop, detail(sid_of(phone)), csrf=False)
    assert_error(response, 403, "csrf_failed")
    assert phone.post_refresh(f"{P}/refresh_access/").status_code == 200


def test_logged_out_and_expired_sessions_are_not_listed(laptop, phone, clock, settings):
    assert phone.post_refresh(f"{P}/logout/").status_code == 200
    assert [s["sid"] for s in laptop.get(LIST).json()["sessions"]] == [sid_of(laptop)]
    clock.advance(settings.DJWTO_REFRESH_TOKEN_LIFETIME.total_seconds() - 60)
    # The access token is long expired: a new one, then the list is empty a minute later.
    assert laptop.post_refresh(f"{P}/refresh_access/").status_code == 200
    assert len(laptop.get(LIST).json()["sessions"]) == 1
    clock.advance(61)
    # No access token outlives its refresh token, so only the server side can look now.
    from djwto.session_records import get_active_records

    assert get_active_records(str(get_user_model().objects.get(username="alice").pk)) == []
    assert_error(laptop.post_refresh(f"{P}/refresh_access/"), 401, "token_expired")


def test_rotation_shows_as_the_last_refresh(laptop, phone, clock):
    clock.advance(120)
    assert phone.post_refresh(f"{P}/update_refresh/").status_code == 200
    shown = {s["sid"]: s for s in laptop.get(LIST).json()["sessions"]}
    assert shown[sid_of(phone)]["last_refresh_at"] is not None
    assert shown[sid_of(laptop)]["last_refresh_at"] is None


def test_sessions_revoked_by_a_user_cutoff_are_not_listed(laptop, phone):
    from djwto import revoke_user_sessions

    assert len(laptop.get(LIST).json()["sessions"]) == 2
    revoke_user_sessions(get_user_model().objects.get(username="alice"))
    assert laptop.get(LIST).json()["sessions"] == []


def test_with_access_revocation_the_revoked_devices_access_token_stops_at_once(
    laptop, phone, settings
):
    settings.DJWTO_CHECK_ACCESS_REVOCATION = True
    assert phone.get(LIST).status_code == 200
    assert delete(laptop, detail(sid_of(phone))).status_code == 200
    assert_error(phone.get(LIST), 401, "token_revoked")


@pytest.mark.parametrize("sid", ["%00", "a" * 256, "%F0%9F%92%A9", "..", "%0A", "x%00y"], ids=repr)
def test_hostile_session_ids_are_a_404_never_a_500(laptop, sid):
    assert_error(delete(laptop, f"/sessions/{sid}/"), 404, "not_found")


def test_no_or_wrong_token_is_a_401(mode, laptop):
    assert_error(Client().get(LIST), 401, "token_missing")
    if not laptop.cookie_mode:
        response = Client().get(LIST, HTTP_AUTHORIZATION=f"Bearer {laptop.refresh}")
        assert_error(response, 401, "token_wrong_type")
    assert_error(Client().delete(detail(sid_of(laptop))), 401, "token_missing")


def test_other_methods_are_a_json_405(laptop):
    response = laptop.post(LIST)  # with the CSRF header in cookie modes: the method fails
    assert_error(response, 405, "method_not_allowed")
    assert response.headers["Allow"] == "GET, OPTIONS"
    response = laptop.get(detail(sid_of(laptop)))
    assert_error(response, 405, "method_not_allowed")
    assert response.headers["Allow"] == "DELETE, OPTIONS"


def test_records_off_is_a_404(mode, alice, settings):
    session = login(Client(enforce_csrf_checks=True), mode, "alice", PASSWORD)
    settings.DJWTO_SESSION_RECORDS = False
    body = assert_error(session.get(LIST), 404, "not_found")
    assert "DJWTO_SESSION_RECORDS" in body["error"]
    assert_error(delete(session, detail(sid_of(session))), 404, "not_found")
    assert session.post_refresh(f"{P}/refresh_access/").status_code == 200


def test_the_routes_have_names():
    from django.urls import reverse

    assert reverse("sessions") == LIST
    assert reverse("session_detail", args=["abc"]) == detail("abc")


def test_the_docs_customising_example_runs_as_written(alice, records, settings):
    """The ```python block of docs/sessions.md that subclasses the list view, served."""
    import re
    import sys
    import types

    from tests.support import REPO

    text = (REPO / "docs" / "sessions.md").read_text()
    (source,) = [b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "urlpatterns" in b]
    module = types.ModuleType("docs_sessions_example")
    exec(compile(source, "docs/sessions.md", "exec"), module.__dict__)  # noqa: S102
    module.urlpatterns += [path("", include("tests.urls"))]
    sys.modules[module.__name__] = module
    try:
        settings.ROOT_URLCONF = module.__name__
        session = login(Client(HTTP_USER_AGENT="Mobile Safari"), "JSON", "alice", PASSWORD)
        response = session.get("/me/sessions/")
        assert response.status_code == 200, response.content
        (shown,) = response.json()["sessions"]
        assert shown["device"] == "phone" and shown["current"] is True
    finally:
        del sys.modules[module.__name__]
