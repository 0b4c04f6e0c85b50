"""Paging, change reads and reference data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import httpx
import pytest

from sync.connectors import zoho
from sync.connectors.base import Customer, Invoice, InvoiceLine, Item, PaymentTerm
from tests.sync.connectors.conftest import SANDBOX, connect


def _seed_contacts(sandbox, connection, count: int, settings, prefix: str = "Customer", **fields) -> None:
    """Create contacts straight through the API (not through the connector), with the sandbox's limits off."""
    settings.SANDBOX_RATE_LIMITS_ENABLED = False
    http = httpx.Client(transport=sandbox.transport)
    for number in range(count):
        response = http.post(
            f"{SANDBOX}/books/v3/contacts",
            params={"organization_id": connection.finance_org_id},
            headers={"Authorization": f"Zoho-oauthtoken {connection.access_token}"},
            json={"contact_name": f"{prefix} {number:04d}", "contact_type": "customer", **fields},
        )
        assert response.status_code == 201, response.text
    settings.SANDBOX_RATE_LIMITS_ENABLED = True
    sandbox.transport.clear()


def test_contacts_are_read_page_by_page(sandbox, connector, connection, settings):
    _seed_contacts(sandbox, connection, 450, settings)

    pages = list(connector.list_contacts())

    assert [(p.page, len(p.items), p.has_more) for p in pages] == [(1, 200, True), (2, 200, True), (3, 50, False)]
    names = {c.contact_name for p in pages for c in p.items}
    assert len(names) == 450
    calls = sandbox.transport.api_calls()
    assert [(c.url.params["page"], c.url.params["per_page"]) for c in calls] == [
        ("1", "200"),
        ("2", "200"),
        ("3", "200"),
    ]
    assert all(c.url.params["filter_by"] == "Status.All" for c in calls)


def test_a_row_that_shifts_to_the_next_page_is_read_once(sandbox, connector, connection, settings):
    _seed_contacts(sandbox, connection, 201, settings)
    pages = connector.list_contacts()
    first = next(pages)
    # A contact created mid-read sorts first and pushes every row down by one.
    connector.create_contact(Customer(contact_name="Aardvark Plumbing"))

    second = next(pages)

    assert [c.contact_name for c in first.items][-1] == "Customer 0199"
    assert [c.contact_name for c in second.items] == ["Customer 0200"]
    assert second.has_more is False


def test_changed_contacts_are_read_newest_first_and_stop_early(sandbox, connector, connection, settings):
    _seed_contacts(sandbox, connection, 250, settings)
    sandbox.clock.advance(3600)
    cursor = sandbox.clock.now()
    sandbox.clock.advance(60)
    first = connector.find_contacts(contact_name="Customer 0007")[0]
    connector.update_contact(first.contact_id, Customer(contact_name="Customer 0007", website="https://7.example"))
    second = connector.find_contacts(contact_name="Customer 0242")[0]
    connector.update_contact(second.contact_id, Customer(contact_name="Customer 0242 (renamed)"))
    sandbox.transport.clear()

    pages = list(connector.list_contacts(changed_since=cursor))

    assert [c.contact_name for p in pages for c in p.items] == ["Customer 0242 (renamed)", "Customer 0007"]
    calls = sandbox.transport.api_calls()
    assert len(calls) == 1
    assert calls[0].url.params["sort_column"] == "last_modified_time"
    assert calls[0].url.params["sort_order"] == "D"


def test_changed_invoices_are_asked_for_with_an_overlap(sandbox, connector):
    customer = connector.create_contact(Customer(contact_name="Invoice Reader"))
    line = (InvoiceLine(name="Repair", rate=Decimal("80.00"), quantity=Decimal("1")),)
    old = connector.create_invoice(Invoice(customer_id=customer.contact_id, line_items=line))
    sandbox.clock.advance(3600)
    cursor = sandbox.clock.now()
    sandbox.clock.advance(60)
    new = connector.create_invoice(Invoice(customer_id=customer.contact_id, line_items=line))
    sandbox.transport.clear()

    invoices = [i for p in connector.list_invoices(changed_since=cursor) for i in p.items]

    assert [i.invoice_id for i in invoices] == [new.invoice_id]
    assert old.invoice_id != new.invoice_id
    call = sandbox.transport.api_calls()[0]
    assert call.url.params["last_modified_time"] == "2026-03-02T10:55:00+0000"
    assert b"last_modified_time=2026-03-02T10%3A55%3A00%2B0000" in call.url.raw_path


