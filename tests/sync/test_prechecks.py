"""Checks that fail a run, disable sync and email the administrators (SYN-15, SYN-22), and those that skip it
(SYN-9). Each state is set on the Books sandbox through its control API."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail

from fsmbilling.models import Tax
from sync.connectors import base as remote
from sync.engine_models import SyncRun, SyncSettings
from sync.models import FinanceConnection
from tests.sync.test_engine import enable, run


def patch_finance_org(sandbox, books, **fields):
    response = sandbox.control.http.patch(f"/orgs/{books.connection.finance_org_id}", json=fields)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        (
            lambda sandbox, books, org: patch_finance_org(sandbox, books, crm_sync_type="II"),
            "syncs with its CRM as Type II",
        ),
        (lambda sandbox, books, org: patch_finance_org(sandbox, books, is_tax_enabled=True), "Taxes are enabled only"),
        (
            lambda sandbox, books, org: Tax.objects.create(organization=org, name="Sales tax", rate=5),
            "Taxes are enabled only in FSM",
        ),
        (
            lambda sandbox, books, org: sandbox.control.delete_org(books.connection.finance_org_id),
            "finance organization was deleted",
        ),
    ],
    ids=["crm-type-mismatch", "taxes-only-in-books", "taxes-only-in-fsm", "finance-org-deleted"],
)
def test_a_failed_check_disables_sync_and_emails_the_administrators(
    org, sandbox, books, setup, expected, django_capture_on_commit_callbacks
):
    enable(org)
    setup(sandbox, books, org)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result = run(org, sandbox)
    assert result.state == SyncRun.State.FAILED
    assert expected in result.reason
    settings_row = SyncSettings.objects.get(organization=org)
    assert settings_row.disabled_by_error and not settings_row.is_enabled
    assert expected in settings_row.disabled_reason
    assert [m.to for m in mail.outbox] == [["admin@acme.test"]]
    assert "disabled" in mail.outbox[0].subject and expected in mail.outbox[0].body


def test_the_invoice_edition_cap_fails_the_run(org, sandbox, monkeypatch):
    from sync.connectors import zoho
    from sync.engine import run as run_module
    from tests.sync.connectors.conftest import connect

    connection = connect(sandbox, org, edition="invoice", is_tax_enabled=False)
    with zoho.connector_for(connection, clock=sandbox.clock) as client:
        for n in range(3):
            client.create_item(remote.Item(name=f"Item {n}", rate=Decimal(1)))
    monkeypatch.setattr(run_module, "INVOICE_EDITION_CAP", 2)
    enable(org)
    result = run(org, sandbox)
    assert result.state == SyncRun.State.FAILED
    assert "more than 2 items" in result.reason
    assert SyncSettings.objects.get(organization=org).disabled_by_error


def test_crm_sync_in_progress_skips_the_run_without_disabling(org, sandbox, books):
    enable(org)
    patch_finance_org(sandbox, books, crm_sync_in_progress=True)
    result = run(org, sandbox)
    assert result.state == SyncRun.State.SKIPPED
    assert "CRM sync is in progress" in result.reason
    assert SyncSettings.objects.get(organization=org).is_enabled


def test_only_support_enables_a_sync_an_error_disabled(org, admin_user, sandbox, books):
    from sync.services import SyncRefused, sync_now, sync_support_enable

    enable(org)
    patch_finance_org(sandbox, books, crm_sync_type="I")
    run(org, sandbox)
    with pytest.raises(SyncRefused) as refused:
        sync_now(organization=org, actor=admin_user)
    assert refused.value.code == "sync_disabled" and "Only platform support" in refused.value.message
    with pytest.raises(SyncRefused):
        sync_support_enable(organization=org, actor=admin_user, note="fixed")
    admin_user.is_staff = True
    sync_support_enable(organization=org, actor=admin_user, note="CRM sync type set back to IV in Books")
    assert SyncSettings.objects.get(organization=org).is_enabled
    assert FinanceConnection.objects.get(organization=org).is_usable
