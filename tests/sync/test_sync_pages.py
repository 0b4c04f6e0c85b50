"""Sync pages: Enable Sync wizard end to end through the sandbox, settings, mappings, logs, failures, broken links,
the Books/Invoice panel, permissions and isolation (SYN-1, SYN-5, SYN-6, SYN-12, SYN-15, SYN-18, UI-2..4)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.test import Client

from fsmbilling.models import Company, CustomField, ServicePart
from sync.connectors import base as remote
from sync.engine.mapping import mapping_for
from sync.engine.run import execute_run
from sync.engine_models import FieldMapping, SyncFailure, SyncLink, SyncRun, SyncSettings
from sync.models import FinanceConnection
from tests.conftest import member
from tests.factories import PASSWORD, CompanyFactory, ServicePartFactory
from tests.sync.connectors.conftest import connect

pytestmark = pytest.mark.django_db


@pytest.fixture
def books(sandbox, org, settings):
    """The organization connected to a sandbox finance organization; a connector on the sandbox clock."""
    from sync.connectors import zoho

    settings.SANDBOX_RATE_LIMITS_ENABLED = False  # pages use the system clock; the sandbox clock is frozen
    connection = connect(sandbox, org, is_tax_enabled=False)
    with zoho.connector_for(connection, clock=sandbox.clock) as client:
        yield client


def login(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def url(name: str, org, *args) -> str:
    from django.urls import reverse

    return reverse(f"sync:{name}", args=[org.slug, *args])


def mapping_post(module: str, pairs) -> dict:
    return {f"{module}-fsm_field": [f for f, _b in pairs], f"{module}-books_field": [b for _f, b in pairs]}


def enable_row(org, **fields) -> SyncSettings:
    return SyncSettings.objects.update_or_create(organization=org, defaults={"is_enabled": True, **fields})[0]


def plain_connection(org) -> FinanceConnection:
    return FinanceConnection.objects.create(
        organization=org, accounts_server="https://accounts.example", api_domain="https://api.example"
    )


def finished_run(org, **fields) -> SyncRun:
    defaults = {"trigger": SyncRun.Trigger.MANUAL, "state": SyncRun.State.SUCCEEDED}
    return SyncRun.objects.create(organization=org, **{**defaults, **fields})


# --- Enable Sync wizard ---------------------------------------------------------------------------------------------


def test_wizard_end_to_end_enables_and_the_first_run_links(org, admin_client, books, sandbox):
    fsm_company = CompanyFactory(organization=org, name="Bowman and Co", email="ap@bowman.test")
    valve = ServicePartFactory(organization=org, name="Valve", kind=ServicePart.Kind.PART, rate=Decimal("8.25"))
    bowman = books.create_contact(
        remote.Customer(
            contact_name="Bowman and Co", company_name="Bowman and Co", customer_sub_type="business",
            contact_type="customer",
        )
    )  # fmt: skip
    books_valve = books.create_item(remote.Item(name="Valve", rate=Decimal("9.00"), product_type="goods"))
    books.create_item(remote.Item(name="Gasket", rate=Decimal("2.5"), product_type="goods"))

    page = admin_client.get(url("enable", org))
    assert page.status_code == 200 and b"Overwrite" in page.content
    response = admin_client.post(url("enable", org), {"step": "duplicates", "duplicate_handling": "overwrite",
                                                      "auto_sync": "on"})  # fmt: skip
    assert response.status_code == 302 and response["Location"].endswith("?step=customers")
    page = admin_client.get(url("enable", org) + "?step=customers")
    assert page.status_code == 200 and b'name="companies-fsm_field"' in page.content
    assert b'name="contacts-fsm_field"' in page.content  # Type IV: companies and contacts
    data = {
        "step": "customers",
        **mapping_post("companies", mapping_for(org, "companies")),
        **mapping_post("contacts", mapping_for(org, "contacts")),
    }
    response = admin_client.post(url("enable", org), data)
    assert response.status_code == 302 and response["Location"].endswith("?step=items")
    response = admin_client.post(
        url("enable", org),
        {"step": "items", **mapping_post("services_and_parts", mapping_for(org, "services_and_parts"))},
    )
    assert response["Location"].endswith("?step=review")
    page = admin_client.get(url("enable", org) + "?step=review")
    assert page.status_code == 200, page.content
    assert b"Bowman and Co" in page.content and b"What the first run will do" in page.content
    response = admin_client.post(url("enable", org), {"step": "review", "action": "accept_all"})
    assert response.status_code == 302
    assert admin_client.get(url("enable", org) + "?step=confirm").status_code == 200
    response = admin_client.post(url("enable", org), {"step": "confirm"})
    run = SyncRun.objects.get(organization=org)
    assert response.status_code == 302 and response["Location"] == url("run", org, run.pk)
    assert run.trigger == SyncRun.Trigger.FIRST
    row = SyncSettings.objects.get(organization=org)
    assert row.is_enabled and row.duplicate_handling == "overwrite" and row.auto_sync
    assert FieldMapping.objects.filter(organization=org, module="services_and_parts").count() == len(
        mapping_for(org, "services_and_parts")
    )

    sandbox.clock.advance(1)
    finished = execute_run(run.pk, clock=sandbox.clock)
    assert finished.state == SyncRun.State.SUCCEEDED, (finished.reason, list(finished.failures.values("message")))
    assert (
        SyncLink.objects.get(organization=org, kind="company", local_id=fsm_company.pk).remote_id == bowman.contact_id
    )
    assert SyncLink.objects.get(organization=org, kind="item", local_id=valve.pk).remote_id == books_valve.item_id
    assert ServicePart.objects.filter(organization=org, name="Gasket").exists()
    # The run page shows the counts; the wizard is one-time.
    page = admin_client.get(url("run", org, run.pk))
    assert page.status_code == 200 and run.run_id.encode() in page.content and b"every 2s" not in page.content
    again = admin_client.get(url("enable", org))
    assert again.status_code == 302 and again["Location"] == url("settings", org)


def test_wizard_mapping_step_refuses_an_unmapped_mandatory_books_field(org, admin_client):
    plain_connection(org)
    admin_client.post(url("enable", org), {"step": "duplicates", "duplicate_handling": "clone"})
    pairs = [p for p in mapping_for(org, "services_and_parts") if p[1] != "rate"]
    page = admin_client.post(url("enable", org), {"step": "items", **mapping_post("services_and_parts", pairs)})
    assert page.status_code == 200
    assert "Map Books&#x27; mandatory field(s) before saving: rate." in page.content.decode()


def test_wizard_is_refused_while_an_import_runs(org, admin_client, monkeypatch):
    plain_connection(org)
    monkeypatch.setattr("sync.engine.run._import_running", lambda organization: True)
    response = admin_client.get(url("enable", org), follow=True)
    assert "A data import is running. Enable sync when it has finished." in response.content.decode()
    assert not SyncSettings.objects.filter(organization=org, is_enabled=True).exists()


def test_wizard_needs_a_finance_connection(org, admin_client):
    response = admin_client.get(url("enable", org), follow=True)
    assert "Connect a finance organization in Billing Setup first" in response.content.decode()


# --- Field mappings (SYN-5, SYN-6) ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        ([("name", "name"), ("rate", "rate"), ("cf:diagnosis", "description")], "cf:diagnosis cannot be mapped"),
        ([("name", "name"), ("description", "description")], "mandatory field(s) before saving: rate"),
        ([("name", "name"), ("rate", "rate"), ("sku", "sku"), ("unit", "sku")], "sku is mapped twice"),
        ([("name", "name"), ("rate", "rate"), ("sku", "")], "Choose both fields in every row"),
    ],
)
def test_mapping_validation_messages(org, admin_client, pairs, message):
    CustomField.objects.create(
        organization=org, module="services_and_parts", label="Diagnosis", api_name="diagnosis", is_ephi=True
    )
    page = admin_client.post(url("mapping", org, "services_and_parts"), mapping_post("services_and_parts", pairs))
    assert page.status_code == 200
    assert message in page.content.decode().replace("&#x27;", "'")
    assert not FieldMapping.objects.filter(organization=org).exists()


def test_pii_fields_are_never_offered(org, admin_client):
    CustomField.objects.create(organization=org, module="companies", label="Owner SSN", api_name="ssn", is_pii=True)
    CustomField.objects.create(organization=org, module="companies", label="Contract no", api_name="contract")
    page = admin_client.get(url("mapping", org, "companies")).content.decode()
    assert 'value="cf:contract"' in page and "cf:ssn" not in page


def test_mapping_change_marks_the_module_for_resync_and_says_so(org, admin_client):
    enable_row(org)
    pairs = [*mapping_for(org, "services_and_parts"), ("cost_missing", "x")][:-1]
    pairs = [p for p in pairs if p[0] != "sku"]
    response = admin_client.post(url("mapping", org, "services_and_parts"), mapping_post("services_and_parts", pairs))
    assert response.status_code == 302
    assert SyncSettings.objects.get(organization=org).resync_modules == ["services_and_parts"]
    page = admin_client.get(url("settings", org)).content.decode()
    assert "every record of this module is synced again at the next run" in page


def test_mapping_row_fragment_for_htmx(org, admin_client):
    fragment = admin_client.get(url("mapping_row", org, "companies"), HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert (
        fragment.content.decode().lstrip().startswith("<tr>")
        and 'name="companies-fsm_field"' in fragment.content.decode()
    )


# --- Settings -------------------------------------------------------------------------------------------------------


def test_settings_page_saves_duplicates_auto_sync_and_owner_sides(org, admin_client):
    enable_row(org, auto_sync=True)
    page = admin_client.get(url("settings", org)).content.decode()
    assert "cannot be changed here once sync is enabled" in page and "30 manual runs left today" in page
    admin_client.post(url("settings", org), {"form": "general", "duplicate_handling": "clone"})
    row = SyncSettings.objects.get(organization=org)
    assert row.duplicate_handling == "clone" and row.auto_sync is False and row.next_auto_run_at is None
    admin_client.post(
        url("settings", org), {"form": "owners", "owner-companies": "books", "owner-services_and_parts-rate": "fsm"}
    )
    row.refresh_from_db()
    assert row.owner_policies == {
        "companies": {"module": "books", "fields": {}},
        "services_and_parts": {"module": None, "fields": {"rate": "fsm"}},
    }


def test_disabled_by_error_banner_and_staff_only_re_enable(org, admin_client, admin_user):
    SyncSettings.objects.create(
        organization=org, is_enabled=False, disabled_by_error=True, disabled_reason="Taxes are enabled only in FSM."
    )
    page = admin_client.get(url("settings", org)).content.decode()
    assert "Taxes are enabled only in FSM." in page and "Only platform support can enable sync again" in page
    assert "support-enable" not in page
    response = admin_client.post(url("settings", org), {"form": "support_enable", "note": "fixed"})
    assert response.status_code == 403
    admin_user.is_staff = True
    admin_user.save()
    page = admin_client.get(url("settings", org)).content.decode()
    assert "support-enable" in page
    admin_client.post(url("settings", org), {"form": "support_enable", "note": "Taxes disabled on both sides."})
    row = SyncSettings.objects.get(organization=org)
    assert row.is_enabled and not row.disabled_by_error


# --- Logs, failures, broken links -----------------------------------------------------------------------------------


@pytest.fixture
def failed_run(org):
    run = finished_run(
        org,
        state=SyncRun.State.PARTIALLY_FAILED,
        counts={"companies": {"to_books": {"created": 1, "updated": 0, "unchanged": 3, "failed": 2}}},
    )
    company = CompanyFactory(organization=org, name="=HYPERLINK(bad)")
    for local_id, label in ((company.pk, company.name), (None, "Euro GmbH")):
        SyncFailure.objects.create(
            organization=org, run=run, module="companies", kind="company", direction="to_books", local_id=local_id,
            record_label=label, reason_code="currency_missing_in_books", message="EUR is not a currency in Books.",
            explanation="Add EUR in Books, then retry. Nothing was created in Books.",
        )  # fmt: skip
    return run


def test_logs_list_run_detail_and_csv(org, admin_client, failed_run):
    page = admin_client.get(url("logs", org)).content.decode()
    assert failed_run.run_id in page and "Partially failed" in page and "CompaniesFailureLogs.csv" in page
    detail = admin_client.get(url("run", org, failed_run.pk)).content.decode()
    assert "currency_missing_in_books" in detail and "CompaniesFailureLogs.csv" in detail
    response = admin_client.get(url("failure_csv", org, failed_run.pk, "CompaniesFailureLogs.csv"))
    assert response["Content-Disposition"] == 'attachment; filename="CompaniesFailureLogs.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["Record", "Books ID", "Direction", "Reason", "Explanation"]
    assert rows[1] == [
        "'=HYPERLINK(bad)", "", "FSM → Books", "currency_missing_in_books: EUR is not a currency in Books.",
        "Add EUR in Books, then retry. Nothing was created in Books.",
    ]  # fmt: skip
    assert len(rows) == 3
    assert admin_client.get(url("failure_csv", org, failed_run.pk, "Nope.csv")).status_code == 404


def test_running_run_polls_every_two_seconds_and_the_fragment_stops_when_done(org, admin_client):
    run = SyncRun.objects.create(organization=org, trigger="manual", state=SyncRun.State.RUNNING,
                                 progress={"module": "companies", "counts": {}})  # fmt: skip
    page = admin_client.get(url("run", org, run.pk)).content.decode()
    assert 'hx-trigger="every 2s"' in page and "Working on companies" in page
    SyncRun.objects.filter(pk=run.pk).update(state=SyncRun.State.SUCCEEDED)
    fragment = admin_client.get(url("run", org, run.pk), HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith("<section") and "every 2s" not in fragment and "Succeeded" in fragment


def test_failures_grouped_by_reason_with_retry_and_skip(org, admin_client, failed_run):
    page = admin_client.get(url("failures", org)).content.decode()
    assert "currency_missing_in_books" in page and '<span class="badge">2</span>' in page
    first, second = SyncFailure.objects.filter(organization=org).order_by("pk")
    SyncLink.objects.create(organization=org, kind="company", local_id=first.local_id, remote_id="900")
    admin_client.post(url("failures", org), {"operation": "retry", "failure": [str(first.pk)]})
    assert SyncLink.objects.get(organization=org, remote_id="900").needs_resync
    admin_client.post(url("failures", org), {"operation": "skip", "reason_code": "currency_missing_in_books"})
    assert set(SyncFailure.objects.filter(organization=org).values_list("state", flat=True)) == {"skipped"}


def test_broken_links_recreate_and_unlink(org, admin_client):
    enable_row(org)
    company = CompanyFactory(organization=org, name="Gone In Books")
    gone = SyncLink.objects.create(organization=org, kind="company", local_id=company.pk, remote_id="77",
                                   state="broken", last_error="Deleted in Books")  # fmt: skip
    other = SyncLink.objects.create(organization=org, kind="item", local_id=None, remote_id="78", state="broken",
                                    last_error="Deleted in FSM")  # fmt: skip
    page = admin_client.get(url("broken_links", org)).content.decode()
    assert "Gone In Books" in page and "Deleted in FSM" in page
    admin_client.post(url("broken_links", org), {"operation": "recreate", "link": [str(gone.pk)]})
    assert not SyncLink.objects.filter(pk=gone.pk).exists()
    assert SyncSettings.objects.get(organization=org).resync_modules == ["companies"]
    admin_client.post(url("broken_links", org), {"operation": "unlink", "link": [str(other.pk)]})
    assert not SyncLink.objects.filter(pk=other.pk).exists()
    assert Company.objects.filter(pk=company.pk).exists()


# --- The Books/Invoice info panel (SYN-18) --------------------------------------------------------------------------


def test_books_panel_on_a_company_page(org, admin_client, settings):
    settings.SANDBOX_BASE_URL = "http://testserver/sandbox"
    connection = plain_connection(org)
    connection.finance_org_id = "600001"
    connection.save()
    company = CompanyFactory(organization=org, name="Panel Co")
    run = finished_run(org)
    SyncLink.objects.create(organization=org, kind="company", local_id=company.pk, remote_id="4600000001",
                            last_run=run, last_synced_at=run.created_at)  # fmt: skip
    page = admin_client.get(company.get_absolute_url()).content.decode()
    assert 'data-testid="books-panel"' in page and "Books info" in page and "4600000001" in page
    assert run.run_id in page and "Synced" in page
    assert "http://testserver/sandbox/ui/orgs/600001/contacts/4600000001/" in page
    assert "View record in Books" in page


# --- Permissions and isolation --------------------------------------------------------------------------------------


def test_technician_cannot_see_logs_billing_sees_logs_not_settings(org):
    technician = login(member(org, role="Technician", username="tech@acme.test"))
    billing = login(member(org, role="Billing", username="billing@acme.test"))
    run = finished_run(org)
    assert technician.get(url("logs", org)).status_code == 403
    assert technician.get(url("run", org, run.pk)).status_code == 403
    assert billing.get(url("logs", org)).status_code == 200
    assert billing.get(url("run", org, run.pk)).status_code == 200
    assert billing.get(url("settings", org)).status_code == 403
    assert billing.get(url("enable", org)).status_code == 403
    assert billing.post(url("now", org)).status_code == 403
    assert billing.post(url("failures", org), {"operation": "skip", "reason_code": "x"}).status_code == 403
    denied = technician.get(url("logs", org)).content.decode()
    assert "does not allow you to view sync logs" in denied


def test_other_organizations_runs_are_404(org, other_org, admin_client):
    theirs = finished_run(other_org, counts={"companies": {"to_books": {"failed": 1}}})
    assert admin_client.get(url("run", org, theirs.pk)).status_code == 404
    assert admin_client.get(url("failure_csv", org, theirs.pk, "CompaniesFailureLogs.csv")).status_code == 404
    assert admin_client.get(url("failures", org) + f"?run={theirs.pk}").status_code == 404
    assert admin_client.get(url("run", org, "abc")).status_code == 404
    theirs_link = SyncLink.objects.create(organization=other_org, kind="item", remote_id="5", state="broken")
    admin_client.post(url("broken_links", org), {"operation": "unlink", "link": [str(theirs_link.pk)]})
    assert SyncLink.objects.filter(pk=theirs_link.pk).exists()
    assert admin_client.get(url("logs", other_org)).status_code == 404


# --- manage.py sync_check ---------------------------------------------------------------------------------------------


def test_sync_check_command_prints_the_report_and_exits_1_when_not_ok(org, books, capsys):
    from django.core.management import call_command

    enable_row(org)
    call_command("sync_check", "--org", org.slug)
    assert "ok: FSM and Books agree" in capsys.readouterr().out
    CompanyFactory(organization=org, name="Only Here Ltd")
    with pytest.raises(SystemExit) as exit_info:
        call_command("sync_check", "--org", org.slug)
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert "only in FSM: companies: Only Here Ltd" in out and "not ok" in out
