"""Assets (REC-5): pages, API, rules, FIN-7, isolation, permissions, query counts."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fsmbilling.models import Asset
from fsmbilling.services.assets import asset_create
from fsmbilling.services.guards import FinanceUnavailable
from tests.conftest import member
from tests.factories import PASSWORD, CompanyFactory, ContactFactory
from tests.fsmbilling.factories_work_orders import REVOKED_WORDS, STILL_READABLE, AssetFactory, revoke_finance_access

API = "/api/v1/orgs/acme/assets/"


def test_pages_create_list_detail_edit_delete(admin_client, org):
    company = CompanyFactory(organization=org, name="Bowman and Co")
    response = admin_client.post(
        "/o/acme/assets/new/", {"name": "Boiler A", "serial_number": "B-1", "company": company.pk}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    asset = Asset.objects.get(organization=org)
    assert response["Location"] == f"/o/acme/assets/{asset.pk}/"
    assert "Bowman and Co" in admin_client.get(f"/o/acme/assets/{asset.pk}/").content.decode()
    assert "Boiler A" in admin_client.get("/o/acme/assets/?q=b-1").content.decode()
    duplicate = admin_client.post("/o/acme/assets/new/", {"name": "Boiler B", "serial_number": "B-1"})
    assert "Another asset already has this serial number." in duplicate.content.decode()
    stranger = ContactFactory(organization=org)
    wrong = admin_client.post(
        f"/o/acme/assets/{asset.pk}/edit/", {"name": "Boiler A", "company": company.pk, "contact": stranger.pk}
    )
    assert "does not belong to the chosen company" in wrong.content.decode()
    assert admin_client.post(f"/o/acme/assets/{asset.pk}/delete/").status_code == 302
    assert not Asset.objects.exists()


def test_finance_unavailable_refuses_new_assets(org, admin_user, api, admin_client):
    revoke_finance_access(org)
    with pytest.raises(FinanceUnavailable):
        asset_create(organization=org, actor=admin_user, data={"name": "X"})
    response = api.post(API, {"name": "X"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "finance_unavailable"
    assert REVOKED_WORDS in response.json()["message"]
    page = admin_client.post("/o/acme/assets/new/", {"name": "X"})
    assert page.status_code == 200 and STILL_READABLE in page.content.decode()
    assert not Asset.objects.exists() and api.get(API).status_code == 200


def test_api_crud_and_errors(api, org, other_org):
    company = CompanyFactory(organization=org)
    created = api.post(API, {"name": "Chiller", "serial_number": "C-9", "company": company.pk}, format="json")
    assert created.status_code == 201, created.json()
    url = f"{API}{created.json()['id']}/"
    assert api.patch(url, {"notes": "Roof"}, format="json").json()["notes"] == "Roof"
    bad = api.post(API, {"name": "Other", "company": CompanyFactory(organization=other_org).pk}, format="json")
    assert bad.status_code == 400 and bad.json()["fields"] == {"company": ["Not found."]}
    dup = api.post(API, {"name": "Again", "serial_number": "C-9"}, format="json")
    assert dup.status_code == 400 and dup.json()["fields"] == {
        "serial_number": ["Another asset already has this serial number."]
    }
    assert api.get(f"{API}?search=c-9&company={company.pk}").json()["count"] == 1
    assert api.get(f"{API}?ordering=-name").status_code == 200
    assert api.delete(url).status_code == 204


def test_isolation_and_permissions(api, admin_client, org, other_org, admin_user):
    foreign = AssetFactory(organization=other_org)
    for url in (f"/o/acme/assets/{foreign.pk}/", f"/o/acme/assets/{foreign.pk}/edit/"):
        assert admin_client.get(url).status_code == 404
    assert admin_client.post(f"/o/acme/assets/{foreign.pk}/delete/").status_code == 404
    assert api.get(f"{API}{foreign.pk}/").status_code == 404
    assert api.delete(f"{API}{foreign.pk}/").status_code == 404
    assert api.get(API).json()["count"] == 0
    own = AssetFactory(organization=org)
    tech = member(org, role="Technician", username="tech@acme.test")
    client = Client()
    client.login(username=tech.username, password=PASSWORD)
    assert client.post(f"/o/acme/assets/{own.pk}/edit/", {"name": "Renamed"}).status_code == 302
    assert client.post(f"/o/acme/assets/{own.pk}/delete/").status_code == 403
    billing = member(org, role="Billing", username="billing@acme.test")
    client.login(username=billing.username, password=PASSWORD)
    assert client.get(f"/o/acme/assets/{own.pk}/").status_code == 200
    assert client.post("/o/acme/assets/new/", {"name": "No"}).status_code == 403
    assert Asset.objects.filter(organization=org).count() == 1 and Asset.objects.filter(pk=foreign.pk).exists()


def test_contact_of_another_company_is_refused(org, admin_user):
    company = CompanyFactory(organization=org)
    with pytest.raises(ValidationError) as exc:
        asset_create(
            organization=org,
            actor=admin_user,
            data={"name": "X", "company": company, "contact": ContactFactory(organization=org)},
        )
    assert list(exc.value.message_dict) == ["contact"]
    only_contact = asset_create(
        organization=org,
        actor=admin_user,
        data={"name": "Y", "contact": ContactFactory(organization=org, company=company)},
    )
    assert only_contact.company is None


def test_list_query_counts_do_not_grow_with_rows(api, admin_client, org):
    def queries(client, url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    api.get(API)
    AssetFactory.create_batch(30, organization=org, company=CompanyFactory(organization=org))
    counts_30 = (queries(admin_client, "/o/acme/assets/"), queries(api, f"{API}?page_size=100"))
    AssetFactory.create_batch(30, organization=org, contact=ContactFactory(organization=org))
    assert counts_30 == (queries(admin_client, "/o/acme/assets/"), queries(api, f"{API}?page_size=100"))
