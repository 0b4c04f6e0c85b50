"""Services and parts (REC-3, TAX-4): pages, API, money and tax rules, isolation, permissions, query counts."""

from decimal import Decimal

import pytest
from django.test import Client
from rest_framework.test import APIClient

from fsmbilling.models import ServicePart, TaxExemption
from fsmbilling.services.api_tokens import api_token_create
from tests.conftest import member
from tests.factories import PASSWORD, ServicePartFactory, TaxFactory, make_organization

API = "/api/v1/orgs/acme/services-and-parts/"


@pytest.fixture
def india(admin_user):
    return make_organization("Bharat Services", slug="bharat", country="IN", state="KA", owner=admin_user)


@pytest.fixture
def india_api(india, admin_user):
    _, raw = api_token_create(organization=india, user=admin_user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


def form_data(**overrides):
    data = {"kind": "service", "name": "Boiler service", "rate": "120.50", "status": "active",
            "tax_preference": "taxable"}  # fmt: skip
    data.update(overrides)
    return data


# --- Pages -----------------------------------------------------------------------------------------------------------


def test_service_part_pages_create_list_detail(admin_client, org):
    tax = TaxFactory(organization=org, name="State tax", rate=Decimal("8.25"))
    response = admin_client.post(
        "/o/acme/services-and-parts/new/", form_data(sku="BOIL-1", unit="hour", cost="80", default_tax=tax.pk)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    item = ServicePart.objects.get(organization=org, name="Boiler service")
    assert item.rate == Decimal("120.5000") and item.cost == Decimal("80") and item.default_tax == tax
    assert item.sku == "BOIL-1" and item.created_by.username == "admin@acme.test"
    listing = admin_client.get("/o/acme/services-and-parts/?q=boil-1").content.decode()
    assert "1 record<" in listing and "120.50" in listing and "State tax" in listing
    detail = admin_client.get(f"/o/acme/services-and-parts/{item.pk}/").content.decode()
    assert "120.50 / hour" in detail and "HSN/SAC" not in detail
    assert admin_client.get(f"/o/acme/services-and-parts/{item.pk}/edit/").status_code == 200


def test_india_fields_show_only_in_india(admin_client, org, india):
    us_form = admin_client.get("/o/acme/services-and-parts/new/").content.decode()
    assert 'name="hsn_sac"' not in us_form and 'name="intra_state_tax"' not in us_form
    assert 'value="nil_rated"' not in us_form
    in_form = admin_client.get("/o/bharat/services-and-parts/new/").content.decode()
    assert 'name="hsn_sac"' in in_form and 'name="intra_state_tax"' in in_form and 'name="inter_state_tax"' in in_form
    assert 'value="nil_rated"' in in_form and 'value="non_gst"' in in_form
    gst18 = TaxFactory(organization=india, name="GST18", rate=Decimal("18"), kind="tax_group")
    igst18 = TaxFactory(organization=india, name="IGST18", rate=Decimal("18"), tax_type="igst")
    response = admin_client.post(
        "/o/bharat/services-and-parts/new/",
        form_data(hsn_sac="998719", intra_state_tax=gst18.pk, inter_state_tax=igst18.pk),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    item = ServicePart.objects.get(organization=india)
    assert (item.hsn_sac, item.intra_state_tax, item.inter_state_tax) == ("998719", gst18, igst18)
    bad = admin_client.post("/o/bharat/services-and-parts/new/", form_data(name="Other", hsn_sac="12AB"))
    assert "HSN/SAC code must be 4, 6 or 8 digits, e.g. 998719." in bad.content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"rate": "-1"}, "Rate cannot be negative; enter 0 or more."),
        ({"cost": "-0.01"}, "Cost cannot be negative; enter 0 or more."),
        ({"rate": "abc"}, "Enter a number."),
        ({"rate": "1" * 20}, "Ensure that there are no more than 14 digits in total."),
        ({"rate": "1.123456"}, "Ensure that there are no more than 4 decimal places."),
        ({"name": ""}, "This field is required."),
        ({"kind": "robot"}, "Select a valid choice. robot is not one of the available choices."),
        ({"tax_preference": "nil_rated"}, "Select a valid choice. nil_rated is not one of the available choices."),
    ],
)
def test_service_part_form_names_the_problem(admin_client, org, overrides, message):
    response = admin_client.post("/o/acme/services-and-parts/new/", form_data(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ServicePart.objects.filter(organization=org).exists()


def test_sku_is_unique_per_organization(admin_client, api, org, other_org):
    ServicePartFactory(organization=org, sku="PART-9")
    ServicePartFactory(organization=other_org, sku="PART-10")
    page = admin_client.post("/o/acme/services-and-parts/new/", form_data(name="Copy", sku="PART-9"))
    assert "Another service or part already uses this SKU." in page.content.decode()
    response = api.post(API, {"name": "Copy", "sku": " PART-9 "}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"sku": ["Another service or part already uses this SKU."]}
    # The same SKU in another organization, and any number of items without a SKU, are fine.
    assert api.post(API, {"name": "Theirs", "sku": "PART-10"}, format="json").status_code == 201
    assert api.post(API, {"name": "No SKU 1"}, format="json").status_code == 201
    assert api.post(API, {"name": "No SKU 2", "sku": ""}, format="json").status_code == 201


# --- API -------------------------------------------------------------------------------------------------------------


def test_service_part_api_crud(api, org):
    created = api.post(
        API, {"kind": "part", "name": "Valve", "rate": "12.5", "cost": 7, "unit": "pcs", "sku": "V-1"}, format="json"
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["kind"], body["rate"], body["cost"], body["tax_preference"]) == (
        "part",
        "12.5000",
        "7.0000",
        "taxable",
    )
    assert body["hsn_sac"] == "" and body["intra_state_tax"] is None
    item_id = body["id"]
    assert api.get(f"{API}?search=valve&kind=part").json()["count"] == 1
    assert api.get(f"{API}?kind=service").json()["count"] == 0
    assert api.get(f"{API}?ordering=-rate").status_code == 200
    patched = api.patch(f"{API}{item_id}/", {"rate": "0"}, format="json")
    assert patched.status_code == 200 and patched.json()["rate"] == "0.0000"
    assert ServicePart.objects.get(pk=item_id).rate == Decimal("0")
    assert api.delete(f"{API}{item_id}/").status_code == 204


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"rate": "-5"}, "rate", "Rate cannot be negative; enter 0 or more."),
        ({"rate": -0.5}, "rate", "Rate cannot be negative; enter 0 or more."),
        ({"cost": "-1"}, "cost", "Cost cannot be negative; enter 0 or more."),
        ({"rate": "abc"}, "rate", "A valid number is required."),
        ({"rate": "NaN"}, "rate", "A valid number is required."),
        ({"rate": "1e400"}, "rate", "Ensure that there are no more than 14 digits in total."),
        ({"rate": 10**30}, "rate", "Ensure that there are no more than 14 digits in total."),
        ({"rate": None}, "rate", "This field may not be null."),
        ({"rate": [1]}, "rate", "A valid number is required."),
        ({"kind": "robot"}, "kind", '"robot" is not a valid choice.'),
        ({"tax_preference": "nil_rated"}, "tax_preference",
         "This tax preference is not used in your organization's tax edition; choose one of: Taxable, Non-taxable."),
        ({"hsn_sac": "998719"}, "hsn_sac", "Only organizations in India use this; leave it empty."),
        ({"default_tax": "x"}, "default_tax", "Use the numeric id of a record, not str."),
        ({"default_tax": 987654321}, "default_tax", "Not found."),
        ({"custom_fields": {"cf_x": 1}}, "custom_fields", "Unknown custom field(s): cf_x."),
    ],
)  # fmt: skip
def test_service_part_api_validation_names_the_field(api, org, payload, field, message):
    response = api.post(API, {"name": "Item", **payload}, format="json")
    assert response.status_code == 400, response.content
    assert message in response.json()["fields"][field]
    assert not ServicePart.objects.filter(organization=org).exists()


