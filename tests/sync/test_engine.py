"""The sync engine against the Books sandbox over HTTP (in process): first run, incremental runs, conflicts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fsmbilling.models import Company, Contact, ServicePart, Status
from sync.checker import check
from sync.connectors import base as remote
from sync.engine.run import execute_run
from sync.engine_models import SyncLink, SyncRun, SyncSettings
from tests.factories import CompanyFactory, ContactFactory, ServicePartFactory


def enable(org, *, sync_type="IV", duplicates="overwrite"):
    return SyncSettings.objects.update_or_create(
        organization=org, defaults={"is_enabled": True, "sync_type": sync_type, "duplicate_handling": duplicates}
    )[0]


def run(org, sandbox, trigger=SyncRun.Trigger.MANUAL) -> SyncRun:
    sync_run = SyncRun.objects.create(organization=org, trigger=trigger)
    sandbox.clock.advance(1)
    finished = execute_run(sync_run.pk, clock=sandbox.clock)
    assert finished is not None
    return finished


def writes(sandbox) -> list:
    return [c for c in sandbox.transport.api_calls() if c.method in ("POST", "PUT", "DELETE")]


@pytest.fixture
def synced(org, books, sandbox):
    """An organization with FSM records and Books records, some with the same keys."""
    enable(org)
    acme_co = CompanyFactory(organization=org, name="Bowman and Co", email="ap@bowman.test", phone="111")
    ContactFactory(
        organization=org,
        company=acme_co,
        first_name="Will",
        last_name="Bowman",
        email="will@bowman.test",
        is_primary=True,
    )
    CompanyFactory(organization=org, name="Only In FSM Ltd")
    ContactFactory(organization=org, company=None, first_name="Ivy", last_name="Individual", email="ivy@ind.test")
    ServicePartFactory(organization=org, name="Boiler service", rate=Decimal("120.50"))
    ServicePartFactory(organization=org, name="Valve", kind=ServicePart.Kind.PART, rate=Decimal("8.25"))
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
    books.create_item(remote.Item(name="Valve", rate=Decimal("9.00"), product_type="goods"))
    books.create_item(remote.Item(name="Gasket", rate=Decimal("2.5"), product_type="goods"))
    return org


def test_first_run_links_creates_and_converges(synced, sandbox, books):
    first = run(synced, sandbox, SyncRun.Trigger.FIRST)
    assert first.state == SyncRun.State.SUCCEEDED, (
        first.reason,
        list(first.failures.values_list("message", flat=True)),
    )
    report = check(synced, books)
    assert report.ok, report.lines()
    # Matched by key, not duplicated: one "Bowman and Co" on each side.
    assert len(books.find_contacts(contact_name="Bowman and Co")) == 1
    assert Company.objects.filter(organization=synced, name="Bowman and Co").count() == 1
    assert Company.objects.filter(organization=synced, name="Only In Books Inc").exists()
    assert ServicePart.objects.filter(organization=synced, name="Gasket").exists()
    assert first.counts["companies"]["to_books"]["created"] == 1
    assert first.counts["companies"]["to_fsm"]["created"] == 1


def test_second_run_with_nothing_changed_makes_no_writes(synced, sandbox, books):
    run(synced, sandbox)
    sandbox.transport.clear()
    second = run(synced, sandbox)
    assert second.state == SyncRun.State.SUCCEEDED
    assert writes(sandbox) == []
    assert all(c.method == "GET" for c in sandbox.transport.api_calls())


def test_changes_on_each_side_meet_field_by_field(synced, sandbox, books):
    run(synced, sandbox)
    company = Company.objects.get(organization=synced, name="Bowman and Co")
    link = SyncLink.objects.get(organization=synced, kind="company", local_id=company.pk)
    sandbox.clock.advance(60)
    company.notes = "Gate code 1234"
    company.save()
    sandbox.clock.advance(60)
    books.update_contact(link.remote_id, remote.Customer(contact_name="Bowman and Co", website="https://bowman.test"))
    third = run(synced, sandbox)
    assert third.state == SyncRun.State.SUCCEEDED, third.reason
    company.refresh_from_db()
    assert company.website == "https://bowman.test"
    assert books.get_contact(link.remote_id).notes == "Gate code 1234"
    assert check(synced, books).ok
    sandbox.transport.clear()
    run(synced, sandbox)
    assert writes(sandbox) == []  # no ping-pong


def test_deactivation_in_books_deactivates_in_fsm_and_deletes_never_propagate(synced, sandbox, books):
    run(synced, sandbox)
    gasket = ServicePart.objects.get(organization=synced, name="Gasket")
    link = SyncLink.objects.get(organization=synced, kind="item", local_id=gasket.pk)
    sandbox.clock.advance(60)
    books.mark_item_inactive(link.remote_id)
    only_fsm = Company.objects.get(organization=synced, name="Only In FSM Ltd")
    only_fsm_link = SyncLink.objects.get(organization=synced, kind="company", local_id=only_fsm.pk)
    only_fsm.delete()
    result = run(synced, sandbox)
    gasket.refresh_from_db()
    assert gasket.status == Status.INACTIVE
    only_fsm_link.refresh_from_db()
    assert only_fsm_link.state == SyncLink.State.BROKEN
    assert books.get_contact(only_fsm_link.remote_id).contact_name == "Only In FSM Ltd"  # not deleted in Books
    assert result.failures.filter(reason_code="deleted_in_fsm").count() == 1
    assert run(synced, sandbox).failures.filter(reason_code="deleted_in_fsm").count() == 0  # reported once


def test_crash_between_books_create_and_link_save_creates_nothing_twice(synced, sandbox, books, monkeypatch):
    from sync.engine import run as run_module

    original = run_module.Engine.finish_remote_create
    crashes = {"left": 1}

    def crash_once(self, *args, **kwargs):
        if crashes["left"]:
            crashes["left"] -= 1
            raise SystemExit("worker killed")  # not an Exception: nothing in the engine catches it
        return original(self, *args, **kwargs)

    monkeypatch.setattr(run_module.Engine, "finish_remote_create", crash_once)
    sync_run = SyncRun.objects.create(organization=synced, trigger=SyncRun.Trigger.FIRST)
    with pytest.raises(SystemExit):
        execute_run(sync_run.pk, clock=sandbox.clock)
    SyncRun.objects.filter(pk=sync_run.pk).update(state=SyncRun.State.CUT_SHORT)
    assert SyncLink.objects.filter(organization=synced, state=SyncLink.State.PENDING_CREATE).count() == 1
    after = run(synced, sandbox)
    assert after.state == SyncRun.State.SUCCEEDED, after.reason
    assert check(synced, books).ok
    names = [c.contact_name for page in books.list_contacts() for c in page.items]
    assert len(names) == len(set(names)), names


def test_two_workers_on_one_run_carry_it_out_once(synced, sandbox):
    sync_run = SyncRun.objects.create(organization=synced, trigger=SyncRun.Trigger.MANUAL)
    assert execute_run(sync_run.pk, clock=sandbox.clock) is not None
    assert execute_run(sync_run.pk, clock=sandbox.clock) is None  # already claimed and finished


def test_record_failure_does_not_stop_the_run(synced, sandbox, books):
    eur = synced  # a currency FSM uses but Books lacks fails that record only (SYN-14)
    from fsmbilling.models import Currency

    currency = Currency.objects.create(organization=eur, code="EUR", exchange_rate=Decimal("1.1"))
    CompanyFactory(organization=eur, name="Euro Client GmbH", currency=currency)
    result = run(eur, sandbox)
    assert result.state == SyncRun.State.PARTIALLY_FAILED
    failure = result.failures.get(reason_code="currency_missing_in_books")
    assert "EUR" in failure.message and "Nothing was created in Books" in failure.explanation
    assert books.find_contacts(contact_name="Euro Client GmbH") == []
    assert Company.objects.filter(organization=eur, name="Only In Books Inc").exists()
    assert Contact.objects.filter(organization=eur, email="ivy@ind.test").exists()


def test_import_from_books_links_and_a_later_enable_duplicates_nothing(synced, sandbox, books):
    SyncSettings.objects.filter(organization=synced).update(is_enabled=False)
    sandbox.transport.clear()
    imported = run(synced, sandbox, SyncRun.Trigger.IMPORT)
    assert imported.state == SyncRun.State.SUCCEEDED, imported.reason
    assert writes(sandbox) == []  # nothing written to Books
    assert Company.objects.filter(organization=synced, name="Only In Books Inc").exists()
    assert ServicePart.objects.filter(organization=synced, name="Gasket").exists()
    bowman = Company.objects.get(organization=synced, name="Bowman and Co")  # the existing one, linked, untouched
    assert SyncLink.objects.filter(organization=synced, kind="company", local_id=bowman.pk).exists()
    assert not SyncLink.objects.filter(
        organization=synced,
        local_id=Company.objects.get(organization=synced, name="Only In FSM Ltd").pk,
        kind="company",
    ).exists()
    enable(synced)
    first = run(synced, sandbox, SyncRun.Trigger.FIRST)
    assert first.state == SyncRun.State.SUCCEEDED, first.reason
    assert check(synced, books).ok
    assert Company.objects.filter(organization=synced, name="Only In Books Inc").count() == 1
    assert len(books.find_contacts(contact_name="Bowman and Co")) == 1


def test_a_books_item_clashing_with_an_fsm_sku_fails_that_record_only(synced, sandbox, books):
    """Regression: a unique-SKU clash while creating the FSM record used to end the whole run."""
    ServicePartFactory(organization=synced, name="Flange", sku="FL-1")
    books.create_item(remote.Item(name="Flange adaptor", sku="FL-1", rate=Decimal("4"), product_type="goods"))
    result = run(synced, sandbox)
    assert result.state == SyncRun.State.PARTIALLY_FAILED, result.reason
    failure = result.failures.get(reason_code="duplicate_sku")
    assert "SKU" in failure.explanation
    assert ServicePart.objects.filter(organization=synced, name="Gasket").exists()  # the rest went on


def test_individual_customers_follow_their_primary_person_both_ways(synced, sandbox, books):
    books.create_contact(
        remote.Customer(
            contact_name="Ivy Individual",
            customer_sub_type="individual",
            contact_type="customer",
            contact_persons=(
                remote.ContactPerson(
                    first_name="Ivy", last_name="Individual", email="ivy@ind.test", is_primary_contact=True
                ),
            ),
        )
    )
    run(synced, sandbox)  # linked by email, not duplicated
    ivy = Contact.objects.get(organization=synced, email="ivy@ind.test")
    link = SyncLink.objects.get(organization=synced, kind="contact", local_id=ivy.pk)
    assert len([c for page in books.list_contacts() for c in page.items if c.contact_name == "Ivy Individual"]) == 1
    sandbox.clock.advance(60)
    ivy.mobile = "+1 555 0100"
    ivy.save()
    run(synced, sandbox)
    person = next(p for p in books.get_contact(link.remote_id).contact_persons if p.is_primary_contact)
    assert person.mobile == "+1 555 0100"
    sandbox.clock.advance(60)
    books.update_contact_person(
        person.contact_person_id, remote.ContactPerson(first_name="Ivy", last_name="Newname", contact_id=link.remote_id)
    )
    run(synced, sandbox)
    ivy.refresh_from_db()
    assert ivy.last_name == "Newname"
    assert check(synced, books).ok
