"""Invoices, estimates and customer payments: arithmetic, life cycle, lists (zoho-books-v3.md §5.5–§5.7, §12.5)."""

from __future__ import annotations

import pytest

from tests.sandbox.conftest import advance


@pytest.fixture
def shop(books, frozen_clock):
    """A customer, an item and a tax group (7.25% + 1.5%) in the books organization."""
    state = books.create("settings/taxes", "tax", {"tax_name": "CA", "tax_percentage": "7.25"})
    city = books.create("settings/taxes", "tax", {"tax_name": "City", "tax_percentage": "1.5"})
    group = books.create("settings/taxgroups", "tax_group",
                         {"tax_group_name": "CA+City", "taxes": f"{state['tax_id']},{city['tax_id']}"})  # fmt: skip
    customer = books.create("contacts", "contact", {
        "contact_name": "Bowman", "payment_terms": 15, "payment_terms_label": "Net 15",
        "billing_address": {"address": "1 Main", "zip": "94105"}})  # fmt: skip
    item = books.create("items", "item", {"name": "Labor", "rate": "75.50", "tax_id": group["tax_group_id"]})
    return {"books": books, "customer": customer, "item": item, "group": group, "state": state, "city": city}


def _invoice(shop, **fields) -> dict:
    body = {"customer_id": shop["customer"]["contact_id"], "line_items": [{"item_id": shop["item"]["item_id"]}]}
    return shop["books"].create("invoices", "invoice", {**body, **fields})


def test_invoice_arithmetic_half_up_and_tax_groups(shop):
    books, group = shop["books"], shop["group"]["tax_group_id"]
    response = books.post("invoices", json={
        "customer_id": shop["customer"]["contact_id"],
        "date": "2025-03-01",
        "line_items": [
            {"name": "Half cent", "rate": "10.005", "quantity": 1, "tax_id": group},
            {"name": "Discounted", "rate": "33.33", "quantity": 3, "discount": "10%", "tax_id": group},
            {"name": "Tiny", "rate": 0.125, "quantity": 1},
        ],
    })  # fmt: skip
    assert response.status_code == 201
    assert response.json()["message"] == "The invoice has been created."
    invoice = response.json()["invoice"]
    lines = invoice["line_items"]
    assert [line["item_total"] for line in lines] == [10.01, 89.99, 0.13]
    assert lines[1]["discount"] == 10 and lines[1]["discount_amount"] == 10
    assert lines[0]["tax_name"] == "CA+City" and lines[0]["tax_percentage"] == 8.75
    assert invoice["sub_total"] == 100.13
    assert invoice["tax_total"] == 8.75
    assert invoice["total"] == 108.88
    assert invoice["balance"] == 108.88
    assert invoice["taxes"] == [
        {"tax_id": shop["state"]["tax_id"], "tax_name": "CA (7.25%)", "tax_amount": 7.25},
        {"tax_id": shop["city"]["tax_id"], "tax_name": "City (1.5%)", "tax_amount": 1.5},
    ]
    assert invoice["invoice_number"] == "INV-00001"
    assert invoice["status"] == "draft"
    assert (invoice["date"], invoice["due_date"], invoice["payment_terms"]) == ("2025-03-01", "2025-03-16", 15)
    # Item defaults: name, rate and the item's tax.
    default = _invoice(shop, line_items=[{"item_id": shop["item"]["item_id"], "quantity": 2}])
    assert default["line_items"][0]["name"] == "Labor"
    assert default["sub_total"] == 151 and default["tax_total"] == 13.22  # 10.95 (10.9475) + 2.27 (2.265, half-up)
    assert default["total"] == 164.22
    assert default["invoice_number"] == "INV-00002"


def test_zero_decimal_currency(books, frozen_clock):
    yen = books.create("settings/currencies", "currency",
                       {"currency_code": "JPY", "currency_format": "1,234,567", "exchange_rate": "0.0067"})  # fmt: skip
    assert yen["price_precision"] == 0
    customer = books.create("contacts", "contact", {"contact_name": "Tokyo KK", "currency_id": yen["currency_id"]})
    invoice = books.create("invoices", "invoice", {"customer_id": customer["contact_id"],
                                                   "line_items": [{"name": "Visit", "rate": "100.5"}]})  # fmt: skip
    assert (invoice["currency_code"], invoice["total"], invoice["exchange_rate"]) == ("JPY", 101, 0.0067)


