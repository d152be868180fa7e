"""The client flows of djwto 0.0.4's README, in each mode, end to end through the test client."""

from tests.support import P


def test_full_flow(alice_session, bob, password):
    s = alice_session
    assert s.get("/protected/").status_code == 200
    assert s.get("/aprotected/").json()["db_user"] == "alice"
    assert s.get("/perm/").status_code == 200
    assert s.post("/validate_access/").status_code == 200
    assert s.post_refresh(f"{P}/validate_refresh/").status_code == 200
    old_refresh = s.refresh
    r = s.post_refresh(f"{P}/refresh_access/")
    assert r.status_code == 200, r.content
    r = s.post_refresh(f"{P}/update_refresh/")
    assert r.status_code == 200, r.content
    assert s.refresh != old_refresh
    assert s.get("/protected/").status_code == 200
    r = s.post_refresh(f"{P}/logout/")
    assert r.status_code == 200, r.content
    if not s.cookie_mode:
        r = s.post_refresh(f"{P}/refresh_access/")
        assert r.status_code == 401
