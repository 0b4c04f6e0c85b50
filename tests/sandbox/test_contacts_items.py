"""Contacts, contact persons and items (zoho-books-v3.md §5.2–§5.4, §12.5, §12.6, §12.10)."""

from __future__ import annotations

import pytest

from sandbox import limits
from tests.sandbox.conftest import advance, make_books


def test_contact_create_get_update_and_summary_rows(books, frozen_clock):
    books.http.post(
        f"/sandbox/_control/orgs/{books.org_id}/customfields",
        json={"entity": "contact", "label": "Account code", "api_name": "cf_account_code"},
    )
    created = books.post(
        "contacts",
        json={
            "contact_name": "Bowman and Co",
            "company_name": "Bowman and Co",
            "payment_terms": 15,
            "payment_terms_label": "Net 15",
            "billing_address": {"address": "1 Main St", "city": "Springfield", "zip": "62701"},
            "contact_persons": [
                {"first_name": "Will", "last_name": "Smith", "email": "will@example.com", "is_primary_contact": True},
                {"first_name": "Ann", "email": "ann@example.com"},
            ],
            "custom_fields": [{"api_name": "cf_account_code", "value": "GBGD078"}],
        },
    )
    assert created.status_code == 201
    body = created.json()
    assert body["code"] == 0 and body["message"] == "The contact has been created"
    contact = body["contact"]
    assert len(contact["contact_id"]) == 19 and contact["contact_id"].isdigit()
    assert contact["status"] == "active"
    assert contact["created_time"] == contact["last_modified_time"] == "2025-03-10T12:00:00+0000"
    assert [p["is_primary_contact"] for p in contact["contact_persons"]] == [True, False]
    assert contact["billing_address"]["zip"] == "62701"
    assert contact["payment_terms_id"]  # matches the org's "Net 15"
    assert contact["custom_field_hash"] == {"cf_account_code": "GBGD078", "cf_account_code_unformatted": "GBGD078"}

    row = books.get("contacts").json()["contacts"][0]
    assert "billing_address" not in row and "contact_persons" not in row
    assert (row["first_name"], row["email"]) == ("Will", "will@example.com")
    assert row["custom_fields"][0]["value"] == "GBGD078"

    advance(books.http, 30)
    updated = books.put(f"contacts/{contact['contact_id']}", json={"company_name": "Bowman & Co"})
    assert updated.json()["message"] == "Contact has been updated successfully"
    assert updated.json()["contact"]["last_modified_time"] == "2025-03-10T12:00:30+0000"
    assert updated.json()["contact"]["contact_name"] == "Bowman and Co"  # omitted fields stay


def test_duplicate_names_3062_and_allowed_duplicates(sandbox_http):
    strict = make_books(sandbox_http, name="Strict")
    strict.create("contacts", "contact", {"contact_name": "Acme Corp"})
    duplicate = strict.post("contacts", json={"contact_name": "  acme CORP "})
    assert duplicate.status_code == 400
    assert duplicate.json() == {
        "code": 3062,
        "message": 'The customer "acme CORP" already exists. Please specify a different name.',
    }
    other = strict.create("contacts", "contact", {"contact_name": "Other"})
    rename = strict.put(f"contacts/{other['contact_id']}", json={"contact_name": "ACME corp"})
    assert rename.json()["code"] == 3062
    # The lookup the connector does after a 3062:
    found = strict.get("contacts", params={"contact_name": "acme corp", "filter_by": "Status.All"}).json()
    assert [c["contact_name"] for c in found["contacts"]] == ["Acme Corp"]

    relaxed = make_books(sandbox_http, name="Relaxed", allow_duplicate_names=True,
                         users=[{"email": "r@example.com", "role": "admin"}])  # fmt: skip
    relaxed.create("contacts", "contact", {"contact_name": "Acme Corp"})
    assert relaxed.post("contacts", json={"contact_name": "acme corp"}).status_code == 201


