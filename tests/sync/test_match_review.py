"""Match review (SYN-7): proposals with scores, counts of the first run, decisions stored and honoured by the first
run, through the in-process sandbox."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fsmbilling.models import Company, ServicePart
from sync import match_review, services
from sync.connectors import base as remote
from sync.engine.run import execute_run
from sync.engine_models import MatchDecision, SyncLink, SyncRun, SyncSettings
from tests.factories import CompanyFactory, ServicePartFactory
from tests.sync.connectors.conftest import connect

pytestmark = pytest.mark.django_db
BASE = "/api/v1/orgs/acme/sync"


@pytest.fixture
def books(sandbox, org, settings):
    from sync.connectors import zoho

    settings.SANDBOX_RATE_LIMITS_ENABLED = False  # pages use the system clock; the sandbox clock is frozen
    connection = connect(sandbox, org, is_tax_enabled=False)
    with zoho.connector_for(connection, clock=sandbox.clock) as client:
        yield client


def business(connector, name: str, *, email: str = "", phone: str = "", **fields) -> remote.Customer:
    persons = (remote.ContactPerson(last_name="Payable", email=email, phone=phone, is_primary_contact=True),)
    return connector.create_contact(
        remote.Customer(
            contact_name=name, company_name=name, customer_sub_type="business", contact_type="customer",
            contact_persons=persons if email or phone else (), **fields,
        )
    )  # fmt: skip


@pytest.fixture
def scene(org, books):
    SyncSettings.objects.create(organization=org, sync_type="I", duplicate_handling="overwrite")
    fsm = {
        "bowman": CompanyFactory(
            organization=org, name="Bowman and Co", email="ap@bowman.test", phone="+1 555 010 0001",
            billing_address={"address": "1 Main St", "zip": "62701"},
        ),
        "acme": CompanyFactory(organization=org, name="Acme Heating", email="office@acmeheat.test", phone=""),
        "solo": CompanyFactory(organization=org, name="Only In FSM Ltd", email="", phone=""),
        "valve": ServicePartFactory(organization=org, name="Valve", rate=Decimal("9.00"), sku="V-1"),
    }  # fmt: skip
    remote_rows = {
        "bowman": business(
            books, "bowman and co ", email="ap@bowman.test", phone="555-010-0001",
            billing_address=remote.Address(address="1 Main St", zip="62701"),
        ),
        "acme_inc": business(books, "Acme Heating Inc", email="billing@acmeheat.test"),
        "books_only": business(books, "Only In Books Inc"),
        "valve": books.create_item(remote.Item(name="VALVE", rate=Decimal("9"), sku="V-1", product_type="goods")),
    }  # fmt: skip
    return fsm, remote_rows


def review_for(org, books):
    return match_review.build_review(org, books)


def test_proposals_scores_and_counts(org, books, scene):
    fsm, rows = scene
    review = review_for(org, books)
    companies = review.module("companies")
    by_id = {p.local_id: p for p in companies.proposals}
    bowman = by_id[fsm["bowman"].pk]
    assert bowman.action == "link" and bowman.remote_id == rows["bowman"].contact_id
    best = bowman.candidates[0]
    assert best.same_key and best.score == 100
    assert [(p.name, p.points) for p in best.parts] == [("name", 40), ("email", 30), ("phone", 15), ("address", 15)]
    acme = by_id[fsm["acme"].pk]
    assert acme.action == "create" and acme.remote_id == ""  # no key match: only a fuzzy candidate
    fuzzy = acme.candidates[0]
    assert fuzzy.record.id == rows["acme_inc"].contact_id and not fuzzy.same_key
    assert {p.name: p.detail for p in fuzzy.parts}["email"] == "Same email domain"
    assert 35 <= fuzzy.score < 100
    assert by_id[fsm["solo"].pk].candidates == []
    assert companies.counts == {
        "link": 1, "create_in_books": 2, "create_in_fsm": 2, "overwrite_in_books": 1, "overwrite_in_fsm": 0, "skip": 0,
    }  # fmt: skip
    items = review.module("services_and_parts")
    valve = items.proposals[0]
    assert valve.action == "link" and valve.remote_id == rows["valve"].item_id and valve.score == 100
    assert review.totals["link"] == 2


def test_clone_proposes_creating_everything(org, books, scene):
    review = match_review.build_review(org, books, duplicate_handling="clone")
    assert {p.action for m in review.modules for p in m.proposals} == {"create"}
    assert review.totals["link"] == 0


def test_api_get_and_post_decisions(org, books, scene, api):
    fsm, rows = scene
    body = api.get(f"{BASE}/match-review").json()
    companies = next(m for m in body["modules"] if m["module"] == "companies")
    assert companies["counts"]["link"] == 1
    bowman = next(p for p in companies["proposals"] if p["local_id"] == fsm["bowman"].pk)
    assert bowman["score"] == 100 and bowman["candidates"][0]["score_parts"][0]["part"] == "name"
    decisions = [
        {"kind": "company", "local_id": fsm["acme"].pk, "action": "link", "books_id": rows["acme_inc"].contact_id},
        {"kind": "company", "local_id": fsm["solo"].pk, "action": "skip"},
    ]
    response = api.post(f"{BASE}/match-review", {"decisions": decisions}, format="json")
    assert response.status_code == 200 and response.json()["saved"] == 2
    assert response.json()["totals"]["link"] == 3
    assert set(MatchDecision.objects.filter(organization=org).values_list("action", flat=True)) == {"link", "skip"}
    # One Books record cannot be chosen for two FSM records; an unknown record is refused.
    clash = {"kind": "company", "local_id": fsm["bowman"].pk, "action": "link", "books_id": rows["acme_inc"].contact_id}
    response = api.post(f"{BASE}/match-review", {"decisions": [clash]}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["decisions"] == [
        "Bowman and Co: that Books record is already chosen for another record."
    ]
    unknown = {"kind": "company", "local_id": 999999, "action": "skip"}
    response = api.post(f"{BASE}/match-review", {"decisions": [unknown]}, format="json")
    assert response.status_code == 400


def test_page_bulk_accept_and_row_change(org, books, scene, admin_client):
    fsm, rows = scene
    from tests.sync.test_sync_pages import url

    page = admin_client.get(url("match_review", org)).content.decode()
    assert "Bowman and Co" in page and "What the first run will do" in page
    admin_client.post(url("match_review", org), {
        "action": "save",
        f"orig-company-{fsm['acme'].pk}": "create",
        f"decision-company-{fsm['acme'].pk}": f"link:{rows['acme_inc'].contact_id}",
        f"orig-company-{fsm['bowman'].pk}": f"link:{rows['bowman'].contact_id}",
        f"decision-company-{fsm['bowman'].pk}": f"link:{rows['bowman'].contact_id}",
    })  # fmt: skip
    decision = MatchDecision.objects.get(organization=org)  # only the changed row
    chosen = (fsm["acme"].pk, "link", rows["acme_inc"].contact_id)
    assert (decision.local_id, decision.action, decision.remote_id) == chosen
    admin_client.post(url("match_review", org), {"action": "accept_all"})
    assert MatchDecision.objects.filter(organization=org).count() == 4  # three companies and one item


def _enable_and_run(org, sandbox) -> SyncRun:
    run = services.sync_enable_with_setup(organization=org, actor=None, duplicate_handling="overwrite")
    sandbox.clock.advance(1)
    finished = execute_run(run.pk, clock=sandbox.clock)
    assert finished.state in (SyncRun.State.SUCCEEDED, SyncRun.State.PARTIALLY_FAILED), finished.reason
    return finished


def test_a_link_decision_links_to_the_chosen_books_record(org, books, scene, sandbox):
    fsm, rows = scene
    review = review_for(org, books)
    match_review.decisions_save(
        organization=org,
        actor=None,
        review=review,
        decisions=[match_review.DecisionInput("company", fsm["acme"].pk, "link", rows["acme_inc"].contact_id)],
    )
    _enable_and_run(org, sandbox)
    link = SyncLink.objects.get(organization=org, kind="company", local_id=fsm["acme"].pk)
    assert link.remote_id == rows["acme_inc"].contact_id
    # Not created anew: the chosen Books customer was linked and took FSM's later changes (Overwrite).
    assert [row.contact_id for row in books.find_contacts(contact_name="Acme Heating")] == [rows["acme_inc"].contact_id]
    assert Company.objects.filter(organization=org, name__startswith="Acme Heating").count() == 1
    valve_link = SyncLink.objects.get(organization=org, kind="item", local_id=fsm["valve"].pk)
    assert valve_link.remote_id == rows["valve"].item_id


def test_a_link_decision_for_an_item_overrides_the_name_key(org, books, scene, sandbox):
    gate = ServicePartFactory(organization=org, name="Gate valve", rate=Decimal("30"))
    books.create_item(remote.Item(name="Gate valve", rate=Decimal("30"), product_type="goods"))
    other = books.create_item(remote.Item(name="Gate valve DN50", rate=Decimal("31"), product_type="goods"))
    review = review_for(org, books)
    proposal = next(p for p in review.module("services_and_parts").proposals if p.local_id == gate.pk)
    assert proposal.action == "link" and proposal.remote_id != other.item_id  # the key proposes the exact name
    match_review.decisions_save(
        organization=org,
        actor=None,
        review=review,
        decisions=[match_review.DecisionInput("item", gate.pk, "link", other.item_id)],
    )
    _enable_and_run(org, sandbox)
    assert SyncLink.objects.get(organization=org, kind="item", local_id=gate.pk).remote_id == other.item_id


def test_a_skip_decision_leaves_the_record_unsynced(org, books, scene, sandbox):
    fsm, _rows = scene
    review = review_for(org, books)
    match_review.decisions_save(
        organization=org,
        actor=None,
        review=review,
        decisions=[match_review.DecisionInput("company", fsm["solo"].pk, "skip")],
    )
    _enable_and_run(org, sandbox)
    assert not SyncLink.objects.filter(organization=org, kind="company", local_id=fsm["solo"].pk).exists()
    assert books.find_contacts(contact_name="Only In FSM Ltd") == []
    assert ServicePart.objects.filter(organization=org).count() == 1
