"""Envelopes, errors, organizations, users and tenant isolation of the Books v3 emulation (§4, §5.1, §5.13, §12.3)."""

from __future__ import annotations

import json

from tests.sandbox.conftest import control_org, make_books


def test_unknown_path_wrong_method_and_missing_org(books):
    unknown = books.get("nothing/here")
    assert unknown.status_code == 404
    assert unknown.json()["code"] == 5
    assert books.get("contacts/123/unknown").status_code == 404
    wrong = books.request("PATCH", "contacts")
    assert wrong.status_code == 405
    missing = books.http.get("/sandbox/books/v3/contacts", headers=books.headers())
    assert (missing.status_code, missing.json()) == (
        400,
        {"code": 2, "message": "Invalid value passed for organization_id"},
    )


def test_missing_record_is_1002(books):
    for path, entity in (
        ("contacts/4600120000000099999", "Contact"),
        ("items/1", "Item"),
        ("invoices/4600150000000099999", "Invoice"),
        ("estimates/4600160000000099999", "Estimate"),
        ("customerpayments/4600170000000099999", "Payment"),
        ("settings/taxes/4600050000000099999", "Tax"),
    ):
        response = books.get(path)
        assert response.status_code == 404
        assert response.json() == {"code": 1002, "message": f"{entity} does not exist."}


def test_organization_isolation_and_6041(sandbox_http):
    alpha = make_books(sandbox_http, name="Alpha", users=[{"email": "a@example.com", "role": "admin"}])
    beta = make_books(sandbox_http, name="Beta", users=[{"email": "b@example.com", "role": "admin"}])
    contact = beta.create("contacts", "contact", {"contact_name": "Beta customer"})
    refused = alpha.get("contacts", org_id=beta.org_id)
    assert refused.status_code == 400
    assert refused.json() == {
        "code": 6041,
        "message": f"This user is not associated with the CompanyID/CompanyName:{beta.org_id}.",
    }
    # Beta's record through Alpha's organization is a missing record, not a leak.
    assert alpha.get(f"contacts/{contact['contact_id']}").json()["code"] == 1002
    assert alpha.get("contacts").json()["contacts"] == []
    assert alpha.get("contacts", org_id="999").json()["code"] == 6041
    # Deleted organization: 6041 too.
    assert sandbox_http.delete(f"/sandbox/_control/orgs/{beta.org_id}").status_code == 200
    assert beta.get("contacts").json()["code"] == 6041


def test_organization_headers_and_invoice_root(sandbox_http):
    books = make_books(sandbox_http, edition="invoice")
    by_header = sandbox_http.get(
        "/sandbox/books/v3/contacts", headers={**books.headers(), "X-com-zoho-books-organizationid": books.org_id}
    )
    assert by_header.status_code == 200
    invoice_root = sandbox_http.get(
        "/sandbox/invoice/v3/contacts",
        headers={**books.headers(), "X-com-zoho-invoice-organizationid": books.org_id},
    )
    assert invoice_root.status_code == 200
    # The query parameter wins over a disagreeing header.
    wins = sandbox_http.get(
        "/sandbox/invoice/v3/contacts",
        params={"organization_id": books.org_id},
        headers={**books.headers(), "X-com-zoho-invoice-organizationid": "123"},
    )
    assert wins.status_code == 200


def test_json_string_form_bodies(books):
    created = books.post("contacts", data={"JSONString": json.dumps({"contact_name": "Form Co"})})
    assert created.status_code == 201
    contact_id = created.json()["contact"]["contact_id"]
    updated = books.put(f"contacts/{contact_id}", data={"JSONString": json.dumps({"company_name": "Form Company"})})
    assert updated.status_code == 200
    assert updated.json()["contact"]["company_name"] == "Form Company"
    bad = books.post("contacts", content=b"{not json", headers={"Content-Type": "application/json"})
    assert (bad.status_code, bad.json()["code"]) == (400, 11)


