"""A client written against djwto 0.0.4's README runs unchanged against the demo.

Each step is the README's own example (``requests``, form data, the ``AUTHORIZATION`` header,
``X-CSRFToken`` from the ``csrftoken`` cookie, ``REFERER``, the ``jwt_type`` field): login,
validate, refresh_access, update_refresh, logout (POST, then DELETE in the cookie modes), and
the failures after a logout. Only the URL differs (the README's server ran on
https://localhost:8001) and the session is :class:`~.support.LoopbackSession`, a
``requests.Session`` that sends the ``Secure`` cookies over http to 127.0.0.1 as browsers do.
"""

from __future__ import annotations

import base64
import json

import pytest

from .support import COOKIE_MODES, LoopbackSession

pytestmark = pytest.mark.e2e


def readme_flow_json(base: str) -> None:
    # /login/
    sess = LoopbackSession()
    sess.verify = False  # For testing locally
    r = sess.post(f"{base}/login/", data={"username": "alice", "password": "pass"})
    tokens = r.json()
    assert set(tokens) >= {"refresh", "access"}, tokens

    # /validate/
    sess = LoopbackSession()
    sess.headers.update({"AUTHORIZATION": f"Bearer {tokens['access']}"})
    r = sess.post(f"{base}/validate_access/")
    assert r.json() == {"msg": "Token is valid"}

    # /refresh_access/
    sess = LoopbackSession()
    sess.headers.update({"AUTHORIZATION": f"Bearer {tokens['refresh']}"})
    r = sess.post(f"{base}/api/token/refresh/refresh_access/", headers={"REFERER": base})
    refreshed = r.json()
    assert set(refreshed) >= {"refresh", "access"}, refreshed
    sess.headers.update({"AUTHORIZATION": f"Bearer {refreshed['access']}"})
    assert sess.post(f"{base}/validate_access/").json() == {"msg": "Token is valid"}

    # /update_refresh/
    sess = LoopbackSession()
    sess.headers.update({"AUTHORIZATION": f"Bearer {tokens['refresh']}"})
    r = sess.post(f"{base}/api/token/refresh/update_refresh/")
    updated = r.json()
    assert set(updated) >= {"refresh", "access"}, updated
    assert updated["refresh"] != tokens["refresh"]

    # /logout/
    sess = LoopbackSession()
    sess.headers.update({"AUTHORIZATION": f"Bearer {updated['refresh']}"})
    r = sess.post(f"{base}/api/token/refresh/logout/")
    assert json.loads(r.content) == {"msg": "Token successfully blacklisted."}

    # After blacklisting, updating either token fails with an "error" key.
    for path in ("update_refresh", "refresh_access"):
        r = sess.post(f"{base}/api/token/refresh/{path}/", headers={"REFERER": base})
        assert r.status_code != 200 and "error" in r.json(), (path, r.text)


def readme_flow_cookies(base: str, mode: str) -> None:
    # /login/
    sess = LoopbackSession()
    sess.verify = False  # For testing locally
    r = sess.post(f"{base}/login/", data={"username": "alice", "password": "pass"})
    assert r.status_code == 200, r.text
    names = {cookie.name for cookie in sess.cookies}
    access_names = (
        {"jwt_access"} if mode == "ONE-COOKIE" else {"jwt_access_payload", "jwt_access_token"}
    )
    assert names >= {"csrftoken", "jwt_refresh", *access_names}, names
    if mode == "TWO-COOKIES":
        payload = json.loads(base64.b64decode(sess.cookies["jwt_access_payload"].strip('"')))
        assert payload["type"] == "access" and payload["user"]["username"] == "alice"

    # /validate/ (access, then refresh)
    sess.headers.update({"X-CSRFToken": sess.cookies["csrftoken"]})
    r = sess.post(f"{base}/validate_access/", headers={"REFERER": base})
    assert r.json() == {"msg": "Token is valid"}
    r = sess.post(
        f"{base}/api/token/refresh/validate_refresh/",
        headers={"REFERER": base},
        data={"jwt_type": "refresh"},
    )
    assert r.json() == {"msg": "Token is valid"}

    # /refresh_access/ and /update_refresh/
    for path in ("refresh_access", "update_refresh"):
        r = sess.post(
            f"{base}/api/token/refresh/{path}/",
            headers={"REFERER": base},
            data={"jwt_type": "refresh"},
        )
        assert r.status_code == 200 and "error" not in r.json(), (path, r.text)
        r = sess.post(f"{base}/validate_access/", headers={"REFERER": base})
        assert r.json() == {"msg": "Token is valid"}

    # /logout/: POST blacklists, DELETE removes the cookies.
    r = sess.post(
        f"{base}/api/token/refresh/logout/",
        headers={"REFERER": base},
        data={"jwt_type": "refresh"},
    )
    assert json.loads(r.content) == {"msg": "Token successfully blacklisted."}
    r = sess.delete(
        f"{base}/api/token/refresh/logout/",
        headers={"REFERER": base},
        data={"jwt_type": "refresh"},
    )
    assert json.loads(r.content) == {"msg": "Tokens successfully deleted."}

    # After blacklisting, updating either token fails with an "error" key.
    for path in ("update_refresh", "refresh_access"):
        r = sess.post(
            f"{base}/api/token/refresh/{path}/",
            headers={"REFERER": base},
            data={"jwt_type": "refresh"},
        )
        assert r.status_code != 200 and "error" in r.json(), (path, r.text)


def test_the_004_readme_client_runs_unchanged(demo):
    if demo.mode in COOKIE_MODES:
        readme_flow_cookies(demo.base_url, demo.mode)
    else:
        readme_flow_json(demo.base_url)
