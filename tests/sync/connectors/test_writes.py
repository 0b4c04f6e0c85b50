"""Writes through the connector, and the Zoho Invoice edition's addressing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sync.connectors import zoho
from sync.connectors.base import (
    Address,
    ContactPerson,
    Currency,
    Customer,
    Estimate,
    FinanceConnector,
    Invoice,
    InvoiceLine,
    Item,
    Payment,
    PaymentApplication,
    Tax,
)
from tests.sync.connectors.conftest import connect


def test_the_connector_implements_the_interface(connector):
    assert isinstance(connector, FinanceConnector)


def test_contact_life_cycle(sandbox, connector):
    created = connector.create_contact(
        Customer(
            contact_name="Bowman and Co",
            company_name="Bowman and Co",
            payment_terms=15,
            payment_terms_label="Net 15",
            billing_address=Address(address="1 Main St", city="Springfield", state="IL", zip="62701", country="US"),
            contact_persons=(ContactPerson(first_name="Will", last_name="Smith", email="will@bowman.test"),),
        )
    )
    assert created.contact_id and created.status == "active"
    assert created.billing_address.city == "Springfield"
    assert [p.first_name for p in created.contact_persons] == ["Will"]

    updated = connector.update_contact(created.contact_id, Customer(contact_name="Bowman & Co"))
    assert updated.contact_name == "Bowman & Co"
    assert updated.billing_address.zip == "62701"  # not named, not changed

    person = connector.create_contact_person(
        created.contact_id, ContactPerson(first_name="Ann", last_name="Lee", email="ann@bowman.test")
    )
    assert person.contact_person_id and person.contact_id == created.contact_id
    connector.update_contact_person(person.contact_person_id, ContactPerson(contact_id=created.contact_id, phone="555"))
    connector.mark_contact_person_primary(person.contact_person_id)
    persons = {p.first_name: p for p in connector.list_contact_persons(created.contact_id)}
    assert persons["Ann"].is_primary_contact is True
    assert persons["Ann"].phone == "555"
    assert persons["Will"].is_primary_contact is False

    connector.mark_contact_inactive(created.contact_id)
    assert connector.get_contact(created.contact_id).status == "inactive"
    connector.mark_contact_active(created.contact_id)
    assert connector.get_contact(created.contact_id).status == "active"


def test_creating_twice_after_a_success_is_refused_not_duplicated(sandbox, connector):
    item = connector.create_item(Item(name="Filter", rate=Decimal("9.99"), sku="F-1"))
    updated = connector.update_item(item.item_id, Item(name="Filter", rate=Decimal("10.49")))
    assert updated.rate == Decimal("10.49")
    details = connector.get_item_details([item.item_id])
    assert [(d.item_id, d.rate) for d in details] == [(item.item_id, Decimal("10.49"))]
    assert [i.item_id for i in connector.find_items(sku="f-1")] == [item.item_id]
    assert [i.item_id for i in connector.find_items(name="FILTER")] == [item.item_id]


def test_invoice_life_cycle(sandbox, connector):
    customer = connector.create_contact(Customer(contact_name="Invoice Customer"))
    item = connector.create_item(Item(name="Labour", rate=Decimal("80.00")))
    invoice = connector.create_invoice(
        Invoice(
            customer_id=customer.contact_id,
            invoice_number="FSM-00001",
            date=dt.date(2026, 3, 2),
            payment_terms=15,
            payment_terms_label="Net 15",
            salesperson_name="Will Smith",
            line_items=(
                InvoiceLine(item_id=item.item_id, rate=Decimal("80.00"), quantity=Decimal("1.5")),
                InvoiceLine(name="Call-out fee", rate=Decimal("25.10"), quantity=Decimal("1")),
            ),
        )
    )
    assert invoice.invoice_number == "FSM-00001"
    assert invoice.status == "draft"
    assert invoice.due_date == dt.date(2026, 3, 17)
    assert invoice.sub_total == Decimal("145.10")
    assert invoice.salesperson_name == "Will Smith"
    assert [i.invoice_id for i in connector.find_invoices(invoice_number="fsm-00001")] == [invoice.invoice_id]

    connector.mark_invoice_sent(invoice.invoice_id)
    assert connector.get_invoice(invoice.invoice_id).status == "sent"
    connector.email_invoice(invoice.invoice_id, to=["ap@invoice.test"], subject="Your invoice")
    assert connector.get_invoice(invoice.invoice_id).is_emailed is True
    pdf = connector.get_invoice_pdf(invoice.invoice_id)
    assert isinstance(pdf, bytes) and pdf

    payment = connector.create_payment(
        Payment(
            customer_id=customer.contact_id,
            amount=Decimal("100.00"),
            date=dt.date(2026, 3, 3),
            payment_mode="cash",
            reference_number="PAY-1",
            invoices=(PaymentApplication(invoice_id=invoice.invoice_id, amount_applied=Decimal("100.00")),),
        )
    )
    assert payment.payment_id and payment.amount == Decimal("100.00")
    assert connector.get_invoice(invoice.invoice_id).balance == Decimal("45.10")
    assert [p.payment_id for page in connector.list_payments() for p in page.items] == [payment.payment_id]

    other = connector.create_invoice(
        Invoice(customer_id=customer.contact_id, line_items=(InvoiceLine(name="X", rate=Decimal("1")),))
    )
    connector.void_invoice(other.invoice_id)
    assert connector.get_invoice(other.invoice_id).status == "void"


def test_estimate_life_cycle(sandbox, connector):
    customer = connector.create_contact(Customer(contact_name="Estimate Customer"))
    estimate = connector.create_estimate(
        Estimate(customer_id=customer.contact_id, line_items=(InvoiceLine(name="Survey", rate=Decimal("50")),))
    )
    assert estimate.estimate_id and estimate.status == "draft"
    connector.mark_estimate_sent(estimate.estimate_id)
    connector.mark_estimate_accepted(estimate.estimate_id)
    assert connector.get_estimate(estimate.estimate_id).status == "accepted"
    assert [e.estimate_id for p in connector.list_estimates() for e in p.items] == [estimate.estimate_id]


def test_taxes_and_currencies(sandbox, connector):
    state = connector.create_tax(Tax(tax_name="State Tax", tax_percentage=Decimal("6.25")))
    city = connector.create_tax(Tax(tax_name="City Tax", tax_percentage=Decimal("1.5")))
    assert state.tax_percentage == Decimal("6.25")
    group = connector.create_tax_group("Combined", [state.tax_id, city.tax_id])
    assert group.tax_group_percentage == Decimal("7.75")
    assert "Combined" in [g.tax_group_name for g in connector.list_tax_groups()]
    assert {"State Tax", "City Tax"} <= {t.tax_name for t in connector.list_taxes()}

    euro = connector.create_currency(Currency(currency_code="EUR", currency_symbol="€", price_precision=2))
    assert euro.currency_id
    assert "EUR" in [c.currency_code for c in connector.list_currencies()]


def test_invoice_edition_uses_its_base_path_and_header(sandbox, org):
    connection = connect(sandbox, org, edition="invoice")
    connector = zoho.connector_for(connection, clock=sandbox.clock)
    customer = connector.create_contact(Customer(contact_name="Invoice Edition Customer"))
    connector.list_currencies()
    assert connector.get_organization().edition == "invoice"

    calls = sandbox.transport.api_calls()
    assert len(calls) == 3
    for call in calls:
        assert call.url.path.startswith("/sandbox/invoice/v3/")
        assert call.url.params["organization_id"] == connection.finance_org_id
        assert call.headers["X-com-zoho-invoice-organizationid"] == connection.finance_org_id
    assert customer.contact_id
    url = connector.authorization_url(state="abc")
    assert "ZohoInvoice.contacts.ALL" in url.replace("%2C", ",").replace("%2E", ".")
