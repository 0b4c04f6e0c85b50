"""Reference data pull and tax push (FIN-5, TAX-6) are idempotent, over HTTP to the in-process sandbox."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fsmbilling.models import Currency, PaymentTerm, Salesperson, Tax, TaxExemption
from sync.connectors import zoho
from sync.reference import pull_reference_data, push_taxes
from tests.factories import TaxFactory
from tests.sync.connectors.conftest import connect

pytestmark = pytest.mark.django_db

COUNTED = (Tax, TaxExemption, Currency, PaymentTerm, Salesperson)


def counts(org) -> dict:
    return {model.__name__: model.objects.filter(organization=org).count() for model in COUNTED}


@pytest.fixture
def books(sandbox, org):
    connection = connect(sandbox, org, name="Acme Books", is_tax_enabled=True)
    with zoho.connector_for(connection, clock=sandbox.clock) as client:
        yield client


def test_push_taxes_twice_creates_each_tax_once(books, org, sandbox):
    state = TaxFactory(organization=org, name="State Tax", rate=Decimal("6.25"))
    county = TaxFactory(organization=org, name="County Tax", rate=Decimal("1"), kind=Tax.Kind.COMPOUND)
    group = Tax.objects.create(organization=org, name="Both", kind=Tax.Kind.GROUP, rate=Decimal("7.25"))
    group.components.set([state, county])
    TaxFactory(organization=org, name="Old Tax", is_active=False)

    first = push_taxes(org, books)
    assert first.created == {"taxes": 2, "tax_groups": 1}
    sandbox.transport.clear()
    second = push_taxes(org, books)
    assert second.created == {} and second.updated == {}
    # Only reads (the tax list, and the groups: the sandbox, like Zoho, lists them among the taxes); no write.
    assert {c.method for c in sandbox.transport.api_calls()} == {"GET"}

    remote = {t.tax_name: t for t in books.list_taxes()}
    assert set(remote) == {"State Tax", "County Tax"}
    assert remote["County Tax"].tax_type == "compound_tax"
    assert {t.name: t.books_id for t in Tax.objects.filter(organization=org, kind__in=["tax", "compound_tax"])} == {
        "State Tax": remote["State Tax"].tax_id,
        "County Tax": remote["County Tax"].tax_id,
        "Old Tax": "",
    }


def test_pull_twice_changes_nothing_and_skips_unchanged_kinds(books, org, sandbox):
    books.create_tax(zoho.Tax(tax_name="VAT", tax_percentage=Decimal("20")))
    books.create_currency(
        zoho.Currency(currency_code="EUR", currency_format="1,234,567.89", exchange_rate=Decimal("0.9"))
    )

    first = pull_reference_data(org, books)
    assert first.created["taxes"] == 1 and first.created["currencies"] == 1
    after_first = counts(org)
    assert Currency.objects.get(organization=org, code="EUR").exchange_rate == Decimal("0.9")

    again = pull_reference_data(org, books)
    assert again.created == {} and again.updated == {}
    assert counts(org) == after_first

    cached = pull_reference_data(org, books, force=False)
    assert set(cached.unchanged) == {"taxes", "tax_exemptions", "currencies", "payment_terms", "salespersons"}
    assert counts(org) == after_first


def test_pull_reads_the_finance_users(books, org, admin_user, sandbox):
    admin_user.email = "ada@acme.test"
    admin_user.save()
    sandbox.control.http.patch(
        f"/orgs/{books.organization_id}", json={"users": [{"email": "ada@acme.test", "name": "Ada", "role": "sales"}]}
    )
    summary = pull_reference_data(org, books)
    assert any(u["email"] == "ada@acme.test" for u in summary.finance_users)