def test_organizations_list_get_put_and_flags(sandbox_http):
    org = control_org(
        sandbox_http,
        name="Flags Inc",
        country="IN",
        currency_code="INR",
        plan="PREMIUM",
        edition="invoice",
        trial_expired=True,
        avalara_integrated=True,
        crm_sync_type="III",
        crm_sync_in_progress=True,
        is_tax_enabled=False,
        time_zone="Asia/Kolkata",
    )
    from tests.sandbox.conftest import control_client, control_grant

    client = control_client(sandbox_http)
    token = control_grant(sandbox_http, client["client_id"], "owner@example.com")["access_token"]
    headers = {"Authorization": f"Zoho-oauthtoken {token}"}
    listed = sandbox_http.get("/sandbox/books/v3/organizations", headers=headers)
    assert listed.status_code == 200
    row = listed.json()["organizations"][0]
    assert row["organization_id"] == org["organization_id"]
    assert row["is_trial_expired"] is True
    assert row["is_avalara_integrated"] is True
    assert row["is_tax_enabled"] is False
    assert row["crm_integration"] == {"sync_type": "III", "is_sync_in_progress": True}
    assert row["edition"] == "invoice"
    assert (row["country"], row["country_code"], row["version"]) == ("India", "IN", "india")
    assert (row["currency_code"], row["time_zone"], row["plan_name"]) == ("INR", "Asia/Kolkata", "PREMIUM")
    assert row["user_role"] == "admin"
    one = sandbox_http.get(f"/sandbox/books/v3/organizations/{org['organization_id']}", headers=headers)
    assert one.json()["organization"]["name"] == "Flags Inc"
    put = sandbox_http.put(
        f"/sandbox/books/v3/organizations/{org['organization_id']}", headers=headers, json={"name": "Renamed"}
    )
    assert put.json()["organization"]["name"] == "Renamed"
    created = sandbox_http.post(
        "/sandbox/books/v3/organizations", headers=headers, json={"name": "New org", "currency_code": "USD"}
    )
    assert created.status_code == 201
    assert len(sandbox_http.get("/sandbox/books/v3/organizations", headers=headers).json()["organizations"]) == 2
    patched = sandbox_http.patch(f"/sandbox/_control/orgs/{org['organization_id']}", json={"crm_sync_type": None})
    assert patched.json()["crm_integration"] == {"sync_type": None, "is_sync_in_progress": True}


def test_users_list_get_me(sandbox_http):
    books = make_books(
        sandbox_http,
        users=[{"email": "owner@example.com", "name": "Owner", "role": "admin"},
               {"email": "staff@example.com", "name": "Staff", "role": "staff"}],
    )  # fmt: skip
    users = books.get("users").json()
    assert [u["email"] for u in users["users"]] == ["owner@example.com", "staff@example.com"]
    assert users["page_context"]["report_name"] == "Users"
    me = books.get("users/me").json()["user"]
    assert me["email"] == "owner@example.com" and me["is_current_user"] is True and me["user_role"] == "admin"
    staff = books.get(f"users/{users['users'][1]['user_id']}").json()["user"]
    assert staff["user_role"] == "staff" and staff["is_current_user"] is False


def test_control_api_is_404_when_disabled(sandbox_http, settings):
    settings.SANDBOX_CONTROL_ENABLED = False
    for method, path in (
        ("POST", "/sandbox/_control/orgs"),
        ("PUT", "/sandbox/_control/clock"),
        ("PUT", "/sandbox/_control/faults"),
        ("POST", "/sandbox/_control/oauth/clients"),
        ("POST", "/sandbox/_control/oauth/grants"),
        ("POST", "/sandbox/_control/reset"),
        ("GET", "/sandbox/_control/anything"),
    ):
        assert sandbox_http.request(method, path, json={}).status_code == 404


def test_control_api_validation(sandbox_http):
    assert sandbox_http.post("/sandbox/_control/orgs", json={"edition": "books"}).status_code == 400
    bad = sandbox_http.post("/sandbox/_control/orgs", json={"name": "X", "edition": "nope"})
    assert bad.json() == {"code": 2, "message": "Invalid value passed for edition"}
    assert sandbox_http.patch("/sandbox/_control/orgs/1", json={}).status_code == 404
    assert sandbox_http.put("/sandbox/_control/faults", json={"rate": 2}).status_code == 400
    assert sandbox_http.put("/sandbox/_control/clock", json={"now": "yesterday"}).status_code == 400
