from fsmbilling.models import Organization


def test_two_organizations_exist(db):
    assert set(Organization.objects.values_list("slug", flat=True)) == {"acme", "globex"}


def test_healthz_reports_database(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == {"ok": True}
