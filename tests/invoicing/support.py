"""Helpers of the invoicing tests."""

from __future__ import annotations

from decimal import Decimal

from fsmbilling.models import Tax
from fsmbilling.services.work_orders import work_order_create
from tests.factories import CompanyFactory, ContactFactory, ServicePartFactory


def taxable_company(org, *, tax_name: str | None = "CA Sales Tax", **fields):
    defaults = {
        "name": "Bowman and Co",
        "email": "ap@bowman.test",
        "billing_address": {"address": "1 Main St", "city": "Fresno", "state": "CA", "zip": "93650", "country": "US"},
        "service_address": {"address": "9 Field Rd", "city": "Fresno", "state": "CA", "zip": "93650"},
    }
    defaults.update(fields)
    company = CompanyFactory(organization=org, **defaults)
    if tax_name:
        company.default_tax = Tax.objects.get(organization=org, name=tax_name)
        company.save()
    ContactFactory(organization=org, company=company, first_name="Will", last_name="Bowman",
                   email="will@bowman.test", is_primary=True)  # fmt: skip
    return company


def work_order(org, actor, company=None, *, lines=None, contact=None, **data):
    """A work order through the service, so lines get their tax prefilled (TAX-5) and totals computed."""
    if lines is None:
        boiler = ServicePartFactory(organization=org, name="Boiler service", rate=Decimal("120.50"))
        valve = ServicePartFactory(organization=org, name="Valve", kind="part", rate=Decimal("8.33"))
        lines = [
            {"item": boiler, "quantity": Decimal("1.5")},
            {"item": valve, "quantity": Decimal("3"), "discount_percent": Decimal("10")},
            {"item": valve, "quantity": Decimal("1"), "rate": Decimal("0.99")},
        ]
    return work_order_create(
        organization=org,
        actor=actor,
        data={"summary": "Boiler repair", "company": company, "contact": contact, "lines": lines, **data},
    )


def books_invoice(org, invoice):
    from invoicing.books import books

    with books(org) as client:
        return client.get_invoice(invoice.books_id)


def assert_agrees_with_books(org, invoice):
    """The FSM invoice and the same invoice read back from Books agree on every line, tax and total to the cent."""
    theirs = books_invoice(org, invoice)
    ours = list(invoice.lines.order_by("position"))
    assert len(theirs.line_items) == len(ours)
    for line, remote_line in zip(ours, sorted(theirs.line_items, key=lambda r: r.item_order or 0), strict=True):
        assert remote_line.item_total == line.amount.quantize(Decimal("0.01")), (line, remote_line)
        assert remote_line.quantity == line.quantity and remote_line.rate == line.rate
    ours_taxes = sorted((t.tax.books_id if t.tax else t.name, t.amount.quantize(Decimal("0.01")))
                        for t in invoice.tax_lines.all())  # fmt: skip
    theirs_taxes = sorted((t.tax_id, t.tax_amount) for t in theirs.taxes)
    assert ours_taxes == theirs_taxes
    assert theirs.sub_total == invoice.sub_total
    assert theirs.tax_total == invoice.tax_total
    assert theirs.total == invoice.total
    assert theirs.invoice_number == invoice.number
    return theirs
