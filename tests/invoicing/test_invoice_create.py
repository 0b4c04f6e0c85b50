"""Invoices from work orders (INV-1..4) over the Books sandbox: amounts agree with Books to the cent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fsmbilling.models import WorkOrderLine
from invoicing.models import Invoice
from invoicing.services import invoice_from_work_order
from tests.invoicing.support import assert_agrees_with_books, taxable_company, work_order

pytestmark = pytest.mark.django_db


def test_us_invoice_agrees_with_books_to_the_cent(us_org, admin_user, books):
    company = taxable_company(us_org)
    order = work_order(us_org, admin_user, company)
    lines = list(order.lines.order_by("position"))
    assert all(line.tax and line.tax.name == "CA Sales Tax" for line in lines)

    invoice = invoice_from_work_order(
        organization=us_org, actor=admin_user, work_order=order, line_ids=[lines[0].pk, lines[1].pk]
    )

    assert invoice.state == Invoice.State.DRAFT, invoice.push_error
    assert invoice.books_id
    assert invoice.sub_total == Decimal("203.24")  # 180.75 + 22.49
    assert invoice.tax_total == Decimal("16.77")  # 14.91 + 1.86
    assert invoice.total == Decimal("220.01")
    assert_agrees_with_books(us_org, invoice)
    order.refresh_from_db()
    statuses = dict(order.lines.values_list("pk", "billing_status"))
    assert statuses[lines[0].pk] == WorkOrderLine.BillingStatus.INVOICED
    assert statuses[lines[2].pk] == WorkOrderLine.BillingStatus.NOT_INVOICED
    assert order.billed_amount == Decimal("220.01")
    assert order.unbilled_amount == Decimal("1.07")  # 0.99 + 0.08

    second = invoice_from_work_order(organization=us_org, actor=admin_user, work_order=order)
    assert [line.work_order_line_id for line in second.lines.all()] == [lines[2].pk]
    assert_agrees_with_books(us_org, second)
    order.refresh_from_db()
    assert order.unbilled_amount == 0


def _regional_org(books, owner, *, country, state, currency, slug):
    from invoicing.taxes.editions import seed_default_taxes
    from tests.factories import make_organization
    from tests.sync.connectors.conftest import connect

    organization = make_organization(f"Org {country}", slug=slug, country=country, state=state, owner=owner)
    seed_default_taxes(organization=organization)
    connect(books, organization, is_tax_enabled=True, country=country, currency_code=currency)
    return organization


@pytest.mark.parametrize(
    ("place", "expected_taxes"),
    [("KA", {"CGST9", "SGST9"}), ("MH", {"IGST18"})],
    ids=["intra-state-cgst-sgst", "inter-state-igst"],
)
def test_india_invoice_agrees_with_books(books, admin_user, place, expected_taxes):
    from fsmbilling.models import Tax
    from tests.factories import CompanyFactory, ServicePartFactory

    organization = _regional_org(books, admin_user, country="IN", state="KA", currency="INR", slug="org-in")
    taxes = {tax.name: tax for tax in Tax.objects.filter(organization=organization)}
    company = CompanyFactory(organization=organization, name="Kaveri Traders", tax_treatment="business_gst",
                             place_of_supply=place, billing_address={"state": place})  # fmt: skip
    item = ServicePartFactory(organization=organization, name="AMC visit", rate=Decimal("1234.57"),
                              intra_state_tax=taxes["GST18"], inter_state_tax=taxes["IGST18"])  # fmt: skip
    lines = [
        {"item": item, "quantity": Decimal("3")},
        {"item": item, "quantity": Decimal("1"), "rate": Decimal("10.10")},
    ]
    order = work_order(organization, admin_user, company, lines=lines)
    invoice = invoice_from_work_order(organization=organization, actor=admin_user, work_order=order)
    assert invoice.books_id, invoice.push_error
    assert {line.name for line in invoice.tax_lines.all()} == expected_taxes
    assert_agrees_with_books(organization, invoice)


def test_canada_gst_pst_invoice_agrees_with_books(books, admin_user):
    from fsmbilling.models import Tax
    from tests.factories import CompanyFactory, ServicePartFactory

    organization = _regional_org(books, admin_user, country="CA", state="BC", currency="CAD", slug="org-ca")
    company = CompanyFactory(organization=organization, name="Fraser Ltd", place_of_supply="BC",
                             tax_treatment="taxable")  # fmt: skip
    item = ServicePartFactory(organization=organization, name="Furnace tune-up", rate=Decimal("99.99"))
    order = work_order(organization, admin_user, company, lines=[{"item": item, "quantity": Decimal("7")}])
    assert order.lines.get().tax == Tax.objects.get(organization=organization, name="GST + PST BC")
    invoice = invoice_from_work_order(organization=organization, actor=admin_user, work_order=order)
    assert {line.name for line in invoice.tax_lines.all()} == {"GST", "PST BC"}
    assert invoice.total == Decimal("783.93")  # 699.93 + 35.00 + 49.00 (each tax rounded on its own)
    assert_agrees_with_books(organization, invoice)
