"""India: exempt, nil-rated and non-GST items carry no GST; a supply within the organization's state carries CGST +
SGST (CGST + UTGST in a union territory without legislature) at the item's intra-state rate; any other supply carries
IGST at its inter-state rate; exports and SEZ supplies are zero-rated by default (IGST Act ss. 7-8, 12-13, 16)."""

from __future__ import annotations

import pytest

from tests.invoicing.taxes.support import check_line

GST18 = {"tax_preference": "taxable", "intra": "GST18", "inter": "IGST18"}
GST5 = {"tax_preference": "taxable", "intra": "GST5", "inter": "IGST5"}

CASES = [
    # org state, customer, item, place of supply, quantity, rate, tax, tax lines, (tax_total, total)
    pytest.param("KA", {"tax_treatment": "consumer", "place_of_supply": "KA"}, GST18, "", "1", "1000", "GST18",
                 [("CGST9", "90.00"), ("SGST9", "90.00")], ("180.00", "1180.00"), id="intra-state"),
    pytest.param("KA", {"tax_treatment": "business_gst", "place_of_supply": "MH"}, GST18, "", "1", "1000", "IGST18",
                 [("IGST18", "180.00")], ("180.00", "1180.00"), id="inter-state"),
    pytest.param("KA", {"tax_treatment": "consumer", "place_of_supply": "KA"}, GST5, "", "1", "10.10", "GST5",
                 [("CGST2.5", "0.25"), ("SGST2.5", "0.25")], ("0.50", "10.60"), id="intra-each-half-rounded"),
    pytest.param("KA", {"tax_treatment": "consumer", "place_of_supply": "TN"}, GST5, "", "1", "10.10", "IGST5",
                 [("IGST5", "0.51")], ("0.51", "10.61"), id="inter-rounded-once"),  # 0.505
    pytest.param("KA", {"tax_treatment": "business_gst", "place_of_supply": "29"}, GST18, "", "3", "33.33",
                 "GST18", [("CGST9", "9.00"), ("SGST9", "9.00")], ("18.00", "117.99"), id="state-code-29"),
    pytest.param("KA", {"tax_treatment": "business_gst", "place_of_supply": "KA"}, GST18, "DL", "1", "100",
                 "IGST18", [("IGST18", "18.00")], ("18.00", "118.00"), id="document-place-overrides"),
    pytest.param("KA", {"tax_treatment": "consumer"}, GST18, "", "1", "100", "GST18",
                 [("CGST9", "9.00"), ("SGST9", "9.00")], ("18.00", "118.00"), id="no-place-is-org-state"),
    pytest.param("KA", {"tax_treatment": "business_registered_composition", "place_of_supply": "KA"}, GST18, "",
                 "1", "100", "GST18", [("CGST9", "9.00"), ("SGST9", "9.00")], ("18.00", "118.00"),
                 id="composition-customer"),
    pytest.param("KA", {"tax_treatment": "deemed_export", "place_of_supply": "GJ"}, GST18, "", "1", "100", "IGST18",
                 [("IGST18", "18.00")], ("18.00", "118.00"), id="deemed-export-taxed"),
    pytest.param("KA", {"tax_treatment": "overseas"}, GST18, "", "1", "100", "IGST0", [("IGST0", "0.00")],
                 ("0.00", "100.00"), id="export-zero-rated"),
    pytest.param("KA", {"tax_treatment": "business_sez", "place_of_supply": "KA"}, GST18, "", "1", "100", "IGST0",
                 [("IGST0", "0.00")], ("0.00", "100.00"), id="sez-zero-rated"),
    pytest.param("KA", {"tax_treatment": "consumer", "place_of_supply": "KA"},
                 {"tax_preference": "exempt", "intra": "GST18", "inter": "IGST18"}, "", "1", "100", None, [],
                 ("0.00", "100.00"), id="exempt-item"),
    pytest.param("KA", {"tax_treatment": "consumer", "place_of_supply": "KA"},
                 {"tax_preference": "nil_rated", "intra": "GST18", "inter": "IGST18"}, "", "1", "100", None, [],
                 ("0.00", "100.00"), id="nil-rated-item"),
    pytest.param("KA", {"tax_treatment": "consumer", "place_of_supply": "MH"},
                 {"tax_preference": "non_gst"}, "", "1", "100", None, [], ("0.00", "100.00"), id="non-gst-item"),
    pytest.param("KA", {"tax_treatment": "consumer", "place_of_supply": "KA"},
                 {"tax_preference": "taxable", "inter": "IGST12"}, "", "1", "100", "GST12",
                 [("CGST6", "6.00"), ("SGST6", "6.00")], ("12.00", "112.00"), id="intra-rate-from-inter"),
    pytest.param("KA", {"tax_treatment": "consumer", "place_of_supply": "KL"},
                 {"tax_preference": "taxable", "intra": "GST28"}, "", "1", "100", "IGST28",
                 [("IGST28", "28.00")], ("28.00", "128.00"), id="inter-rate-from-intra"),
    pytest.param("CH", {"tax_treatment": "consumer", "place_of_supply": "CH"}, GST18, "", "1", "100", "GST18 (UT)",
                 [("CGST9", "9.00"), ("UTGST9", "9.00")], ("18.00", "118.00"), id="union-territory-utgst"),
    pytest.param("CH", {"tax_treatment": "consumer", "place_of_supply": "PB"}, GST18, "", "1", "100", "IGST18",
                 [("IGST18", "18.00")], ("18.00", "118.00"), id="union-territory-inter-state"),
    pytest.param("DL", {"tax_treatment": "consumer", "place_of_supply": "DL"}, GST18, "", "1", "100", "GST18",
                 [("CGST9", "9.00"), ("SGST9", "9.00")], ("18.00", "118.00"), id="delhi-has-sgst"),
    pytest.param("KA", {"tax_treatment": "consumer", "place_of_supply": "KA"}, {"tax_preference": "taxable"}, "",
                 "1", "100", None, [], ("0.00", "100.00"), id="item-without-rates"),
]  # fmt: skip


@pytest.mark.parametrize(("state", "customer", "item", "place", "quantity", "rate", "tax", "lines", "totals"), CASES)
def test_india_prefill(seeded, state, customer, item, place, quantity, rate, tax, lines, totals):
    check_line(seeded("IN", state), customer, item, place, quantity, rate, tax, lines, totals)


def test_exports_with_igst_paid_when_configured(seeded):
    india = seeded("IN", "KA", india_export_mode="with_igst")
    check_line(
        india,
        {"tax_treatment": "overseas"},
        GST18,
        "",
        "1",
        "100",
        "IGST18",
        [("IGST18", "18.00")],
        ("18.00", "118.00"),
    )


def test_organization_without_state_is_told_to_set_it(seeded):
    india = seeded("IN", "")
    decision = check_line(india, {"place_of_supply": "KA"}, GST18, "", "1", "1", None, [], ("0.00", "1.00"))
    assert decision.reason == "Set the organization's state: intra- or inter-state GST depends on it."
