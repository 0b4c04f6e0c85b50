"""REL-2 and SYN-21: under injected faults, and after a worker dies mid-run, later runs converge with no duplicate
and no lost update. Everything goes over HTTP to the in-process Books sandbox."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from fsmbilling.models import Company, ServicePart
from sync.checker import check
from sync.connectors import base as remote
from sync.engine_models import SyncLink, SyncRun
from tests.factories import CompanyFactory, ContactFactory, ServicePartFactory
from tests.sync.test_engine import enable, run


@pytest.fixture
def busy_org(org, books, sandbox):
    enable(org)
    for n in range(12):
        company = CompanyFactory(organization=org, name=f"Client {n:02d}")
        ContactFactory(organization=org, company=company, last_name=f"Person {n:02d}", email=f"p{n}@client.test")
    for n in range(6):
        ContactFactory(organization=org, company=None, last_name=f"Solo {n}", email=f"solo{n}@home.test")
    for n in range(10):
        ServicePartFactory(organization=org, name=f"Part {n:02d}", rate=Decimal(10 + n))
    for n in range(8, 16):  # overlaps "Client 08".."Client 11"
        books.create_contact(
            remote.Customer(
                contact_name=f"Client {n:02d}",
                company_name=f"Client {n:02d}",
                customer_sub_type="business",
                contact_type="customer",
            )
        )
    for n in range(5, 15):
        books.create_item(remote.Item(name=f"Part {n:02d}", rate=Decimal(50 + n), product_type="service"))
    return org


def assert_no_duplicates(books):
    names = Counter(c.contact_name for page in books.list_contacts() for c in page.items)
    assert [name for name, n in names.items() if n > 1] == []
    items = Counter(i.name for page in books.list_items() for i in page.items)
    assert [name for name, n in items.items() if n > 1] == []


def test_runs_converge_under_twenty_percent_faults(busy_org, sandbox, books):
    sandbox.control.faults(0.2, ["500", "429", "drop"], seed=7)
    states = [run(busy_org, sandbox).state for _ in range(4)]
    # Both sides change while faults go on: neither update may be lost.
    company = Company.objects.get(organization=busy_org, name="Client 03")
    company.notes = "Changed in FSM"
    company.save()
    link = SyncLink.objects.get(
        organization=busy_org, kind="item", local_id=ServicePart.objects.get(organization=busy_org, name="Part 07").pk
    )
    sandbox.control.faults(0)
    books.update_item(link.remote_id, remote.Item(name="Part 07", description="Changed in Books"))
    sandbox.clock.advance(30)
    sandbox.control.faults(0.2, ["500", "429", "drop"], seed=11)
    states += [run(busy_org, sandbox).state for _ in range(3)]
    sandbox.control.faults(0)
    final = run(busy_org, sandbox)
    assert final.state == SyncRun.State.SUCCEEDED, (states, final.reason)
    report = check(busy_org, books)
    assert report.ok, report.lines()
    assert_no_duplicates(books)
    assert (
        books.get_contact(
            SyncLink.objects.get(organization=busy_org, kind="company", local_id=company.pk).remote_id
        ).notes
        == "Changed in FSM"
    )
    assert ServicePart.objects.get(organization=busy_org, name="Part 07").description == "Changed in Books"


@pytest.mark.parametrize("crash_point", ["begin_remote_create", "finish_remote_create", "save_link", "save_new_link"])
def test_a_run_killed_at_any_point_resumes_without_creating_twice(
    busy_org,
    sandbox,
    books,
    monkeypatch,
    crash_point,
):
    from sync.engine import run as run_module

    original = getattr(run_module.Engine, crash_point)
    calls = {"n": 0}

    def dies_on_the_fifth_call(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 5:
            raise SystemExit(f"worker killed in {crash_point}")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(run_module.Engine, crash_point, dies_on_the_fifth_call)
    doomed = SyncRun.objects.create(organization=busy_org, trigger=SyncRun.Trigger.FIRST)
    with pytest.raises(SystemExit):
        run_module.execute_run(doomed.pk, clock=sandbox.clock)
    monkeypatch.setattr(run_module.Engine, crash_point, original)
    # The dispatcher ends a run whose worker stopped answering; here we do it at once.
    SyncRun.objects.filter(pk=doomed.pk).update(state=SyncRun.State.CUT_SHORT)
    resumed = run(busy_org, sandbox)
    assert resumed.state == SyncRun.State.SUCCEEDED, resumed.reason
    assert check(busy_org, books).ok
    assert_no_duplicates(books)
    assert Company.objects.filter(organization=busy_org).count() == len(
        {c.contact_name for page in books.list_contacts() for c in page.items if c.customer_sub_type == "business"}
    )


def test_quota_exhausted_cuts_the_run_short_and_the_next_run_continues(busy_org, sandbox, books, settings):
    settings.SANDBOX_DAILY_QUOTA_OVERRIDE = len(sandbox.transport.api_calls()) + 20
    first = run(busy_org, sandbox)
    assert first.state == SyncRun.State.CUT_SHORT, first.reason
    assert "quota" in first.reason
    settings.SANDBOX_DAILY_QUOTA_OVERRIDE = 0
    sandbox.clock.advance(24 * 3600)
    second = run(busy_org, sandbox)
    assert second.state == SyncRun.State.SUCCEEDED, second.reason
    assert check(busy_org, books).ok
    assert_no_duplicates(books)
