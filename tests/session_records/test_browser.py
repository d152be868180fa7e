"""The demo's "Your sessions" card in a real browser (Debian's Chromium, as in
tests/e2e/test_browser.py; skipped where ``chromium`` is missing): alice logs in from two
browsers, one lists both sessions and revokes the other, whose refresh then fails."""

from __future__ import annotations

import pytest

from tests.e2e.test_browser import TIMEOUT_MS, click_action, login, open_demo
from tests.support import MODES

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


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
def test_list_two_browsers_sessions_and_revoke_the_other(demo_pool, browser, mode):
    demo = demo_pool.shipped(mode)
    laptop = new_page(browser, "Laptop-Chromium/1.0")
    phone = new_page(browser, "Phone-Chromium/2.0")
    try:
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
    finally:
        laptop.context.close()
        phone.context.close()
