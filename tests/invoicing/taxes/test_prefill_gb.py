"""United Kingdom: the item's VAT rate (20% standard, 5% reduced, 0% zero); EU VAT-registered business customers
account for VAT themselves (0% with reverse charge); customers outside the UK and EU: zero-rated / outside scope."""

from __future__ import annotations

import pytest

from tests.invoicing.taxes.support import check_line

CASES = [
    pytest.param({"tax_treatment": "uk"}, {"default": "VAT 20%"}, "1", "19.99", "VAT 20%", [("VAT 20%", "4.00")],
                 ("4.00", "23.99"), False, id="standard-half-up"),  # 3.998
    pytest.param({"tax_treatment": "uk"}, {"default": "VAT 5%"}, "1", "10.10", "VAT 5%", [("VAT 5%", "0.51")],
                 ("0.51", "10.61"), False, id="reduced"),  # 0.505
    pytest.param({"tax_treatment": "uk"}, {"default": "VAT 0%"}, "1", "10", "VAT 0%", [("VAT 0%", "0.00")],
                 ("0.00", "10.00"), False, id="zero-rated-item"),
    pytest.param({}, {}, "2", "12.50", "VAT 20%", [("VAT 20%", "5.00")], ("5.00", "30.00"), False,
                 id="no-item-rate-standard"),
    pytest.param({"tax_treatment": "eu_vat_registered", "tax_number": "FR40303265045"}, {"default": "VAT 20%"}, "1",
                 "100", "VAT 0%", [("VAT 0%", "0.00")], ("0.00", "100.00"), True, id="eu-business-reverse-charge"),
    pytest.param({"tax_treatment": "eu_vat_not_registered"}, {"default": "VAT 20%"}, "1", "100", "VAT 20%",
                 [("VAT 20%", "20.00")], ("20.00", "120.00"), False, id="eu-consumer"),
    pytest.param({"tax_treatment": "overseas"}, {"default": "VAT 20%"}, "1", "100", "VAT 0%", [("VAT 0%", "0.00")],
                 ("0.00", "100.00"), False, id="overseas"),
    pytest.param({"tax_treatment": "uk"}, {"tax_preference": "non_taxable"}, "1", "100", None, [],
                 ("0.00", "100.00"), False, id="outside-scope-item"),
]  # fmt: skip


@pytest.mark.parametrize(("customer", "item", "quantity", "rate", "tax", "lines", "totals", "reverse"), CASES)
def test_uk_prefill(seeded, customer, item, quantity, rate, tax, lines, totals, reverse):
    check_line(seeded("GB"), customer, item, "", quantity, rate, tax, lines, totals, reverse_charge=reverse)
