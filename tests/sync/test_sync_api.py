"""Sync commands of the API (API-3): settings, enable, mappings, runs, CSV, failures; errors, permissions, isolation."""

from __future__ import annotations

import csv
import io

import pytest
from rest_framework.test import APIClient

from fsmbilling.models import CustomField
from fsmbilling.services.api_tokens import api_token_create
from sync.engine.mapping import mapping_for
from sync.engine_models import SyncFailure, SyncRun, SyncSettings
from tests.conftest import member
from tests.sync.test_sync_pages import enable_row, finished_run, plain_connection

pytestmark = pytest.mark.django_db

BASE = "/api/v1/orgs/acme/sync"


def client_for(org, user) -> APIClient:
    _, raw = api_token_create(organization=org, user=user, name="t")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


def test_settings_get_and_put(org, api):
    enable_row(org)
    body = api.get(f"{BASE}/settings").json()
    assert body["is_enabled"] is True and body["sync_type"] == "IV" and body["manual_runs_left"] == 30
    response = api.put(f"{BASE}/settings", {"duplicate_handling": "clone", "auto_sync": False}, format="json")
    assert response.status_code == 200 and response.json()["duplicate_handling"] == "clone"
    assert SyncSettings.objects.get(organization=org).auto_sync is False
    response = api.put(f"{BASE}/settings", {"sync_type": "I"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "sync_type_fixed"
    response = api.put(f"{BASE}/settings", {"owner_policies": {"companies": {"fields": {"nope": "books"}}}})
    assert response.status_code == 400
    assert response.json()["fields"]["owner_policies"] == [
        "companies: nope is not a mapped Books field of this module."
    ]
    response = api.put(f"{BASE}/settings", {"duplicate_handling": "merge"}, format="json")
    assert response.status_code == 400 and "duplicate_handling" in response.json()["fields"]


def test_enable_creates_the_first_run_and_is_one_time(org, api):
    plain_connection(org)
    response = api.post(f"{BASE}/enable", {"duplicate_handling": "overwrite"}, format="json")
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["run"]["trigger"] == "first" and body["settings"]["is_enabled"] is True
    again = api.post(f"{BASE}/enable", {"duplicate_handling": "overwrite"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_enabled"


def test_enable_refuses_an_invalid_mapping_and_changes_nothing(org, api):
    plain_connection(org)
    rows = [{"fsm_field": "name", "books_field": "name"}]
    response = api.post(
        f"{BASE}/enable", {"duplicate_handling": "clone", "mappings": {"services_and_parts": rows}}, format="json"
    )
    assert response.status_code == 400
    assert "mandatory field(s) before saving: rate" in response.json()["fields"]["mapping"][0]
    assert not SyncSettings.objects.filter(organization=org, is_enabled=True).exists()
    assert not SyncRun.objects.filter(organization=org).exists()


def test_mappings_get_and_put_marks_resync(org, api):
    CustomField.objects.create(organization=org, module="companies", label="Home address", api_name="home", is_pii=True)
    body = api.get(f"{BASE}/mappings/companies").json()
    assert {"fsm_field": "name", "books_field": "contact_name"} in body["mapping"]
    assert all(f["name"] != "cf:home" for f in body["fsm_fields"])
    assert {"name": "contact_name", "label": "Display name", "kind": "text", "mandatory": True} in body["books_fields"]
    pairs = [{"fsm_field": f, "books_field": b} for f, b in mapping_for(org, "companies") if f != "notes"]
    response = api.put(f"{BASE}/mappings/companies", {"mapping": pairs}, format="json")
    assert response.status_code == 200 and response.json()["resync_pending"] is True
    bad = api.put(f"{BASE}/mappings/companies", {"mapping": [*pairs, {"fsm_field": "cf:home", "books_field": "notes"}]})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_mapping"
    assert "cf:home cannot be mapped" in bad.json()["message"]
    assert api.get(f"{BASE}/mappings/invoices").status_code == 404


def test_runs_list_detail_csv_and_isolation(org, other_org, api):
    run = finished_run(org, counts={"services_and_parts": {"to_fsm": {"created": 0, "failed": 1}}})
    SyncFailure.objects.create(
        organization=org, run=run, module="services_and_parts", kind="item", direction="to_fsm", remote_id="46001",
        record_label="Gasket", reason_code="refused_by_books", message="Rate is invalid",
    )  # fmt: skip
    listed = api.get(f"{BASE}/runs").json()
    assert [r["run_id"] for r in listed["results"]] == [run.run_id]
    detail = api.get(f"{BASE}/runs/{run.pk}").json()
    assert detail["failure_groups"][0]["reason_code"] == "refused_by_books"
    assert detail["failure_files"]["services_and_parts"].endswith(
        f"/runs/{run.pk}/failures/ServicesAndPartsFailureLogs.csv"
    )
    csv_response = api.get(f"{BASE}/runs/{run.pk}/failures/ServicesAndPartsFailureLogs.csv")
    assert csv_response.status_code == 200
    text = b"".join(csv_response.streaming_content).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[1] == [
        "Gasket", "46001", "Books → FSM", "refused_by_books: Rate is invalid",
        "Books refused the record as it stands. Correct the field Books names, then retry.",
    ]  # fmt: skip
    theirs = finished_run(other_org)
    for path in (f"/runs/{theirs.pk}", f"/runs/{theirs.pk}/failures/CompaniesFailureLogs.csv", "/runs/999999999"):
        response = api.get(BASE + path)
        assert response.status_code == 404 and response.json() == {"code": "not_found", "message": "Not found.",
                                                                    "fields": {}}  # fmt: skip
    assert api.get(f"{BASE}/runs/x").status_code == 404
    assert api.get("/api/v1/orgs/globex/sync/runs").status_code == 404  # a token only works in its organization


def test_failures_list_retry_and_skip(org, other_org, api):
    run = finished_run(org)
    mine = SyncFailure.objects.create(organization=org, run=run, module="companies", kind="company",
                                      direction="to_books", local_id=1, reason_code="duplicate_name")  # fmt: skip
    theirs = SyncFailure.objects.create(organization=other_org, run=finished_run(other_org), module="companies",
                                        kind="company", direction="to_books", reason_code="duplicate_name")  # fmt: skip
    body = api.get(f"{BASE}/failures").json()
    assert [f["id"] for f in body["results"]] == [mine.pk]
    assert body["groups"][0]["reason_code"] == "duplicate_name" and body["groups"][0]["count"] == 1
    assert api.post(f"{BASE}/failures/retry", {"ids": [mine.pk]}, format="json").json()["count"] == 1
    response = api.post(f"{BASE}/failures/skip", {"ids": [mine.pk, theirs.pk]}, format="json")
    assert response.json()["count"] == 1
    theirs.refresh_from_db()
    assert theirs.state == "open"
    assert api.post(f"{BASE}/failures/skip", {}, format="json").status_code == 400


def test_permissions(org):
    billing = client_for(org, member(org, role="Billing", username="billing@acme.test"))
    technician = client_for(org, member(org, role="Technician", username="tech@acme.test"))
    assert billing.get(f"{BASE}/runs").status_code == 200
    assert billing.get(f"{BASE}/settings").status_code == 403
    assert billing.post(f"{BASE}/now").status_code == 403
    assert billing.post(f"{BASE}/failures/skip", {"ids": [1]}, format="json").status_code == 403
    response = technician.get(f"{BASE}/runs")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


def test_import_from_books_starts_a_run_only_while_sync_is_off(api, org, sandbox, books):
    from sync.engine_models import SyncRun, SyncSettings

    response = api.post("/api/v1/orgs/acme/sync/import-from-books")
    assert response.status_code == 202, response.json()
    assert SyncRun.objects.get(organization=org).trigger == SyncRun.Trigger.IMPORT
    SyncRun.objects.filter(organization=org).update(state=SyncRun.State.SUCCEEDED)
    SyncSettings.objects.filter(organization=org).update(is_enabled=True)
    refused = api.post("/api/v1/orgs/acme/sync/import-from-books")
    assert refused.status_code == 409 and refused.json()["code"] == "sync_enabled"
