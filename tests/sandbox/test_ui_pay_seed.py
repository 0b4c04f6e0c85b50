"""The sandbox web UI, the payment gateway page (SBX-5, PAY-2) and the seed, over HTTP."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from sandbox.models import Invoice, Organization
from sandbox.services.seed import sandbox_seed
from tests.sandbox.conftest import advance, make_books


def _csrf(page) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def _sign_in(http, email: str) -> None:
    page = http.get("/sandbox/ui/")
    answer = http.post("/sandbox/ui/signin", data={"csrfmiddlewaretoken": _csrf(page), "email": email})
    assert answer.status_code == 302


def test_ui_edit_customer_and_item_stamps_last_modified(books, frozen_clock):
    http = books.http
    contact = books.create("contacts", "contact", {"contact_name": "UI Customer"})
    item = books.create("items", "item", {"name": "UI Item", "rate": 5})
    assert "Choose the sandbox identity" in http.get(f"/sandbox/ui/orgs/{books.org_id}/contacts/").text
    _sign_in(http, "owner@example.com")
    home = http.get("/sandbox/ui/")
    assert "Test Org" in home.text
    listing = http.get(f"/sandbox/ui/orgs/{books.org_id}/contacts/")
    assert "UI Customer" in listing.text
    page = http.get(f"/sandbox/ui/orgs/{books.org_id}/contacts/{contact['contact_id']}/")
    assert page.status_code == 200
    advance(http, 120)
    saved = http.post(
        f"/sandbox/ui/orgs/{books.org_id}/contacts/{contact['contact_id']}/",
        data={"csrfmiddlewaretoken": _csrf(page), "contact_name": "UI Customer Renamed", "company_name": "",
              "customer_sub_type": "business", "status": "inactive", "payment_terms": 30,
              "payment_terms_label": "Net 30", "email": "ui@example.com", "billing_city": "Paris"},
    )  # fmt: skip
    assert saved.status_code == 302
    after = books.get(f"contacts/{contact['contact_id']}").json()["contact"]
    assert (after["contact_name"], after["status"], after["email"]) == (
        "UI Customer Renamed",
        "inactive",
        "ui@example.com",
    )
    assert after["billing_address"]["city"] == "Paris"
    assert after["last_modified_time"] == "2025-03-10T12:02:00+0000"

    item_page = http.get(f"/sandbox/ui/orgs/{books.org_id}/items/{item['item_id']}/")
    advance(http, 60)
    http.post(
        f"/sandbox/ui/orgs/{books.org_id}/items/{item['item_id']}/",
        data={"csrfmiddlewaretoken": _csrf(item_page), "name": "UI Item", "rate": "7.25", "product_type": "goods",
              "status": "active"},
    )  # fmt: skip
    after_item = books.get(f"items/{item['item_id']}").json()["item"]
    assert (after_item["rate"], after_item["last_modified_time"]) == (7.25, "2025-03-10T12:03:00+0000")
    new_page = http.get(f"/sandbox/ui/orgs/{books.org_id}/contacts/new")
    duplicate = http.post(
        f"/sandbox/ui/orgs/{books.org_id}/contacts/new",
        data={"csrfmiddlewaretoken": _csrf(new_page), "contact_name": "ui customer renamed",
              "customer_sub_type": "business", "status": "active", "payment_terms": 0},
    )  # fmt: skip
    assert duplicate.status_code == 200 and "already exists" in duplicate.text


def test_ui_invoice_actions_and_record_links(books, frozen_clock):
    http = books.http
    customer = books.create("contacts", "contact", {"contact_name": "Payer"})
    invoice = books.create("invoices", "invoice", {"customer_id": customer["contact_id"],
                                                   "line_items": [{"name": "Work", "rate": 100}]})  # fmt: skip
    estimate = books.create("estimates", "estimate", {"customer_id": customer["contact_id"],
                                                      "line_items": [{"name": "Work", "rate": 100}]})  # fmt: skip
    item = books.create("items", "item", {"name": "Widget", "rate": 1})
    _sign_in(http, "owner@example.com")
    base = f"/sandbox/ui/orgs/{books.org_id}"
    for module, record_id in (("contacts", customer["contact_id"]), ("items", item["item_id"]),
                              ("invoices", invoice["invoice_id"]), ("estimates", estimate["estimate_id"])):  # fmt: skip
        assert http.get(f"{base}/{module}/{record_id}/").status_code == 200
        assert http.get(f"{base}/{module}/").status_code == 200
    page = http.get(f"{base}/invoices/{invoice['invoice_id']}/")
    assert "INV-00001" in page.text
    http.post(f"{base}/invoices/{invoice['invoice_id']}/", data={"csrfmiddlewaretoken": _csrf(page), "action": "sent"})
    assert books.get(f"invoices/{invoice['invoice_id']}").json()["invoice"]["status"] == "sent"
    http.post(
        f"{base}/invoices/{invoice['invoice_id']}/",
        data={"csrfmiddlewaretoken": _csrf(page), "action": "payment", "amount": "40", "payment_mode": "cash",
              "date": "2025-03-10", "reference_number": "UI"},
    )  # fmt: skip
    detail = books.get(f"invoices/{invoice['invoice_id']}").json()["invoice"]
    assert (detail["status"], detail["balance"]) == ("partially_paid", 60)

    # Another identity, or another org's id, gets a 404.
    other = make_books(http, name="Other", users=[{"email": "other@example.com", "role": "admin"}])
    assert http.get(f"/sandbox/ui/orgs/{other.org_id}/invoices/").status_code == 404
    assert http.get(f"{base}/invoices/4600150000000099999/").status_code == 404


def test_ui_respects_roles(sandbox_http):
    books = make_books(sandbox_http, users=[{"email": "owner@example.com", "role": "admin"},
                                            {"email": "viewer@example.com", "role": "viewer"}])  # fmt: skip
    contact = books.create("contacts", "contact", {"contact_name": "Locked"})
    _sign_in(sandbox_http, "viewer@example.com")
    url = f"/sandbox/ui/orgs/{books.org_id}/contacts/{contact['contact_id']}/"
    page = sandbox_http.get(url)
    form = {"contact_name": "Changed", "customer_sub_type": "business", "status": "active", "payment_terms": 0}
    answer = sandbox_http.post(url, data={"csrfmiddlewaretoken": _csrf(page), **form})
    assert "does not allow this action" in answer.text
    assert books.get(f"contacts/{contact['contact_id']}").json()["contact"]["contact_name"] == "Locked"


def test_payment_page_test_cards(sandbox_http):
    session = sandbox_http.post(
        "/sandbox/pay/sessions",
        json={"amount": "82.10", "currency_code": "USD", "description": "Invoice INV-00001", "reference": "inv-1",
              "return_url": "https://fsm.example.com/pay/return?x=1"},
    )  # fmt: skip
    assert session.status_code == 201
    body = session.json()
    assert body["status"] == "open" and body["pay_url"].endswith(f"/sandbox/pay/{body['session_id']}/")
    page = sandbox_http.get(f"/sandbox/pay/{body['session_id']}/")
    assert "82.10" in page.text
    for card, result in (("4000 0000 0000 0002", "declined"), ("4000000000009995", "insufficient_funds"),
                         ("4000000000000119", "processing_error"), ("4242 4242 4242 4242", "succeeded")):  # fmt: skip
        answer = sandbox_http.post(
            f"/sandbox/pay/{body['session_id']}/",
            data={"csrfmiddlewaretoken": _csrf(page), "card_number": card, "expiry": "12/30", "cvc": "123"},
        )
        assert answer.status_code == 302
        location = urlsplit(answer.headers["location"])
        query = {key: values[0] for key, values in parse_qs(location.query).items()}
        assert query == {"x": "1", "session_id": body["session_id"], "result": result, "reference": "inv-1"}
        assert sandbox_http.get(f"/sandbox/pay/sessions/{body['session_id']}").json()["status"] == result
    done = sandbox_http.get(f"/sandbox/pay/{body['session_id']}/")
    assert "already been made" in done.text
    unknown_card = sandbox_http.post(
        "/sandbox/pay/sessions", json={"amount": 5, "currency_code": "USD", "return_url": "https://x.test/"}
    ).json()
    page = sandbox_http.get(f"/sandbox/pay/{unknown_card['session_id']}/")
    refused = sandbox_http.post(f"/sandbox/pay/{unknown_card['session_id']}/",
                                data={"csrfmiddlewaretoken": _csrf(page), "card_number": "1234", "expiry": "12/30",
                                      "cvc": "1"})  # fmt: skip
    assert refused.status_code == 200 and "sandbox test card" in refused.text
    negative = {"amount": -1, "currency_code": "USD", "return_url": "https://x.test/"}
    assert sandbox_http.post("/sandbox/pay/sessions", json=negative).status_code == 400


def test_seed_is_idempotent_and_covers_every_status(sandbox_http):
    first = sandbox_seed()
    assert first["created"] == ["us", "india", "global"]
    second = sandbox_seed()
    assert second["created"] == [] and second["organizations"] == first["organizations"]
    us = Organization.objects.get(seed_key="us")
    from sandbox import clock
    from sandbox.services.documents import invoice_status

    today = clock.org_today(us.time_zone)
    statuses = sorted(invoice_status(i, today) for i in Invoice.objects.filter(organization=us))
    assert statuses == ["draft", "overdue", "paid", "partially_paid", "sent", "void"]
    client = sandbox_http.get("/sandbox/_control/oauth/clients").json()["clients"]
    assert [c["client_id"] for c in client] == ["1000.SANDBOXDEMOCLIENT"]
    grant = sandbox_http.post("/sandbox/_control/oauth/grants", json={
        "client_id": "1000.SANDBOXDEMOCLIENT", "user_email": "owner@sandbox.test",
        "scope": "ZohoBooks.fullaccess.all"}).json()  # fmt: skip
    headers = {"Authorization": f"Zoho-oauthtoken {grant['access_token']}"}
    orgs = sandbox_http.get("/sandbox/books/v3/organizations", headers=headers).json()["organizations"]
    assert {o["version"] for o in orgs} == {"us", "india", "global"}
    india = next(o for o in orgs if o["version"] == "india")
    taxes = sandbox_http.get("/sandbox/books/v3/settings/taxes", params={"organization_id": india["organization_id"]},
                             headers=headers).json()["taxes"]  # fmt: skip
    assert ("GST18", "tax_group", 18) in [(t["tax_name"], t["tax_type"], t["tax_percentage"]) for t in taxes]
    contacts = sandbox_http.get("/sandbox/books/v3/contacts", params={"organization_id": first["organizations"]["us"]},
                                headers=headers).json()["contacts"]  # fmt: skip
    assert {c["status"] for c in contacts} == {"active", "inactive"}
    reset = sandbox_http.post("/sandbox/_control/reset")
    assert reset.status_code == 200 and Organization.objects.count() == 0
