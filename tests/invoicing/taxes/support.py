"""Helpers for the tax edition tests."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from invoicing.taxes.catalog import TaxCatalog, tax_catalog_for
from invoicing.taxes.editions import seed_default_taxes
from invoicing.taxes.money import document_totals, line_amounts
from invoicing.taxes.prefill import CustomerTaxProfile, ItemTaxProfile, OrgTaxProfile, TaxDecision, prefill_line_tax
from tests.factories import make_organization


@dataclass
class SeededOrg:
    organization: object
    profile: OrgTaxProfile
    catalog: TaxCatalog

    def tax_id(self, name: str) -> int:
        for entry in self.catalog.entries:
            if entry.name == name:
                return entry.id
        raise AssertionError(f"no tax named {name!r}")

    def tax_name(self, tax_id: int | None) -> str | None:
        entry = self.catalog.get(tax_id)
        return entry.name if entry else None

    def decide(self, customer: CustomerTaxProfile, item: ItemTaxProfile, place_of_supply: str = "") -> TaxDecision:
        return prefill_line_tax(
            org=self.profile, customer=customer, item=item, catalog=self.catalog, place_of_supply=place_of_supply
        )

    def lines(self, decision: TaxDecision, quantity: str, rate: str, decimal_places: int = 2):
        """Tax lines [(name, amount)] and (sub_total, tax_total, total) of one line with the decided tax."""
        line = line_amounts(
            Decimal(quantity), Decimal(rate), Decimal("0"), self.catalog.get(decision.tax_id), decimal_places
        )
        totals = document_totals([line], decimal_places)
        return [(tax.name, tax.amount) for tax in line.taxes], (totals.sub_total, totals.tax_total, totals.total)


def fresh_organization(name: str, *, slug: str, country: str, state: str = "", owner=None):
    """An organization with no taxes yet, whether or not organization creation seeds them."""
    from fsmbilling.models import Tax

    organization = make_organization(name, slug=slug, country=country, state=state, owner=owner)
    Tax.objects.filter(organization=organization).delete()
    return organization


def make_seeded(country: str, state: str = "", *, owner=None, **profile_settings) -> SeededOrg:
    """An organization of that country and state with its default taxes, its tax profile and catalog."""
    from invoicing.taxes.prefill import org_tax_profile

    slug = f"org-{country}-{state}".lower().rstrip("-")
    organization = fresh_organization(
        f"Org {country} {state}".strip(), slug=slug, country=country, state=state, owner=owner
    )
    seed_default_taxes(organization=organization)
    return SeededOrg(organization, org_tax_profile(organization, **profile_settings), tax_catalog_for(organization))


def customer(org: SeededOrg, *, default_tax: str | None = None, service_tax: str | None = None, **fields):
    return CustomerTaxProfile(
        default_tax_id=org.tax_id(default_tax) if default_tax else None,
        service_tax_id=org.tax_id(service_tax) if service_tax else None,
        **fields,
    )


def item(org: SeededOrg, *, default: str | None = None, intra: str | None = None, inter: str | None = None, **fields):
    return ItemTaxProfile(
        default_tax_id=org.tax_id(default) if default else None,
        intra_state_tax_id=org.tax_id(intra) if intra else None,
        inter_state_tax_id=org.tax_id(inter) if inter else None,
        **fields,
    )


def check_line(
    org: SeededOrg,
    customer_fields: dict,
    item_fields: dict,
    place: str,
    quantity: str,
    rate: str,
    expected_tax: str | None,
    expected_lines: list[tuple[str, str]],
    expected_totals: tuple[str, str],
    *,
    reverse_charge: bool = False,
    decimal_places: int = 2,
) -> TaxDecision:
    """Prefill one line and compute it: the tax chosen, its tax lines, and (tax_total, total)."""
    decision = org.decide(customer(org, **customer_fields), item(org, **item_fields), place)
    assert org.tax_name(decision.tax_id) == expected_tax, decision.reason
    assert decision.reason
    assert decision.reverse_charge is reverse_charge, decision.reason
    lines, (_sub_total, tax_total, total) = org.lines(decision, quantity, rate, decimal_places)
    assert lines == [(name, Decimal(amount)) for name, amount in expected_lines]
    assert (tax_total, total) == (Decimal(expected_totals[0]), Decimal(expected_totals[1]))
    return decision
