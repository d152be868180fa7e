"""Over a real server: the csrftoken a client stores at login lasts the whole session.

djwto 0.0.4's client examples read csrftoken once after login and send it on every later
unsafe request; a second browser tab does the same with the value it read. Refreshes must
keep that value, and only a new login replaces it.
"""

from __future__ import annotations

import pytest

from tests.support import COOKIE_MODES, P

from .support import DemoClient

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("mode", COOKIE_MODES)
def test_the_login_csrftoken_lasts_until_the_next_login(demo_pool, mode):
    client = DemoClient(demo_pool.shipped(mode))
    assert client.login().status_code == 200
    stored = client.cookie("csrftoken")
    assert stored
    header = {"X-CSRFToken": stored}
    for action in ("refresh_access", "update_refresh", "refresh_access"):
        response = client.refresh_call(action, headers=header)
        assert response.status_code == 200, (action, response.text[:300])
        assert client.cookie("csrftoken") == stored, action
    # A second tab that read the cookie at login time: still good after the first tab's calls.
    second_tab = {"X-CSRFToken": stored}
    assert client.post("/validate_access/", headers=second_tab).status_code == 200
    assert client.refresh_call("refresh_access", headers=second_tab).status_code == 200
    assert client.post(f"{P}/logout/", token="refresh", headers=header).status_code == 200
    assert client.refresh_call("refresh_access", headers=header).status_code == 401

    # The next login rotates it: the old value no longer passes.
    assert client.login().status_code == 200
    fresh = client.cookie("csrftoken")
    assert fresh and fresh != stored
    response = client.refresh_call("refresh_access", headers={"X-CSRFToken": stored})
    assert response.status_code == 403 and response.json()["code"] == "csrf_failed"
    assert client.refresh_call("refresh_access", headers={"X-CSRFToken": fresh}).status_code == 200