def test_service_part_api_survives_odd_json(api, org):
    for body in ('{"name": "x", "rate": 1e400}', '{"name": "x", "rate": NaN}', '{"name": {"a": 1}}', "[]", "7"):
        response = api.post(API, body, content_type="application/json")
        assert response.status_code == 400, (body, response.content)
        assert response.json()["code"] in ("invalid", "parse_error")
    assert not ServicePart.objects.filter(organization=org).exists()


def test_tax_properties_follow_the_preference(api, org):
    tax = TaxFactory(organization=org)
    item_reason = TaxExemption.objects.create(organization=org, code="RESALE", reason="Resale", applies_to="item")
    customer_reason = TaxExemption.objects.create(organization=org, code="CHARITY", reason="Charity")
    taxable = api.post(API, {"name": "A", "default_tax": tax.pk, "tax_exemption": item_reason.pk}, format="json")
    assert taxable.status_code == 201
    assert taxable.json()["default_tax"] == tax.pk and taxable.json()["tax_exemption"] is None
    exempt = api.patch(
        f"{API}{taxable.json()['id']}/",
        {"tax_preference": "non_taxable", "tax_exemption": item_reason.pk},
        format="json",
    )
    assert exempt.status_code == 200
    assert exempt.json()["default_tax"] is None and exempt.json()["tax_exemption"] == item_reason.pk
    wrong = api.post(
        API, {"name": "B", "tax_preference": "non_taxable", "tax_exemption": customer_reason.pk}, format="json"
    )
    assert wrong.status_code == 400
    assert wrong.json()["fields"] == {"tax_exemption": ["Choose an exemption reason for items, not one for customers."]}
    inactive = TaxFactory(organization=org, name="Old", is_active=False)
    refused = api.post(API, {"name": "C", "default_tax": inactive.pk}, format="json")
    assert refused.json()["fields"] == {"default_tax": ["Old is inactive; choose an active tax."]}


