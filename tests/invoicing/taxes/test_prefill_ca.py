"""Canada: the tax follows the province of supply (TAX-5): HST in ON (13%), NS (14% since 1 April 2025),
NB/NL/PE (15%); GST + PST in BC (7%), SK (6%), MB (RST 7%); GST + QST in QC (9.975%, not compounded since 2013);
GST alone in AB and the territories. Exports are zero-rated."""

from __future__ import annotations

import pytest

from tests.invoicing.taxes.support import check_line

TAXABLE = {"tax_preference": "taxable"}

CASES = [
    # customer, item, place of supply, quantity, rate, tax, tax lines, (tax_total, total)
    pytest.param({"place_of_supply": "ON"}, TAXABLE, "", "1", "100", "HST ON", [("HST ON", "13.00")],
                 ("13.00", "113.00"), id="ON-HST-13"),
    pytest.param({"place_of_supply": "NS"}, TAXABLE, "", "2", "49.99", "HST NS", [("HST NS", "14.00")],
                 ("14.00", "113.98"), id="NS-HST-14"),  # 13.9972
    pytest.param({"place_of_supply": "NB"}, TAXABLE, "", "1", "10.10", "HST NB", [("HST NB", "1.52")],
                 ("1.52", "11.62"), id="NB-HST-15"),  # 1.515
    pytest.param({"place_of_supply": "NL"}, TAXABLE, "", "1", "100", "HST NL", [("HST NL", "15.00")],
                 ("15.00", "115.00"), id="NL-HST-15"),
    pytest.param({"place_of_supply": "PE"}, TAXABLE, "", "1", "100", "HST PE", [("HST PE", "15.00")],
                 ("15.00", "115.00"), id="PE-HST-15"),
    pytest.param({"place_of_supply": "BC"}, TAXABLE, "", "1", "100", "GST + PST BC",
                 [("GST", "5.00"), ("PST BC", "7.00")], ("12.00", "112.00"), id="BC-GST+PST"),
    pytest.param({"place_of_supply": "SK"}, TAXABLE, "", "3", "33.35", "GST + PST SK",
                 [("GST", "5.00"), ("PST SK", "6.00")], ("11.00", "111.05"), id="SK-GST+PST"),  # 5.0025, 6.003
    pytest.param({"place_of_supply": "MB"}, TAXABLE, "", "1", "100", "GST + RST MB",
                 [("GST", "5.00"), ("RST MB", "7.00")], ("12.00", "112.00"), id="MB-GST+RST"),
    pytest.param({"place_of_supply": "QC"}, TAXABLE, "", "1", "100", "GST + QST",
                 [("GST", "5.00"), ("QST", "9.98")], ("14.98", "114.98"), id="QC-GST+QST"),  # 9.975
    pytest.param({"place_of_supply": "AB"}, TAXABLE, "", "1", "100", "GST", [("GST", "5.00")], ("5.00", "105.00"),
                 id="AB-GST"),
    pytest.param({"place_of_supply": "YT"}, TAXABLE, "", "1", "100", "GST", [("GST", "5.00")], ("5.00", "105.00"),
                 id="YT-GST"),
    pytest.param({"place_of_supply": "NU"}, TAXABLE, "", "1", "100", "GST", [("GST", "5.00")], ("5.00", "105.00"),
                 id="NU-GST"),
    pytest.param({"place_of_supply": "ON"}, TAXABLE, "BC", "1", "100", "GST + PST BC",
                 [("GST", "5.00"), ("PST BC", "7.00")], ("12.00", "112.00"), id="document-place-overrides"),
    pytest.param({}, TAXABLE, "", "1", "100", "HST ON", [("HST ON", "13.00")], ("13.00", "113.00"),
                 id="no-place-uses-org-province"),
    pytest.param({"tax_treatment": "non_canada"}, TAXABLE, "", "1", "100", None, [], ("0.00", "100.00"),
                 id="export-zero-rated"),
    pytest.param({"place_of_supply": "ON", "is_taxable": False}, TAXABLE, "", "1", "100", None, [],
                 ("0.00", "100.00"), id="exempt-customer"),
    pytest.param({"place_of_supply": "ON"}, {"tax_preference": "non_taxable"}, "", "1", "100", None, [],
                 ("0.00", "100.00"), id="non-taxable-item"),
    pytest.param({"place_of_supply": "ON"}, {"tax_preference": "zero_rated"}, "", "1", "100", None, [],
                 ("0.00", "100.00"), id="zero-rated-item"),
]  # fmt: skip


@pytest.mark.parametrize(("customer", "item", "place", "quantity", "rate", "tax", "lines", "totals"), CASES)
def test_canada_prefill(seeded, customer, item, place, quantity, rate, tax, lines, totals):
    check_line(seeded("CA", "ON"), customer, item, place, quantity, rate, tax, lines, totals)


def test_missing_tax_says_what_to_add(seeded):
    from fsmbilling.models import Tax
    from invoicing.taxes.catalog import tax_catalog_for

    canada = seeded("CA", "ON")
    Tax.objects.filter(organization=canada.organization, name="HST NS").delete()
    canada.catalog = tax_catalog_for(canada.organization)
    decision = check_line(canada, {"place_of_supply": "NS"}, TAXABLE, "", "1", "1", None, [], ("0.00", "1.00"))
    assert decision.reason == (
        "No active tax for HST NS: add it under Billing Setup > Taxes, then choose it on the line."
    )
