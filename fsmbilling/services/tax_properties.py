"""Validation of the tax properties of companies and contacts by the organization's edition (TAX-3)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from fsmbilling.models import Organization

FIELDS = (
    "is_taxable",
    "tax_treatment",
    "tax_number",
    "place_of_supply",
    "gst_registered",
    "default_tax",
    "tax_exemption",
)


def validate_party_tax_properties(*, organization: Organization, data: dict, instance=None) -> None:
    """Raise ValidationError naming each tax field that does not fit the organization's edition."""
    if not any(name in data for name in FIELDS):
        return
    props = {name: data.get(name, getattr(instance, name, None) if instance else None) for name in FIELDS}
    try:
        from invoicing.taxes.validators import validate_customer_tax_properties
    except ImportError:  # the tax editions package is optional for the core records
        return
    errors = validate_customer_tax_properties(organization, props)
    if errors:
        raise ValidationError({field: [message] for field, message in errors.items()})
