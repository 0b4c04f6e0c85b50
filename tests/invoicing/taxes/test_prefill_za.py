"""South Africa: the item's VAT rate (15% standard, 0% zero-rated, VAT Act s 7(1) and s 11); services supplied to
non-residents are zero-rated (s 11(2)(l)); exempt supplies carry no VAT (s 12)."""

from __future__ import annotations

import pytest

from tests.invoicing.taxes.support import check_line

CASES = [
    pytest.param({"tax_treatment": "vat_registered", "tax_number": "4123456789"}, {"default": "VAT 15%"}, "1",
                 "33.33", "VAT 15%", [("VAT 15%", "5.00")], ("5.00", "38.33"), id="standard-half-up"),  # 4.9995
    pytest.param({"tax_treatment": "vat_not_registered"}, {}, "2", "100", "VAT 15%", [("VAT 15%", "30.00")],
                 ("30.00", "230.00"), id="default-standard"),
    pytest.param({"tax_treatment": "vat_registered"}, {"default": "VAT 0%"}, "1", "100", "VAT 0%",
                 [("VAT 0%", "0.00")], ("0.00", "100.00"), id="zero-rated-item"),
    pytest.param({"tax_treatment": "overseas"}, {"default": "VAT 15%"}, "1", "100", "VAT 0%", [("VAT 0%", "0.00")],
                 ("0.00", "100.00"), id="export"),
    pytest.param({}, {"tax_preference": "non_taxable"}, "1", "100", None, [], ("0.00", "100.00"), id="exempt-item"),
]  # fmt: skip


@pytest.mark.parametrize(("customer", "item", "quantity", "rate", "tax", "lines", "totals"), CASES)
def test_south_africa_prefill(seeded, customer, item, quantity, rate, tax, lines, totals):
    check_line(seeded("ZA", "GP"), customer, item, "", quantity, rate, tax, lines, totals)