def test_india_edition_rules(india_api, india):
    url = "/api/v1/orgs/bharat/services-and-parts/"
    gst = TaxFactory(organization=india, name="GST18", rate=Decimal("18"))
    ok = india_api.post(
        url, {"name": "AMC", "hsn_sac": "998719", "intra_state_tax": gst.pk, "tax_preference": "taxable"}, format="json"
    )
    assert ok.status_code == 201, ok.json()
    nil = india_api.post(url, {"name": "Nil", "tax_preference": "nil_rated", "intra_state_tax": gst.pk}, format="json")
    assert nil.status_code == 201 and nil.json()["intra_state_tax"] is None
    bad = india_api.post(url, {"name": "Bad", "hsn_sac": "99871"}, format="json")
    assert bad.json()["fields"] == {"hsn_sac": ["HSN/SAC code must be 4, 6 or 8 digits, e.g. 998719."]}
    gcc_only = india_api.post(url, {"name": "Zero", "tax_preference": "zero_rated"}, format="json")
    assert gcc_only.status_code == 400 and "tax_preference" in gcc_only.json()["fields"]


def test_service_part_of_another_org_is_404(api, admin_client, org, other_org):
    foreign = ServicePartFactory(organization=other_org, name="Foreign item")
    foreign_tax = TaxFactory(organization=other_org)
    assert api.get(f"{API}{foreign.pk}/").status_code == 404
    assert api.patch(f"{API}{foreign.pk}/", {"rate": "1"}, format="json").status_code == 404
    assert api.delete(f"{API}{foreign.pk}/").status_code == 404
    for url in (f"/o/acme/services-and-parts/{foreign.pk}/", f"/o/acme/services-and-parts/{foreign.pk}/edit/"):
        assert admin_client.get(url).status_code == 404
    assert admin_client.post(f"/o/acme/services-and-parts/{foreign.pk}/delete/").status_code == 404
    assert "Foreign item" not in admin_client.get("/o/acme/services-and-parts/").content.decode()
    response = api.post(API, {"name": "Mine", "default_tax": foreign_tax.pk}, format="json")
    assert response.status_code == 400 and response.json()["fields"] == {"default_tax": ["Not found."]}
    foreign.refresh_from_db()
    assert foreign.rate == Decimal("100.00")


def test_technician_may_view_but_not_change_services(org):
    item = ServicePartFactory(organization=org)
    user = member(org, role="Technician", username="tech@acme.test")
    client = Client()
    client.login(username=user.username, password=PASSWORD)
    assert client.get("/o/acme/services-and-parts/").status_code == 200
    assert client.get(f"/o/acme/services-and-parts/{item.pk}/").status_code == 200
    response = client.post(f"/o/acme/services-and-parts/{item.pk}/edit/", form_data(rate="1"))
    assert response.status_code == 403
    assert "does not allow you to edit services and parts" in response.content.decode()
    assert client.post(f"/o/acme/services-and-parts/{item.pk}/delete/").status_code == 403
    item.refresh_from_db()
    assert item.rate == Decimal("100.00")


def test_service_part_csv_export(admin_client, org):
    ServicePartFactory(organization=org, name="Drain", sku="D-1", rate=Decimal("55.1250"))
    response = admin_client.get("/o/acme/services-and-parts/?format=csv&q=drain")
    rows = b"".join(response.streaming_content).decode().splitlines()
    assert rows[0].startswith("Type,Name,Description,SKU,Unit,Rate,Cost")
    assert rows[1].startswith("Service,Drain,,D-1,,55.125,,Taxable,")


@pytest.mark.parametrize("ordering", ["name", "-rate"])
def test_service_part_list_query_count_is_constant(api, admin_client, org, count_queries, ordering):
    tax = TaxFactory(organization=org)
    ServicePartFactory.create_batch(3, organization=org, default_tax=tax)
    small_api = count_queries(lambda: api.get(f"{API}?ordering={ordering}"))
    small_page = count_queries(lambda: admin_client.get(f"/o/acme/services-and-parts/?sort={ordering}"))
    ServicePartFactory.create_batch(30, organization=org, default_tax=tax)
    assert count_queries(lambda: api.get(f"{API}?ordering={ordering}")) == small_api
    assert count_queries(lambda: admin_client.get(f"/o/acme/services-and-parts/?sort={ordering}")) == small_page


def test_service_part_list_query_budget(api, org, django_assert_max_num_queries):
    ServicePartFactory.create_batch(25, organization=org, default_tax=TaxFactory(organization=org))
    api.get(API)
    # token, throttle (database cache: 5), membership, count, page, tax components, Books blocks of the page
    # (connection, links, failures)
    with django_assert_max_num_queries(14):
        assert api.get(API).json()["count"] == 25
