"""Rounding per line, half-up, per currency (TAX-7), the same way the Books sandbox computes."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from invoicing.taxes.catalog import COMPOUND, GROUP, TaxEntry
from invoicing.taxes.money import TaxAmount, document_totals, line_amounts, quantize

VAT20 = TaxEntry(id=1, name="VAT 20%", rate=D("20"))
GST = TaxEntry(id=2, name="GST", rate=D("5"), tax_type="gst")
CGST = TaxEntry(id=3, name="CGST2.5", rate=D("2.5"), tax_type="cgst")
SGST = TaxEntry(id=4, name="SGST2.5", rate=D("2.5"), tax_type="sgst")
GST5 = TaxEntry(id=5, name="GST5", rate=D("5"), kind=GROUP, components=(CGST, SGST))
IGST5 = TaxEntry(id=6, name="IGST5", rate=D("5"), tax_type="igst")
QST_COMPOUND = TaxEntry(id=7, name="QST (compound)", rate=D("9.975"), kind=COMPOUND, tax_type="qst")
GST_QST_COMPOUND = TaxEntry(id=8, name="GST + QST", rate=D("14.975"), kind=GROUP, components=(QST_COMPOUND, GST))


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        ("2.675", 2, "2.68"),  # as a float this is 2.67499999… and would round down
        ("1.005", 2, "1.01"),
        ("-2.675", 2, "-2.68"),  # ties go away from zero, like Books
        ("2.674999", 2, "2.67"),
        ("0.5", 0, "1"),
        ("1.2345", 3, "1.235"),
        ("1.2344", 3, "1.234"),
    ],
)
def test_quantize_rounds_half_up(value, places, expected):
    assert str(quantize(D(value), places)) == expected


@pytest.mark.parametrize(
    ("quantity", "rate", "discount", "places", "amount"),
    [
        ("1", "2.675", "0", 2, "2.68"),
        ("3", "0.335", "0", 2, "1.01"),  # 1.005 → 1.01
        ("3", "19.99", "10", 2, "53.97"),  # 59.97 × 0.9 = 53.973
        ("1", "0.10", "12.5", 2, "0.09"),  # 0.0875
        ("2.5", "40.10", "0", 2, "100.25"),
        ("3", "333", "0", 0, "999"),  # yen
        ("1", "1.2345", "0", 3, "1.235"),  # Kuwaiti dinar, 3 decimals
        ("1", "100", "100", 2, "0.00"),
    ],
)
def test_line_amount_is_rounded_once_per_line(quantity, rate, discount, places, amount):
    line = line_amounts(D(quantity), D(rate), D(discount), None, places)
    assert str(line.amount) == amount
    assert line.taxes == []
    assert line.tax_total == D(0)


def test_simple_tax_rounded_half_up():
    line = line_amounts(D("1"), D("19.99"), D("0"), VAT20, 2)
    assert line == (D("19.99"), [TaxAmount("VAT 20%", 1, D("4.00"))], D("4.00"))  # 3.998


def test_group_gives_one_amount_per_component_each_rounded():
    # 2.5% of 10.10 = 0.2525 → 0.25 per component, 0.50 in all; a single 5% tax gives 0.505 → 0.51.
    group = line_amounts(D("1"), D("10.10"), D("0"), GST5, 2)
    assert group.taxes == [TaxAmount("CGST2.5", 3, D("0.25")), TaxAmount("SGST2.5", 4, D("0.25"))]
    assert group.tax_total == D("0.50")
    assert line_amounts(D("1"), D("10.10"), D("0"), IGST5, 2).tax_total == D("0.51")


def test_compound_tax_applies_on_amount_plus_preceding_taxes():
    # GST 5.00 first (simple taxes before compound ones), then 9.975% of 105.00 = 10.47375 → 10.47.
    line = line_amounts(D("1"), D("100"), D("0"), GST_QST_COMPOUND, 2)
    assert line.taxes == [TaxAmount("GST", 2, D("5.00")), TaxAmount("QST (compound)", 7, D("10.47"))]
    assert line.tax_total == D("15.47")


def test_standalone_compound_tax_applies_on_the_amount():
    line = line_amounts(D("1"), D("100"), D("0"), QST_COMPOUND, 2)
    assert line.taxes == [TaxAmount("QST (compound)", 7, D("9.98"))]  # 9.975


def test_tax_on_discounted_amount():
    line = line_amounts(D("3"), D("19.99"), D("10"), VAT20, 2)
    assert (line.amount, line.tax_total) == (D("53.97"), D("10.79"))  # 10.794


def test_document_totals_are_sums_of_rounded_lines():
    # Each line: 0.125 → 0.13, tax 10% of 0.13 = 0.013 → 0.01. Rounding the total instead would give tax 0.04.
    ten = TaxEntry(id=9, name="Tax 10%", rate=D("10"))
    lines = [line_amounts(D("1"), D("0.125"), D("0"), ten, 2) for _ in range(3)]
    totals = document_totals(lines)
    assert totals == (D("0.39"), D("0.03"), D("0.42"), [("Tax 10%", D("0.03"))])


def test_document_taxes_aggregated_by_name_in_first_seen_order():
    lines = [
        line_amounts(D("1"), D("10.10"), D("0"), GST5, 2),
        line_amounts(D("2"), D("49.99"), D("0"), IGST5, 2),
        line_amounts(D("1"), D("20.20"), D("0"), GST5, 2),
        line_amounts(D("1"), D("5"), D("0"), None, 2),
    ]
    sub_total, tax_total, total, taxes = document_totals(lines)
    assert taxes == [("CGST2.5", D("0.76")), ("SGST2.5", D("0.76")), ("IGST5", D("5.00"))]  # 0.25+0.51, 4.999
    assert (sub_total, tax_total, total) == (D("135.28"), D("6.52"), D("141.80"))


def test_empty_document_has_the_currency_exponent():
    assert document_totals([], 2) == (D("0.00"), D("0.00"), D("0.00"), [])
    assert str(document_totals([], 3).total) == "0.000"


def test_zero_rate_tax_gives_a_zero_line():
    zero = TaxEntry(id=10, name="VAT 0%", rate=D("0"))
    assert line_amounts(D("1"), D("99.99"), D("0"), zero, 2).taxes == [TaxAmount("VAT 0%", 10, D("0.00"))]


@pytest.mark.parametrize("bad", [2.675, 1.0])
def test_floats_are_refused(bad):
    with pytest.raises(TypeError, match="not float"):
        line_amounts(D("1"), bad, D("0"), None, 2)
    with pytest.raises(TypeError, match="not float"):
        line_amounts(bad, D("1"), D("0"), None, 2)


def test_strings_and_ints_are_accepted_exactly():
    assert line_amounts("3", "0.335", 0, None, 2).amount == D("1.01")


@pytest.mark.parametrize("discount", ["-1", "100.01"])
def test_discount_outside_0_to_100_is_refused(discount):
    with pytest.raises(ValueError, match="between 0 and 100"):
        line_amounts(D("1"), D("1"), D(discount), None, 2)


def test_accepts_a_tax_row(org):
    from fsmbilling.models import Tax

    cgst = Tax.objects.create(organization=org, name="CGST9", rate=D("9"), tax_type="cgst")
    sgst = Tax.objects.create(organization=org, name="SGST9", rate=D("9"), tax_type="sgst")
    group = Tax.objects.create(organization=org, name="GST18", rate=D("18"), kind=Tax.Kind.GROUP)
    group.components.set([sgst, cgst])
    line = line_amounts(D("3"), D("33.33"), D("0"), group, 2)  # 99.99 × 9% = 8.9991
    assert line.taxes == [TaxAmount("CGST9", cgst.pk, D("9.00")), TaxAmount("SGST9", sgst.pk, D("9.00"))]
