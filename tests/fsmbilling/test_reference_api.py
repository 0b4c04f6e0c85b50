"""Reference API (API-2): taxes, payment terms, salespersons; plus one suite over every route of these modules that
proves another organization's ids are 404 and lists leave them out (STYLE 9)."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from fsmbilling.models import Currency, CustomField, PaymentTerm, Salesperson, Tax
from fsmbilling.services.api_tokens import api_token_create
from tests.conftest import member
from tests.factories import CompanyFactory, ContactFactory, ServicePartFactory, TaxFactory

ORG_API = "/api/v1/orgs/acme/"


def technician_api(org) -> APIClient:
    user = member(org, role="Technician", username="tech@acme.test")
    _, raw = api_token_create(organization=org, user=user, name="t")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


def tax_group(org, name="GST18") -> Tax:
    cgst = TaxFactory(organization=org, name=f"{name} CGST", rate=Decimal("9"), tax_type="cgst")
    sgst = TaxFactory(organization=org, name=f"{name} SGST", rate=Decimal("9"), tax_type="sgst")
    group = TaxFactory(organization=org, name=name, rate=Decimal("18"), kind="tax_group")
    group.components.set([cgst, sgst])
    return group


# --- Taxes -----------------------------------------------------------------------------------------------------------


def test_taxes_list_and_retrieve_with_components(api, org):
    group = tax_group(org)
    TaxFactory(organization=org, name="Retired", is_active=False)
    listing = api.get(f"{ORG_API}taxes/?kind=tax_group").json()
    assert listing["count"] == 1
    item = listing["results"][0]
    assert (item["name"], item["rate"], item["kind"]) == ("GST18", "18.0000", "tax_group")
    assert [(c["name"], c["rate"], c["tax_type"]) for c in item["components"]] == [
        ("GST18 CGST", "9.0000", "cgst"),
        ("GST18 SGST", "9.0000", "sgst"),
    ]
    detail = api.get(f"{ORG_API}taxes/{group.pk}/").json()
    assert detail == item
    assert api.get(f"{ORG_API}taxes/?status=inactive").json()["results"][0]["name"] == "Retired"
    assert api.get(f"{ORG_API}taxes/?search=cgst").json()["count"] == 1
    assert api.get(f"{ORG_API}taxes/?status=maybe").status_code == 400


def test_taxes_are_read_only(api, org):
    tax = TaxFactory(organization=org)
    assert api.post(f"{ORG_API}taxes/", {"name": "New", "rate": "5"}, format="json").status_code == 405
    assert api.patch(f"{ORG_API}taxes/{tax.pk}/", {"rate": "1"}, format="json").status_code == 405
    assert api.delete(f"{ORG_API}taxes/{tax.pk}/").status_code == 405
    tax.refresh_from_db()
    assert tax.rate == Decimal("8.25")
    assert technician_api(org).get(f"{ORG_API}taxes/").status_code == 200


def test_tax_list_query_count_is_constant(api, org, count_queries):
    tax_group(org, "G0")
    small = count_queries(lambda: api.get(f"{ORG_API}taxes/"))
    for n in range(1, 10):
        tax_group(org, f"G{n}")
    assert count_queries(lambda: api.get(f"{ORG_API}taxes/")) == small


# --- Payment terms ---------------------------------------------------------------------------------------------------


def test_payment_terms_crud_and_one_default(api, org):
    url = f"{ORG_API}payment-terms/"
    net15 = api.post(url, {"label": "Net 15", "days": 15, "is_default": True}, format="json")
    assert net15.status_code == 201, net15.json()
    net30 = api.post(url, {"label": "Net 30", "days": 30, "is_default": True}, format="json")
    assert net30.status_code == 201
    assert list(PaymentTerm.objects.filter(organization=org, is_default=True).values_list("label", flat=True)) == [
        "Net 30"
    ]
    assert [t["label"] for t in api.get(url).json()["results"]] == ["Net 15", "Net 30"]
    assert [t["label"] for t in api.get(f"{url}?ordering=-days").json()["results"]] == ["Net 30", "Net 15"]
    patched = api.patch(f"{url}{net15.json()['id']}/", {"days": 20, "label": "Net 20"}, format="json")
    assert patched.status_code == 200 and patched.json()["days"] == 20
    duplicate = api.post(url, {"label": "Net 20", "days": 20}, format="json")
    assert duplicate.status_code == 400
    assert duplicate.json()["fields"] == {
        "label": ["A payment term with this label and number of days already exists."]
    }
    assert api.delete(f"{url}{net15.json()['id']}/").status_code == 204
    assert PaymentTerm.objects.filter(organization=org).count() == 1


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"label": "", "days": 1}, "label", "This field may not be blank."),
        ({"label": "   ", "days": 1}, "label", "This field may not be blank."),
        ({"label": "X", "days": -1}, "days", "Ensure this value is greater than or equal to 0."),
        ({"label": "X", "days": 10**12}, "days", "Ensure this value is less than or equal to 32767."),
        ({"label": "X", "days": "soon"}, "days", "A valid integer is required."),
        ({"label": "X" * 201}, "label", "Ensure this field has no more than 200 characters."),
    ],
)
def test_payment_term_validation_names_the_field(api, org, payload, field, message):
    response = api.post(f"{ORG_API}payment-terms/", payload, format="json")
    assert response.status_code == 400, response.content
    assert message in response.json()["fields"][field]
    assert not PaymentTerm.objects.filter(organization=org).exists()


def test_members_may_read_payment_terms_but_not_change_them(org):
    term = PaymentTerm.objects.create(organization=org, label="Net 30", days=30)
    api = technician_api(org)
    assert api.get(f"{ORG_API}payment-terms/").json()["count"] == 1
    refused = api.post(f"{ORG_API}payment-terms/", {"label": "Net 60", "days": 60}, format="json")
    assert refused.status_code == 403 and "billing setup" in refused.json()["message"]
    assert api.patch(f"{ORG_API}payment-terms/{term.pk}/", {"days": 1}, format="json").status_code == 403
    assert api.delete(f"{ORG_API}payment-terms/{term.pk}/").status_code == 403
    term.refresh_from_db()
    assert term.days == 30 and PaymentTerm.objects.filter(organization=org).count() == 1


# --- Salespersons ----------------------------------------------------------------------------------------------------


def test_salespersons_list_and_retrieve(api, org):
    sam = Salesperson.objects.create(organization=org, name="Sam Seller", email="sam@acme.test")
    Salesperson.objects.create(organization=org, name="Old Hand", is_active=False)
    listing = api.get(f"{ORG_API}salespersons/?status=active").json()
    assert [s["name"] for s in listing["results"]] == ["Sam Seller"]
    assert api.get(f"{ORG_API}salespersons/{sam.pk}/").json()["email"] == "sam@acme.test"
    assert api.get(f"{ORG_API}salespersons/?search=hand").json()["count"] == 1
    assert api.post(f"{ORG_API}salespersons/", {"name": "New"}, format="json").status_code == 405


# --- Every route of these modules: another organization's rows are 404 and never listed -------------------------------


def _foreign_rows(other_org) -> dict[str, int]:
    return {
        "contacts": ContactFactory(organization=other_org).pk,
        "services-and-parts": ServicePartFactory(organization=other_org).pk,
        "custom-fields": CustomField.objects.create(
            organization=other_org, module="contacts", label="X", api_name="cf_x"
        ).pk,
        "currencies": Currency.objects.get(organization=other_org, is_base=True).pk,
        "taxes": TaxFactory(organization=other_org).pk,
        "payment-terms": PaymentTerm.objects.create(organization=other_org, label="Net 1", days=1).pk,
        "salespersons": Salesperson.objects.create(organization=other_org, name="Theirs").pk,
    }


PAGES = {
    "contacts": "/o/acme/contacts/",
    "services-and-parts": "/o/acme/services-and-parts/",
    "custom-fields": "/o/acme/settings/custom-fields/",
    "currencies": "/o/acme/settings/currencies/",
}


@pytest.mark.parametrize("resource", ["contacts", "services-and-parts", "custom-fields", "currencies", "taxes",
                                      "payment-terms", "salespersons"])  # fmt: skip
def test_other_organizations_rows_are_invisible(api, admin_client, org, other_org, resource):
    foreign_id = _foreign_rows(other_org)[resource]
    url = f"{ORG_API}{resource}/"
    assert api.get(f"{url}{foreign_id}/").status_code == 404
    assert api.get(f"{url}{foreign_id}/").json() == {"code": "not_found", "message": "Not found.", "fields": {}}
    assert foreign_id not in [row["id"] for row in api.get(url).json()["results"]]
    for method in ("patch", "put", "delete"):
        assert getattr(api, method)(f"{url}{foreign_id}/", {}, format="json").status_code in (404, 405)
    assert api.get(f"/api/v1/orgs/globex/{resource}/").status_code == 404
    assert api.get(f"{url}not-a-number/").status_code == 404
    if resource in PAGES:
        page = PAGES[resource]
        assert admin_client.get(f"{page}{foreign_id}/").status_code == 404
        assert admin_client.get(f"{page}{foreign_id}/edit/").status_code == 404
        assert admin_client.post(f"{page}{foreign_id}/delete/").status_code == 404
        assert admin_client.get(page.replace("/acme/", "/globex/")).status_code == 404
    # Nothing of the other organization changed.
    assert _count_foreign(other_org) == {"contacts": 1, "services": 1, "fields": 1, "terms": 1}


def _count_foreign(other_org) -> dict[str, int]:
    from fsmbilling.models import Contact, ServicePart

    return {
        "contacts": Contact.objects.filter(organization=other_org).count(),
        "services": ServicePart.objects.filter(organization=other_org).count(),
        "fields": CustomField.objects.filter(organization=other_org).count(),
        "terms": PaymentTerm.objects.filter(organization=other_org).count(),
    }


def test_a_token_only_works_in_its_own_organization(api, other_org):
    CompanyFactory(organization=other_org)
    assert api.get("/api/v1/orgs/globex/currencies/").status_code == 404
    assert api.get("/api/v1/orgs/globex/taxes/").status_code == 404
