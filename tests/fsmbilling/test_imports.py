"""Data import from CSV (REC-10): reading files, column matching, the task row by row, error file, SYN-9 both ways,
export → import round trip, pages with live progress, the API and its refusals, permissions and isolation."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from fsmbilling.models import Company, Contact, CustomField, ImportJob, ImportRowError, ServicePart
from fsmbilling.services.imports import (
    ImportRefused,
    import_cancel,
    import_preview,
    import_set_mapping,
    import_start,
    import_submit,
    import_upload,
    run_import,
)
from fsmbilling.tasks import run_import as run_import_task
from sync.engine.run import execute_run
from sync.engine_models import SyncRun, SyncSettings
from tests.conftest import member
from tests.factories import PASSWORD, CompanyFactory, ContactFactory, TaxFactory
from tests.sync.connectors.conftest import connect, sandbox  # noqa: F401 - the in-process Books sandbox fixture

API = "/api/v1/orgs/acme/imports/"
PAGES = "/o/acme/imports/"
HTMX = {"HTTP_HX_REQUEST": "true"}

COMPANIES_CSV = (
    "Company name,E-mail,Phone,Status,Billing city,Currency\n"
    "Bowman and Co,ap@bowman.test,+1 555 0100,Active,Austin,\n"
    "Broken Email Ltd,not-an-email,,,,\n"
    ",nobody@nowhere.test,,,,\n"
    "Quiet Corp,hello@quiet.test,,Inactive,Boston,\n"
    "\n"
    "Strange Currency Inc,,,,,XXX\n"
)


def upload(org, user, text: str | bytes, *, module="companies", name="companies.csv", mapping=None) -> ImportJob:
    raw = text.encode() if isinstance(text, str) else text
    return import_upload(organization=org, actor=user, module=module, file_name=name, raw=raw, mapping=mapping)


def run_job(org, user, text, **kwargs) -> ImportJob:
    job = upload(org, user, text, **kwargs)
    import_start(job=job, actor=user)
    assert run_import_task(job.pk) in ("succeeded", "partially_failed", "failed")
    job.refresh_from_db()
    return job


def error_file(client, url) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


# --- Reading files and matching columns ------------------------------------------------------------------------------


def test_upload_reads_bom_semicolons_and_matches_headers_and_custom_fields(org, admin_user):
    CustomField.objects.create(organization=org, module="companies", label="Contract number", api_name="cf_contract")
    text = "Company Name;EMAIL;Billing Postal Code;Contract number;Modified\nAcme;a@acme.test;12345;C-1;2024-01-01\n"
    job = upload(org, admin_user, b"\xef\xbb\xbf" + text.encode())
    assert (job.state, job.encoding, job.delimiter, job.total_rows) == ("draft", "utf-8-sig", ";", 1)
    assert job.headers == ["Company Name", "EMAIL", "Billing Postal Code", "Contract number", "Modified"]
    assert job.mapping == ["name", "email", "billing_address.zip", "cf_contract", ""]


def test_latin1_and_tab_separated_files_are_read(org, admin_user):
    job = upload(org, admin_user, "Name\tCity\nCafé Müller\tKöln\n".encode("latin-1"), name="x.tsv")
    assert (job.encoding, job.delimiter) == ("windows-1252", "\t")
    assert job.mapping == ["name", ""]
    import_set_mapping(job=job, actor=admin_user, mapping=["name", "billing_address.city"])
    import_start(job=job, actor=admin_user)
    assert run_import(job.pk) == "succeeded"
    company = Company.objects.get(organization=org)
    assert (company.name, company.billing_address) == ("Café Müller", {"city": "Köln"})


@pytest.mark.parametrize(
    ("raw", "name", "code"),
    [
        (b"", "a.csv", "empty_file"),
        (b"Name,Email\n", "a.csv", "empty_file"),
        (b"PK\x03\x04rest-of-a-zip", "a.csv", "not_csv"),
        (b"Name\nAcme\n", "companies.xlsx", "not_csv"),
        (b"N\x00a\x00m\x00e\x00", "a.csv", "not_csv"),
    ],
)
def test_bad_files_are_refused_with_a_reason(org, admin_user, raw, name, code):
    with pytest.raises(ImportRefused) as refused:
        upload(org, admin_user, raw, name=name)
    assert refused.value.code == code
    assert ImportJob.objects.count() == 0


def test_mapping_refusals(org, admin_user):
    job = upload(org, admin_user, "Company,Mail,Other mail\nAcme,a@a.test,b@b.test\n")
    with pytest.raises(ImportRefused, match="both go to Email"):
        import_start(job=job, actor=admin_user, mapping=["name", "email", "email"])
    with pytest.raises(ImportRefused, match="Match a column to Name"):
        import_start(job=job, actor=admin_user, mapping=["", "email", ""])
    with pytest.raises(ImportRefused, match="unknown field"):
        import_start(job=job, actor=admin_user, mapping=["name", "password", ""])
    job.refresh_from_db()
    assert job.state == "draft"


def test_preview_shows_each_rows_errors_without_writing(org, admin_user):
    job = upload(org, admin_user, COMPANIES_CSV)
    preview = import_preview(job=job)
    assert [row.number for row in preview] == [2, 3, 4, 5, 7]
    assert preview[0].errors == ""
    assert preview[1].errors == "Email: Enter a valid email address."
    assert preview[2].errors == "Name: This field cannot be blank."
    assert preview[4].errors == "Currency: No currency “XXX” exists; create it first, or leave the cell empty."
    assert Company.objects.filter(organization=org).count() == 0


# --- The task --------------------------------------------------------------------------------------------------------


def test_import_keeps_good_rows_and_reports_bad_ones(org, admin_user, admin_client):
    job = run_job(org, admin_user, COMPANIES_CSV)
    assert (job.state, job.total_rows, job.processed_rows, job.created_count, job.failed_count) == (
        "partially_failed",
        5,
        5,
        2,
        3,
    )
    assert job.percent == 100 and job.finished_at is not None and job.started_at is not None
    companies = Company.objects.filter(organization=org).order_by("name")
    assert [(c.name, c.email, c.phone, c.status, c.billing_address, c.created_by) for c in companies] == [
        ("Bowman and Co", "ap@bowman.test", "+1 555 0100", "active", {"city": "Austin"}, admin_user),
        ("Quiet Corp", "hello@quiet.test", "", "inactive", {"city": "Boston"}, admin_user),
    ]
    rows = error_file(admin_client, f"{PAGES}{job.pk}/errors.csv")
    assert rows == [
        ["Company name", "E-mail", "Phone", "Status", "Billing city", "Currency", "error"],
        ["Broken Email Ltd", "not-an-email", "", "", "", "", "Email: Enter a valid email address."],
        ["", "nobody@nowhere.test", "", "", "", "", "Name: This field cannot be blank."],
        ["Strange Currency Inc", "", "", "", "", "XXX",
         "Currency: No currency “XXX” exists; create it first, or leave the cell empty."],
    ]  # fmt: skip
    assert list(ImportRowError.objects.filter(job=job).values_list("row_number", flat=True)) == [3, 4, 7]


def test_a_bad_row_leaves_nothing_half_written(org, admin_user):
    """contact_create first unsets the company's primary contact; a row failing after that is rolled back whole."""
    company = CompanyFactory(organization=org, name="Bowman and Co")
    primary = ContactFactory(organization=org, company=company, last_name="Primary", is_primary=True)
    text = (
        "First name,Last name,Email,Company,Primary\n"
        "Will,Bowman,not-an-email,Bowman and Co,yes\n"
        "Ann,Other,ann@bowman.test,Bowman and Co,no\n"
        "Zed,Ghost,zed@ghost.test,No Such Company,no\n"
    )
    job = run_job(org, admin_user, text, module="contacts", name="contacts.csv")
    assert (job.state, job.created_count, job.failed_count) == ("partially_failed", 1, 2)
    primary.refresh_from_db()
    assert primary.is_primary is True
    assert sorted(Contact.objects.filter(organization=org).values_list("last_name", flat=True)) == ["Other", "Primary"]
    messages = list(ImportRowError.objects.filter(job=job).values_list("message", flat=True))
    assert messages == [
        "Email: Enter a valid email address.",
        "Company: No company “No Such Company” exists; create it first, or leave the cell empty.",
    ]