def test_items_are_read_in_full(sandbox, connector):
    connector.create_item(Item(name="Hard Drive", rate=Decimal("120.00"), sku="HD-1"))
    inactive = connector.create_item(Item(name="Old Part", rate=Decimal("5.50")))
    connector.mark_item_inactive(inactive.item_id)

    items = {i.name: i for p in connector.list_items() for i in p.items}

    assert items["Hard Drive"].rate == Decimal("120.00")
    assert items["Hard Drive"].sku == "HD-1"
    assert items["Old Part"].status == "inactive"
    assert items["Hard Drive"].last_modified_time == dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def test_reference_data(sandbox, connector, connection):
    currencies = connector.list_currencies()
    assert [(c.currency_code, c.is_base_currency, c.exchange_rate) for c in currencies] == [("USD", True, Decimal("1"))]
    assert connector.list_taxes() == []
    assert connector.list_tax_groups() == []
    assert connector.list_tax_exemptions() == []
    assert [(t.payment_terms, t.payment_terms_label, t.is_default) for t in connector.list_payment_terms()] == [
        (0, "Due on Receipt", True),
        (15, "Net 15", False),
        (30, "Net 30", False),
        (45, "Net 45", False),
    ]
    assert connector.list_salespersons() == []
    users = connector.list_users()
    assert [(u.name, u.email, u.user_role, u.is_current_user) for u in users] == [
        ("Olive Owner", "owner@acme.test", "admin", True)
    ]
    assert connector.list_custom_fields("contact") == []


def test_custom_field_definitions(sandbox, connector, connection):
    response = sandbox.control.http.post(
        f"/orgs/{connection.finance_org_id}/customfields",
        json={"entity": "contact", "label": "Site code", "data_type": "string", "is_mandatory": True},
    )
    assert response.status_code == 201, response.text

    fields = connector.list_custom_fields("contact")

    assert [(f.entity, f.api_name, f.label, f.data_type, f.is_mandatory) for f in fields] == [
        ("contact", "cf_site_code", "Site code", "string", True)
    ]
    assert connector.list_custom_fields("item") == []
    call = sandbox.transport.api_calls()[-1]
    assert call.url.params["entity"] == "item"


def test_salespersons_are_read(sandbox, connector):
    customer = connector.create_contact(Customer(contact_name="Sold To"))
    connector.create_invoice(
        Invoice(
            customer_id=customer.contact_id,
            salesperson_name="Will Smith",
            line_items=(InvoiceLine(name="Visit", rate=Decimal("10")),),
        )
    )
    assert [s.salesperson_name for s in connector.list_salespersons()] == ["Will Smith"]


def test_salespersons_fall_back_to_sales_users(sandbox, org):
    connection = connect(
        sandbox,
        org,
        users=[
            {"email": "owner@acme.test", "name": "Olive Owner", "role": "admin"},
            {"email": "sam@acme.test", "name": "Sam Seller", "role": "Sales Rep"},
        ],
    )
    connector = zoho.connector_for(connection, clock=sandbox.clock)
    sandbox.transport.rewrite["/salespersons"] = "/no-salespersons-here"

    salespersons = connector.list_salespersons()

    assert [(s.salesperson_name, s.salesperson_email) for s in salespersons] == [("Sam Seller", "sam@acme.test")]
    assert [c.status for c in sandbox.transport.api_calls()] == [404, 200]


def test_payment_terms_fall_back_to_the_terms_on_contacts(sandbox, connector, connection, settings):
    _seed_contacts(sandbox, connection, 2, settings, payment_terms=15, payment_terms_label="Net 15")
    _seed_contacts(sandbox, connection, 1, settings, prefix="Monthly", payment_terms=30, payment_terms_label="Net 30")
    sandbox.transport.rewrite["/settings/paymentterms"] = "/settings/no-paymentterms-here"

    terms = connector.list_payment_terms()

    assert [(t.payment_terms, t.payment_terms_label) for t in terms if t.payment_terms] == [
        (15, "Net 15"),
        (30, "Net 30"),
    ]
    assert all(isinstance(t, PaymentTerm) for t in terms)


def test_custom_fields_missing_endpoint_means_none(sandbox, connector):
    sandbox.transport.rewrite["/settings/customfields"] = "/settings/no-customfields-here"
    assert connector.list_custom_fields("invoice") == []


@pytest.mark.parametrize("text", ["Hard", "hard drive"])
def test_search_in_books(sandbox, connector, text):
    connector.create_item(Item(name="Hard Drive", rate=Decimal("120")))
    connector.create_item(Item(name="Soft Cloth", rate=Decimal("2")))
    connector.create_contact(Customer(contact_name="Hardware Store"))

    assert [i.name for i in connector.search_items(text)] == ["Hard Drive"]
    if text == "Hard":
        assert [c.contact_name for c in connector.search_customers(text)] == ["Hardware Store"]
