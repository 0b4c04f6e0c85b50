"""Pacing, retries and error classification against the sandbox's limits and injected faults."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from django.utils import timezone

from sync.connectors import zoho
from sync.connectors.base import (
    CapacityReached,
    ConcurrencyLimited,
    Customer,
    DuplicateName,
    Invoice,
    InvoiceLine,
    NotFound,
    OrganizationGone,
    QuotaExhausted,
    ServerError,
    TransportError,
    ValidationFailed,
)
from sync.models import ApiPacer, FinanceConnection
from tests.sync.connectors.conftest import connect


def test_a_burst_of_250_calls_never_meets_a_429(sandbox, connector):
    for _ in range(250):
        connector.list_currencies()

    calls = sandbox.transport.api_calls()
    assert len(calls) == 250
    assert {c.status for c in calls} == {200}
    # 90 calls a minute: two waits for the next minute window, taken on the (virtual) clock.
    assert sum(sandbox.clock.slept) == pytest.approx(120, abs=1)
    pacer = ApiPacer.objects.get(finance_org_id=connector.connection.finance_org_id)
    assert pacer.window_count == 70
    assert pacer.leases == {}
    assert pacer.daily_remaining == 10000 - 250


def test_injected_429s_are_absorbed(sandbox, connector):
    sandbox.control.faults(rate=0.3, kinds=["429"], seed=11)

    for _ in range(30):
        connector.list_currencies()

    statuses = [c.status for c in sandbox.transport.api_calls()]
    assert statuses.count(200) == 30
    assert statuses.count(429) > 0
    assert set(statuses) == {200, 429}


def test_the_sandboxs_own_per_minute_limit_is_waited_out(sandbox, connection):
    # A connector paced above Books' 100 a minute meets a real code 44 and waits for the next window.
    connector = zoho.connector_for(connection, clock=sandbox.clock, per_minute=150)

    for _ in range(120):
        connector.list_currencies()

    statuses = [c.status for c in sandbox.transport.api_calls()]
    assert statuses.count(429) == 1
    assert statuses.index(429) == 100
    assert statuses.count(200) == 120
    assert sandbox.clock.slept == [60]  # Retry-After: the seconds to the next minute window


def test_too_many_requests_in_flight_back_off_and_retry(sandbox, connector, connection):
    from sandbox.models import InFlightRequest, Organization

    finance_org = Organization.objects.get(pk=Organization.pk_from_zoho_id(connection.finance_org_id))
    others = [InFlightRequest.objects.create(organization=finance_org, started_at=timezone.now()) for _ in range(10)]
    # Other workers' requests finish while this one backs off.
    sandbox.clock.on_sleep = lambda: InFlightRequest.objects.filter(pk__in=[o.pk for o in others]).delete()

    assert connector.list_currencies()

    assert [c.status for c in sandbox.transport.api_calls()] == [429, 200]
    assert len(sandbox.clock.slept) == 1
    assert 1 <= sandbox.clock.slept[0] <= 5
    assert ApiPacer.objects.get().in_flight_limit == 4


def test_persistent_concurrency_refusals_surface(sandbox, connector, connection):
    from sandbox.models import InFlightRequest, Organization

    finance_org = Organization.objects.get(pk=Organization.pk_from_zoho_id(connection.finance_org_id))
    for _ in range(10):
        InFlightRequest.objects.create(organization=finance_org, started_at=timezone.now())

    with pytest.raises(ConcurrencyLimited) as caught:
        connector.list_currencies()

    assert (caught.value.zoho_code, caught.value.retryable) == (1070, True)
    assert [c.status for c in sandbox.transport.api_calls()] == [429] * 6


def test_gets_are_retried_after_500s(sandbox, connector):
    sandbox.control.faults(rate=0.3, kinds=["500"], seed=5)

    for _ in range(30):
        connector.list_currencies()

    statuses = [c.status for c in sandbox.transport.api_calls()]
    assert statuses.count(200) == 30
    assert statuses.count(500) > 0


def test_an_email_is_not_retried_after_a_500(sandbox, connector):
    sandbox.control.faults(rate=1.0, kinds=["500"], seed=1)
    with pytest.raises(ServerError) as caught:
        connector.email_invoice("460000000012345", to=["ap@example.com"])
    assert caught.value.retryable is True
    assert caught.value.zoho_code == 1000
    assert [(c.method, c.status) for c in sandbox.transport.api_calls()] == [("POST", 500)]


def _seed_with_drop_first(following_clean: int) -> int:
    """A fault seed whose first API call drops the connection and the next ``following_clean`` calls do not fail.

    Mirrors the sandbox's documented draw: call n uses random.Random(f"{seed}:{n}") (sandbox/faults.py).
    """
    rate = 0.5
    for seed in range(1, 10_000):
        draws = [random.Random(f"{seed}:{n}").random() < rate for n in range(1, following_clean + 2)]
        if draws[0] and not any(draws[1:]):
            return seed
    raise AssertionError("no seed found")


def test_a_create_on_a_dropped_connection_is_looked_up_then_made_once(sandbox, connector):
    # The sandbox hangs up before carrying the request out.
    sandbox.control.faults(rate=0.5, kinds=["drop"], seed=_seed_with_drop_first(following_clean=6))

    created = connector.create_contact(Customer(contact_name="Dropped Answer Ltd", company_name="Dropped Answer"))

    sandbox.control.faults(rate=0)
    assert created.contact_id
    assert created.contact_name == "Dropped Answer Ltd"
    calls = [(c.method, c.url.path.rsplit("/", 1)[-1], c.status) for c in sandbox.transport.api_calls()]
    assert calls == [
        ("POST", "contacts", None),  # the dropped one: no answer at all
        ("GET", "contacts", 200),  # lookup by contact_name
        ("GET", "contacts", 200),  # lookup by a full read, since the filter found nothing
        ("POST", "contacts", 201),
    ]
    assert [c.contact_id for c in connector.find_contacts(contact_name="dropped answer ltd ")] == [created.contact_id]


def test_a_create_whose_answer_was_lost_is_adopted_not_made_twice(sandbox, connector):
    # The sandbox created the contact, but the answer never came back.
    sandbox.transport.lose_answer_once = ("POST", "/contacts")

    created = connector.create_contact(Customer(contact_name="Lost Answer Ltd"))

    assert created.contact_id
    calls = [(c.method, c.status) for c in sandbox.transport.api_calls()]
    assert calls == [("POST", 201), ("GET", 200), ("GET", 200)]  # create, lookup by name, full record
    assert [c.contact_id for c in connector.find_contacts(contact_name="Lost Answer Ltd")] == [created.contact_id]
    # Calling it again is refused by Books (3062), never a second record.
    with pytest.raises(DuplicateName):
        connector.create_contact(Customer(contact_name="Lost Answer Ltd"))


def test_an_invoice_without_a_key_is_not_posted_again(sandbox, connector):
    customer = connector.create_contact(Customer(contact_name="Keyless"))
    sandbox.transport.lose_answer_once = ("POST", "/invoices")
    with pytest.raises(TransportError):
        connector.create_invoice(
            Invoice(customer_id=customer.contact_id, line_items=(InvoiceLine(name="Fix", rate=Decimal("10")),))
        )
    assert len([c for c in sandbox.transport.api_calls("/invoices") if c.method == "POST"]) == 1


def test_an_invoice_with_a_number_is_adopted(sandbox, connector):
    customer = connector.create_contact(Customer(contact_name="Numbered"))
    sandbox.transport.lose_answer_once = ("POST", "/invoices")
    invoice = connector.create_invoice(
        Invoice(
            customer_id=customer.contact_id,
            invoice_number="FSM-00077",
            line_items=(InvoiceLine(name="Fix", rate=Decimal("10")),),
        )
    )
    assert invoice.invoice_number == "FSM-00077" and invoice.invoice_id
    assert len([c for c in sandbox.transport.api_calls("/invoices") if c.method == "POST"]) == 1


def test_duplicate_display_name_surfaces_code_3062(sandbox, connector):
    connector.create_contact(Customer(contact_name="Bowman and Co"))
    with pytest.raises(DuplicateName) as caught:
        connector.create_contact(Customer(contact_name=" bowman AND co"))
    error = caught.value
    assert (error.zoho_code, error.http_status, error.retryable) == (3062, 400, False)
    assert "already exists" in error.message
    assert len([c for c in sandbox.transport.api_calls() if c.method == "POST"]) == 2


def test_missing_record_surfaces_code_1002(sandbox, connector):
    with pytest.raises(NotFound) as caught:
        connector.get_contact("460000000099999")
    assert (caught.value.zoho_code, caught.value.http_status) == (1002, 404)
    assert len(sandbox.transport.api_calls()) == 1


def test_deleted_finance_org_surfaces_code_6041(sandbox, connector, connection):
    sandbox.control.delete_org(connection.finance_org_id)
    with pytest.raises(OrganizationGone) as caught:
        connector.list_currencies()
    assert caught.value.zoho_code == 6041
    assert caught.value.retryable is False
    assert len(sandbox.transport.api_calls()) == 1
    connection.refresh_from_db()
    assert connection.status == FinanceConnection.State.FINANCE_ORG_DELETED


def test_invoice_edition_capacity_surfaces_code_1009(sandbox, org, monkeypatch):
    from sandbox import limits

    monkeypatch.setattr(limits, "INVOICE_EDITION_CAP", 2)
    connector = zoho.connector_for(connect(sandbox, org, edition="invoice"), clock=sandbox.clock)
    connector.create_contact(Customer(contact_name="One"))
    connector.create_contact(Customer(contact_name="Two"))
    with pytest.raises(CapacityReached) as caught:
        connector.create_contact(Customer(contact_name="Three"))
    assert (caught.value.zoho_code, caught.value.http_status, caught.value.retryable) == (1009, 400, False)
    assert connector.count_customers() == 2


def test_other_refusals_are_validation_failures(sandbox, connector):
    customer = connector.create_contact(Customer(contact_name="No Lines"))
    with pytest.raises(ValidationFailed) as caught:
        connector.create_invoice(Invoice(customer_id=customer.contact_id))
    assert caught.value.http_status == 400
    assert caught.value.zoho_code not in (None, 0)


def test_the_daily_quota_stops_calls_before_they_are_refused(sandbox, connector, connection, settings):
    settings.SANDBOX_DAILY_QUOTA_OVERRIDE = 5
    for _ in range(5):
        connector.list_currencies()

    with pytest.raises(QuotaExhausted) as caught:
        connector.list_currencies()

    assert len(sandbox.transport.api_calls()) == 5
    assert caught.value.reset_seconds == pytest.approx(14 * 3600, abs=2)  # midnight UTC, seen from 10:00
    other_worker = zoho.connector_for(FinanceConnection.objects.get(pk=connection.pk), clock=sandbox.clock)
    with pytest.raises(QuotaExhausted):
        other_worker.list_currencies()
    assert len(sandbox.transport.api_calls()) == 5


def test_a_code_45_stops_the_run(sandbox, connector, settings):
    settings.SANDBOX_DAILY_QUOTA_OVERRIDE = 3
    for _ in range(3):
        connector.list_currencies()
    # Another process that has not seen the headers yet:
    ApiPacer.objects.update(daily_remaining=None)

    with pytest.raises(QuotaExhausted) as caught:
        connector.list_currencies()

    assert (caught.value.zoho_code, caught.value.http_status) == (45, 429)
    assert [c.status for c in sandbox.transport.api_calls()] == [200, 200, 200, 429]
