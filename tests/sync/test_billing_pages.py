"""Billing Setup (FIN-4, FIN-10), FIN-7 banners and the support switch (FIN-8), against the in-process sandbox."""

from __future__ import annotations

import httpx
import pytest
from django.test import Client

from fsmbilling.models import Asset, Company, Tax
from sync.connectors import AuthError, oauth
from sync.connectors.zoho import get_default_transport
from sync.engine_models import SupportNote, SyncLink, SyncRun, SyncSettings
from sync.models import FinanceConnection
from tests.factories import CompanyFactory, TaxFactory, UserFactory
from tests.sync.connectors.conftest import USER_EMAIL, connect
from tests.sync.test_onboarding import nested_requests_keep_the_test_connection  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def connected(sandbox, org):
    connection = connect(sandbox, org, name="Acme Books")
    SyncSettings.objects.create(organization=org, is_enabled=True, auto_sync=True)
    return connection


def test_setup_page_shows_the_connection_and_tabs(connected, admin_client):
    html = admin_client.get("/o/acme/billing/").content.decode()
    assert 'data-status="connected"' in html
    assert f">{connected.finance_org_id}</a>" in html
    assert f"http://testserver/sandbox/ui/orgs/{connected.finance_org_id}/" in html
    assert "Integration" in html and "Invoice Mapping" in html and "Users" in html
    assert 'href="/o/acme/invoices/mapping/"' in html and 'href="/o/acme/settings/members/"' in html


def test_setup_page_without_connection_offers_onboarding(sandbox, admin_client):
    html = admin_client.get("/o/acme/billing/").content.decode()
    assert 'data-status="not_connected"' in html
    assert 'href="/o/acme/billing/onboarding/"' in html


def test_pause_and_resume_automatic_sync(connected, org, admin_client, api):
    assert admin_client.post("/o/acme/billing/pause/").status_code == 302
    connected.refresh_from_db()
    assert connected.sync_paused is True
    assert SyncSettings.objects.get(organization=org).auto_sync is False
    assert "automatic sync paused" in admin_client.get("/o/acme/billing/").content.decode()

    response = api.post("/api/v1/orgs/acme/billing/resume")
    assert response.status_code == 200
    assert (response.json()["sync_paused"], response.json()["auto_sync"]) == (False, True)
    connected.refresh_from_db()
    assert connected.sync_paused is False
    row = SyncSettings.objects.get(organization=org)
    assert row.auto_sync is True and row.next_auto_run_at is not None


def test_disconnect_is_refused_while_a_run_is_running_then_revokes(sandbox, connected, org, admin_client, api):
    run = SyncRun.objects.create(organization=org, trigger="manual", state="running")
    refused = api.post("/api/v1/orgs/acme/billing/disconnect")
    assert refused.status_code == 409
    assert refused.json()["code"] == "run_in_progress"
    assert "Wait for it to finish" in refused.json()["message"]
    page = admin_client.post("/o/acme/billing/disconnect/", follow=True)
    assert "A sync run is in progress" in page.content.decode()
    connected.refresh_from_db()
    assert connected.status == "connected" and connected.refresh_token_encrypted

    run.state = "succeeded"
    run.save()
    old_refresh_token = connected.refresh_token
    assert admin_client.post("/o/acme/billing/disconnect/").status_code == 302
    connected.refresh_from_db()
    assert connected.status == FinanceConnection.State.DISCONNECTED
    assert (connected.refresh_token_encrypted, connected.access_token_encrypted) == ("", "")
    assert connected.finance_org_id  # kept, so a reconnect finds the same organization
    with httpx.Client(transport=get_default_transport()) as client, pytest.raises(AuthError):
        oauth.refresh(
            client,
            accounts_server=connected.accounts_server,
            client_id=connected.client_id,
            client_secret=connected.client_secret,
            refresh_token=old_refresh_token,
        )
    html = admin_client.get("/o/acme/billing/").content.decode()
    assert 'data-testid="reconnect"' in html
    assert api.get("/api/v1/orgs/acme/billing/connection").json()["status"] == "disconnected"


