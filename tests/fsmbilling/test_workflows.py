"""Workflow rules (REC-12): firing from the record services on create/update, conditions, email alerts, set-field,
signed webhooks checked by a local receiver, retries with backoff, no firing for sync's changes (SYN-16), pages, API,
permissions and isolation."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from django_q.models import OrmQ, Schedule

from fsmbilling import crypto
from fsmbilling.models import Company, Contact, ServicePart, WorkflowDelivery, WorkflowRule
from fsmbilling.services.catalog import service_part_create, service_part_update
from fsmbilling.services.companies import company_create, company_update
from fsmbilling.services.contacts import contact_create
from fsmbilling.services.workflows import (
    fire_workflow_rules,
    run_workflow_rules,
    workflow_rule_create,
    workflow_rule_update,
)
from fsmbilling.tasks import deliver_workflow_action
from sync.engine.run import execute_run
from sync.engine_models import SyncRun, SyncSettings
from tests.conftest import member
from tests.factories import PASSWORD, CompanyFactory, ContactFactory, ServicePartFactory
from tests.sync.connectors.conftest import connect, sandbox  # noqa: F401 - the in-process Books sandbox fixture

API = "/api/v1/orgs/acme/workflow-rules/"
PAGES = "/o/acme/settings/workflow-rules/"
SECRET = "s3cret-for-tests-0123456789abcdef"


def rule(org, user, **data) -> WorkflowRule:
    defaults = {"name": "Rule", "module": "companies", "event": "created", "action": "email"}
    return workflow_rule_create(organization=org, actor=user, data={**defaults, **data})


def deliver_all() -> list[str]:
    """What the task cluster does with the queued deliveries."""
    waiting = WorkflowDelivery.objects.filter(status__in=["pending", "retrying"]).order_by("id")
    return [deliver_workflow_action(pk) for pk in waiting.values_list("pk", flat=True)]


class Receiver:
    """A webhook receiver on 127.0.0.1 (a random free port) that checks the signature like a real one would."""

    def __init__(self, secret: str):
        self.secret = secret
        self.requests: list[dict] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                timestamp = self.headers["X-Fsm-Timestamp"]
                expected = hmac.new(
                    receiver.secret.encode(), f"{timestamp}.{body.decode()}".encode(), hashlib.sha256
                ).hexdigest()
                valid = hmac.compare_digest(expected, self.headers.get("X-Fsm-Signature", ""))
                fresh = abs(int(timestamp) - timezone.now().timestamp()) < 300
                receiver.requests.append({"headers": dict(self.headers), "body": body, "valid": valid and fresh})
                status = receiver.status if valid and fresh else 401
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/fsm"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    with Receiver(SECRET) as running:
        yield running


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run on-commit callbacks (the rules fire after the record's transaction commits)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


# --- Firing from the services ----------------------------------------------------------------------------------------


def test_email_alert_on_company_created(org, admin_user, on_commit):
    rule(org, admin_user, name="New companies", email_recipients="ops@acme.test, boss@acme.test", email_to_record=True)
    with on_commit() as callbacks:
        company = company_create(organization=org, actor=admin_user, data={"name": "Bowman", "email": "ap@bow.test"})
    assert callbacks  # nothing ran before the commit
    delivery = WorkflowDelivery.objects.get()
    assert (delivery.status, delivery.module, delivery.event, delivery.record_id, delivery.target) == (
        "pending",
        "companies",
        "created",
        company.pk,
        "ops@acme.test, boss@acme.test, ap@bow.test",
    )
    assert OrmQ.objects.count() == 1  # queued for the task cluster
    assert deliver_all() == ["succeeded"]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ops@acme.test", "boss@acme.test", "ap@bow.test"]
    assert message.subject == "[fsmbilling] New companies: Bowman was created"
    assert f"/o/acme/companies/{company.pk}/" in message.body and "by admin@acme.test" in message.body
    assert deliver_workflow_action(delivery.pk) == "not claimed"  # delivered twice: sent once
    assert len(mail.outbox) == 1


def test_rules_fire_only_for_their_event_module_and_condition(org, admin_user, on_commit):
    rule(org, admin_user, name="Inactive", event="updated", condition_field="status", condition_value="Inactive",
         email_recipients="ops@acme.test")  # fmt: skip
    rule(org, admin_user, name="Contacts", module="contacts", email_recipients="ops@acme.test")
    rule(org, admin_user, name="Off", is_active=False, email_recipients="ops@acme.test")
    with on_commit():
        company = company_create(organization=org, actor=admin_user, data={"name": "Bowman", "status": "inactive"})
    assert WorkflowDelivery.objects.count() == 0  # created, not updated; other module; inactive rule
    with on_commit():
        company_update(instance=company, actor=admin_user, data={"notes": "still inactive"})
    with on_commit():
        company_update(instance=company, actor=admin_user, data={"status": "active"})
    assert list(WorkflowDelivery.objects.values_list("rule_name", "event")) == [("Inactive", "updated")]


def test_rolled_back_change_fires_nothing(org, admin_user, on_commit):
    rule(org, admin_user, email_recipients="ops@acme.test")
    with on_commit(), pytest.raises(ValidationError):
        company_create(organization=org, actor=admin_user, data={"name": "", "email": "bad"})
    assert WorkflowDelivery.objects.count() == 0


def test_set_field_on_create_and_no_loop(org, admin_user, on_commit):
    rule(org, admin_user, name="Flag parts", module="services_and_parts", event="created_or_updated",
         condition_field="kind", condition_value="part", action="set_field", set_field_name="unit",
         set_field_value="pcs")  # fmt: skip
    with on_commit():
        part = service_part_create(organization=org, actor=admin_user, data={"name": "Valve", "kind": "part"})
        service = service_part_create(organization=org, actor=admin_user, data={"name": "Repair", "kind": "service"})
    part.refresh_from_db()
    service.refresh_from_db()
    assert (part.unit, service.unit) == ("pcs", "")
    delivery = WorkflowDelivery.objects.get()
    assert (delivery.action, delivery.status, delivery.target, delivery.record_id) == (
        "set_field",
        "succeeded",
        "unit = pcs",
        part.pk,
    )
    # The field set by the rule is an ordinary local change (newer updated_at) and fires nothing more.
    with on_commit():
        service_part_update(instance=part, actor=admin_user, data={"unit": "box"})
    part.refresh_from_db()
    assert part.unit == "pcs" and WorkflowDelivery.objects.count() == 2


def test_set_boolean_and_decimal_fields(org, admin_user, on_commit):
    rule(org, admin_user, name="Not taxable", module="contacts", action="set_field", set_field_name="is_taxable",
         set_field_value="false")  # fmt: skip
    rule(org, admin_user, name="Free", module="services_and_parts", action="set_field", set_field_name="rate",
         set_field_value="0")  # fmt: skip
    with on_commit():
        contact = contact_create(organization=org, actor=admin_user, data={"last_name": "Bowman"})
        item = service_part_create(organization=org, actor=admin_user, data={"name": "Gift", "rate": "5"})
    assert Contact.objects.get(pk=contact.pk).is_taxable is False
    assert ServicePart.objects.get(pk=item.pk).rate == Decimal("0")


def test_work_orders_fire_rules(org, admin_user, on_commit):
    from fsmbilling.services.work_orders import work_order_create, work_order_set_status

    company = CompanyFactory(organization=org, name="Bowman")
    rule(org, admin_user, name="WO", module="work_orders", event="created_or_updated", email_recipients="o@a.test")
    with on_commit():
        work_order = work_order_create(organization=org, actor=admin_user, data={"company": company, "summary": "Fix"})
    with on_commit():
        work_order_set_status(instance=work_order, actor=admin_user, status="scheduled")
    assert list(WorkflowDelivery.objects.order_by("id").values_list("event", "record_id")) == [
        ("created", work_order.pk),
        ("updated", work_order.pk),
    ]


def test_trigger_is_generic_by_module_name(org, admin_user, on_commit):
    """Invoices (another app) fire rules with the same call; any record with a pk works."""
    rule(org, admin_user, name="Invoices", module="invoices", email_recipients="billing@acme.test")
    record = CompanyFactory(organization=org, name="Stands in for an invoice")
    with on_commit():
        fire_workflow_rules(organization=org, module="invoices", event="created", record=record, actor=None)
    delivery = WorkflowDelivery.objects.get()
    assert (delivery.module, delivery.record_id) == ("invoices", record.pk)
    assert delivery.payload["event"] == "invoices.created"


def test_a_failing_rule_never_breaks_the_save(org, admin_user, on_commit):
    broken = rule(org, admin_user, name="Broken", action="set_field", set_field_name="notes", set_field_value="x")
    WorkflowRule.objects.filter(pk=broken.pk).update(set_field_name="no_such_field")
    with on_commit():
        company = company_create(organization=org, actor=admin_user, data={"name": "Bowman"})
    assert Company.objects.filter(pk=company.pk).exists()
    delivery = WorkflowDelivery.objects.get()
    assert delivery.status == "failed" and "cannot be set" in delivery.error


# --- Webhooks --------------------------------------------------------------------------------------------------------


def test_signed_webhook_verified_by_the_receiver(org, admin_user, on_commit, receiver):
    hook = rule(org, admin_user, name="Hook", module="contacts", action="webhook", webhook_url=receiver.url,
                webhook_secret=SECRET)  # fmt: skip
    assert hook.webhook_secret_encrypted and SECRET not in hook.webhook_secret_encrypted
    assert crypto.decrypt(hook.webhook_secret_encrypted) == SECRET
    with on_commit():
        contact = contact_create(organization=org, actor=admin_user, data={"first_name": "Will", "last_name": "Bowman"})
    assert deliver_all() == ["succeeded"]
    (request,) = receiver.requests
    assert request["valid"] is True
    headers = request["headers"]
    delivery = WorkflowDelivery.objects.get()
    assert (headers["Content-Type"], headers["X-Fsm-Event"], headers["X-Fsm-Delivery"]) == (
        "application/json",
        "contacts.created",
        str(delivery.pk),
    )
    assert len(headers["X-Fsm-Signature"]) == 64
    body = json.loads(request["body"])
    assert (body["event"], body["organization"], body["delivery_id"], body["rule"]) == (
        "contacts.created",
        "acme",
        delivery.pk,
        {"id": hook.pk, "name": "Hook"},
    )
    assert (body["record"]["id"], body["record"]["last_name"], body["record"]["first_name"]) == (
        contact.pk,
        "Bowman",
        "Will",
    )
    assert "organization_id" not in body["record"]
    assert (delivery.status, delivery.response_code, delivery.attempts, delivery.error) == ("succeeded", 200, 1, "")


def test_webhook_with_wrong_secret_is_refused_by_the_receiver(org, admin_user, on_commit, receiver):
    rule(org, admin_user, action="webhook", webhook_url=receiver.url, webhook_secret="another-secret-0123456789")
    with on_commit():
        company_create(organization=org, actor=admin_user, data={"name": "Bowman"})
    assert deliver_all() == ["failed"]  # 401 is not worth retrying
    assert receiver.requests[0]["valid"] is False
    delivery = WorkflowDelivery.objects.get()
    assert (delivery.response_code, delivery.error) == (401, "The receiver answered 401.")


def test_webhook_retries_with_backoff_then_succeeds(org, admin_user, on_commit, receiver):
    rule(org, admin_user, action="webhook", webhook_url=receiver.url, webhook_secret=SECRET)
    receiver.status = 503
    with on_commit():
        company_create(organization=org, actor=admin_user, data={"name": "Bowman"})
    with on_commit():
        assert deliver_all() == ["retrying"]
    delivery = WorkflowDelivery.objects.get()
    assert (delivery.attempts, delivery.response_code) == (1, 503)
    assert dt.timedelta(seconds=25) < delivery.next_attempt_at - timezone.now() <= dt.timedelta(seconds=30)
    retry = Schedule.objects.get(name=f"workflow-delivery-{delivery.pk}-1")
    assert (retry.func, retry.args, retry.schedule_type) == ("fsmbilling.tasks.deliver_workflow_action",
                                                             f"({delivery.pk},)", "O")  # fmt: skip
    assert deliver_workflow_action(delivery.pk) == "not due"
    receiver.status = 200
    WorkflowDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert deliver_workflow_action(delivery.pk) == "succeeded"
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.response_code, len(receiver.requests)) == (2, 200, 2)
    first, second = receiver.requests
    assert first["body"] == second["body"]  # the same body (and delivery id) on every attempt


def test_webhook_gives_up_after_max_attempts(org, admin_user, on_commit):
    with Receiver(SECRET) as closed:
        url = closed.url
    rule(org, admin_user, action="webhook", webhook_url=url, webhook_secret=SECRET)  # nothing listens there now
    with on_commit():
        company_create(organization=org, actor=admin_user, data={"name": "Bowman"})
    delivery = WorkflowDelivery.objects.get()
    for attempt in range(1, 6):
        WorkflowDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=None)
        with on_commit():
            status = deliver_workflow_action(delivery.pk)
        assert status == ("retrying" if attempt < 5 else "failed")
    delivery.refresh_from_db()
    assert delivery.attempts == 5 and "Could not connect" in delivery.error and "Gave up after 5" in delivery.error
    assert Schedule.objects.filter(name__startswith=f"workflow-delivery-{delivery.pk}-").count() == 4


# --- SYN-16: changes made by sync fire nothing -----------------------------------------------------------------------


def test_changes_made_by_sync_fire_no_rules(org, admin_user, sandbox, on_commit, receiver):  # noqa: F811
    from sync.connectors import base as remote
    from sync.connectors import zoho

    for module in ("companies", "contacts", "services_and_parts"):
        rule(org, admin_user, name=f"Hook {module}", module=module, event="created_or_updated", action="webhook",
             webhook_url=receiver.url, webhook_secret=SECRET)  # fmt: skip
        rule(org, admin_user, name=f"Mail {module}", module=module, event="created_or_updated",
             email_recipients="ops@acme.test")  # fmt: skip
        rule(org, admin_user, name=f"Set {module}", module=module, event="created_or_updated", action="set_field",
             set_field_name="status", set_field_value="inactive")  # fmt: skip
    company = CompanyFactory(organization=org, name="Bowman and Co", email="ap@bowman.test", phone="111")
    ContactFactory(organization=org, company=company, first_name="Will", last_name="Bowman", is_primary=True)
    ServicePartFactory(organization=org, name="Valve", kind="part", rate=Decimal("8.25"))
    connection = connect(sandbox, org, is_tax_enabled=False)
    SyncSettings.objects.update_or_create(
        organization=org, defaults={"is_enabled": True, "sync_type": "IV", "duplicate_handling": "overwrite"}
    )
    with zoho.connector_for(connection, clock=sandbox.clock) as books:
        books.create_contact(
            remote.Customer(
                contact_name="Bowman and Co",
                company_name="Bowman and Co",
                customer_sub_type="business",
                contact_type="customer",
                phone="222",
            )
        )
        books.create_contact(
            remote.Customer(
                contact_name="Only In Books Inc",
                company_name="Only In Books Inc",
                customer_sub_type="business",
                contact_type="customer",
            )
        )
        books.create_item(remote.Item(name="Gasket", rate=Decimal("2.5"), product_type="goods"))
        books.create_item(remote.Item(name="Valve", rate=Decimal("9.00"), product_type="goods"))
    with on_commit():
        run = SyncRun.objects.create(organization=org, trigger=SyncRun.Trigger.FIRST)
        sandbox.clock.advance(1)
        finished = execute_run(run.pk, clock=sandbox.clock)
    assert finished.state in (SyncRun.State.SUCCEEDED, SyncRun.State.PARTIALLY_FAILED), finished.reason
    # Sync created and updated FSM records ...
    assert Company.objects.filter(organization=org, name="Only In Books Inc").exists()
    assert ServicePart.objects.filter(organization=org, name="Gasket").exists()
    assert finished.counts["companies"]["to_fsm"]["created"] == 1
    # ... and no rule fired: nothing logged, queued, set, mailed or called.
    assert WorkflowDelivery.objects.count() == 0
    assert OrmQ.objects.filter(key__isnull=False).count() == OrmQ.objects.count() == 0
    assert not Company.objects.filter(organization=org, status="inactive").exists()
    assert not ServicePart.objects.filter(organization=org, status="inactive").exists()
    assert [m for m in mail.outbox if "ops@acme.test" in m.to] == []
    assert receiver.requests == []
    # The same rules do fire for a change made by a person.
    with on_commit():
        company_update(instance=company, actor=admin_user, data={"notes": "Gate code"})
    assert WorkflowDelivery.objects.count() == 3


# --- Rule validation -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"email_recipients": ""}, "email_recipients"),
        ({"email_recipients": "ok@a.test, nope"}, "email_recipients"),
        ({"action": "set_field", "set_field_name": "organization", "set_field_value": "1"}, "set_field_name"),
        ({"action": "set_field", "set_field_name": "status", "set_field_value": "gone"}, "set_field_value"),
        ({"action": "webhook", "webhook_url": "ftp://example.test/x"}, "webhook_url"),
        ({"action": "webhook", "webhook_url": "http://127.0.0.1:9/x", "webhook_secret": "short"}, "webhook_secret"),
        ({"condition_field": "password", "email_recipients": "a@a.test"}, "condition_field"),
        ({"module": "estimates", "email_recipients": "a@a.test"}, "module"),
        ({"action": "shout"}, "action"),
        ({"name": " "}, "name"),
    ],
)
def test_rule_validation_names_the_field(org, admin_user, data, field):
    with pytest.raises(ValidationError) as refused:
        rule(org, admin_user, **data)
    assert field in refused.value.message_dict
    assert WorkflowRule.objects.count() == 0


def test_generated_secret_and_rule_update(org, admin_user):
    hook = rule(org, admin_user, name="Hook", action="webhook", webhook_url="https://hooks.example.test/x")
    assert len(hook.new_secret) == 64 and crypto.decrypt(hook.webhook_secret_encrypted) == hook.new_secret
    encrypted = hook.webhook_secret_encrypted
    hook = workflow_rule_update(instance=hook, actor=admin_user, data={"webhook_url": "https://hooks.example.test/y"})
    assert hook.webhook_secret_encrypted == encrypted and not hook.new_secret
    with pytest.raises(ValidationError, match="cannot move"):
        workflow_rule_update(instance=hook, actor=admin_user, data={"module": "contacts"})
    with pytest.raises(ValidationError, match="Another rule already has this name"):
        rule(org, admin_user, name="Hook", email_recipients="a@a.test")
    hook = workflow_rule_update(instance=hook, actor=admin_user, data={"action": "email", "email_to_record": True})
    assert (hook.webhook_url, hook.webhook_secret_encrypted) == ("", "")


def test_run_workflow_rules_is_scoped_to_the_organization(org, other_org, admin_user, other_admin):
    rule(other_org, other_admin, name="Globex rule", email_recipients="g@globex.test")
    company = CompanyFactory(organization=org, name="Bowman")
    assert run_workflow_rules(organization=org, module="companies", event="created", record=company) == []


# --- Pages -----------------------------------------------------------------------------------------------------------


def test_rule_pages_create_list_detail_edit_delete_and_log(org, admin_user, admin_client, on_commit):
    response = admin_client.post(
        f"{PAGES}new/",
        {"name": "Hook", "module": "companies", "event": "created", "is_active": "on", "action": "webhook",
         "webhook_url": "https://hooks.example.test/fsm", "condition_field": "", "set_field_name": ""},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    hook = WorkflowRule.objects.get(organization=org)
    assert response["Location"] == f"{PAGES}{hook.pk}/"
    page = admin_client.get(response["Location"]).content.decode()
    assert "copy it now" in page and crypto.decrypt(hook.webhook_secret_encrypted) in page
    assert "https://hooks.example.test/fsm" in admin_client.get(PAGES).content.decode()
    form = admin_client.get(f"{PAGES}{hook.pk}/edit/").content.decode()
    assert 'name="webhook_secret"' in form and crypto.decrypt(hook.webhook_secret_encrypted) not in form
    response = admin_client.post(
        f"{PAGES}{hook.pk}/edit/",
        {"name": "Mail", "module": "companies", "event": "updated", "action": "email", "is_active": "on",
         "email_recipients": "ops@acme.test", "condition_field": "status", "condition_value": "inactive",
         "set_field_name": ""},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    hook.refresh_from_db()
    assert (hook.name, hook.action, hook.condition_field, hook.webhook_url) == ("Mail", "email", "status", "")
    bad = admin_client.post(f"{PAGES}new/", {"name": "X", "module": "companies", "event": "created",
                                             "action": "email", "email_recipients": "nope"})  # fmt: skip
    assert bad.status_code == 200 and "Not an email address: nope." in bad.content.decode()
    company = CompanyFactory(organization=org, name="Bowman")
    with on_commit():
        company_update(instance=company, actor=admin_user, data={"status": "inactive"})
    deliver_all()
    log = admin_client.get(f"{PAGES}deliveries/").content.decode()
    assert "Bowman" in log and "Succeeded" in log and 'data-testid="new-record"' not in log
    assert "Bowman" in admin_client.get(f"{PAGES}{hook.pk}/").content.decode()
    assert admin_client.post(f"{PAGES}{hook.pk}/delete/").status_code == 302
    assert not WorkflowRule.objects.exists()
    assert WorkflowDelivery.objects.get().rule_name == "Mail"  # the log stays


def test_rule_pages_and_api_are_for_administrators(org, admin_user):
    hook = rule(org, admin_user, email_recipients="a@a.test")
    user = member(org, role="Technician", username="tech@acme.test")
    client = Client()
    client.login(username=user.username, password=PASSWORD)
    for url in (PAGES, f"{PAGES}new/", f"{PAGES}{hook.pk}/", f"{PAGES}deliveries/"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"{PAGES}{hook.pk}/delete/").status_code == 403
    assert WorkflowRule.objects.filter(pk=hook.pk).exists()


def test_other_organizations_rules_are_404(org, other_org, other_admin, admin_client, api):
    hook = rule(other_org, other_admin, name="Globex rule", email_recipients="g@globex.test")
    for url in (f"{PAGES}{hook.pk}/", f"{PAGES}{hook.pk}/edit/"):
        assert admin_client.get(url).status_code == 404
    assert admin_client.post(f"{PAGES}{hook.pk}/delete/").status_code == 404
    assert api.get(f"{API}{hook.pk}/").status_code == 404
    assert api.patch(f"{API}{hook.pk}/", {"name": "Mine"}, format="json").status_code == 404
    assert api.delete(f"{API}{hook.pk}/").status_code == 404
    assert "Globex rule" not in admin_client.get(PAGES).content.decode()
    assert api.get(API).json()["results"] == []
    hook.refresh_from_db()
    assert hook.name == "Globex rule"


# --- API -------------------------------------------------------------------------------------------------------------


def test_api_crud(org, admin_user, api):
    response = api.post(
        API,
        {"name": "Hook", "module": "contacts", "event": "created_or_updated", "action": "webhook",
         "webhook_url": "https://hooks.example.test/fsm"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    body = response.json()
    hook = WorkflowRule.objects.get(pk=body["id"])
    assert body["webhook_secret"] == crypto.decrypt(hook.webhook_secret_encrypted) and body["has_webhook_secret"]
    fetched = api.get(f"{API}{body['id']}/").json()
    assert "webhook_secret" not in fetched and fetched["webhook_url"] == "https://hooks.example.test/fsm"
    response = api.patch(f"{API}{body['id']}/", {"webhook_secret": SECRET, "is_active": False}, format="json")
    assert response.status_code == 200, response.json()
    hook.refresh_from_db()
    assert crypto.decrypt(hook.webhook_secret_encrypted) == SECRET and not hook.is_active
    response = api.post(API, {"name": "Bad", "module": "contacts", "action": "set_field", "set_field_name": "x"},
                        format="json")  # fmt: skip
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "set_field_name" in response.json()["fields"]
    assert [r["name"] for r in api.get(API).json()["results"]] == ["Hook"]
    assert api.get("/api/v1/orgs/acme/workflow-deliveries/").status_code == 200
    assert api.delete(f"{API}{body['id']}/").status_code == 204
    assert not WorkflowRule.objects.exists()
