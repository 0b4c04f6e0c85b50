"""Germany: the item's USt rate (19% / 7% / 0%, § 12 UStG); business customers in another EU state with a VAT ID:
reverse charge (§ 13b UStG, Art. 196 VAT Directive); customers outside the EU: not taxable in Germany (§ 3a UStG)."""

from __future__ import annotations

import pytest

from tests.invoicing.taxes.support import check_line

CASES = [
    pytest.param({"tax_treatment": "home_country"}, {"default": "USt 19%"}, "1", "100", "USt 19%",
                 [("USt 19%", "19.00")], ("19.00", "119.00"), False, id="standard"),
    pytest.param({"tax_treatment": "home_country"}, {"default": "USt 7%"}, "1", "10.50", "USt 7%",
                 [("USt 7%", "0.74")], ("0.74", "11.24"), False, id="reduced-half-up"),  # 0.735
    pytest.param({}, {}, "3", "0.335", "USt 19%", [("USt 19%", "0.19")], ("0.19", "1.20"), False,
                 id="default-standard"),  # amount 1.005 → 1.01, 0.1919 → 0.19
    pytest.param({"tax_treatment": "eu_vat_registered", "tax_number": "NL004495445B01"}, {"default": "USt 19%"},
                 "1", "100", "USt 0%", [("USt 0%", "0.00")], ("0.00", "100.00"), True, id="eu-b2b-reverse-charge"),
    pytest.param({"tax_treatment": "eu_vat_registered"}, {"default": "USt 19%"}, "1", "100", "USt 19%",
                 [("USt 19%", "19.00")], ("19.00", "119.00"), False, id="eu-without-vat-id"),
    pytest.param({"tax_treatment": "eu_vat_not_registered"}, {"default": "USt 7%"}, "1", "100", "USt 7%",
                 [("USt 7%", "7.00")], ("7.00", "107.00"), False, id="eu-consumer"),
    pytest.param({"tax_treatment": "non_eu"}, {"default": "USt 19%"}, "1", "100", "USt 0%", [("USt 0%", "0.00")],
                 ("0.00", "100.00"), False, id="outside-eu"),
    pytest.param({}, {"tax_preference": "non_taxable"}, "1", "100", None, [], ("0.00", "100.00"), False,
                 id="non-taxable-item"),
]  # fmt: skip


@pytest.mark.parametrize(("customer", "item", "quantity", "rate", "tax", "lines", "totals", "reverse"), CASES)
def test_germany_prefill(seeded, customer, item, quantity, rate, tax, lines, totals, reverse):
    check_line(seeded("DE", "BE"), customer, item, "", quantity, rate, tax, lines, totals, reverse_charge=reverse)