def test_payments_partially_paid_paid_and_over_applying(shop):
    books = shop["books"]
    invoice = _invoice(shop)  # 75.50 + 6.61 (7.25%: 5.47375→5.47; 1.5%: 1.1325→1.13) = 82.10
    assert invoice["total"] == 82.1
    invoice_id = invoice["invoice_id"]
    assert books.post(f"invoices/{invoice_id}/status/sent").json() == {
        "code": 0, "message": "Invoice status has been changed to Sent."}  # fmt: skip
    assert books.get(f"invoices/{invoice_id}").json()["invoice"]["status"] == "sent"
    advance(books.http, 60)
    payment = books.post("customerpayments", json={
        "customer_id": shop["customer"]["contact_id"], "payment_mode": "cash", "amount": 50, "date": "2025-03-10",
        "invoices": [{"invoice_id": invoice_id, "amount_applied": 30}]})  # fmt: skip
    assert payment.status_code == 201
    assert payment.json()["message"] == "The payment has been created."
    assert payment.json()["payment"]["unused_amount"] == 20
    detail = books.get(f"invoices/{invoice_id}").json()["invoice"]
    assert (detail["status"], detail["balance"], detail["payment_made"]) == ("partially_paid", 52.1, 30)
    assert detail["last_modified_time"] == "2025-03-10T12:01:00+0000"
    over = books.post("customerpayments", json={
        "customer_id": shop["customer"]["contact_id"], "payment_mode": "cash", "amount": 60, "date": "2025-03-10",
        "invoices": [{"invoice_id": invoice_id, "amount_applied": 60}]})  # fmt: skip
    assert over.status_code == 400
    too_much = books.post("customerpayments", json={
        "customer_id": shop["customer"]["contact_id"], "payment_mode": "cash", "amount": 10, "date": "2025-03-10",
        "invoices": [{"invoice_id": invoice_id, "amount_applied": 20}]})  # fmt: skip
    assert too_much.status_code == 400
    rest = books.create("customerpayments", "payment", {
        "customer_id": shop["customer"]["contact_id"], "payment_mode": "banktransfer", "amount": "52.10",
        "date": "2025-03-10", "invoices": [{"invoice_id": invoice_id, "amount_applied": "52.10"}]})  # fmt: skip
    paid = books.get(f"invoices/{invoice_id}").json()["invoice"]
    assert (paid["status"], paid["balance"]) == ("paid", 0)
    assert [p["amount"] for p in paid["payments"]] == [30, 52.1]
    listed = books.get("customerpayments").json()
    assert listed["customerpayments"][0]["payment_id"] == rest["payment_id"]
    assert listed["customerpayments"][0]["invoice_numbers"] == "INV-00001"
    assert listed["page_context"]["report_name"] == "Customer Payments"
    void_refused = books.post(f"invoices/{invoice_id}/status/void")
    assert void_refused.status_code == 400
    # Deleting the payment reopens the invoice.
    assert books.delete(f"customerpayments/{rest['payment_id']}").json() == {
        "code": 0, "message": "The payment has been deleted."}  # fmt: skip
    assert books.get(f"invoices/{invoice_id}").json()["invoice"]["status"] == "partially_paid"
    put = books.put(f"customerpayments/{payment.json()['payment']['payment_id']}",
                    json={"invoices": [{"invoice_id": invoice_id, "amount_applied": 50}]})  # fmt: skip
    assert put.json()["message"] == "The payment details have been updated."
    assert put.json()["payment"]["unused_amount"] == 0
    customer = books.get(f"contacts/{shop['customer']['contact_id']}").json()["contact"]
    assert customer["outstanding_receivable_amount"] == 32.1


