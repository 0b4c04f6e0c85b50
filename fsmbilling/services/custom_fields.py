"""Custom fields (REC-7): definitions and validation of the values stored on records."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from fsmbilling.models import CustomField, Organization

PHONE_RE = re.compile(r"^[0-9+()\-. ]{3,40}$")


def custom_field_definitions(*, organization: Organization, module: str) -> list[CustomField]:
    return list(CustomField.objects.filter(organization=organization, module=module))


def _clean_value(definition: CustomField, value):
    kind = CustomField.FieldType
    if value in (None, ""):
        if definition.is_required:
            raise ValidationError(f"{definition.label} is required.")
        return None
    try:
        if definition.field_type == kind.NUMBER:
            if isinstance(value, bool):
                raise ValueError
            number = Decimal(str(value))
            if number != number.to_integral_value():
                raise ValueError
            return int(number)
        if definition.field_type == kind.DECIMAL:
            if isinstance(value, bool):
                raise ValueError
            number = Decimal(str(value))
            if not number.is_finite():
                raise ValueError
            return str(number)
        if definition.field_type == kind.DATE:
            return dt.date.fromisoformat(str(value)).isoformat()
        if definition.field_type == kind.CHECKBOX:
            if isinstance(value, bool):
                return value
            if str(value).lower() in ("true", "1", "yes", "on"):
                return True
            if str(value).lower() in ("false", "0", "no", "off"):
                return False
            raise ValueError
        if definition.field_type == kind.CHOICE:
            if str(value) not in definition.choices:
                raise ValidationError(f"{definition.label} must be one of: {', '.join(map(str, definition.choices))}.")
            return str(value)
        if definition.field_type == kind.EMAIL:
            validate_email(str(value))
            return str(value)
        if definition.field_type == kind.PHONE:
            if not PHONE_RE.match(str(value)):
                raise ValueError
            return str(value)
        text = str(value)
        if len(text) > 2000:
            raise ValidationError(f"{definition.label} is longer than 2000 characters.")
        return text
    except (ValueError, InvalidOperation, TypeError) as exc:
        expected = {
            kind.NUMBER: "a whole number",
            kind.DECIMAL: "a number",
            kind.DATE: "a date as YYYY-MM-DD",
            kind.CHECKBOX: "true or false",
            kind.EMAIL: "an email address",
            kind.PHONE: "a phone number (digits, spaces, + - ( ) .)",
        }.get(definition.field_type, "text")
        raise ValidationError(f"{definition.label} must be {expected}.") from exc


def clean_custom_field_values(
    *, organization: Organization, module: str, values: dict | None, current: dict | None = None
) -> dict:
    """Validate values keyed by api_name; unknown keys are refused. Returns the full dict to store."""
    if values is None:
        values = {}
    if not isinstance(values, dict):
        raise ValidationError({"custom_fields": ["Send custom fields as an object of api_name: value."]})
    definitions = {d.api_name: d for d in custom_field_definitions(organization=organization, module=module)}
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(values) - set(definitions))
    if unknown:
        errors["custom_fields"] = [f"Unknown custom field(s): {', '.join(unknown)}."]
    result = dict(current or {})
    for api_name, definition in definitions.items():
        if api_name not in values and api_name in result:
            continue
        try:
            cleaned = _clean_value(definition, values.get(api_name))
        except ValidationError as exc:
            errors[f"custom_fields.{api_name}"] = exc.messages
            continue
        if cleaned is None:
            result.pop(api_name, None)
        else:
            result[api_name] = cleaned
    if errors:
        raise ValidationError(errors)
    return result


def custom_field_create(*, organization: Organization, actor, data: dict) -> CustomField:
    data = dict(data)
    choices = data.get("choices") or []
    if data.get("field_type") == CustomField.FieldType.CHOICE and not choices:
        raise ValidationError({"choices": ["A choice field needs at least one choice."]})
    try:
        with transaction.atomic():
            return CustomField.objects.create(organization=organization, created_by=actor, updated_by=actor, **data)
    except IntegrityError as exc:
        raise ValidationError(
            {"api_name": [f"A custom field with API name {data.get('api_name')} already exists in this module."]}
        ) from exc


def custom_field_update(*, instance: CustomField, actor, data: dict) -> CustomField:
    for name, value in data.items():
        setattr(instance, name, value)
    instance.updated_by = actor
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise ValidationError({"api_name": ["Another custom field of this module has that API name."]}) from exc
    return instance


def custom_field_delete(*, instance: CustomField, actor) -> None:
    instance.delete()
