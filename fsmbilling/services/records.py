"""Shared write helpers of the record services: one transaction, validation with field names, who and when."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from fsmbilling.models.customers import ADDRESS_KEYS
from fsmbilling.services.custom_fields import clean_custom_field_values

CONSTRAINT_MESSAGES = {
    "servicepart_unique_sku": ("sku", "Another service or part already uses this SKU."),
    "asset_unique_serial_per_org": ("serial_number", "Another asset already has this serial number."),
    "contact_one_primary_per_company": ("is_primary", "This company already has a primary contact."),
    "currency_unique_code_per_org": ("code", "This currency already exists."),
    "workorder_has_customer": ("company", "Choose a company or a contact."),
}


def clean_address(value, field: str) -> dict:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ValidationError({field: ["Send the address as an object (address, city, state, zip, country …)."]})
    unknown = sorted(set(value) - set(ADDRESS_KEYS) - {"address_id"})
    if unknown:
        raise ValidationError({field: [f"Unknown address part(s): {', '.join(unknown)}."]})
    cleaned = {}
    for key, part in value.items():
        if key == "address_id" or part in (None, ""):
            continue
        if not isinstance(part, str) or len(part) > 255 or "\x00" in part:  # PostgreSQL refuses NUL in JSON text
            raise ValidationError({f"{field}.{key}": ["Use text of at most 255 characters."]})
        cleaned[key] = part.strip()
    return cleaned


def check_same_org(organization, data: dict, fields: Iterable[str]) -> None:
    """Refuse a related row of another organization exactly like a missing one."""
    for name in fields:
        value = data.get(name)
        if isinstance(value, models.Model) and getattr(value, "organization_id", organization.pk) != organization.pk:
            raise ValidationError({name: ["Not found."]})


def save_record(
    instance: models.Model,
    *,
    actor,
    data: dict,
    custom_module: str | None = None,
    address_fields: Iterable[str] = (),
    related: Iterable[str] = (),
    many: Iterable[str] = (),
) -> models.Model:
    """Apply ``data`` to ``instance`` and save it in one transaction, with validation errors named by field."""
    organization = instance.organization
    data = dict(data)
    check_same_org(organization, data, related)
    for name in address_fields:
        if name in data:
            data[name] = clean_address(data[name], name)
    if custom_module and "custom_fields" in data:
        data["custom_fields"] = clean_custom_field_values(
            organization=organization,
            module=custom_module,
            values=data["custom_fields"],
            current=instance.custom_fields if instance.pk else None,
        )
    many_values = {name: data.pop(name) for name in list(many) if name in data}
    for name, value in data.items():
        setattr(instance, name, value)
    if instance.pk is None:
        instance.created_by = actor
    instance.updated_by = actor
    exclude = ["organization", "created_by", "updated_by", *many_values]
    instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            instance.save()
            for name, values in many_values.items():
                for value in values:
                    if getattr(value, "pk", None) is None:
                        raise ValidationError({name: ["Not found."]})
                getattr(instance, name).set(values)
    except IntegrityError as exc:
        for constraint, (field, message) in CONSTRAINT_MESSAGES.items():
            if constraint in str(exc):
                raise ValidationError({field: [message]}) from exc
        raise
    return instance
