"""``{{ value|money:places }}``: an amount at its currency's decimal places, with thousands separators."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

from invoicing.taxes.money import quantize

register = template.Library()


@register.filter
def money(value, places=2) -> str:
    if value in (None, ""):
        return ""
    try:
        amount = quantize(Decimal(value), int(places))
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    return f"{amount:,}"


@register.filter
def quantity(value) -> str:
    """A quantity without trailing zeros (2.5000 → 2.5, 3.0000 → 3)."""
    if value in (None, ""):
        return ""
    normalized = Decimal(value).normalize()
    return f"{normalized:f}"
