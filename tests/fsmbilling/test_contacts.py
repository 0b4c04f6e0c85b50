"""Contacts (REC-2): pages, API, the primary contact rule, validation, isolation, permissions, query counts."""

import pytest
from django.test import Client

from fsmbilling.models import Contact, CustomField, TaxExemption
from tests.conftest import member
from tests.factories import PASSWORD, CompanyFactory, ContactFactory

API = "/api/v1/orgs/acme/contacts/"


def login(org, role: str) -> Client:
    user = member(org, role=role, username=f"{role.lower()}@acme.test")
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def api_as(org, role: str):
    from rest_framework.test import APIClient

    from fsmbilling.services.api_tokens import api_token_create

    user = member(org, role=role, username=f"{role.lower()}-api@acme.test")
    _, raw = api_token_create(organization=org, user=user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


# --- Pages -----------------------------------------------------------------------------------------------------------


def test_contact_pages_create_list_detail(admin_client, org):
    company = CompanyFactory(organization=org, name="Bowman and Co")
    response = admin_client.post(
        "/o/acme/contacts/new/",
        {
            "first_name": "Ann",
            "last_name": "Archer",
            "email": "ann@bowman.test",
            "company": company.pk,
            "is_primary": "on",
            "status": "active",
            "is_taxable": "on",
            "billing_address__city": "Austin",
            "service_address__zip": "73301",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    contact = Contact.objects.get(organization=org, last_name="Archer")
    assert response["Location"] == f"/o/acme/contacts/{contact.pk}/"
    assert contact.company == company and contact.is_primary
    assert contact.billing_address == {"city": "Austin"} and contact.service_address == {"zip": "73301"}
    assert contact.created_by.username == "admin@acme.test"
    listing = admin_client.get("/o/acme/contacts/?q=archer").content.decode()
    assert "Saved Ann Archer." in listing  # the message of the save, shown on the next page
    assert "1 record<" in listing and f'href="/o/acme/contacts/{contact.pk}/">Ann Archer<' in listing
    assert "Bowman and Co" in listing
    detail = admin_client.get(f"/o/acme/contacts/{contact.pk}/").content.decode()
    assert "Primary contact" in detail and "Bowman and Co" in detail
    assert admin_client.get(f"/o/acme/contacts/{contact.pk}/edit/").status_code == 200
    assert admin_client.get(f"/o/acme/contacts/new/?company={company.pk}").status_code == 200


def test_contact_form_names_the_bad_fields(admin_client, org):
    response = admin_client.post(
        "/o/acme/contacts/new/", {"first_name": "X", "last_name": "", "email": "nope", "status": "active"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="id_last_name-errors"' in body and "This field is required." in body
    assert 'id="id_email-errors"' in body and "Enter a valid email address." in body
    assert not Contact.objects.filter(organization=org).exists()


def test_primary_without_company_is_refused_on_the_page(admin_client, org):
    response = admin_client.post(
        "/o/acme/contacts/new/", {"last_name": "Solo", "is_primary": "on", "status": "active", "is_taxable": "on"}
    )
    assert response.status_code == 200
    assert (
        "Only a contact of a company can be its primary contact. Choose a company first." in response.content.decode()
    )
    assert not Contact.objects.filter(organization=org).exists()


def test_making_a_contact_primary_on_the_page_unsets_the_previous_one(admin_client, org):
    company = CompanyFactory(organization=org)
    first = ContactFactory(organization=org, company=company, is_primary=True)
    second = ContactFactory(organization=org, company=company)
    response = admin_client.post(
        f"/o/acme/contacts/{second.pk}/edit/",
        {
            "last_name": second.last_name,
            "company": company.pk,
            "is_primary": "on",
            "status": "active",
            "is_taxable": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.is_primary and not first.is_primary
    assert first.updated_by.username == "admin@acme.test"


def test_contact_list_filters_and_csv(admin_client, org):
    company = CompanyFactory(organization=org, name="Filtered Co")
    ContactFactory(organization=org, last_name="Inside", company=company, is_primary=True)
    ContactFactory(organization=org, last_name="Outside", status="inactive")
    ContactFactory(organization=org, last_name="=HYPERLINK(1)")
    body = admin_client.get(f"/o/acme/contacts/?company={company.pk}").content.decode()
    assert "Inside" in body and "Outside" not in body
    assert "Inside" not in admin_client.get("/o/acme/contacts/?company=abc").content.decode()
    assert "Inside" not in admin_client.get("/o/acme/contacts/?company=99999999999999999999999").content.decode()
    body = admin_client.get("/o/acme/contacts/?status=inactive").content.decode()
    assert "Outside" in body and "Inside" not in body
    body = admin_client.get("/o/acme/contacts/?primary=yes&sort=-company__name").content.decode()
    assert "Inside" in body and "Outside" not in body
    assert admin_client.get("/o/acme/contacts/?status=bogus&sort=bogus&page=abc").status_code == 200
    htmx = admin_client.get("/o/acme/contacts/?q=inside", headers={"HX-Request": "true"})
    assert htmx.status_code == 200 and "<html" not in htmx.content.decode()
    response = admin_client.get("/o/acme/contacts/?format=csv")
    assert response["Content-Type"] == "text/csv"
    rows = b"".join(response.streaming_content).decode().splitlines()
    assert rows[0].startswith("First name,Last name,Email")
    assert len(rows) == 4
    assert any(",'=HYPERLINK(1)," in row for row in rows)


# --- API -------------------------------------------------------------------------------------------------------------


def test_contact_api_crud(api, org):
    company = CompanyFactory(organization=org, name="Acme Client")
    created = api.post(
        API,
        {"first_name": "Bo", "last_name": "Brown", "company": company.pk, "is_primary": True,
         "billing_address": {"city": "Oslo"}},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["company"] == company.pk and body["company_name"] == "Acme Client" and body["is_primary"] is True
    assert body["billing_address"] == {"city": "Oslo"}
    contact_id = body["id"]
    assert api.get(f"{API}?search=brown").json()["count"] == 1
    assert api.get(f"{API}?company={company.pk}").json()["count"] == 1
    assert api.get(f"{API}?is_primary=false").json()["count"] == 0
    patched = api.patch(f"{API}{contact_id}/", {"mobile": "+47 555"}, format="json")
    assert patched.status_code == 200 and patched.json()["mobile"] == "+47 555" and patched.json()["is_primary"]
    assert api.delete(f"{API}{contact_id}/").status_code == 204
    assert not Contact.objects.filter(pk=contact_id).exists()


def test_contact_api_primary_swap_in_one_transaction(api, org):
    company = CompanyFactory(organization=org)
    first = ContactFactory(organization=org, company=company, is_primary=True)
    created = api.post(API, {"last_name": "Next", "company": company.pk, "is_primary": True}, format="json")
    assert created.status_code == 201, created.json()
    first.refresh_from_db()
    assert not first.is_primary
    assert Contact.objects.filter(company=company, is_primary=True).get().pk == created.json()["id"]
    # Moving the primary contact to another company makes it an ordinary contact there.
    other_company = CompanyFactory(organization=org)
    CompanyFactory(organization=org)
    moved = api.patch(f"{API}{created.json()['id']}/", {"company": other_company.pk}, format="json")
    assert moved.status_code == 200 and moved.json()["is_primary"] is False
    # Dropping the company drops the primary flag; asking for it without a company is refused.
    refused = api.patch(f"{API}{first.pk}/", {"company": None, "is_primary": True}, format="json")
    assert refused.status_code == 400
    assert refused.json()["fields"] == {
        "is_primary": ["Only a contact of a company can be its primary contact. Choose a company first."]
    }


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"last_name": ""}, "last_name", "This field may not be blank."),
        ({"last_name": "X", "email": "nope"}, "email", "Enter a valid email address."),
        ({"last_name": "X", "company": "abc"}, "company", "Use the numeric id of a record, not str."),
        ({"last_name": "X", "company": "²"}, "company", "Use the numeric id of a record, not str."),
        ({"last_name": "X", "company": 99999999999999999999999}, "company", "Not found."),
        ({"last_name": "X", "company": [1]}, "company", "Use the numeric id of a record, not list."),
        ({"last_name": "X", "is_primary": "maybe"}, "is_primary", "Must be a valid boolean."),
        ({"last_name": "X", "status": "gone"}, "status", '"gone" is not a valid choice.'),
        ({"last_name": "X", "billing_address": "Main St"}, "billing_address",
         "Send the address as an object (address, city, state, zip, country …)."),
        ({"last_name": "X", "billing_address": {"city": 5}}, "billing_address.city",
         "Use text of at most 255 characters."),
        ({"last_name": "X", "custom_fields": ["a"]}, "custom_fields",
         "Send custom fields as an object of api_name: value."),
        ({"last_name": "X", "custom_fields": {"cf_nope": 1}}, "custom_fields", "Unknown custom field(s): cf_nope."),
        ({"last_name": "X" * 101}, "last_name", "Ensure this field has no more than 100 characters."),
    ],
)  # fmt: skip
def test_contact_api_validation_names_the_field(api, org, payload, field, message):
    response = api.post(API, payload, format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert message in body["fields"][field]
    assert not Contact.objects.filter(organization=org).exists()


def test_contact_api_refuses_malformed_bodies(api, org):
    assert api.post(API, [1, 2], format="json").status_code == 400
    assert api.post(API, "null", content_type="application/json").status_code == 400
    assert api.post(API, "{not json", content_type="application/json").status_code == 400
    assert api.get(f"{API}?status=bogus").status_code == 400
    assert api.get(f"{API}?company=abc").json()["fields"] == {"company": ["Use a numeric id."]}
    assert api.get(f"{API}?company=99999999999999999999999").json()["count"] == 0
    assert api.get(f"{API}?ordering=password").status_code == 400
    assert api.get(f"{API}?modified_after=yesterday").status_code == 400
    assert api.get(f"{API}99999999999999999999999/").status_code == 404
    # PostgreSQL refuses NUL characters in text: they are dropped from searches and refused in values.
    assert api.get(f"{API}?search=a%00b").status_code == 200
    nul = api.post(API, {"last_name": "X", "billing_address": {"city": "a\x00b"}}, format="json")
    assert nul.status_code == 400 and "billing_address.city" in nul.json()["fields"]
    assert api.post(API, {"last_name": "a\x00b"}, format="json").status_code == 400
    assert not Contact.objects.filter(organization=org).exists()


def test_contact_pages_survive_odd_input(admin_client, org):
    for url in ("/o/acme/contacts/?q=a%00b", "/o/acme/contacts/?company=1%00", "/o/acme/contacts/?page=99999999999999"):
        assert admin_client.get(url).status_code == 200, url
    assert admin_client.get("/o/acme/contacts/new/?company=%00").status_code == 200
    response = admin_client.post(
        "/o/acme/contacts/new/",
        {"last_name": "a\x00b", "company": "abc", "billing_address__city": "x\x00", "status": "active"},
    )
    assert response.status_code == 200 and not Contact.objects.filter(organization=org).exists()


def test_contact_exemption_must_be_for_customers(api, org):
    item_reason = TaxExemption.objects.create(organization=org, code="RESALE", reason="Resale", applies_to="item")
    response = api.post(API, {"last_name": "X", "is_taxable": False, "tax_exemption": item_reason.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "tax_exemption": ["Choose an exemption reason for customers, not one for items."]
    }


def test_contact_custom_fields_are_validated(api, admin_client, org):
    CustomField.objects.create(
        organization=org, module="contacts", label="Badge number", api_name="cf_badge", field_type="number"
    )
    for value in ("abc", "1.5", 10**20, [1], {"a": 1}, True):
        bad = api.post(API, {"last_name": "X", "custom_fields": {"cf_badge": value}}, format="json")
        assert bad.status_code == 400
        assert bad.json()["fields"] == {
            "custom_fields.cf_badge": ["Badge number must be a whole number of at most 15 digits."]
        }
    for body in ('{"last_name": "X", "custom_fields": {"cf_badge": 1e400}}',
                 '{"last_name": "X", "custom_fields": {"cf_badge": NaN}}'):  # fmt: skip
        assert api.post(API, body, content_type="application/json").status_code == 400
    good = api.post(API, {"last_name": "X", "custom_fields": {"cf_badge": "42"}}, format="json")
    assert good.status_code == 201 and good.json()["custom_fields"] == {"cf_badge": 42}
    detail = admin_client.get(f"/o/acme/contacts/{good.json()['id']}/").content.decode()
    assert "Badge number" in detail and "42" in detail
    form = admin_client.get("/o/acme/contacts/new/").content.decode()
    assert 'name="cf__cf_badge"' in form


# --- Isolation and permissions -------------------------------------------------------------------------------------


def test_contact_of_another_org_is_404_everywhere(api, admin_client, org, other_org):
    foreign_company = CompanyFactory(organization=other_org)
    foreign = ContactFactory(organization=other_org, last_name="Foreigner", company=foreign_company)
    assert api.get(f"{API}{foreign.pk}/").status_code == 404
    assert api.patch(f"{API}{foreign.pk}/", {"last_name": "Mine"}, format="json").status_code == 404
    assert api.delete(f"{API}{foreign.pk}/").status_code == 404
    assert api.get("/api/v1/orgs/globex/contacts/").status_code == 404
    for url in (f"/o/acme/contacts/{foreign.pk}/", f"/o/acme/contacts/{foreign.pk}/edit/"):
        assert admin_client.get(url).status_code == 404
    assert admin_client.post(f"/o/acme/contacts/{foreign.pk}/delete/").status_code == 404
    assert admin_client.get("/o/globex/contacts/").status_code == 404
    assert "Foreigner" not in admin_client.get("/o/acme/contacts/").content.decode()
    assert api.get(API).json()["count"] == 0
    assert api.get(f"{API}?company={foreign_company.pk}").json()["count"] == 0
    # Linking to the other organization's company reads as missing.
    response = api.post(API, {"last_name": "X", "company": foreign_company.pk}, format="json")
    assert response.status_code == 400 and response.json()["fields"] == {"company": ["Not found."]}
    page = admin_client.post(
        "/o/acme/contacts/new/", {"last_name": "X", "company": foreign_company.pk, "status": "active"}
    )
    assert page.status_code == 200 and not Contact.objects.filter(organization=org).exists()
    foreign.refresh_from_db()
    assert foreign.last_name == "Foreigner"


def test_technician_may_view_but_not_change_contacts(org):
    contact = ContactFactory(organization=org, last_name="Kept")
    client = login(org, "Technician")
    assert client.get("/o/acme/contacts/").status_code == 200
    assert client.get(f"/o/acme/contacts/{contact.pk}/").status_code == 200
    response = client.post("/o/acme/contacts/new/", {"last_name": "Nope", "status": "active"})
    assert response.status_code == 403
    assert "does not allow you to edit contacts" in response.content.decode()
    assert client.post(f"/o/acme/contacts/{contact.pk}/delete/").status_code == 403
    api = api_as(org, "Technician")
    refused = api.patch(f"{API}{contact.pk}/", {"last_name": "Changed"}, format="json")
    assert refused.status_code == 403
    assert refused.json() == {
        "code": "permission_denied",
        "message": "Your role (Technician) does not allow you to edit contacts. Ask an administrator.",
        "fields": {},
    }
    contact.refresh_from_db()
    assert contact.last_name == "Kept" and Contact.objects.filter(organization=org).count() == 1


def test_dispatcher_may_edit_but_not_delete_contacts(org):
    contact = ContactFactory(organization=org)
    api = api_as(org, "Dispatcher")
    assert api.patch(f"{API}{contact.pk}/", {"phone": "1"}, format="json").status_code == 200
    response = api.delete(f"{API}{contact.pk}/")
    assert response.status_code == 403 and "delete contacts" in response.json()["message"]
    assert Contact.objects.filter(pk=contact.pk).exists()


# --- Query counts ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ordering", ["last_name", "-company__name", "-updated_at"])
def test_contact_list_query_count_is_constant(api, admin_client, org, count_queries, ordering):
    def make(n):
        for _ in range(n):
            ContactFactory(organization=org, company=CompanyFactory(organization=org))

    make(3)
    small_api = count_queries(lambda: api.get(f"{API}?ordering={ordering}"))
    small_page = count_queries(lambda: admin_client.get(f"/o/acme/contacts/?sort={ordering}"))
    small_csv = count_queries(lambda: b"".join(admin_client.get("/o/acme/contacts/?format=csv").streaming_content))
    make(30)
    assert count_queries(lambda: api.get(f"{API}?ordering={ordering}")) == small_api
    assert count_queries(lambda: admin_client.get(f"/o/acme/contacts/?sort={ordering}")) == small_page
    assert (
        count_queries(lambda: b"".join(admin_client.get("/o/acme/contacts/?format=csv").streaming_content)) == small_csv
    )


def test_contact_list_query_budget(api, org, django_assert_max_num_queries):
    for _ in range(25):
        ContactFactory(organization=org, company=CompanyFactory(organization=org))
    api.get(API)  # warm up the token's last-used time
    # token, throttle (database cache: 5), membership, count, page, Books blocks of the page (connection, links,
    # failures)
    with django_assert_max_num_queries(14):
        response = api.get(API)
    assert response.status_code == 200 and response.json()["count"] == 25


def test_company_choice_becomes_a_search_for_many_companies(admin_client, org, other_org, count_queries):
    from fsmbilling.views.contacts import COMPANY_SELECT_LIMIT

    few = admin_client.get("/o/acme/contacts/new/").content.decode()
    assert 'name="company_search"' not in few
    CompanyFactory.create_batch(COMPANY_SELECT_LIMIT, organization=org)
    target = CompanyFactory(organization=org, name="Zebra Plumbing")
    foreign = CompanyFactory(organization=other_org, name="Zebra Foreign")
    form = admin_client.get(f"/o/acme/contacts/new/?company={target.pk}").content.decode()
    assert 'name="company_search"' in form and "/o/acme/contacts/company-options/" in form
    assert form.count("<option") < 10 and f'<option value="{target.pk}" selected>Zebra Plumbing</option>' in form
    options = admin_client.get("/o/acme/contacts/company-options/?company_search=zebra").content.decode()
    assert "Zebra Plumbing" in options and "Zebra Foreign" not in options
    kept = admin_client.get(f"/o/acme/contacts/company-options/?company_search=nomatch&company={target.pk}")
    assert f'<option value="{target.pk}" selected>Zebra Plumbing</option>' in kept.content.decode()
    stranger = admin_client.get(f"/o/acme/contacts/company-options/?company={foreign.pk}&company_search=%00")
    assert "Zebra Foreign" not in stranger.content.decode()
    response = admin_client.post(
        "/o/acme/contacts/new/",
        {"last_name": "Picked", "company": target.pk, "status": "active", "is_taxable": "on"},
    )
    assert response.status_code == 302
    assert Contact.objects.get(organization=org, last_name="Picked").company == target
    assert count_queries(lambda: admin_client.get("/o/acme/contacts/company-options/?company_search=a")) <= 8
