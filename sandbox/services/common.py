"""Small helpers shared by the sandbox services: value parsing, rounding, custom fields."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sandbox.errors import ApiError, invalid_value, missing_value
from sandbox.models import CustomField, Organization


def round_half_up(value: Decimal, precision: int) -> Decimal:
    """The one rounding rule of the sandbox: half-up to the currency's decimal places (TAX-7)."""
    return value.quantize(Decimal(1).scaleb(-precision), rounding=ROUND_HALF_UP)


def to_decimal(value, field: str, *, default: Decimal | None = None) -> Decimal:
    if value is None or value == "":
        if default is None:
            raise missing_value(field)
        return default
    if isinstance(value, bool):
        raise invalid_value(field)
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise invalid_value(field)
    if not number.is_finite():
        raise invalid_value(field)
    return number


def to_percentage(value, field: str) -> Decimal:
    """A discount: a number, or a string such as ``"10%"`` (both mean percent; project choice, documented)."""
    if isinstance(value, str):
        value = value.strip().removesuffix("%")
    number = to_decimal(value, field, default=Decimal("0"))
    if number < 0 or number > 100:
        raise invalid_value(field)
    return number


def to_date(value, field: str, *, default: dt.date | None = None) -> dt.date:
    if value in (None, ""):
        if default is None:
            raise missing_value(field)
        return default
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise invalid_value(field)


def to_bool(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "on")
    return bool(value)


def to_int(value, field: str, *, default: int | None = None, minimum: int = 0, maximum: int | None = None) -> int:
    if value in (None, ""):
        if default is None:
            raise missing_value(field)
        return default
    try:
        number = int(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        raise invalid_value(field)
    if number < minimum or (maximum is not None and number > maximum):
        raise invalid_value(field)
    return number


def text(value, field: str, *, max_length: int = 200) -> str:
    if value is None:
        return ""
    if not isinstance(value, (str, int, Decimal)):
        raise invalid_value(field)
    value = str(value).strip()
    if len(value) > max_length:
        raise ApiError(400, 2, f"Invalid value passed for {field}: at most {max_length} characters are allowed.")
    return value


# --- Custom fields -------------------------------------------------------------------------------------------------


def custom_field_definitions(organization: Organization, entity: str) -> list[CustomField]:
    return list(CustomField.objects.filter(organization=organization, entity=entity, is_active=True).order_by("index"))


def custom_fields_apply(
    organization: Organization, entity: str, incoming, existing: list[dict] | None, *, creating: bool
) -> list[dict]:
    """Merge written custom fields (by ``customfield_id``, ``api_name``, ``label`` or ``index``) into the stored list.

    A mandatory field must hold a value once the record is saved.
    """
    definitions = custom_field_definitions(organization, entity)
    values = {row["customfield_id"]: row.get("value") for row in existing or []}
    if incoming not in (None, ""):
        if not isinstance(incoming, list):
            raise invalid_value("custom_fields")
        for entry in incoming:
            if not isinstance(entry, dict):
                raise invalid_value("custom_fields")
            definition = _match_definition(definitions, entry)
            if definition is None:
                raise invalid_value("custom_fields")
            value = entry.get("value")
            values[definition.zoho_id] = "" if value is None else value
    result = []
    for definition in definitions:
        value = values.get(definition.zoho_id, "")
        if definition.is_mandatory and value in ("", None) and (creating or existing is not None):
            raise ApiError(400, 4, f"Please enter a value for the mandatory field {definition.label}.")
        if definition.zoho_id not in values:
            continue
        result.append(
            {
                "customfield_id": definition.zoho_id,
                "index": definition.index,
                "label": definition.label,
                "api_name": definition.api_name,
                "data_type": definition.data_type,
                "value": value,
            }
        )
    return result


def _match_definition(definitions: list[CustomField], entry: dict) -> CustomField | None:
    for definition in definitions:
        if entry.get("customfield_id") and str(entry["customfield_id"]) == definition.zoho_id:
            return definition
        if entry.get("api_name") and entry["api_name"] == definition.api_name:
            return definition
        if (
            not entry.get("customfield_id")
            and not entry.get("api_name")
            and entry.get("label")
            and str(entry["label"]).lower() == definition.label.lower()
        ):
            return definition
        if (
            not entry.get("customfield_id")
            and not entry.get("api_name")
            and not entry.get("label")
            and str(entry.get("index", "")) == str(definition.index)
        ):
            return definition
    return None


def custom_field_output(values: list[dict]) -> dict:
    """``custom_fields`` and ``custom_field_hash`` of a record."""
    hashed = {}
    for row in values:
        value = row.get("value")
        hashed[row["api_name"]] = "" if value is None else str(value)
        hashed[row["api_name"] + "_unformatted"] = value
    return {
        "custom_fields": [{**row, "value_formatted": str(row.get("value", ""))} for row in values],
        "custom_field_hash": hashed,
    }
