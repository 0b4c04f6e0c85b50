"""Custom fields (REC-7): definitions and validation of the values stored on records."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Func, JSONField, TextField, Value
from django.db.models.functions import Cast
from django.utils.text import slugify
from django.utils.translation import gettext as _

from fsmbilling.models import CustomField, Organization

PHONE_RE = re.compile(r"^[0-9+()\-. ]{3,40}$")
MAX_NUMBER = Decimal(10) ** 15  # number and decimal values stay exact in JSON and in spreadsheets


def custom_field_definitions(*, organization: Organization, module: str) -> list[CustomField]:
    return list(CustomField.objects.filter(organization=organization, module=module))


def _clean_value(definition: CustomField, value):
    kind = CustomField.FieldType
    if value in (None, ""):
        if definition.is_required:
            raise ValidationError(f"{definition.label} is required.")
        return None
    if isinstance(value, str) and "\x00" in value:  # PostgreSQL refuses NUL in JSON text
        raise ValidationError(f"{definition.label} must not contain null characters.")
    try:
        if isinstance(value, (dict, list, tuple)):
            raise TypeError
        if definition.field_type == kind.NUMBER:
            if isinstance(value, bool):
                raise ValueError
            number = Decimal(str(value))
            if not number.is_finite() or number != number.to_integral_value() or abs(number) >= MAX_NUMBER:
                raise ValueError
            return int(number)
        if definition.field_type == kind.DECIMAL:
            if isinstance(value, bool):
                raise ValueError
            number = Decimal(str(value))
            if not number.is_finite() or abs(number) >= MAX_NUMBER:
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
    except (ValueError, InvalidOperation, TypeError, OverflowError) as exc:
        expected = {
            kind.NUMBER: "a whole number of at most 15 digits",
            kind.DECIMAL: "a number of at most 15 digits before the decimal point",
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


API_NAME_RE = re.compile(r"^cf_[a-z0-9][a-z0-9_]*$")
MAX_CHOICES = 200
MAX_CHOICE_LENGTH = 100
# The models whose records keep custom field values, by module; apps that are not installed are skipped.
MODULE_MODELS = {
    CustomField.Module.COMPANIES: "fsmbilling.Company",
    CustomField.Module.CONTACTS: "fsmbilling.Contact",
    CustomField.Module.SERVICES_AND_PARTS: "fsmbilling.ServicePart",
    CustomField.Module.WORK_ORDERS: "fsmbilling.WorkOrder",
    CustomField.Module.ESTIMATES: "invoicing.Estimate",
    CustomField.Module.INVOICES: "invoicing.Invoice",
}


def api_name_from_label(label: str) -> str:
    return ("cf_" + slugify(label).replace("-", "_"))[:60].rstrip("_")


def _clean_choices(value) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, (list, tuple)):
        raise ValidationError(_("Send the choices as a list of text values."))
    choices: list[str] = []
    for item in value:
        if not isinstance(item, str) or "\x00" in item:
            raise ValidationError(_("Each choice must be text."))
        item = item.strip()
        if not item:
            continue
        if len(item) > MAX_CHOICE_LENGTH:
            raise ValidationError(
                _("Each choice may have at most %(n)d characters; shorten: %(choice)s")
                % {"n": MAX_CHOICE_LENGTH, "choice": item[:40]}
            )
        if item in choices:
            raise ValidationError(_("Each choice must be different; %(choice)s appears twice.") % {"choice": item})
        choices.append(item)
    if len(choices) > MAX_CHOICES:
        raise ValidationError(_("A choice field may have at most %(n)d choices.") % {"n": MAX_CHOICES})
    return choices


def _validate_definition(*, data: dict, instance: CustomField | None) -> None:
    """Normalise ``data`` in place; raise one ValidationError naming every wrong field."""
    errors: dict[str, list[str]] = {}
    if "label" in data or instance is None:
        data["label"] = str(data.get("label") or "").strip()
        if not data["label"]:
            errors["label"] = [_("Give the field a label, e.g. Contract number.")]
    if instance is None:
        api_name = str(data.get("api_name") or "").strip() or api_name_from_label(data.get("label", ""))
        data["api_name"] = api_name
        if not API_NAME_RE.match(api_name) or len(api_name) > 60:
            errors["api_name"] = [
                _(
                    "API name must start with cf_ and use only lowercase letters, digits and underscores "
                    "(at most 60 characters), e.g. cf_contract_number."
                )
            ]
    else:
        fixed = {
            "module": _("A custom field cannot move to another module; add a new field there instead."),
            "api_name": _(
                "The API name cannot be changed after the field is created: records keep their values under it."
            ),
            "field_type": _("The type cannot be changed after the field is created; add a new field instead."),
        }
        for name, message in fixed.items():
            if name in data and data[name] != getattr(instance, name):
                errors[name] = [message]
            data.pop(name, None)
    field_type = data.get("field_type", instance.field_type if instance else CustomField.FieldType.TEXT)
    if "choices" in data or instance is None:
        try:
            data["choices"] = _clean_choices(data.get("choices"))
        except ValidationError as exc:
            errors["choices"] = exc.messages
        else:
            if field_type == CustomField.FieldType.CHOICE and not data["choices"]:
                errors["choices"] = [_("A choice field needs at least one choice; enter one per line.")]
            elif field_type != CustomField.FieldType.CHOICE and data["choices"]:
                errors["choices"] = [_("Only choice fields have choices; leave this empty.")]
    if errors:
        raise ValidationError(errors)


def _save_definition(instance: CustomField, *, actor, data: dict) -> CustomField:
    for name, value in data.items():
        setattr(instance, name, value)
    if instance.pk is None:
        instance.created_by = actor
    instance.updated_by = actor
    instance.full_clean(
        exclude=["organization", "created_by", "updated_by"], validate_unique=False, validate_constraints=False
    )
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        if "custom_field_unique_api_name" not in str(exc):
            raise
        raise ValidationError(
            {
                "api_name": [
                    _("Another custom field of this module already has the API name %(name)s.")
                    % {"name": instance.api_name}
                ]
            }
        ) from exc
    return instance


@transaction.atomic
def custom_field_create(*, organization: Organization, actor, data: dict) -> CustomField:
    data = dict(data)
    _validate_definition(data=data, instance=None)
    return _save_definition(CustomField(organization=organization), actor=actor, data=data)


@transaction.atomic
def custom_field_update(*, instance: CustomField, actor, data: dict) -> CustomField:
    data = dict(data)
    _validate_definition(data=data, instance=instance)
    return _save_definition(instance, actor=actor, data=data)


@transaction.atomic
def custom_field_delete(*, instance: CustomField, actor) -> None:
    """Delete the definition and the values that records of its module keep under its API name."""
    label = MODULE_MODELS.get(instance.module)
    model = None
    if label:
        try:
            model = apps.get_model(label)
        except LookupError:
            model = None
    if model is not None and any(f.name == "custom_fields" for f in model._meta.get_fields()):
        without_key = Func(
            F("custom_fields"),
            Cast(Value(instance.api_name), TextField()),
            arg_joiner=" - ",
            template="(%(expressions)s)",
            output_field=JSONField(),
        )
        model.objects.filter(organization=instance.organization, custom_fields__has_key=instance.api_name).update(
            custom_fields=without_key
        )
    instance.delete()