def test_services_and_parts_import_with_labels_and_amounts(org, admin_user):
    TaxFactory(organization=org, name="Sales tax")
    text = (
        "Type,Name,SKU,Rate,Tax preference,Default tax,Status\n"
        "Part,Valve,V-1,8.25,Taxable,sales TAX,Active\n"
        "Service,Boiler service,,120.50,,,\n"
        "Gadget,Bad kind,,1,,,\n"
        "Part,Negative,,-3,,,\n"
        "Part,Same SKU,V-1,1,,,\n"
    )
    job = run_job(org, admin_user, text, module="services_and_parts", name="items.csv")
    assert (job.created_count, job.failed_count) == (2, 3)
    valve = ServicePart.objects.get(organization=org, name="Valve")
    assert (valve.kind, valve.rate, valve.sku, valve.default_tax.name) == ("part", Decimal("8.25"), "V-1", "Sales tax")
    assert list(ImportRowError.objects.filter(job=job).values_list("message", flat=True)) == [
        "Type: “Gadget” is not one of: Service, Part.",
        "Rate: Rate cannot be negative; enter 0 or more.",
        "SKU: Another service or part already uses this SKU.",
    ]


def test_task_runs_only_pending_jobs(org, admin_user):
    job = upload(org, admin_user, "Name\nAcme\n")
    assert run_import(job.pk) == "not claimed"  # a draft is not started by a stray task
    import_start(job=job, actor=admin_user)
    assert run_import(job.pk) == "succeeded"
    assert run_import(job.pk) == "not claimed"  # delivered twice: the second delivery does nothing
    assert Company.objects.filter(organization=org).count() == 1
    assert run_import(999999) == "not claimed"


