"""The four sync types (SYN-3) in both directions, and currencies (SYN-14), against the Books sandbox."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fsmbilling.models import Company, Contact, Currency
from sync.checker import check
from sync.connectors import base as remote
from sync.engine_models import SyncLink, SyncRun
from tests.factories import CompanyFactory, ContactFactory
from tests.sync.test_engine import enable, run


@pytest.fixture
def both_sides(org, books):
    acme = CompanyFactory(organization=org, name="Acme Plumbing")
    ContactFactory(organization=org, company=acme, first_name="Pat", last_name="Pipe", email="pat@acme.test")
    ContactFactory(organization=org, company=None, first_name="Sol", last_name="Solo", email="sol@solo.test")
    books.create_contact(
        remote.Customer(
            contact_name="Books Business",
            company_name="Books Business",
            customer_sub_type="business",
            contact_type="customer",
            contact_persons=(
                remote.ContactPerson(
                    first_name="Bea", last_name="Person", email="bea@bb.test", is_primary_contact=True
                ),
            ),
        )
    )
    books.create_contact(
        remote.Customer(
            contact_name="Ian Individual",
            customer_sub_type="individual",
            contact_type="customer",
            contact_persons=(
                remote.ContactPerson(
                    first_name="Ian", last_name="Individual", email="ian@ind.test", is_primary_contact=True
                ),
            ),
        )
    )
    return org


def books_names(books, sub_type):
    return sorted(
        c.contact_name for page in books.list_contacts() for c in page.items if c.customer_sub_type == sub_type
    )


def test_type_i_companies_only(both_sides, sandbox, books):
    enable(both_sides, sync_type="I")
    assert run(both_sides, sandbox).state == SyncRun.State.SUCCEEDED
    assert books_names(books, "business") == ["Acme Plumbing", "Books Business"]
    assert books_names(books, "individual") == ["Ian Individual"]  # not synced, not touched
    assert Company.objects.filter(organization=both_sides, name="Books Business").exists()
    assert not Contact.objects.filter(organization=both_sides, email__in=["bea@bb.test", "ian@ind.test"]).exists()
    assert not SyncLink.objects.filter(organization=both_sides, kind__in=["contact", "contact_person"]).exists()
    assert check(both_sides, books).ok


def test_type_ii_contacts_only_as_individuals(both_sides, sandbox, books):
    enable(both_sides, sync_type="II")
    assert run(both_sides, sandbox).state == SyncRun.State.SUCCEEDED
    assert books_names(books, "individual") == ["Ian Individual", "Pat Pipe", "Sol Solo"]
    assert books_names(books, "business") == ["Books Business"]
    assert not Company.objects.filter(organization=both_sides, name="Books Business").exists()
    assert Contact.objects.filter(organization=both_sides, email="ian@ind.test").exists()
    assert check(both_sides, books).ok


def test_type_iii_companies_with_their_contacts(both_sides, sandbox, books):
    enable(both_sides, sync_type="III")
    assert run(both_sides, sandbox).state == SyncRun.State.SUCCEEDED
    acme_link = SyncLink.objects.get(
        organization=both_sides,
        kind="company",
        local_id=Company.objects.get(organization=both_sides, name="Acme Plumbing").pk,
    )
    persons = books.get_contact(acme_link.remote_id).contact_persons
    assert [(p.email, p.is_primary_contact) for p in persons] == [("pat@acme.test", True)]  # only contact → primary
    assert books_names(books, "individual") == ["Ian Individual"]  # Sol has no company: not synced in type III
    bea = Contact.objects.get(organization=both_sides, email="bea@bb.test")
    assert bea.company.name == "Books Business" and bea.is_primary
    assert check(both_sides, books).ok


def test_type_iv_adds_individuals(both_sides, sandbox, books):
    enable(both_sides, sync_type="IV")
    assert run(both_sides, sandbox).state == SyncRun.State.SUCCEEDED
    assert books_names(books, "individual") == ["Ian Individual", "Sol Solo"]
    assert Contact.objects.get(organization=both_sides, email="ian@ind.test").company is None
    assert check(both_sides, books).ok


def test_a_books_currency_missing_in_fsm_is_created_at_rate_one(org, sandbox, books):
    enable(org, sync_type="I")
    euro = books.create_currency(
        remote.Currency(
            currency_code="EUR",
            currency_symbol="€",
            price_precision=2,
            currency_format="1,234,567.89",
            exchange_rate=Decimal("1.08"),
        )
    )
    books.create_contact(
        remote.Customer(
            contact_name="Euro GmbH",
            company_name="Euro GmbH",
            customer_sub_type="business",
            contact_type="customer",
            currency_id=euro.currency_id,
        )
    )
    assert run(org, sandbox).state == SyncRun.State.SUCCEEDED
    company = Company.objects.get(organization=org, name="Euro GmbH")
    assert company.currency.code == "EUR"
    assert Currency.objects.get(organization=org, code="EUR").exchange_rate == Decimal("1")
