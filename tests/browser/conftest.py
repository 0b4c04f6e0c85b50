"""Browser tests: Playwright driving Debian's Chromium against pytest-django's ``live_server``.

``browser_page`` is a fresh page (own cookies) of a headless Chromium started for the test; ``login(page,
live_server, user)`` logs a user in through the real login page. Tests using them carry ``@pytest.mark.browser``
and ``@pytest.mark.django_db(transaction=True)`` (the live server runs in another thread and must see the data).
"""

from __future__ import annotations

import os
import shutil

import pytest

from tests.factories import PASSWORD

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def chromium(monkeypatch):
    """A headless Chromium for one test.

    Playwright's sync API runs an event loop in this thread, and Django refuses ORM calls from a thread with a
    running loop; the test's own ORM calls are synchronous, so the check is lifted for this test only.
    """
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium package or set CHROMIUM_PATH.")
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(chromium):
    """A desktop-sized page; JavaScript errors on it fail the test at teardown."""
    context = chromium.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.js_errors = []
    page.on("pageerror", lambda error: page.js_errors.append(str(error)))
    yield page
    context.close()
    assert page.js_errors == [], f"JavaScript errors on the page: {page.js_errors}"


def login(page, live_server, user, password: str = PASSWORD) -> None:
    """Log ``user`` in through the login page and wait until the app answers with the next page."""
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(user.username)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_test_id("login").click()
    assert "/login/" not in page.url, "login failed: still on the login page"