def test_a_stalled_running_job_resumes_after_its_last_committed_row(org, admin_user):
    job = upload(org, admin_user, "Name\nFirst\nSecond\nThird\n")
    import_start(job=job, actor=admin_user)
    CompanyFactory(organization=org, name="First")  # what the interrupted worker had committed
    ImportJob.objects.filter(pk=job.pk).update(
        state="running", processed_rows=1, created_count=1, heartbeat_at=timezone.now() - dt.timedelta(minutes=30)
    )
    assert run_import(job.pk) == "succeeded"
    assert sorted(Company.objects.filter(organization=org).values_list("name", flat=True)) == [
        "First",
        "Second",
        "Third",
    ]
    job.refresh_from_db()
    assert (job.processed_rows, job.created_count) == (3, 3)
    # A running job whose worker is alive is left alone.
    ImportJob.objects.filter(pk=job.pk).update(state="running", heartbeat_at=timezone.now())
    assert run_import(job.pk) == "not claimed"


def test_cancelled_job_is_not_run(org, admin_user):
    job = upload(org, admin_user, "Name\nAcme\n")
    import_start(job=job, actor=admin_user)
    import_cancel(job=job, actor=admin_user)
    assert run_import(job.pk) == "not claimed"
    job.refresh_from_db()
    assert job.state == "cancelled" and "Cancelled by" in job.reason
    assert Company.objects.filter(organization=org).count() == 0
    with pytest.raises(ImportRefused):
        import_cancel(job=job, actor=admin_user)


def test_one_import_at_a_time(org, admin_user):
    first = upload(org, admin_user, "Name\nAcme\n")
    second = upload(org, admin_user, "Name\nGlobal\n")
    import_start(job=first, actor=admin_user)
    with pytest.raises(ImportRefused) as refused:
        import_start(job=second, actor=admin_user)
    assert refused.value.code == "import_running" and f"IMP-{first.pk:06d}" in refused.value.message


