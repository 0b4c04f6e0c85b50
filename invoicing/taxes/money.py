"""Line and document amounts (TAX-7): the one place where rounding is written.

Rules, the same as the Books sandbox and Zoho Books:

- Decimal only; a float is refused, because 2.675 as a float is 2.67499999… and would round down.
- Each line is rounded on its own, half-up, to the currency's decimal places:
  ``amount = round(rate × quantity × (1 − discount% / 100))``.
- Each tax on a line is rounded on its own: ``round(amount × rate / 100)``. A tax group gives one amount per
  component. A compound tax applies on the line amount plus the (rounded) taxes before it in its group.
- Document totals are sums of the rounded line values; nothing is rounded again.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import NamedTuple

from invoicing.taxes.catalog import COMPOUND, TaxEntry

HUNDRED = Decimal("100")
ZERO = Decimal("0")


class TaxAmount(NamedTuple):
    name: str
    tax_id: int | None
    amount: Decimal


class LineAmounts(NamedTuple):
    amount: Decimal
    taxes: list[TaxAmount]
    tax_total: Decimal


class DocumentTotals(NamedTuple):
    sub_total: Decimal
    tax_total: Decimal
    total: Decimal
    taxes: list[tuple[str, Decimal]]


def to_decimal(value, *, field: str = "value") -> Decimal:
    """A Decimal from a Decimal, int or numeric string; floats are refused (they carry binary rounding errors)."""
    if isinstance(value, bool | float):
        raise TypeError(f"{field} must be a Decimal, an int or a string, not {type(value).__name__} ({value!r}).")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        return Decimal(value.strip())
    raise TypeError(f"{field} must be a Decimal, an int or a string, not {type(value).__name__}.")


def quantize(value: Decimal, decimal_places: int) -> Decimal:
    """Round half-up (away from zero on a tie) to the currency's decimal places."""
    if decimal_places < 0:
        raise ValueError("decimal_places must be 0 or more.")
    return value.quantize(Decimal(1).scaleb(-decimal_places), rounding=ROUND_HALF_UP)


def _as_entry(tax) -> TaxEntry | None:
    if tax is None or isinstance(tax, TaxEntry):
        return tax
    if hasattr(tax, "_meta"):  # a fsmbilling.Tax row
        return TaxEntry.from_model(tax)
    raise TypeError(f"tax must be a TaxEntry, a Tax or None, not {type(tax).__name__}.")


def line_amounts(quantity, rate, discount_percent, tax, decimal_places: int) -> LineAmounts:
    """The rounded amount of one line and its taxes, one per tax (or per component of a tax group)."""
    quantity = to_decimal(quantity, field="quantity")
    rate = to_decimal(rate, field="rate")
    discount_percent = to_decimal(discount_percent or 0, field="discount_percent")
    if not ZERO <= discount_percent <= HUNDRED:
        raise ValueError(f"discount_percent must be between 0 and 100, not {discount_percent}.")
    entry = _as_entry(tax)
    with localcontext() as context:
        context.prec = 50
        amount = quantize(rate * quantity * (HUNDRED - discount_percent) / HUNDRED, decimal_places)
        taxes: list[TaxAmount] = []
        if entry is not None:
            preceding = ZERO
            for part in entry.parts():
                base = amount + preceding if part.kind == COMPOUND else amount
                tax_amount = quantize(base * part.rate / HUNDRED, decimal_places)
                taxes.append(TaxAmount(part.name, part.id, tax_amount))
                preceding += tax_amount
    tax_total = sum((item.amount for item in taxes), quantize(ZERO, decimal_places))
    return LineAmounts(amount=amount, taxes=taxes, tax_total=tax_total)


def document_totals(lines: Iterable[LineAmounts], decimal_places: int | None = None) -> DocumentTotals:
    """Sub-total, tax total, total and taxes by name (first-seen order), as sums of the rounded lines.

    Sums of rounded values need no rounding; ``decimal_places`` only gives an empty document its exponent (0.00).
    """
    zero = ZERO if decimal_places is None else quantize(ZERO, decimal_places)
    sub_total = zero
    tax_total = zero
    by_name: dict[str, Decimal] = {}
    for line in lines:
        sub_total += line.amount
        tax_total += line.tax_total
        for tax in line.taxes:
            by_name[tax.name] = by_name.get(tax.name, zero) + tax.amount
    return DocumentTotals(
        sub_total=sub_total, tax_total=tax_total, total=sub_total + tax_total, taxes=list(by_name.items())
    )
