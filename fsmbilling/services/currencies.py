"""Writes on currencies (REC-8).

The base currency is the one chosen when the organization was created: its exchange rate is always 1, it stays the
base currency and it cannot be deleted. A currency's code never changes once created, because documents and the
finance organization refer to it by code.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fsmbilling.models import Currency, Organization
from fsmbilling.services.organizations import CURRENCY_META
from fsmbilling.services.records import save_record

CODE_RE = re.compile(r"^[A-Z]{3}$")
ONE = Decimal("1")
MAX_DECIMAL_PLACES = 3


def _validate(*, data: dict, instance: Currency | None) -> None:
    errors: dict[str, list[str]] = {}
    if "code" in data or instance is None:
        code = str(data.get("code") or "").strip().upper()
        data["code"] = code
        if not CODE_RE.match(code):
            errors["code"] = [_("Use the three-letter ISO 4217 code of the currency, e.g. EUR.")]
        elif instance is not None and code != instance.code:
            errors["code"] = [_("A currency's code cannot be changed; add a new currency instead.")]
    is_base = instance.is_base if instance is not None else False
    if "is_base" in data and bool(data["is_base"]) != is_base:
        errors["is_base"] = [
            _("The base currency cannot be changed to non-base.")
            if is_base
            else _("The base currency is chosen when the organization is created; this currency cannot become it.")
        ]
    data.pop("is_base", None)
    if "decimal_places" in data:
        places = data["decimal_places"]
        if isinstance(places, bool) or not isinstance(places, int) or not 0 <= places <= MAX_DECIMAL_PLACES:
            errors["decimal_places"] = [_("Decimal places must be a whole number from 0 to 3.")]
    if "exchange_rate" in data:
        try:
            rate = data["exchange_rate"]
            rate = rate if isinstance(rate, Decimal) else Decimal(str(rate).strip())
            if not rate.is_finite() or rate <= 0:
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors["exchange_rate"] = [_("Exchange rate must be a number greater than 0, e.g. 1.0825.")]
        else:
            data["exchange_rate"] = rate
            if is_base and rate != ONE:
                errors["exchange_rate"] = [_("The base currency's exchange rate is always 1.")]
    if "symbol" in data:
        data["symbol"] = str(data["symbol"] or "").strip()
    if errors:
        raise ValidationError(errors)
    code = data.get("code") or (instance.code if instance else "")
    meta = CURRENCY_META.get(code)
    if ("symbol" in data or instance is None) and not data.get("symbol"):
        data["symbol"] = meta[1] if meta else code
    if instance is None and not (data.get("name") or "").strip():
        data["name"] = meta[0] if meta else code
    if is_base:
        data["exchange_rate"] = ONE


@transaction.atomic
def currency_create(*, organization: Organization, actor, data: dict) -> Currency:
    data = dict(data)
    _validate(data=data, instance=None)
    return save_record(Currency(organization=organization, is_base=False), actor=actor, data=data)


@transaction.atomic
def currency_update(*, instance: Currency, actor, data: dict) -> Currency:
    data = dict(data)
    _validate(data=data, instance=instance)
    return save_record(instance, actor=actor, data=data)


@transaction.atomic
def currency_delete(*, instance: Currency, actor) -> None:
    if instance.is_base:
        raise ValidationError(
            _("%(code)s is the base currency of the organization, so it cannot be deleted.") % {"code": instance.code}
        )
    instance.delete()
