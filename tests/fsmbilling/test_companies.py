import pytest

from fsmbilling.models import Company
from tests.conftest import member
from tests.factories import CompanyFactory


def test_company_pages_create_list_detail(admin_client, org):
    response = admin_client.post(
        "/o/acme/companies/new/",
        {
            "name": "Bowman and Co",
            "email": "ap@bowman.test",
            "status": "active",
            "is_taxable": "on",
            "billing_address__city": "Austin",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    company = Company.objects.get(organization=org, name="Bowman and Co")
    assert company.billing_address == {"city": "Austin"}
    assert admin_client.get("/o/acme/companies/?q=bowman").content.decode().count(">Bowman and Co</a>") == 1
    assert admin_client.get(f"/o/acme/companies/{company.pk}/").status_code == 200


def test_company_form_names_the_bad_field(admin_client, org):
    response = admin_client.post("/o/acme/companies/new/", {"name": "", "email": "not-an-email", "status": "active"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "This field is required." in body and "Enter a valid email address." in body
    assert not Company.objects.filter(organization=org).exists()


def test_company_api_crud_and_errors(api, org, other_org):
    created = api.post(
        "/api/v1/orgs/acme/companies/", {"name": "Acme Client", "billing_address": {"city": "Oslo"}}, format="json"
    )
    assert created.status_code == 201, created.json()
    company_id = created.json()["id"]
    assert api.get("/api/v1/orgs/acme/companies/?search=client").json()["count"] == 1
    bad = api.post("/api/v1/orgs/acme/companies/", {"name": "", "organization": other_org.pk}, format="json")
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid" and "name" in bad.json()["fields"]
    bad_address = api.post(
        "/api/v1/orgs/acme/companies/", {"name": "X", "billing_address": {"planet": "Mars"}}, format="json"
    )
    assert bad_address.status_code == 400 and "billing_address" in bad_address.json()["fields"]
    assert (
        api.patch(f"/api/v1/orgs/acme/companies/{company_id}/", {"phone": "+1 555"}, format="json").status_code == 200
    )
    assert api.delete(f"/api/v1/orgs/acme/companies/{company_id}/").status_code == 204


def test_company_of_another_org_is_404(api, admin_client, other_org):
    foreign = CompanyFactory(organization=other_org)
    assert api.get(f"/api/v1/orgs/acme/companies/{foreign.pk}/").status_code == 404
    assert api.get("/api/v1/orgs/globex/companies/").status_code == 404
    assert admin_client.get(f"/o/acme/companies/{foreign.pk}/").status_code == 404
    assert admin_client.get("/o/globex/companies/").status_code == 404


def test_technician_cannot_create_company(client, org):
    from tests.factories import PASSWORD

    tech = member(org, role="Technician", username="tech@acme.test")
    client.login(username=tech.username, password=PASSWORD)
    assert client.get("/o/acme/companies/").status_code == 200
    response = client.post("/o/acme/companies/new/", {"name": "Nope", "status": "active"})
    assert response.status_code == 403
    assert not Company.objects.filter(name="Nope").exists()


@pytest.mark.parametrize("ordering", ["name", "-updated_at"])
def test_company_list_query_count_is_constant(api, admin_client, org, count_queries, ordering):
    CompanyFactory.create_batch(5, organization=org)
    small_api = count_queries(lambda: api.get(f"/api/v1/orgs/acme/companies/?ordering={ordering}"))
    small_page = count_queries(lambda: admin_client.get(f"/o/acme/companies/?sort={ordering}"))
    CompanyFactory.create_batch(40, organization=org)
    assert count_queries(lambda: api.get(f"/api/v1/orgs/acme/companies/?ordering={ordering}")) == small_api
    assert count_queries(lambda: admin_client.get(f"/o/acme/companies/?sort={ordering}")) == small_page


def test_modified_after_with_an_offset_postgresql_cannot_store_is_read_in_utc(api, org):
    """Regression: an offset beyond ±15:59 reached PostgreSQL and answered 500."""
    CompanyFactory(organization=org)
    response = api.get("/api/v1/orgs/acme/companies/?modified_after=2026-01-23T06:34:14-22:38")
    assert response.status_code == 200 and response.json()["count"] == 1
    bad = api.get("/api/v1/orgs/acme/companies/?modified_after=2026-99-01T00:00:00Z")
    assert bad.status_code == 400 and "modified_after" in bad.json()["fields"]