def test_required_fields_and_bad_values(books):
    assert books.post("contacts", json={}).json()["code"] == 4
    assert books.post("contacts", json={"contact_name": "X", "contact_type": "alien"}).json() == {
        "code": 2,
        "message": "Invalid value passed for contact_type",
    }
    assert books.post("items", json={"name": "No rate"}).status_code == 400
    assert books.get("contacts", params={"filter_by": "Status.Whatever"}).json()["code"] == 2
    assert books.get("contacts", params={"sort_column": "nonsense"}).json()["code"] == 2


def test_contact_persons_endpoints_move_the_contact(books, frozen_clock):
    contact = books.create("contacts", "contact", {"contact_name": "Persons Inc"})
    contact_id = contact["contact_id"]
    advance(books.http, 10)
    person = books.create("contacts/contactpersons", "contact_person",
                          {"contact_id": contact_id, "first_name": "Pat", "email": "pat@example.com"})  # fmt: skip
    assert person["is_primary_contact"] is True
    detail = books.get(f"contacts/{contact_id}").json()["contact"]
    assert detail["last_modified_time"] == "2025-03-10T12:00:10+0000"
    advance(books.http, 10)
    second = books.create("contacts/contactpersons", "contact_person", {"contact_id": contact_id, "first_name": "Sam"})
    primary = books.post(f"contacts/contactpersons/{second['contact_person_id']}/primary")
    assert primary.json()["message"] == "This contact person has been marked as your primary contact person."
    listed = books.get(f"contacts/{contact_id}/contactpersons").json()
    assert [(p["first_name"], p["is_primary_contact"]) for p in listed["contact_persons"]] == [
        ("Pat", False),
        ("Sam", True),
    ]
    advance(books.http, 10)
    put = books.put(f"contacts/contactpersons/{person['contact_person_id']}", json={"last_name": "Jones"})
    assert put.json()["message"] == "The contactperson details has been updated."
    assert books.get(f"contacts/{contact_id}").json()["contact"]["last_modified_time"] == "2025-03-10T12:00:30+0000"
    one = books.get(f"contacts/{contact_id}/contactpersons/{person['contact_person_id']}").json()["contact_person"]
    assert one["last_name"] == "Jones"
    advance(books.http, 10)
    deleted = books.delete(f"contacts/contactpersons/{person['contact_person_id']}")
    assert deleted.json() == {"code": 0, "message": "The contact person has been deleted."}
    assert books.get(f"contacts/{contact_id}").json()["contact"]["last_modified_time"] == "2025-03-10T12:00:40+0000"
    assert books.post("contacts/contactpersons", json={"first_name": "X"}).json()["code"] == 4


def test_active_inactive_and_delete_rules(books):
    contact = books.create("contacts", "contact", {"contact_name": "Flip"})
    item = books.create("items", "item", {"name": "Thing", "rate": 10})
    assert books.post(f"contacts/{contact['contact_id']}/inactive").json() == {
        "code": 0,
        "message": "The contact has been marked as inactive.",
    }
    names = lambda f: [c["contact_name"] for c in books.get("contacts", params={"filter_by": f}).json()["contacts"]]  # noqa: E731
    assert names("Status.Inactive") == ["Flip"] and names("Status.Active") == [] and names("Status.All") == ["Flip"]
    assert books.post(f"contacts/{contact['contact_id']}/active").json()["message"] == (
        "The contact has been marked as active."
    )
    assert books.post(f"items/{item['item_id']}/inactive").json()["message"] == "The item has been marked as inactive."
    assert books.get("items").json()["items"] == []  # active items by default
    assert books.get("items", params={"filter_by": "Status.All"}).json()["items"][0]["status"] == "inactive"
    assert books.post(f"items/{item['item_id']}/active").json()["message"] == "The item has been marked as active."

    books.create("invoices", "invoice", {"customer_id": contact["contact_id"],
                                         "line_items": [{"item_id": item["item_id"]}]})  # fmt: skip
    refused = books.delete(f"contacts/{contact['contact_id']}")
    assert (refused.status_code, refused.json()["code"]) == (400, 1004)
    assert books.delete(f"items/{item['item_id']}").json()["code"] == 1004
    assert books.get(f"contacts/{contact['contact_id']}").json()["contact"]["has_transaction"] is True

    spare = books.create("contacts", "contact", {"contact_name": "Spare"})
    assert books.delete(f"contacts/{spare['contact_id']}").json() == {
        "code": 0,
        "message": "The contact has been deleted.",
    }
    assert books.get(f"contacts/{spare['contact_id']}").status_code == 404