def test_import_fires_workflow_rules_of_created_records(org, admin_user, django_capture_on_commit_callbacks):
    from fsmbilling.models import WorkflowDelivery
    from fsmbilling.services.workflows import workflow_rule_create

    workflow_rule_create(
        organization=org,
        actor=admin_user,
        data={"name": "New", "module": "companies", "event": "created", "action": "email",
              "email_recipients": "ops@acme.test"},
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        run_job(org, admin_user, "Name\nAcme\nGlobal\n")
    assert sorted(WorkflowDelivery.objects.values_list("record_label", flat=True)) == ["Acme", "Global"]


# --- SYN-9: no import during sync, no sync during import -------------------------------------------------------------


def test_import_is_refused_while_a_sync_run_is_active(org, admin_user, api):
    run = SyncRun.objects.create(organization=org, trigger=SyncRun.Trigger.MANUAL)
    job = upload(org, admin_user, "Name\nAcme\n")
    with pytest.raises(ImportRefused) as refused:
        import_start(job=job, actor=admin_user)
    assert refused.value.code == "sync_running" and refused.value.status == 409
    assert f"SR-{run.pk:06d}" in refused.value.message
    assert "Start the import when it has finished" in refused.value.message
    job.refresh_from_db()
    assert job.state == "draft"
    response = api.post(
        API, {"module": "companies", "file": SimpleUploadedFile("a.csv", b"Name\nAcme\n")}, format="multipart"
    )
    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "sync_running"
    assert not ImportJob.objects.filter(organization=org, state__in=["pending", "running"]).exists()


def test_a_pending_job_meeting_a_running_sync_fails_without_importing(org, admin_user):
    job = upload(org, admin_user, "Name\nAcme\n")
    import_start(job=job, actor=admin_user)
    SyncRun.objects.create(organization=org, trigger=SyncRun.Trigger.MANUAL, state=SyncRun.State.RUNNING)
    assert run_import(job.pk) == "not claimed"
    job.refresh_from_db()
    assert job.state == "failed" and "sync run started at the same moment" in job.reason
    assert Company.objects.filter(organization=org).count() == 0


def test_sync_is_skipped_while_an_import_runs(org, admin_user, sandbox):  # noqa: F811
    connect(sandbox, org, is_tax_enabled=False)
    SyncSettings.objects.update_or_create(
        organization=org, defaults={"is_enabled": True, "sync_type": "IV", "duplicate_handling": "overwrite"}
    )
    job = upload(org, admin_user, "Name\nAcme\n")
    ImportJob.objects.filter(pk=job.pk).update(state="running", heartbeat_at=timezone.now())
    run = SyncRun.objects.create(organization=org, trigger=SyncRun.Trigger.AUTOMATIC)
    finished = execute_run(run.pk, clock=sandbox.clock)
    assert finished.state == SyncRun.State.SKIPPED
    assert finished.reason == "A data import is running; sync waits for the next slot."
    # A draft (uploaded, not started) does not hold sync back.
    ImportJob.objects.filter(pk=job.pk).update(state="draft")
    run = SyncRun.objects.create(organization=org, trigger=SyncRun.Trigger.AUTOMATIC)
    assert execute_run(run.pk, clock=sandbox.clock).state != SyncRun.State.SKIPPED


# --- Round trip: an exported list imports cleanly --------------------------------------------------------------------


def test_exported_companies_csv_imports_back_unchanged(org, admin_user, admin_client):
    from fsmbilling.services.companies import company_create

    originals = [
        {"name": "Bowman and Co", "email": "ap@bowman.test", "phone": "+1 555 0100", "status": "active"},
        {"name": "=Formula, Inc.", "email": "", "phone": "-12", "status": "inactive"},
        {"name": 'Quote "Q" Ltd', "email": "q@q.test", "phone": "", "status": "active"},
        {"name": "Ünïcödé GmbH", "email": "u@u.test", "phone": "@home", "status": "active"},
    ]
    for data in originals:
        company_create(organization=org, actor=admin_user, data=data)
    response = admin_client.get("/o/acme/companies/?format=csv")
    raw = b"".join(response.streaming_content)
    expected = {tuple(d.values()) for d in originals}
    Company.objects.filter(organization=org).delete()

    job = run_job(org, admin_user, raw, name="companies.csv")
    assert job.mapping == ["name", "email", "phone", "status", ""]  # "Modified" is left out
    assert (job.state, job.created_count, job.failed_count) == ("succeeded", 4, 0)
    imported = set(Company.objects.filter(organization=org).values_list("name", "email", "phone", "status"))
    assert imported == expected


def test_exported_contacts_and_items_import_back(org, admin_user, admin_client):
    company = CompanyFactory(organization=org, name="Bowman and Co")
    ContactFactory(organization=org, company=company, first_name="Will", last_name="Bowman", email="w@b.test",
                   is_primary=True, billing_address={"city": "Austin"})  # fmt: skip
    raw = b"".join(admin_client.get("/o/acme/contacts/?format=csv").streaming_content)
    Contact.objects.filter(organization=org).delete()
    job = run_job(org, admin_user, raw, module="contacts", name="contacts.csv")
    assert (job.state, job.created_count) == ("succeeded", 1), list(job.row_errors.values_list("message", flat=True))
    contact = Contact.objects.get(organization=org)
    assert (contact.first_name, contact.company, contact.is_primary, contact.billing_address) == (
        "Will",
        company,
        True,
        {"city": "Austin"},
    )


# --- Pages -----------------------------------------------------------------------------------------------------------


def test_pages_upload_match_preview_start_progress_result(org, admin_user, admin_client):
    response = admin_client.post(
        f"{PAGES}new/", {"module": "companies", "file": SimpleUploadedFile("c.csv", COMPANIES_CSV.encode())}
    )
    job = ImportJob.objects.get(organization=org)
    assert response.status_code == 302 and response["Location"] == f"{PAGES}{job.pk}/"
    page = admin_client.get(f"{PAGES}{job.pk}/").content.decode()
    assert 'name="column_0"' in page and '<option value="name" selected>' in page
    assert "Email: Enter a valid email address." in page and "Start import" in page
    # The user changes the matching: Phone is left out.
    form = {f"column_{i}": key for i, key in enumerate(job.mapping)}
    response = admin_client.post(f"{PAGES}{job.pk}/", {**form, "column_2": "", "action": "check"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.mapping[2] == ""
    response = admin_client.post(f"{PAGES}{job.pk}/", {**form, "column_2": "", "action": "start"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.state == "pending" and job.mapping[2] == ""
    # While it waits or runs, the progress fragment polls itself; the page can be left and opened again.
    fragment = admin_client.get(f"{PAGES}{job.pk}/?partial=progress", **HTMX).content.decode()
    assert 'hx-trigger="every 1s"' in fragment and "0 of 5 rows" in fragment and "<html" not in fragment
    run_import(job.pk)
    fragment = admin_client.get(f"{PAGES}{job.pk}/?partial=progress", **HTMX).content.decode()
    assert "hx-trigger" not in fragment and "5 of 5 rows (100%): 2 imported, 3 failed." in fragment
    assert f"{PAGES}{job.pk}/errors.csv" in fragment
    assert Company.objects.get(organization=org, name="Bowman and Co").phone == ""
    history = admin_client.get(PAGES).content.decode()
    assert f"IMP-{job.pk:06d}" in history and "Partially failed" in history


def test_page_shows_refusal_during_sync(org, admin_user, admin_client):
    SyncRun.objects.create(organization=org, trigger=SyncRun.Trigger.MANUAL)
    job = upload(org, admin_user, "Name\nAcme\n")
    response = admin_client.post(f"{PAGES}{job.pk}/", {"column_0": "name", "action": "start"})
    assert response.status_code == 200
    assert "no data is imported while sync runs" in response.content.decode()


def test_upload_page_refuses_bad_file_with_reason(org, admin_client, settings):
    settings.IMPORT_MAX_BYTES = 10
    response = admin_client.post(
        f"{PAGES}new/", {"module": "companies", "file": SimpleUploadedFile("c.csv", b"Name\nA long company name\n")}
    )
    assert response.status_code == 200
    assert "Split it into smaller files" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_pages_need_the_modules_permission(org, admin_user):
    user = member(org, role="Technician", username="tech@acme.test")
    client = Client()
    client.login(username=user.username, password=PASSWORD)
    job = upload(org, admin_user, "Name\nAcme\n")
    from fsmbilling.models import Role

    role = Role.objects.get(organization=org, name="Technician")
    assert not role.allows("companies", "edit"), "the test needs a role that may not edit companies"
    assert client.get(f"{PAGES}new/").status_code == 403
    assert client.post(f"{PAGES}{job.pk}/", {"column_0": "name", "action": "start"}).status_code == 403
    job.refresh_from_db()
    assert job.state == "draft"


def test_other_organizations_jobs_are_404(org, other_org, other_admin, admin_client, api):
    job = upload(other_org, other_admin, "Name\nGlobex Thing\n")
    for url in (f"{PAGES}{job.pk}/", f"{PAGES}{job.pk}/errors.csv", f"{API}{job.pk}/", f"{API}{job.pk}/errors.csv"):
        client = api if url.startswith("/api") else admin_client
        response = client.get(url)
        assert response.status_code == 404, url
    assert api.post(f"{API}{job.pk}/cancel/").status_code == 404
    assert admin_client.post(f"{PAGES}{job.pk}/", {"action": "cancel"}).status_code == 404
    assert "Globex" not in admin_client.get(PAGES).content.decode()
    assert api.get(API).json()["results"] == []
    job.refresh_from_db()
    assert job.state == "draft"


# --- API -------------------------------------------------------------------------------------------------------------


def test_api_post_import_then_get_progress_and_error_file(org, admin_user, api):
    response = api.post(
        API,
        {"module": "companies", "file": SimpleUploadedFile("c.csv", COMPANIES_CSV.encode()),
         "mapping": '{"Phone": ""}'},
        format="multipart",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["state"], body["total_rows"], body["processed_rows"]) == ("pending", 5, 0)
    assert body["error_file_url"] is None
    assert body["columns"][2] == {"index": 2, "header": "Phone", "field": ""}
    assert run_import(body["id"]) == "partially_failed"
    body = api.get(f"{API}{body['id']}/").json()
    assert (body["state"], body["created_count"], body["failed_count"], body["percent"]) == (
        "partially_failed",
        2,
        3,
        100,
    )
    assert body["error_file_url"] == f"http://testserver{API}{body['id']}/errors.csv"
    rows = error_file(api, body["error_file_url"])
    assert rows[0][-1] == "error" and len(rows) == 4
    assert api.get(API).json()["results"][0]["id"] == body["id"]


@pytest.mark.parametrize(
    ("data", "code", "field"),
    [
        ({"module": "companies", "file": ("a.csv", b"")}, "empty_file", "file"),
        ({"module": "companies", "file": ("a.csv", b"Name,Email\r\n")}, "empty_file", "file"),
        ({"module": "invoices", "file": ("a.csv", b"Name\nAcme\n")}, "invalid_module", "module"),
        ({"file": ("a.csv", b"Name\nAcme\n")}, "invalid_module", "module"),
        ({"module": "companies", "file": ("a.xlsx", b"PK\x03\x04\x14\x00")}, "not_csv", "file"),
        ({"module": "companies", "file": ("a.png", b"\x89PNG\r\n")}, "not_csv", "file"),
        ({"module": "companies", "file": ("a.csv", b"Name\n" + b"A" * 200 + b"\n")}, "file_too_large", "file"),
        ({"module": "companies"}, "file_required", "file"),
        ({"module": "companies", "file": ("a.csv", b"Name\nAcme\n"), "mapping": "{oops"}, "mapping_invalid", "mapping"),
        (
            {"module": "companies", "file": ("a.csv", b"Name\nAcme\n"), "mapping": '{"Nope": "name"}'},
            "mapping_invalid",
            "mapping",
        ),
        ({"module": "companies", "file": ("a.csv", b"Mail\nx@y.test\n")}, "mapping_invalid", "mapping"),
    ],
)
def test_api_refuses_bad_uploads_with_code_message_fields(org, api, settings, data, code, field):
    settings.IMPORT_MAX_BYTES = 100
    payload = {k: SimpleUploadedFile(*v) if k == "file" else v for k, v in data.items()}
    response = api.post(API, payload, format="multipart")
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == code and body["message"] and body["fields"][field] == [body["message"]]
    assert ImportJob.objects.count() == 0


def test_api_import_needs_edit_permission_on_the_module(org):
    from rest_framework.test import APIClient

    from fsmbilling.models import Role
    from fsmbilling.services.api_tokens import api_token_create

    user = member(org, role="Technician", username="tech@acme.test")
    assert not Role.objects.get(organization=org, name="Technician").allows("companies", "edit")
    _, raw = api_token_create(organization=org, user=user, name="t")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    response = client.post(
        API, {"module": "companies", "file": SimpleUploadedFile("a.csv", b"Name\nA\n")}, format="multipart"
    )
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert ImportJob.objects.count() == 0


def test_import_submit_runs_whole_flow(org, admin_user):
    job = import_submit(
        organization=org, actor=admin_user, module="companies", file_name="a.csv", raw=b"Name,Email\nAcme,a@a.test\n"
    )
    assert job.state == "pending"
    assert run_import(job.pk) == "succeeded"