def test_overdue_void_draft_email_and_delete(shop):
    books = shop["books"]
    invoice = _invoice(shop)
    invoice_id = invoice["invoice_id"]
    assert invoice["due_date"] == "2025-03-25"  # the customer's Net 15
    assert books.post(f"invoices/{invoice_id}/email", json={"to_mail_ids": ["a@example.com"]}).json() == {
        "code": 0, "message": "Your invoice has been sent."}  # fmt: skip
    sent = books.get(f"invoices/{invoice_id}").json()["invoice"]
    assert (sent["status"], sent["is_emailed"]) == ("sent", True)
    advance(books.http, 16 * 86400)
    assert books.get(f"invoices/{invoice_id}").json()["invoice"]["status"] == "overdue"
    overdue = books.get("invoices", params={"filter_by": "Status.OverDue"}).json()["invoices"]
    assert [row["invoice_id"] for row in overdue] == [invoice_id]
    assert overdue[0]["due_days"] == "Overdue by 1 day(s)"
    assert books.get("invoices", params={"status": "sent"}).json()["invoices"] == []
    assert len(books.get("invoices", params={"filter_by": "Status.Unpaid"}).json()["invoices"]) == 1
    assert (
        books.post(f"invoices/{invoice_id}/status/void").json()["message"] == "Invoice status has been changed to Void."
    )
    void = books.get(f"invoices/{invoice_id}").json()["invoice"]
    assert (void["status"], void["balance"]) == ("void", 0)
    assert books.post(f"invoices/{invoice_id}/status/draft").json()["message"] == (
        "Status of invoice changed from void to draft"
    )
    assert books.get(f"invoices/{invoice_id}").json()["invoice"]["status"] == "draft"
    assert books.delete(f"invoices/{invoice_id}").json() == {"code": 0, "message": "The invoice has been deleted."}
    assert books.get(f"invoices/{invoice_id}").json()["code"] == 1002


def test_invoice_update_numbering_salesperson_and_errors(shop):
    books = shop["books"]
    invoice = _invoice(shop, salesperson_name="New Seller", custom_fields=[])
    assert invoice["salesperson_name"] == "New Seller" and invoice["salesperson_id"]
    sellers = books.get("salespersons").json()
    assert sellers["salespersons"] == [{"salesperson_id": invoice["salesperson_id"], "salesperson_name": "New Seller",
                                        "salesperson_email": "", "is_active": True}]  # fmt: skip
    line_id = invoice["line_items"][0]["line_item_id"]
    advance(books.http, 5)
    put = books.put(f"invoices/{invoice['invoice_id']}", json={
        "line_items": [{"line_item_id": line_id, "quantity": 2}, {"name": "Extra", "rate": 10}]})  # fmt: skip
    assert put.json()["message"] == "Invoice information has been updated."
    updated = put.json()["invoice"]
    assert [line["line_item_id"] == line_id for line in updated["line_items"]] == [True, False]
    assert updated["sub_total"] == 161
    assert updated["last_modified_time"] == "2025-03-10T12:00:05+0000"
    manual = books.post("invoices", params={"ignore_auto_number_generation": "true"},
                        json={"customer_id": shop["customer"]["contact_id"], "invoice_number": "CUSTOM-1",
                              "line_items": [{"name": "X", "rate": 1}]})  # fmt: skip
    assert manual.json()["invoice"]["invoice_number"] == "CUSTOM-1"
    again = books.post("invoices", params={"ignore_auto_number_generation": "true"},
                       json={"customer_id": shop["customer"]["contact_id"], "invoice_number": "CUSTOM-1",
                             "line_items": [{"name": "X", "rate": 1}]})  # fmt: skip
    assert again.status_code == 400
    no_lines = books.post("invoices", json={"customer_id": shop["customer"]["contact_id"], "line_items": []})
    assert (no_lines.status_code, no_lines.json()["code"]) == (400, 4016)
    bad_customer = books.post("invoices", json={"customer_id": "123", "line_items": [{"name": "X", "rate": 1}]})
    assert (bad_customer.status_code, bad_customer.json()["code"]) == (400, 6)


