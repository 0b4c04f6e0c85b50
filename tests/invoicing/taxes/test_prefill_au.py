"""Australia: GST (10%) on taxable supplies by a GST-registered organization (GST Act s 9-5, 9-70); GST-free items
and exports of services to overseas customers (s 38-190) carry none."""

from __future__ import annotations

import pytest

from tests.invoicing.taxes.support import check_line

TAXABLE = {"tax_preference": "taxable"}

CASES = [
    pytest.param({}, TAXABLE, "1", "123.45", "GST", [("GST", "12.35")], ("12.35", "135.80"), id="gst-half-up"),
    pytest.param({"gst_registered": True, "tax_number": "51824753556"}, TAXABLE, "4", "87.50", "GST",
                 [("GST", "35.00")], ("35.00", "385.00"), id="registered-customer"),
    pytest.param({}, {"tax_preference": "non_taxable"}, "1", "100", None, [], ("0.00", "100.00"), id="gst-free-item"),
    pytest.param({"tax_treatment": "overseas"}, TAXABLE, "1", "100", None, [], ("0.00", "100.00"), id="export"),
    pytest.param({"is_taxable": False}, TAXABLE, "1", "100", None, [], ("0.00", "100.00"), id="exempt-customer"),
]  # fmt: skip


@pytest.mark.parametrize(("customer", "item", "quantity", "rate", "tax", "lines", "totals"), CASES)
def test_australia_prefill(seeded, customer, item, quantity, rate, tax, lines, totals):
    check_line(seeded("AU", "NSW"), customer, item, "", quantity, rate, tax, lines, totals)


def test_unregistered_organization_charges_no_gst(seeded):
    australia = seeded("AU", "VIC", gst_registered=False)
    decision = check_line(australia, {}, TAXABLE, "", "1", "100", None, [], ("0.00", "100.00"))
    assert "not registered for GST" in decision.reason
