"""Custom field settings (REC-7): pages, API, validation, values removed with the field, permissions, isolation."""

import pytest
from django.test import Client

from fsmbilling.models import Contact, CustomField
from tests.conftest import member
from tests.factories import PASSWORD, ContactFactory

API = "/api/v1/orgs/acme/custom-fields/"
PAGES = "/o/acme/settings/custom-fields/"


def make_field(org, **kwargs):
    defaults = {"module": "contacts", "label": "Badge", "api_name": "cf_badge", "field_type": "text"}
    return CustomField.objects.create(organization=org, **{**defaults, **kwargs})


# --- Pages -----------------------------------------------------------------------------------------------------------


def test_custom_field_pages_create_list_edit(admin_client, org):
    response = admin_client.post(
        f"{PAGES}new/",
        {"module": "contacts", "label": "Contract tier", "api_name": "", "field_type": "choice",
         "choices": "Gold\r\n Silver \r\n\r\nBronze", "is_pii": "on", "position": "2"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    field = CustomField.objects.get(organization=org)
    assert (field.api_name, field.choices, field.is_pii, field.is_ephi) == (
        "cf_contract_tier",
        ["Gold", "Silver", "Bronze"],
        True,
        False,
    )
    assert response["Location"] == f"{PAGES}{field.pk}/"
    listing = admin_client.get(f"{PAGES}?module=contacts").content.decode()
    assert "Contract tier" in listing and "cf_contract_tier" in listing
    assert "Contract tier" not in admin_client.get(f"{PAGES}?module=companies").content.decode()
    detail = admin_client.get(f"{PAGES}{field.pk}/").content.decode()
    assert "Silver" in detail and "Personal data (PII)" in detail
    edit = admin_client.get(f"{PAGES}{field.pk}/edit/").content.decode()
    assert "Gold\nSilver\nBronze" in edit and "disabled" in edit
    # Disabled fields keep their value even when a request tries to change them.
    response = admin_client.post(
        f"{PAGES}{field.pk}/edit/",
        {"module": "companies", "label": "Tier", "api_name": "cf_other", "field_type": "text",
         "choices": "Gold\nPlatinum", "position": "1", "is_ephi": "on"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    field.refresh_from_db()
    assert (field.module, field.api_name, field.field_type, field.label) == (
        "contacts",
        "cf_contract_tier",
        "choice",
        "Tier",
    )
    assert field.choices == ["Gold", "Platinum"] and field.is_ephi and not field.is_pii
    # The field now shows on the contact form.
    assert 'name="cf__cf_contract_tier"' in admin_client.get("/o/acme/contacts/new/").content.decode()
    assert admin_client.get(f"{PAGES}new/?module=contacts").status_code == 200


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"api_name": "contract"},
            "API name must start with cf_ and use only lowercase letters, digits and underscores",
        ),
        ({"api_name": "cf_Contract"}, "API name must start with cf_"),
        ({"api_name": "cf_a b"}, "Enter a valid “slug”"),
        ({"label": ""}, "This field is required."),
        ({"field_type": "choice", "choices": ""}, "A choice field needs at least one choice; enter one per line."),
        ({"field_type": "choice", "choices": "A\nA"}, "Each choice must be different; A appears twice."),
        ({"field_type": "text", "choices": "A"}, "Only choice fields have choices; leave this empty."),
        ({"position": "-1"}, "Ensure this value is greater than or equal to 0."),
    ],
)
def test_custom_field_form_names_the_problem(admin_client, org, overrides, message):
    data = {"module": "contacts", "label": "Tier", "api_name": "cf_tier", "field_type": "text", "position": "0"}
    response = admin_client.post(f"{PAGES}new/", {**data, **overrides})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CustomField.objects.filter(organization=org).exists()


