"""The core records through the real pages in a real browser: company, contact, service, a work order whose lines are
added and edited in place (htmx), and its totals; then the same page on a phone-sized screen."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = "/tmp/fsm-browser"
PHONE = {"width": 390, "height": 844}


def _save(page) -> None:
    with page.expect_navigation():
        page.get_by_test_id("save").click()


def _new_record(page, base: str, module: str) -> None:
    page.goto(f"{base}/{module}/")
    with page.expect_navigation():
        page.get_by_test_id("new-record").click()


def test_records_and_work_order_lines(browser_page, live_server, admin_user, org):
    page = browser_page
    base = f"{live_server.url}/o/{org.slug}"
    login(page, live_server, admin_user)
    assert "/login/" not in page.url, "the login failed"

    _new_record(page, base, "companies")
    page.locator("#id_name").fill("Browser Boilers Ltd")
    page.locator("#id_email").fill("office@boilers.test")
    _save(page)
    assert re.search(r"/companies/\d+/$", page.url), page.url
    assert page.get_by_role("heading", name="Browser Boilers Ltd").is_visible()

    _new_record(page, base, "contacts")
    page.locator("#id_first_name").fill("Bea")
    page.locator("#id_last_name").fill("Browser")
    page.locator("#id_company").select_option(label="Browser Boilers Ltd")
    _save(page)
    assert re.search(r"/contacts/\d+/$", page.url), page.url

    _new_record(page, base, "services-and-parts")
    page.locator("#id_name").fill("Boiler service")
    page.locator("#id_rate").fill("120.00")
    _save(page)
    assert re.search(r"/services-and-parts/\d+/$", page.url), page.url

    _new_record(page, base, "work-orders")
    page.locator("#id_summary").fill("Annual boiler check")
    page.locator("#id_company").select_option(label="Browser Boilers Ltd")
    page.locator("#id_contact").select_option(label="Bea Browser")
    _save(page)
    assert re.search(r"/work-orders/\d+/$", page.url), page.url
    detail_url = page.url

    # Lines are added and edited in place: the page is never reloaded (the flag set here survives).
    page.evaluate("window.__stillSamePage = true")
    lines = page.locator("#lines")
    # "Blank: the item's rate" says the form; what it shows in Rate before anyone types is checked at the end.
    shown_rate = page.locator("#id_new-rate").input_value()
    page.locator("#id_new-item").select_option(label="Boiler service")
    page.locator("#id_new-quantity").fill("2")
    page.locator("#id_new-rate").fill("")
    page.get_by_test_id("add-line").click()
    expect_rows(lines, 1)
    page.locator("#id_new-item").select_option(label="Boiler service")
    page.locator("#id_new-rate").fill("45.50")
    page.get_by_test_id("add-line").click()
    expect_rows(lines, 2)
    assert page.get_by_test_id("total").inner_text() == "285.50 USD", lines.inner_text()

    second = lines.locator("tbody tr").nth(1)
    line_id = second.get_attribute("id").removeprefix("line-")
    page.get_by_test_id(f"edit-line-{line_id}").click()
    quantity = page.locator(f"#id_line-{line_id}-quantity")
    quantity.wait_for()
    quantity.fill("3")
    page.get_by_test_id("save-line").click()
    page.get_by_test_id("total").filter(has_text="376.50").wait_for()

    assert page.evaluate("window.__stillSamePage") is True
    assert page.url == detail_url
    assert page.get_by_test_id("sub-total").inner_text() == "376.50"
    assert page.get_by_test_id("tax-total").inner_text() == "0.00"
    assert page.get_by_test_id("total").inner_text() == "376.50 USD"
    assert page.get_by_test_id("unbilled").inner_text() == "376.50"
    assert [cell.inner_text() for cell in lines.locator("tbody tr td:nth-child(8)").all()] == ["240.00", "136.50"]

    remove = lines.get_by_role("button", name="Remove").first
    assert remove.evaluate("b => getComputedStyle(b).color") != "rgb(255, 255, 255)", "Remove is white on white"

    page.reload()  # what was saved, not only what htmx showed
    assert page.get_by_test_id("total").inner_text() == "376.50 USD"
    page.screenshot(path=f"{SCREENSHOTS}-work-order-desktop.png", full_page=True)

    page.set_viewport_size(PHONE)
    page.reload()
    assert page.get_by_test_id("total").inner_text() == "376.50 USD"
    assert page.get_by_test_id("add-line").is_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    page.screenshot(path=f"{SCREENSHOTS}-work-order-phone.png", full_page=True)
    page.goto(f"{base}/work-orders/")
    page.screenshot(path=f"{SCREENSHOTS}-work-order-list-phone.png", full_page=True)
    assert overflow <= 0, f"the work order page scrolls sideways on a phone by {overflow}px"
    assert shown_rate == "", (
        f"the add-line form shows Rate {shown_rate!r} before anything is typed, so a line added by choosing only "
        "the item is priced at that instead of the item's rate (help text: 'Blank: the item's rate')"
    )


def expect_rows(lines, count: int) -> None:
    """Wait until the lines table, swapped in by htmx, shows ``count`` lines."""
    lines.locator(f"tbody tr:nth-child({count}) td[data-label='Amount']").wait_for()
    assert lines.locator("tbody tr[id^='line-']").count() == count
