"""Onboarding in a real browser (FIN-2): log in, sign in to the sandbox on its consent page, New Invoice account,
Billing Setup shows the connection. The sandbox is reached over real HTTP on the live server."""

from __future__ import annotations

import pytest

from sync.models import FinanceConnection
from tests.browser.conftest import login
from tests.factories import UserFactory, make_organization


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_onboarding_new_invoice_account_in_the_browser(live_server, browser_page, settings):
    settings.SANDBOX_BASE_URL = live_server.url + "/sandbox"
    settings.SANDBOX_CONTROL_ENABLED = True
    settings.FINANCE_DEFAULT_PROVIDER = "sandbox"
    user = UserFactory(username="browser@acme.test")
    organization = make_organization("Browser Plumbing", slug="browser-plumbing", owner=user)
    page = browser_page

    login(page, live_server, user)
    page.goto(f"{live_server.url}/o/{organization.slug}/billing/onboarding/")
    page.click("[data-testid=sign-in]")
    # The sandbox's consent page: act as a new identity and accept.
    page.wait_for_url("**/sandbox/oauth/v2/auth**")
    page.fill("#new_email", "browser-owner@sandbox.test")
    page.click("button[name=decision][value=accept]")
    page.wait_for_url(f"**/o/{organization.slug}/billing/onboarding/")
    assert page.is_checked("[data-testid=choice-new-invoice]")
    page.click("[data-testid=finish]")
    page.wait_for_url(f"**/o/{organization.slug}/billing/")

    status = page.locator("[data-testid=connection-status]")
    assert status.get_attribute("data-status") == "connected"
    assert "Browser Plumbing" in page.locator("[data-testid=finance-org]").inner_text()
    connection = FinanceConnection.objects.get(organization=organization)
    assert connection.edition == "invoice" and connection.status == "connected"
    link = page.locator("[data-testid=finance-org-link]")
    assert link.get_attribute("href") == f"{live_server.url}/sandbox/ui/orgs/{connection.finance_org_id}/"