def test_deleting_a_field_deletes_its_values(admin_client, org, other_org):
    field = make_field(org)
    keep = make_field(org, label="Keep", api_name="cf_keep")
    contact = ContactFactory(organization=org, custom_fields={"cf_badge": "B-1", "cf_keep": "yes"})
    theirs = ContactFactory(organization=other_org, custom_fields={"cf_badge": "theirs"})
    make_field(other_org)
    response = admin_client.post(f"{PAGES}{field.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == PAGES
    contact.refresh_from_db()
    theirs.refresh_from_db()
    assert contact.custom_fields == {"cf_keep": "yes"} and theirs.custom_fields == {"cf_badge": "theirs"}
    assert list(CustomField.objects.filter(organization=org)) == [keep]


# --- API -------------------------------------------------------------------------------------------------------------


def test_custom_field_api_crud(api, org):
    created = api.post(
        API, {"module": "services_and_parts", "label": "Warranty months", "field_type": "number", "is_required": True},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["api_name"] == "cf_warranty_months" and body["choices"] == [] and body["is_required"] is True
    assert api.get(f"{API}?module=services_and_parts").json()["count"] == 1
    assert api.get(f"{API}?module=contacts").json()["count"] == 0
    assert api.get(f"{API}?search=warranty").json()["count"] == 1
    patched = api.patch(f"{API}{body['id']}/", {"label": "Warranty (months)", "is_pii": True}, format="json")
    assert patched.status_code == 200 and patched.json()["label"] == "Warranty (months)"
    # The required field is enforced on the module's records.
    item = api.post("/api/v1/orgs/acme/services-and-parts/", {"name": "Pump"}, format="json")
    assert item.status_code == 400, item.content
    assert item.json()["fields"] == {"custom_fields.cf_warranty_months": ["Warranty (months) is required."]}
    assert api.delete(f"{API}{body['id']}/").status_code == 204


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"api_name": "badge"}, "api_name", "API name must start with cf_"),
        ({"api_name": "cf_" + "x" * 60}, "api_name", "Ensure this field has no more than 60 characters."),
        ({"module": "planets"}, "module", '"planets" is not a valid choice.'),
        ({"field_type": "choice"}, "choices", "A choice field needs at least one choice; enter one per line."),
        ({"field_type": "choice", "choices": "A\nB"}, "choices", 'Expected a list of items but got type "str".'),
        ({"field_type": "choice", "choices": [{"a": 1}]}, "choices.0", "Not a valid string."),
        ({"field_type": "choice", "choices": ["x" * 101]}, "choices", "Each choice may have at most 100 characters"),
        ({"label": ""}, "label", "This field may not be blank."),
        ({"position": 10**9}, "position", "Ensure this value is less than or equal to 32767."),
        ({"is_pii": "perhaps"}, "is_pii", "Must be a valid boolean."),
    ],
)
def test_custom_field_api_validation_names_the_field(api, org, payload, field, message):
    data = {"module": "contacts", "label": "Badge", "field_type": "text", **payload}
    response = api.post(API, data, format="json")
    assert response.status_code == 400, response.content
    assert any(message in text for text in response.json()["fields"][field]), response.json()
    assert not CustomField.objects.filter(organization=org).exists()


def test_custom_field_api_name_is_unique_per_module_and_fixed(api, org):
    field = make_field(org)
    duplicate = api.post(API, {"module": "contacts", "label": "Other", "api_name": "cf_badge"}, format="json")
    assert duplicate.status_code == 400
    assert duplicate.json()["fields"] == {
        "api_name": ["Another custom field of this module already has the API name cf_badge."]
    }
    assert (
        api.post(API, {"module": "companies", "label": "Badge", "api_name": "cf_badge"}, format="json").status_code
        == 201
    )
    for payload, name in (({"api_name": "cf_new"}, "api_name"), ({"field_type": "number"}, "field_type"),
                          ({"module": "companies"}, "module")):  # fmt: skip
        response = api.patch(f"{API}{field.pk}/", payload, format="json")
        assert response.status_code == 400 and name in response.json()["fields"]
    field.refresh_from_db()
    assert (field.module, field.api_name, field.field_type) == ("contacts", "cf_badge", "text")


# --- Permissions and isolation ---------------------------------------------------------------------------------------


def test_only_billing_setup_may_see_or_change_custom_fields(org):
    field = make_field(org)
    user = member(org, role="Dispatcher", username="dispatch@acme.test")
    client = Client()
    client.login(username=user.username, password=PASSWORD)
    response = client.get(PAGES)
    assert response.status_code == 403 and "does not allow you to view billing setup" in response.content.decode()
    assert client.post(f"{PAGES}new/", {"module": "contacts", "label": "X", "field_type": "text"}).status_code == 403
    assert client.post(f"{PAGES}{field.pk}/delete/").status_code == 403
    from rest_framework.test import APIClient

    from fsmbilling.services.api_tokens import api_token_create

    _, raw = api_token_create(organization=org, user=user, name="t")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert api.get(API).status_code == 403
    refused = api.delete(f"{API}{field.pk}/")
    assert refused.status_code == 403 and "billing setup" in refused.json()["message"]
    assert CustomField.objects.filter(pk=field.pk).exists()


def test_custom_field_of_another_org_is_404(api, admin_client, other_org):
    foreign = make_field(other_org, label="Foreign field")
    assert api.get(f"{API}{foreign.pk}/").status_code == 404
    assert api.patch(f"{API}{foreign.pk}/", {"label": "Mine"}, format="json").status_code == 404
    assert api.delete(f"{API}{foreign.pk}/").status_code == 404
    assert admin_client.get(f"{PAGES}{foreign.pk}/").status_code == 404
    assert admin_client.get(f"{PAGES}{foreign.pk}/edit/").status_code == 404
    assert admin_client.post(f"{PAGES}{foreign.pk}/delete/").status_code == 404
    assert "Foreign field" not in admin_client.get(PAGES).content.decode()
    assert api.get(API).json()["count"] == 0
    foreign.refresh_from_db()
    assert foreign.label == "Foreign field"
    # Its values are not touched by anything done in this organization either.
    assert not Contact.objects.filter(organization=other_org).exists()


def test_custom_field_list_query_count_is_constant(api, admin_client, org, count_queries):
    for n in range(3):
        make_field(org, label=f"F{n}", api_name=f"cf_f{n}")
    small_api = count_queries(lambda: api.get(API))
    small_page = count_queries(lambda: admin_client.get(PAGES))
    for n in range(3, 30):
        make_field(org, label=f"F{n}", api_name=f"cf_f{n}")
    assert count_queries(lambda: api.get(API)) == small_api
    assert count_queries(lambda: admin_client.get(PAGES)) == small_page
