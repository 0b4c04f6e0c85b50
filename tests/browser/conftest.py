"""Browser tests: headless Chromium (/usr/bin/chromium) driven by Playwright's sync API against ``live_server``.

Use ``@pytest.mark.browser`` and ``@pytest.mark.django_db(transaction=True)`` (the live server reads committed data).
``browser_page`` is a fresh page of a fresh context; ``login(page, live_server, user)`` signs a user in through the
login form (tests.factories.PASSWORD).
"""

from __future__ import annotations

import os

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
]


@pytest.fixture(scope="session")
def _browser():
    import playwright.sync_api as playwright_api

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: `./run test` installs Debian's chromium; run it that way.")
    # Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from "async" contexts.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with playwright_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def browser_page(_browser):
    context = _browser.new_context(locale="en-US")
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def login(page, live_server, user, password: str = PASSWORD) -> None:
    """Sign ``user`` in through the login page; ends on the page the login leads to."""
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", password)
    page.click("[data-testid=login]")
    page.wait_for_load_state()