def test_pagination_filters_and_sorting(books, frozen_clock):
    from sandbox.models import Organization
    from sandbox.services import records

    organization = Organization.objects.get(pk=Organization.pk_from_zoho_id(books.org_id))
    for n in range(205):
        records.contact_create(organization, data={"contact_name": f"Customer {n:03d}", "company_name": "Same Time"})
    page1 = books.get("contacts").json()
    assert len(page1["contacts"]) == 200
    assert page1["page_context"] == {
        "page": 1, "per_page": 200, "has_more_page": True, "report_name": "Contacts", "applied_filter": "Status.All",
        "sort_column": "contact_name", "sort_order": "A", "search_criteria": [],
    }  # fmt: skip
    page2 = books.get("contacts", params={"page": 2}).json()
    assert [c["contact_name"] for c in page2["contacts"]] == ["Customer 200", "Customer 201", "Customer 202",
                                                            "Customer 203", "Customer 204"]  # fmt: skip
    assert page2["page_context"]["has_more_page"] is False
    assert books.get("contacts", params={"per_page": 500}).json()["page_context"]["per_page"] == 200
    small = books.get("contacts", params={"per_page": 10, "page": 3}).json()
    assert small["contacts"][0]["contact_name"] == "Customer 020" and small["page_context"]["has_more_page"]
    assert books.get("contacts", params={"page": 0}).json()["code"] == 2

    starts = books.get("contacts", params={"contact_name_startswith": "customer 19"}).json()["contacts"]
    assert len(starts) == 10
    contains = books.get("contacts", params={"contact_name_contains": "r 10"}).json()["contacts"]
    assert [c["contact_name"] for c in contains] == [f"Customer {n}" for n in range(100, 110)]
    assert len(books.get("contacts", params={"search_text": "omer 20"}).json()["contacts"]) == 5

    # Newest first on last_modified_time, contact_id breaking ties.
    advance(books.http, 5)
    touched = books.get("contacts", params={"contact_name": "Customer 007"}).json()["contacts"][0]
    books.put(f"contacts/{touched['contact_id']}", json={"notes": "touched"})
    newest = books.get("contacts", params={"sort_column": "last_modified_time", "sort_order": "D", "per_page": 3})
    rows = newest.json()["contacts"]
    assert rows[0]["contact_name"] == "Customer 007"
    assert rows[1]["contact_id"] > rows[2]["contact_id"]
    assert newest.json()["page_context"]["sort_column"] == "last_modified_time"
    assert newest.json()["page_context"]["sort_order"] == "D"
    # last_modified_time is ignored on contacts: the full list comes back, even for a malformed value.
    ignored = books.get("contacts", params={"last_modified_time": "2030-01-01T00:00:00+0000", "per_page": 1})
    assert ignored.json()["page_context"]["has_more_page"] is True
    assert books.get("items", params={"last_modified_time": "garbage"}).status_code == 200