def test_finance_org_deleted_shows_the_banner_and_reading_still_works(sandbox, connected, org, admin_client, api):
    company = CompanyFactory(organization=org, name="Bowman")
    sandbox.control.delete_org(connected.finance_org_id)
    response = api.post("/api/v1/orgs/acme/billing/refresh")
    assert response.status_code == 200
    assert response.json()["status"] == "finance_org_deleted"
    connected.refresh_from_db()
    assert connected.status == FinanceConnection.State.FINANCE_ORG_DELETED

    page = admin_client.get("/o/acme/billing/").content.decode()
    assert "The finance organization was deleted in Books" in page
    assert 'data-status="finance_org_deleted"' in page
    listing = admin_client.get("/o/acme/companies/")
    assert listing.status_code == 200
    assert "The finance organization was deleted in Books" in listing.content.decode()
    assert admin_client.get(f"/o/acme/companies/{company.pk}/").status_code == 200
    # Creating is refused by the records' guard, with the reason (FIN-7).
    refused = admin_client.post("/o/acme/assets/new/", {"name": "Boiler"})
    assert "Ask platform support to switch" in refused.content.decode()
    assert not Asset.objects.filter(organization=org).exists()


def test_revoked_access_shows_the_banner(sandbox, connected, org, admin_client):
    with httpx.Client(transport=get_default_transport()) as client:
        oauth.revoke(client, accounts_server=connected.accounts_server, refresh_token=connected.refresh_token)
    sandbox.clock.advance(3700)  # the cached access token expires too
    admin_client.post("/o/acme/billing/refresh/")
    connected.refresh_from_db()
    assert connected.status == FinanceConnection.State.REVOKED
    page = admin_client.get("/o/acme/companies/").content.decode()
    assert "Access to the finance organization was revoked" in page
    assert 'data-testid="reconnect"' in admin_client.get("/o/acme/billing/").content.decode()


def test_connection_actions_need_billing_setup_edit(connected, org):
    from tests.conftest import member

    technician = member(org, role="Technician", username="tech@acme.test")
    client = Client()
    client.force_login(technician)
    assert client.post("/o/acme/billing/disconnect/").status_code == 403
    assert client.get("/o/acme/billing/").status_code == 403
    connected.refresh_from_db()
    assert connected.status == "connected"


def test_other_organizations_billing_pages_are_404(connected, other_org, admin_client):
    assert admin_client.get("/o/globex/billing/").status_code == 404
    assert admin_client.post("/o/globex/billing/pause/").status_code == 404


# --- Support switch (FIN-8) ------------------------------------------------------------------------------------------


def test_support_switch_keeps_data_and_relinks_by_matching(sandbox, org, admin_client):
    first = sandbox.control.create_org(name="Acme Books")
    second = sandbox.control.create_org(name="Acme Books 2", crm_sync_type="III")
    connection = connect(sandbox, org, finance_org=first)
    SyncSettings.objects.create(organization=org, is_enabled=True, cursors={"companies": "2026-03-01T00:00:00Z"})
    company = CompanyFactory(organization=org, name="Bowman")
    SyncLink.objects.create(organization=org, kind="company", local_id=company.pk, remote_id="111")
    SyncLink.objects.create(organization=org, kind="item", local_id=5, remote_id="222")
    tax = TaxFactory(organization=org, name="Stale", books_id="999")

    # Administrators of the tenant are not platform support.
    assert admin_client.get("/billing/support/acme/switch/").status_code == 302
    support = UserFactory(username="support@platform.test", is_staff=True)
    client = Client()
    client.force_login(support)
    page = client.get("/billing/support/acme/switch/")
    assert page.status_code == 200
    assert f'value="{second["organization_id"]}"' in page.content.decode()

    no_note = client.post("/billing/support/acme/switch/", {"finance_org_id": second["organization_id"], "note": ""})
    assert no_note.status_code == 400
    connection.refresh_from_db()
    assert connection.finance_org_id == first["organization_id"]

    done = client.post(
        "/billing/support/acme/switch/",
        {"finance_org_id": second["organization_id"], "note": "Customer moved to their new Books org (ticket 42)."},
    )
    assert done.status_code == 302
    connection.refresh_from_db()
    assert (connection.finance_org_id, connection.finance_org_name) == (second["organization_id"], "Acme Books 2")
    assert connection.status == "connected"
    assert Company.objects.filter(pk=company.pk).exists()
    assert not SyncLink.objects.filter(organization=org, kind__in=["company", "item"]).exists()
    row = SyncSettings.objects.get(organization=org)
    assert row.cursors == {}
    assert sorted(row.resync_modules) == ["companies", "contacts", "services_and_parts"]
    assert row.sync_type == "III"
    assert row.is_enabled is True
    note = SupportNote.objects.get(organization=org)
    assert (note.author, note.action) == (support, "switch finance organization")
    assert "ticket 42" in note.note and first["organization_id"] in note.note
    tax.refresh_from_db()
    assert tax.books_id == ""  # matched again against the new organization (it has no such tax)
    assert Tax.objects.filter(organization=org).count() == 1
    assert connection.connected_identity_email == USER_EMAIL
