"""GCC (UAE 5%, Saudi Arabia 15%, Qatar and Kuwait: no VAT in force, modelled as 0%): the standard rate for domestic
customers, zero-rated outside the GCC, reverse charge for VAT-registered customers in another GCC state (GCC VAT
Agreement art. 17), exempt items exempt."""

from __future__ import annotations

import pytest

from tests.invoicing.taxes.support import check_line

CASES = [
    # country, customer, item, quantity, rate, tax, tax lines, (tax_total, total), reverse charge, decimal places
    pytest.param("AE", {"tax_treatment": "vat_registered", "place_of_supply": "DU"}, {}, "1", "10.10", "VAT 5%",
                 [("VAT 5%", "0.51")], ("0.51", "10.61"), False, 2, id="AE-domestic-half-up"),  # 0.505
    pytest.param("AE", {"tax_treatment": "vat_not_registered"}, {"default": "VAT 5%"}, "3", "0.335", "VAT 5%",
                 [("VAT 5%", "0.05")], ("0.05", "1.06"), False, 2, id="AE-consumer"),  # 1.01 × 5% = 0.0505
    pytest.param("AE", {"tax_treatment": "dz_vat_registered"}, {}, "1", "100", "VAT 5%", [("VAT 5%", "5.00")],
                 ("5.00", "105.00"), False, 2, id="AE-designated-zone"),
    pytest.param("AE", {"tax_treatment": "gcc_vat_registered"}, {}, "1", "100", "VAT 0%", [("VAT 0%", "0.00")],
                 ("0.00", "100.00"), True, 2, id="AE-intra-gcc-registered"),
    pytest.param("AE", {"tax_treatment": "gcc_vat_not_registered"}, {}, "1", "100", "VAT 5%", [("VAT 5%", "5.00")],
                 ("5.00", "105.00"), False, 2, id="AE-intra-gcc-unregistered"),
    pytest.param("AE", {"tax_treatment": "non_gcc"}, {}, "1", "100", "VAT 0%", [("VAT 0%", "0.00")],
                 ("0.00", "100.00"), False, 2, id="AE-export"),
    pytest.param("AE", {"tax_treatment": "vat_registered"}, {"tax_preference": "exempt"}, "1", "100", None, [],
                 ("0.00", "100.00"), False, 2, id="AE-exempt-item"),
    pytest.param("AE", {"tax_treatment": "vat_registered"}, {"tax_preference": "zero_rated"}, "1", "100", "VAT 0%",
                 [("VAT 0%", "0.00")], ("0.00", "100.00"), False, 2, id="AE-zero-rated-item"),
    pytest.param("SA", {"tax_treatment": "vat_registered"}, {}, "1", "99.99", "VAT 15%", [("VAT 15%", "15.00")],
                 ("15.00", "114.99"), False, 2, id="SA-domestic"),  # 14.9985
    pytest.param("SA", {"tax_treatment": "non_gcc"}, {}, "1", "100", "VAT 0%", [("VAT 0%", "0.00")],
                 ("0.00", "100.00"), False, 2, id="SA-export"),
    pytest.param("QA", {"tax_treatment": "vat_not_registered"}, {}, "1", "100", "VAT 0%", [("VAT 0%", "0.00")],
                 ("0.00", "100.00"), False, 2, id="QA-no-vat-in-force"),
    pytest.param("KW", {"tax_treatment": "vat_not_registered"}, {}, "1", "1.2345", "VAT 0%", [("VAT 0%", "0.000")],
                 ("0.000", "1.235"), False, 3, id="KW-3-decimals"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("country", "customer", "item", "quantity", "rate", "tax", "lines", "totals", "reverse", "places"), CASES
)
def test_gcc_prefill(seeded, country, customer, item, quantity, rate, tax, lines, totals, reverse, places):
    check_line(
        seeded(country), customer, item, "", quantity, rate, tax, lines, totals,
        reverse_charge=reverse, decimal_places=places,
    )  # fmt: skip