def test_invoice_list_rows_zipcode_and_last_modified_filter(shop):
    books = shop["books"]
    first = _invoice(shop)
    advance(books.http, 60)
    second = _invoice(shop)
    rows = books.get("invoices").json()
    assert [r["invoice_id"] for r in rows["invoices"]] == [second["invoice_id"], first["invoice_id"]]
    assert rows["invoices"][0]["billing_address"]["zipcode"] == "94105"
    assert "zip" not in rows["invoices"][0]["billing_address"] and "line_items" not in rows["invoices"][0]
    assert books.get(f"invoices/{first['invoice_id']}").json()["invoice"]["billing_address"]["zip"] == "94105"
    since = books.get("invoices", params={"last_modified_time": "2025-03-10T12:01:00+0000"}).json()["invoices"]
    assert [r["invoice_id"] for r in since] == [second["invoice_id"]]
    # The same instant in another zone, as httpx encodes "+" (%2B).
    since = books.get("invoices", params={"last_modified_time": "2025-03-10T17:31:00+0530"}).json()["invoices"]
    assert [r["invoice_id"] for r in since] == [second["invoice_id"]]
    advance(books.http, 60)
    books.post(f"invoices/{first['invoice_id']}/status/sent")
    since = books.get("invoices", params={"last_modified_time": "2025-03-10T12:02:00+0000"}).json()["invoices"]
    assert [r["invoice_id"] for r in since] == [first["invoice_id"]]
    for bad in ("2025-03-10T12:02:00+05:30", "2025-03-10 12:02:00", "yesterday", "2025-03-10T12:02:00Z"):
        refused = books.get("invoices", params={"last_modified_time": bad})
        assert refused.status_code == 400
        assert refused.json() == {"code": 2, "message": "Invalid value passed for last_modified_time"}
    assert books.get("customerpayments", params={"last_modified_time": "x"}).status_code == 400
    assert books.get("estimates", params={"last_modified_time": "x"}).status_code == 400
    assert books.get("invoices", params={"filter_by": "Status.Nope"}).json()["code"] == 2
    number = books.get("invoices", params={"invoice_number": first["invoice_number"]}).json()["invoices"]
    assert [r["invoice_id"] for r in number] == [first["invoice_id"]]
    by_customer = books.get("invoices", params={"customer_id": shop["customer"]["contact_id"], "per_page": 1}).json()
    assert by_customer["page_context"]["has_more_page"] is True


def test_estimates_life_cycle(shop):
    books = shop["books"]
    created = books.post("estimates", json={
        "customer_id": shop["customer"]["contact_id"], "expiry_date": "2025-03-20",
        "line_items": [{"item_id": shop["item"]["item_id"], "quantity": 2}]})  # fmt: skip
    assert created.status_code == 201 and created.json()["message"] == "The estimate has been created"
    estimate = created.json()["estimate"]
    assert (estimate["estimate_number"], estimate["status"], estimate["total"]) == ("EST-00001", "draft", 164.22)
    estimate_id = estimate["estimate_id"]
    assert books.post(f"estimates/{estimate_id}/status/accepted").status_code == 400
    assert books.post(f"estimates/{estimate_id}/status/sent").json()["message"] == (
        "Estimate status has been changed to Sent."
    )
    advance(books.http, 11 * 86400)
    assert books.get(f"estimates/{estimate_id}").json()["estimate"]["status"] == "expired"
    assert [
        e["estimate_id"] for e in books.get("estimates", params={"filter_by": "Status.Expired"}).json()["estimates"]
    ] == [estimate_id]
    assert books.post(f"estimates/{estimate_id}/status/accepted").json()["message"] == (
        "Estimate status has been changed to Accepted."
    )
    accepted = books.get(f"estimates/{estimate_id}").json()["estimate"]
    assert (accepted["status"], accepted["accepted_date"]) == ("accepted", "2025-03-21")
    other = books.create("estimates", "estimate", {"customer_id": shop["customer"]["contact_id"],
                                                   "line_items": [{"name": "X", "rate": 5}]})  # fmt: skip
    books.post(f"estimates/{other['estimate_id']}/status/sent")
    assert books.post(f"estimates/{other['estimate_id']}/status/declined").json()["message"] == (
        "Estimate status has been changed to Declined."
    )
    put = books.put(f"estimates/{other['estimate_id']}", json={"reference_number": "R-1"})
    assert put.json()["estimate"]["reference_number"] == "R-1"
    listed = books.get("estimates", params={"last_modified_time": "2025-03-21T12:00:00+0000"}).json()
    assert {e["estimate_id"] for e in listed["estimates"]} == {estimate_id, other["estimate_id"]}
    assert listed["page_context"]["report_name"] == "Estimates"
    assert books.delete(f"estimates/{other['estimate_id']}").json()["code"] == 0
    assert books.get(f"estimates/{other['estimate_id']}").json() == {
        "code": 1002,
        "message": "Estimate does not exist.",
    }
