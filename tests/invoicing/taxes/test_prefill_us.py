"""United States: no tax when the customer or item is exempt, else the customer's sales tax; a tax for the service
address overrides it (TAX-5). Sales tax is destination-based for services performed at the customer's site."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fsmbilling.models import Tax
from invoicing.taxes.catalog import tax_catalog_for
from tests.invoicing.taxes.support import check_line

TAXABLE_ITEM = {"tax_preference": "taxable"}

CASES = [
    # customer, item, quantity, rate, tax, tax lines, (tax_total, total)
    pytest.param(
        {"default_tax": "TX Sales Tax"}, TAXABLE_ITEM, "2", "100.00",
        "TX Sales Tax", [("TX Sales Tax", "12.50")], ("12.50", "212.50"), id="customer-tax",
    ),
    pytest.param(
        {"default_tax": "CA Sales Tax"}, TAXABLE_ITEM, "1", "19.99",
        "CA Sales Tax", [("CA Sales Tax", "1.45")], ("1.45", "21.44"), id="7.25%-half-up",  # 1.449275
    ),
    pytest.param(
        {"default_tax": "TX Sales Tax", "is_taxable": False, "tax_treatment": "exempt", "tax_exemption_id": 1},
        TAXABLE_ITEM, "1", "100", None, [], ("0.00", "100.00"), id="exempt-customer",
    ),
    pytest.param(
        {"default_tax": "TX Sales Tax"}, {"tax_preference": "non_taxable"}, "1", "100",
        None, [], ("0.00", "100.00"), id="non-taxable-item",
    ),
    pytest.param(
        {"default_tax": "CA Sales Tax", "service_state": "NV"}, TAXABLE_ITEM, "1", "99.99",
        "NV Sales Tax", [("NV Sales Tax", "6.85")], ("6.85", "106.84"), id="service-state-overrides",  # 6.849315
    ),
    pytest.param(
        {"service_state": "WA"}, TAXABLE_ITEM, "3", "33.33",
        "WA Sales Tax", [("WA Sales Tax", "6.50")], ("6.50", "106.49"), id="no-customer-tax-service-state",
    ),
    pytest.param(
        {"default_tax": "TX Sales Tax", "service_state": "OR"}, TAXABLE_ITEM, "1", "100",
        "TX Sales Tax", [("TX Sales Tax", "6.25")], ("6.25", "106.25"), id="service-state-without-a-tax",
    ),
    pytest.param(
        {"default_tax": "CA Sales Tax", "service_tax": "NY Sales Tax", "service_state": "NV"}, TAXABLE_ITEM, "1",
        "50", "NY Sales Tax", [("NY Sales Tax", "2.00")], ("2.00", "52.00"), id="service-address-tax",
    ),
    pytest.param({}, TAXABLE_ITEM, "1", "100", None, [], ("0.00", "100.00"), id="no-tax-anywhere"),
]  # fmt: skip


@pytest.mark.parametrize(("customer", "item", "quantity", "rate", "tax", "lines", "totals"), CASES)
def test_us_prefill(seeded, customer, item, quantity, rate, tax, lines, totals):
    check_line(seeded("US", "TX"), customer, item, "", quantity, rate, tax, lines, totals)


def test_exempt_customer_carries_its_exemption(seeded):
    us = seeded("US", "TX")
    decision = check_line(
        us, {"is_taxable": False, "tax_exemption_id": 42}, TAXABLE_ITEM, "", "1", "1", None, [], ("0.00", "1.00")
    )
    assert decision.tax_exemption_id == 42
    assert decision.reason == "The customer is tax exempt."


def test_local_tax_of_the_same_state_is_kept(seeded):
    """A customer's local rate in the service state is more precise than the state's sample rate."""
    us = seeded("US", "TX")
    Tax.objects.create(
        organization=us.organization, name="Austin 8.25%", rate=Decimal("8.25"), tax_type="sales_tax", region="TX"
    )
    us.catalog = tax_catalog_for(us.organization)
    check_line(
        us,
        {"default_tax": "Austin 8.25%", "service_state": "TX"},
        TAXABLE_ITEM,
        "",
        "1",
        "100",
        "Austin 8.25%",
        [("Austin 8.25%", "8.25")],
        ("8.25", "108.25"),
    )


def test_inactive_customer_tax_is_not_prefilled(seeded):
    us = seeded("US", "TX")
    Tax.objects.filter(organization=us.organization, name="TX Sales Tax").update(is_active=False)
    us.catalog = tax_catalog_for(us.organization)
    decision = check_line(us, {"default_tax": "TX Sales Tax"}, TAXABLE_ITEM, "", "1", "1", None, [], ("0.00", "1.00"))
    assert "inactive" in decision.reason
