"""The demo page in a real browser: Debian's Chromium, driven by Playwright for Python.

Skipped, with a message, where there is no ``chromium`` on PATH (``apt-get install chromium``).
Playwright's own browser download is never used: it cannot download here; Playwright launches
the system Chromium through ``executable_path``.

Screenshots go to ``artifacts/`` (git-ignored). ``DJWTO_UPDATE_DOCS_SCREENSHOT=1`` also copies
the TWO-COOKIES one to ``docs/demo.png``, the picture in the README; the tests never touch a
tracked file otherwise.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from tests.support import COOKIE_MODES, MODES, REPO
from tests.support import P as REFRESH

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO / "artifacts"
DOCS_SCREENSHOT = REPO / "docs" / "demo.png"
TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def browser():
    """One Chromium for this module. Not for the session: Playwright's sync API keeps an event
    loop running in the main thread while it is open, and Django refuses ORM calls in a thread
    with a running loop, so every later test that touches the database would fail."""
    if CHROMIUM is None:
        pytest.skip(
            "browser tests need Chromium on PATH: `apt-get install chromium` "
            "(Debian's package; Playwright's own browser download is not used)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("browser tests need the playwright package: pip install -e '.[test]'")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    try:
        yield page
    finally:
        context.close()


def open_demo(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector('body[data-ready="1"]')


def entries(page) -> int:
    return page.locator("#log .entry").count()


def last_call(page) -> tuple[int, object]:
    entry = page.locator("#log .entry").first
    return int(entry.get_attribute("data-status")), json.loads(entry.locator("pre").inner_text())


def click_action(page, action: str) -> tuple[int, object]:
    """Click an action button; wait for its call to be logged (and the page to settle)."""
    before = entries(page)
    page.click(f'button[data-action="{action}"]')
    page.wait_for_function(f'document.querySelectorAll("#log .entry").length > {before}')
    page.wait_for_load_state("networkidle")
    return last_call(page)


def login(page, username: str) -> None:
    before = entries(page)
    page.fill("#username", username)
    page.fill("#password", "pass")
    page.click("#btn-login")
    page.wait_for_function(f'document.querySelectorAll("#log .entry").length > {before}')
    status, body = last_call(page)
    assert status == 200, body
    page.wait_for_selector("#session-user")
    assert page.inner_text("#session-user") == username


def shown_claims(page) -> dict:
    return json.loads(page.inner_text("#claims"))


def countdown_seconds(page) -> int:
    text = page.inner_text("#countdown")
    match = re.fullmatch(r"(\d+):(\d\d)", text.strip())
    assert match, f"countdown shows {text!r}"
    return int(match[1]) * 60 + int(match[2])


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.mark.parametrize(
    "mode,host",
    [(mode, "127.0.0.1") for mode in MODES] + [("TWO-COOKIES", "localhost")],
)
def test_demo_page_flow(demo_pool, page, mode, host):
    demo = demo_pool.shipped(mode)
    open_demo(page, demo.url("/", host=host))
    assert page.inner_text("#mode") == mode
    assert page.inner_text("#session-status") == "Not logged in."

    # Log in as alice: her claims, with the email the demo adds, and a live countdown.
    login(page, "alice")
    assert "alice@djwto.com" in page.inner_text("#session-status")
    claims = shown_claims(page)
    assert claims["type"] == "access"
    assert claims["user"]["username"] == "alice"
    assert claims["user"]["email"] == "alice@djwto.com"
    assert "testapp.perm1" in claims["user"]["perms"]
    first = countdown_seconds(page)
    assert 0 < first <= 300
    page.wait_for_function(
        f"""() => {{
            const m = document.getElementById("countdown").textContent.match(/^(\\d+):(\\d\\d)$/);
            return m && (Number(m[1]) * 60 + Number(m[2])) < {first};
        }}""",
        timeout=5_000,
    )

    # Secure cookies over http: Chromium keeps them for loopback hosts (127.0.0.1, localhost).
    cookies = {c["name"]: c for c in page.context.cookies()}
    if mode in COOKIE_MODES:
        expected = {"jwt_refresh": True}
        expected.update(
            {"jwt_access": True}
            if mode == "ONE-COOKIE"
            else {"jwt_access_token": True, "jwt_access_payload": False}
        )
        for name, http_only in expected.items():
            assert name in cookies, f"Chromium did not keep {name}: {sorted(cookies)}"
            assert cookies[name]["secure"] is True
            assert cookies[name]["httpOnly"] is http_only, cookies[name]
        assert cookies["jwt_refresh"]["path"] == REFRESH
    else:
        assert not any(name.startswith("jwt_") for name in cookies), sorted(cookies)
        assert page.evaluate("sessionStorage.length") == 1  # the tokens, in memory of this tab

    # The protected views and the API calls, from the buttons.
    assert click_action(page, "protect") == (200, {"username": "alice"})
    assert click_action(page, "async_protect") == (200, {"username": "alice", "async": True})
    status, body = click_action(page, "perms_protect")
    assert status == 200 and body["username"] == "alice"
    assert click_action(page, "validate_access") == (200, {"msg": "Token is valid"})
    assert click_action(page, "validate_refresh") == (200, {"msg": "Token is valid"})

    status, body = click_action(page, "refresh_access")
    assert status == 200, body
    page.wait_for_function(
        f'!document.getElementById("claims").textContent.includes({json.dumps(claims["jti"])})'
    )
    refreshed = shown_claims(page)
    assert refreshed["jti"] != claims["jti"] and refreshed["sid"] == claims["sid"]

    status, body = click_action(page, "update_refresh")
    assert status == 200, body
    page.wait_for_function(
        f'!document.getElementById("claims").textContent.includes({json.dumps(refreshed["jti"])})'
    )
    assert shown_claims(page)["refresh_jti"] != claims["refresh_jti"]
    assert click_action(page, "protect") == (200, {"username": "alice"})

    shot = screenshot(page, f"demo-{mode.lower()}-{host}")
    if (
        mode == "TWO-COOKIES"
        and host == "127.0.0.1"
        and os.environ.get("DJWTO_UPDATE_DOCS_SCREENSHOT")
    ):
        DOCS_SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(shot, DOCS_SCREENSHOT)

    # Log out: the page forgets the session and the protected view now fails.
    status, body = click_action(page, "logout")
    assert (status, body) == (200, {"msg": "Token successfully blacklisted."})
    assert page.inner_text("#session-status") == "Not logged in."
    assert page.inner_text("#countdown") == "–"
    status, body = click_action(page, "protect")
    assert status == 401, body
    if mode in COOKIE_MODES:
        left = {c["name"] for c in page.context.cookies()}
        assert not left & {"jwt_access", "jwt_access_token", "jwt_access_payload", "jwt_refresh"}, (
            left
        )
    status, body = click_action(page, "refresh_access")
    assert status == 401, body

    # bob: logged in, but without testapp.perm1.
    login(page, "bob")
    assert click_action(page, "protect") == (200, {"username": "bob"})
    status, body = click_action(page, "perms_protect")
    assert status == 403, body
    screenshot(page, f"demo-{mode.lower()}-{host}-bob")

    assert page.js_errors == []


def test_reload_keeps_the_session(demo_pool, page):
    """A reload finds the login again: in the cookies, or in sessionStorage in JSON mode."""
    for mode in MODES:
        demo = demo_pool.shipped(mode)
        open_demo(page, demo.url("/"))
        login(page, "alice")
        page.reload()
        page.wait_for_selector('body[data-ready="1"]')
        page.wait_for_selector("#session-user")
        assert page.inner_text("#session-user") == "alice"
        assert click_action(page, "protect") == (200, {"username": "alice"})
        assert click_action(page, "logout")[0] == 200
    assert page.js_errors == []


def test_the_page_shows_expiry_and_refresh_access_recovers(demo_pool, page):
    """Access tokens living 2 s: the countdown runs out, the protected call fails, and the
    Refresh access button brings the session back."""
    demo = demo_pool.get(
        "short-lived-TWO-COOKIES", mode="TWO-COOKIES", env={"DJWTO_ACCESS_TOKEN_SECONDS": "2"}
    )
    open_demo(page, demo.url("/"))
    login(page, "alice")
    page.wait_for_function(
        'document.getElementById("countdown").textContent.startsWith("expired")', timeout=5_000
    )
    status, body = click_action(page, "protect")
    assert status == 401, body
    status, body = click_action(page, "refresh_access")
    assert status == 200, body
    page.wait_for_function('/^\\d+:\\d\\d$/.test(document.getElementById("countdown").textContent)')
    assert click_action(page, "protect") == (200, {"username": "alice"})
    assert page.js_errors == []
