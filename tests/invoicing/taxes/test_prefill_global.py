"""Global edition: the item's tax unless the customer or the item is exempt; nothing is seeded."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fsmbilling.models import Tax
from invoicing.taxes.catalog import tax_catalog_for
from tests.invoicing.taxes.support import check_line

CASES = [
    pytest.param({}, {"default": "Consumption Tax 10%"}, "3", "333", "Consumption Tax 10%",
                 [("Consumption Tax 10%", "100")], ("100", "1099"), id="item-tax-yen"),  # 99.9 → 100
    pytest.param({"default_tax": "Consumption Tax 8%"}, {"default": "Consumption Tax 10%"}, "1", "1000",
                 "Consumption Tax 10%", [("Consumption Tax 10%", "100")], ("100", "1100"), id="item-wins"),
    pytest.param({"default_tax": "Consumption Tax 8%"}, {}, "1", "1000", "Consumption Tax 8%",
                 [("Consumption Tax 8%", "80")], ("80", "1080"), id="customer-tax-when-item-has-none"),
    pytest.param({"is_taxable": False}, {"default": "Consumption Tax 10%"}, "1", "1000", None, [], ("0", "1000"),
                 id="exempt-customer"),
    pytest.param({"tax_treatment": "exempt"}, {"default": "Consumption Tax 10%"}, "1", "1000", None, [],
                 ("0", "1000"), id="exempt-treatment"),
    pytest.param({}, {"default": "Consumption Tax 10%", "tax_preference": "non_taxable"}, "1", "1000", None, [],
                 ("0", "1000"), id="non-taxable-item"),
    pytest.param({}, {}, "1", "1000", None, [], ("0", "1000"), id="nothing-set"),
]  # fmt: skip


@pytest.mark.parametrize(("customer", "item", "quantity", "rate", "tax", "lines", "totals"), CASES)
def test_global_prefill(seeded, customer, item, quantity, rate, tax, lines, totals):
    japan = seeded("JP")
    assert japan.catalog.entries == ()
    for name, rate_percent in (("Consumption Tax 10%", "10"), ("Consumption Tax 8%", "8")):
        Tax.objects.create(organization=japan.organization, name=name, rate=Decimal(rate_percent))
    japan.catalog = tax_catalog_for(japan.organization)
    check_line(japan, customer, item, "", quantity, rate, tax, lines, totals, decimal_places=0)