def test_items_crud_details_and_filters(books, frozen_clock):
    books.http.post(
        f"/sandbox/_control/orgs/{books.org_id}/customfields",
        json={"entity": "item", "label": "Warranty", "api_name": "cf_warranty", "data_type": "number"},
    )
    tax = books.create("settings/taxes", "tax", {"tax_name": "Sales", "tax_percentage": 8.25})
    hammer = books.post("items", json={"name": "Hammer", "rate": "12.50", "sku": "H-1", "product_type": "goods",
                                       "tax_id": tax["tax_id"], "custom_fields": [{"api_name": "cf_warranty",
                                                                                   "value": 12}]})  # fmt: skip
    assert hammer.status_code == 201
    assert hammer.json()["message"] == "The item has been added."
    item = hammer.json()["item"]
    assert (item["rate"], item["tax_name"], item["tax_percentage"]) == (12.5, "Sales", 8.25)
    assert item["created_time"] == item["last_modified_time"] == "2025-03-10T12:00:00+0000"
    assert item["custom_field_hash"]["cf_warranty_unformatted"] == 12
    saw = books.create("items", "item", {"name": "Saw", "rate": 30, "description": "Hand saw"})
    assert books.post("items", json={"name": "Copy", "rate": 1, "sku": "h-1"}).json()["code"] == 4
    advance(books.http, 60)
    put = books.put(f"items/{item['item_id']}", json={"rate": 13})
    assert put.json()["message"] == "Item details have been saved."
    assert put.json()["item"]["last_modified_time"] == "2025-03-10T12:01:00+0000"
    details = books.get("itemdetails", params={"item_ids": f"{saw['item_id']},{item['item_id']}"}).json()
    assert [i["name"] for i in details["items"]] == ["Saw", "Hammer"]
    assert [i["name"] for i in books.get("items", params={"rate_greater_than": 20}).json()["items"]] == ["Saw"]
    assert [i["name"] for i in books.get("items", params={"name_startswith": "ham"}).json()["items"]] == ["Hammer"]
    assert [i["name"] for i in books.get("items", params={"search_text": "hand"}).json()["items"]] == ["Saw"]
    assert [
        i["name"] for i in books.get("items", params={"sort_column": "rate", "sort_order": "D"}).json()["items"]
    ] == [
        "Saw",
        "Hammer",
    ]
    assert books.delete(f"items/{saw['item_id']}").json() == {"code": 0, "message": "The item has been deleted."}


@pytest.mark.parametrize(("path", "body", "noun"), [("contacts", {"contact_name": "C{}"}, "customers"),
                                                    ("items", {"name": "I{}", "rate": 1}, "items")])  # fmt: skip
def test_invoice_edition_cap_1009(sandbox_http, monkeypatch, path, body, noun):
    monkeypatch.setattr(limits, "INVOICE_EDITION_CAP", 3)
    invoice_org = make_books(sandbox_http, edition="invoice")
    for n in range(3):
        assert invoice_org.post(path, json={k: str(v).format(n) for k, v in body.items()}).status_code == 201
    refused = invoice_org.post(path, json={k: str(v).format(9) for k, v in body.items()})
    assert refused.status_code == 400
    assert refused.json() == {"code": 1009, "message": f"You have reached the maximum limit of 3 {noun}."}
    books_org = make_books(sandbox_http, edition="books", users=[{"email": "b@example.com", "role": "admin"}])
    for n in range(4):
        assert books_org.post(path, json={k: str(v).format(n) for k, v in body.items()}).status_code == 201


def test_mandatory_custom_field_is_enforced(books):
    books.http.post(
        f"/sandbox/_control/orgs/{books.org_id}/customfields",
        json={"entity": "contact", "label": "Region", "api_name": "cf_region", "is_mandatory": True},
    )
    refused = books.post("contacts", json={"contact_name": "No region"})
    assert (refused.status_code, refused.json()["code"]) == (400, 4)
    assert "Region" in refused.json()["message"]
    ok = books.post("contacts", json={"contact_name": "With region", "custom_fields": [{"index": 1, "value": "EU"}]})
    assert ok.status_code == 201
    assert (
        books.post(
            "contacts", json={"contact_name": "Bad", "custom_fields": [{"api_name": "cf_nope", "value": 1}]}
        ).json()["code"]
        == 2
    )
