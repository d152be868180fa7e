"""The demo's "Your sessions" card in a real browser (Debian's Chromium, as in
tests/e2e/test_browser.py; skipped where ``chromium`` is missing): alice logs in from two
browsers, one lists both sessions and revokes the other, whose refresh then fails.

Playwright's sync API refuses to start in a thread whose asyncio loop runs, which is the main
thread's while tests/e2e's session-wide browser is open: each test here drives its own
Chromium from a thread of its own, and closes it before it ends.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from tests.e2e.test_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    TIMEOUT_MS,
    click_action,
    login,
    open_demo,
)
from tests.support import MODES

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture
def in_browser():
    """Run ``scenario(browser)`` with a fresh headless Chromium, in a thread of its own."""
    if CHROMIUM is None:
        pytest.skip("browser tests need Chromium on PATH: `apt-get install chromium`")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")

    def run(scenario: Callable[[object], None]) -> None:
        failure: list[BaseException] = []

        def target() -> None:
            try:
                with sync_api.sync_playwright() as playwright:
                    browser = playwright.chromium.launch(
                        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
                    )
                    try:
                        scenario(browser)
                    finally:
                        browser.close()
            except BaseException as exc:  # re-raised in the test's thread
                failure.append(exc)

        thread = threading.Thread(target=target, name="session-records-browser")
        thread.start()
        thread.join(timeout=300)
        assert not thread.is_alive(), "the browser scenario did not finish in 5 minutes"
        if failure:
            raise failure[0]

    return run


def new_page(browser, user_agent: str):
    context = browser.new_context(user_agent=user_agent, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    return page


def show_sessions(page) -> list[dict]:
    """Click "show" and wait for the list to answer; each row's sid, agent and mark."""
    page.evaluate('document.getElementById("sessions-card").removeAttribute("data-status")')
    page.click("#btn-sessions")
    page.wait_for_selector("#sessions-card[data-status]", state="attached")
    return page.eval_on_selector_all(
        "#sessions-list li",
        """items => items.map(li => ({
            sid: li.dataset.sid,
            current: li.dataset.current === "true",
            agent: li.querySelector(".agent").textContent,
        }))""",
    )


@pytest.mark.parametrize("mode", MODES)
def test_list_two_browsers_sessions_and_revoke_the_other(demo_pool, in_browser, mode):
    demo = demo_pool.shipped(mode)

    def scenario(browser) -> None:
        laptop = new_page(browser, "Laptop-Chromium/1.0")
        phone = new_page(browser, "Phone-Chromium/2.0")
        for page in (phone, laptop):
            open_demo(page, demo.url("/"))
            login(page, "alice")

        shown = show_sessions(laptop)
        assert [(s["agent"], s["current"]) for s in shown] == [
            ("Laptop-Chromium/1.0", True),
            ("Phone-Chromium/2.0", False),
        ]
        assert laptop.inner_text("#sessions-list li.current .this-device") == "this browser"
        phones = shown[1]["sid"]

        # The laptop ends the phone's session; the list keeps only the laptop's.
        laptop.evaluate('document.getElementById("sessions-card").removeAttribute("data-status")')
        laptop.click(f'#sessions-list li[data-sid="{phones}"] button[data-revoke]')
        laptop.wait_for_function(
            'document.querySelectorAll("#sessions-list li").length === 1'
            ' && document.getElementById("sessions-card").dataset.status === "200"'
        )
        assert [s["agent"] for s in show_sessions(laptop)] == ["Laptop-Chromium/1.0"]

        # The phone's refresh now fails; the laptop's still works.
        status, body = click_action(phone, "refresh_access")
        assert (status, body["code"]) == (401, "token_revoked"), body
        status, body = click_action(laptop, "refresh_access")
        assert status == 200, body
        assert laptop.js_errors == [] and phone.js_errors == []

    in_browser(scenario)
