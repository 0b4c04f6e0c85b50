"""Invoicing a work order end to end in a browser: choose lines, create (pushed to Books), send, pay by link."""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import urlsplit

import httpx
import pytest

from invoicing import books as booksmod
from invoicing.models import Invoice, Payment
from tests.browser.conftest import login
from tests.invoicing.support import taxable_company, work_order
from tests.sync.connectors.conftest import connect, sandbox  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def books_us(sandbox, org):  # noqa: F811
    from fsmbilling.models import Tax

    booksmod.set_clock(sandbox.clock)
    org.state = "CA"
    org.save()
    connect(sandbox, org, is_tax_enabled=True)
    Tax.objects.create(organization=org, name="CA Sales Tax", rate=Decimal("8.25"), tax_type="sales_tax", region="CA")
    yield sandbox
    booksmod.set_clock(None)


def test_invoice_a_work_order_send_it_and_pay_it_online(browser_page, live_server, org, admin_user, books_us):
    page = browser_page
    order = work_order(org, admin_user, taxable_company(org))
    last_line = order.lines.order_by("position").last()
    login(page, live_server, admin_user)

    page.goto(f"{live_server.url}/o/acme/invoices/from-work-order/{order.pk}/")
    assert page.locator("[data-testid=line-checkbox]").count() == 3
    page.uncheck(f"#line-{last_line.pk}")
    page.click("[data-testid=create-invoice]")
    page.wait_for_url("**/o/acme/invoices/*/")
    invoice = Invoice.objects.get()
    assert page.locator("[data-testid=invoice-state]").inner_text() == "Draft"
    assert page.locator("[data-testid=invoice-total]").inner_text().startswith(f"{invoice.total:.2f}")
    assert page.locator("[data-testid=view-in-books]").count() == 1
    assert page.locator("[data-testid=invoice-line]").count() == 2

    page.click("[data-testid=send]")
    page.wait_for_load_state()
    assert page.locator("[data-testid=invoice-state]").inner_text() == "Sent"
    pay_link = page.locator("[data-testid=payment-link]").get_attribute("href")
    pay_path = urlsplit(pay_link).path

    # The public page, signed out: "Pay now" opens the gateway's hosted page (served in process by the sandbox).
    customer = page.context.browser.new_context().new_page()
    customer.goto(f"{live_server.url}{pay_path}")
    assert invoice.number in customer.content()
    gateway_urls: list[str] = []
    # The in-process sandbox answers as http://testserver, which the browser cannot reach: note where "Pay now" leads
    # and enter the test card there over the in-process transport instead.
    customer.on("request", lambda request: gateway_urls.append(request.url) if "testserver" in request.url else None)
    customer.click("[data-testid=pay-now]")
    customer.wait_for_load_state()
    assert gateway_urls and "/sandbox/pay/" in gateway_urls[0]
    gateway = httpx.Client(transport=books_us.transport, base_url="http://testserver")
    hosted = urlsplit(gateway_urls[0]).path
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', gateway.get(hosted).text).group(1)
    card = {"card_number": "4242 4242 4242 4242", "expiry": "12/30", "cvc": "123", "csrfmiddlewaretoken": token}
    answer = gateway.post(hosted, data=card)
    assert answer.status_code == 302
    customer.goto(answer.headers["location"])
    assert "Payment received" in customer.locator("[data-testid=pay-message]").inner_text()
    assert customer.locator("[data-testid=pay-now]").count() == 0
    customer.reload()
    assert Payment.objects.count() == 1
    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.PAID

    page.reload()
    assert page.locator("[data-testid=invoice-state]").inner_text() == "Paid"
