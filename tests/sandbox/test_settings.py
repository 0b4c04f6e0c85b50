"""Taxes, tax groups, exemptions, currencies, payment terms, salespersons, custom fields (§5.8–§5.12, §12.7–§12.8)."""

from __future__ import annotations


def test_taxes_and_groups(books):
    created = books.post("settings/taxes", json={"tax_name": "CGST", "tax_percentage": 9, "tax_specific_type": "cgst"})
    assert (created.status_code, created.json()["message"]) == (201, "The tax has been added.")
    cgst = created.json()["tax"]
    sgst = books.create("settings/taxes", "tax", {"tax_name": "SGST", "tax_percentage": "9"})
    group = books.post(
        "settings/taxgroups", json={"tax_group_name": "GST18", "taxes": f"{cgst['tax_id']},{sgst['tax_id']}"}
    )
    assert group.status_code == 201
    body = group.json()["tax_group"]
    assert body["tax_group_percentage"] == 18
    assert [t["tax_name"] for t in body["taxes"]] == ["CGST", "SGST"]
    listed = books.get("settings/taxes").json()
    assert [(t["tax_name"], t["tax_type"], t["tax_percentage"]) for t in listed["taxes"]] == [
        ("CGST", "tax", 9), ("SGST", "tax", 9), ("GST18", "tax_group", 18)]  # fmt: skip
    assert listed["page_context"]["has_more_page"] is False
    put = books.put(f"settings/taxes/{sgst['tax_id']}", json={"tax_percentage": "9.5"})
    assert put.json() == {**put.json(), "code": 0, "message": "Tax information has been saved."}
    assert books.get(f"settings/taxgroups/{body['tax_group_id']}").json()["tax_group"]["tax_group_percentage"] == 18.5
    renamed = books.put(f"settings/taxgroups/{body['tax_group_id']}", json={"tax_group_name": "GST"})
    assert renamed.json()["tax_group"]["tax_group_name"] == "GST"
    assert books.delete(f"settings/taxes/{cgst['tax_id']}").status_code == 400  # used by a group
    assert books.delete(f"settings/taxgroups/{body['tax_group_id']}").json()["code"] == 0
    assert books.delete(f"settings/taxes/{cgst['tax_id']}").json() == {
        "code": 0,
        "message": "The tax has been deleted.",
    }
    assert books.get(f"settings/taxes/{cgst['tax_id']}").json() == {"code": 1002, "message": "Tax does not exist."}
    assert books.post("settings/taxgroups", json={"tax_group_name": "X", "taxes": "123"}).json()["code"] == 6


def test_exemptions_authorities_currencies_terms(books):
    exemption = books.post("settings/taxexemptions", json={"tax_exemption_code": "RESALE", "type": "customer"})
    assert exemption.status_code == 200
    assert books.get("settings/taxexemptions").json()["tax_exemptions"][0]["tax_exemption_code"] == "RESALE"
    authority = books.create("settings/taxauthorities", "tax_authority", {"tax_authority_name": "CDTFA"})
    tax = books.create("settings/taxes", "tax", {"tax_name": "CA", "tax_percentage": 7.25,
                                                 "tax_authority_id": authority["tax_authority_id"]})  # fmt: skip
    assert tax["tax_authority_name"] == "CDTFA"

    currencies = books.get("settings/currencies").json()
    assert "page_context" not in currencies
    assert [(c["currency_code"], c["is_base_currency"]) for c in currencies["currencies"]] == [("USD", True)]
    euro = books.post("settings/currencies", json={"currency_code": "EUR", "currency_format": "1.234.567,89",
                                                   "exchange_rate": 1.08})  # fmt: skip
    assert (euro.status_code, euro.json()["message"]) == (201, "The currency has been added.")
    euro = euro.json()["currency"]
    assert (euro["currency_symbol"], euro["price_precision"], euro["exchange_rate"]) == ("€", 2, 1.08)
    assert books.get(f"settings/currencies/{euro['currency_id']}").json()["currency"]["currency_code"] == "EUR"
    excluded = books.get("settings/currencies", params={"filter_by": "Currencies.ExcludeBaseCurrency"}).json()
    assert [c["currency_code"] for c in excluded["currencies"]] == ["EUR"]
    assert books.post("settings/currencies", json={"currency_code": "EUR", "currency_format": "x"}).status_code == 400

    terms = books.get("settings/paymentterms").json()
    assert terms["code"] == 0
    assert [(t["payment_terms"], t["payment_terms_label"], t["is_default"]) for t in terms["payment_terms"]] == [
        (0, "Due on Receipt", True), (15, "Net 15", False), (30, "Net 30", False), (45, "Net 45", False)]  # fmt: skip
    contact = books.create(
        "contacts", "contact", {"contact_name": "T", "payment_terms_id": terms["payment_terms"][2]["payment_terms_id"]}
    )
    assert (contact["payment_terms"], contact["payment_terms_label"]) == (30, "Net 30")


def test_salespersons_and_custom_field_definitions(books):
    assert books.get("salespersons").json() == {"code": 0, "message": "success", "salespersons": []}
    books.post("salespersons", json={"salesperson_name": "Will Smith", "salesperson_email": "will@example.com"})
    rows = books.get("salespersons").json()["salespersons"]
    assert [(r["salesperson_name"], r["salesperson_email"], r["is_active"]) for r in rows] == [
        ("Will Smith", "will@example.com", True)]  # fmt: skip
    control = f"/sandbox/_control/orgs/{books.org_id}/customfields"
    created = books.http.post(control, json={"entity": "invoice", "label": "Work order", "is_mandatory": True})
    assert created.status_code == 201
    assert created.json()["api_name"] == "cf_work_order"
    books.http.post(control, json={"entity": "contact", "label": "Region"})
    fields = books.get("settings/customfields", params={"entity": "invoice"}).json()["customfields"]
    assert [(f["label"], f["api_name"], f["is_mandatory"], f["data_type"]) for f in fields] == [
        ("Work order", "cf_work_order", True, "string")]  # fmt: skip
    assert len(books.get("settings/customfields").json()["customfields"]) == 2
    customer = books.create(
        "contacts", "contact", {"contact_name": "C", "custom_fields": [{"label": "Region", "value": "EU"}]}
    )
    refused = books.post(
        "invoices", json={"customer_id": customer["contact_id"], "line_items": [{"name": "X", "rate": 1}]}
    )
    assert (refused.status_code, refused.json()["code"]) == (400, 4)
    invoice = books.create("invoices", "invoice", {"customer_id": customer["contact_id"],
                                                   "line_items": [{"name": "X", "rate": 1}],
                                                   "custom_fields": [{"customfield_id": fields[0]["customfield_id"],
                                                                      "value": "WO-00042"}]})  # fmt: skip
    assert invoice["custom_field_hash"]["cf_work_order"] == "WO-00042"
