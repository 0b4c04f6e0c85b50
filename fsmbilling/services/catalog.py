"""Writes on services and parts (REC-3) and the rules of their tax properties (TAX-4).

Tax preferences depend on the organization's edition: every edition has taxable and non-taxable; India adds exempt,
nil-rated and non-GST supplies; the GCC editions add zero-rated and exempt. Intra-/inter-state taxes and HSN/SAC codes
exist only in the Indian edition. An item that is not taxable carries no tax; a taxable one carries no exemption.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fsmbilling.models import Organization, ServicePart, TaxExemption
from fsmbilling.services.records import check_same_org, save_record
from fsmbilling.services.workflows import fire_workflow_rules

RELATED = ("default_tax", "intra_state_tax", "inter_state_tax", "tax_exemption")
CUSTOM_MODULE = "services_and_parts"
INDIA_ONLY = ("intra_state_tax", "inter_state_tax", "hsn_sac")
GCC_COUNTRIES = frozenset({"AE", "SA", "QA", "KW", "BH", "OM"})
HSN_SAC_RE = re.compile(r"^\d{4}(\d{2}){0,2}$")
TAX_FIELDS = ("default_tax", "intra_state_tax", "inter_state_tax")

Preference = ServicePart.TaxPreference


def is_india(organization: Organization) -> bool:
    return (organization.country or "").upper() == "IN"


def item_tax_preferences(organization: Organization) -> list[str]:
    """The tax preferences an item may have in the organization's edition (TAX-4), in display order."""
    country = (organization.country or "").upper()
    if country == "IN":
        return [Preference.TAXABLE, Preference.NON_TAXABLE, Preference.EXEMPT, Preference.NIL_RATED, Preference.NON_GST]
    if country in GCC_COUNTRIES:
        return [Preference.TAXABLE, Preference.NON_TAXABLE, Preference.ZERO_RATED, Preference.EXEMPT]
    return [Preference.TAXABLE, Preference.NON_TAXABLE]


def _amount(value, label: str) -> Decimal:
    if isinstance(value, (bool, float)):
        raise ValidationError(_("%(label)s must be a decimal number written as text or a Decimal.") % {"label": label})
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        raise ValidationError(_("%(label)s must be a number, e.g. 125.50.") % {"label": label}) from None
    if not number.is_finite():
        raise ValidationError(_("%(label)s must be a number, e.g. 125.50.") % {"label": label})
    if number < 0:
        raise ValidationError(_("%(label)s cannot be negative; enter 0 or more.") % {"label": label})
    return number


def _validate(*, organization: Organization, data: dict, instance: ServicePart | None) -> None:
    """Normalise ``data`` in place and raise one ValidationError naming every field that is wrong."""
    errors: dict[str, list[str]] = {}
    for field, label in (("rate", _("Rate")), ("cost", _("Cost"))):
        if field in data and data[field] is not None:
            try:
                data[field] = _amount(data[field], label)
            except ValidationError as exc:
                errors[field] = exc.messages
    if "rate" in data and data["rate"] is None:
        errors["rate"] = [_("Rate is required; enter 0 for a free item.")]
    if "sku" in data:
        data["sku"] = (data["sku"] or "").strip()
    allowed = item_tax_preferences(organization)
    preference = data.get("tax_preference", instance.tax_preference if instance else Preference.TAXABLE)
    if preference not in allowed:
        labels = ", ".join(str(Preference(value).label) for value in allowed)
        errors["tax_preference"] = [
            _("This tax preference is not used in your organization's tax edition; choose one of: %(labels)s.")
            % {"labels": labels}
        ]
    if is_india(organization):
        if data.get("hsn_sac"):
            data["hsn_sac"] = str(data["hsn_sac"]).strip()
            if not HSN_SAC_RE.match(data["hsn_sac"]):
                errors["hsn_sac"] = [_("HSN/SAC code must be 4, 6 or 8 digits, e.g. 998719.")]
    else:
        for field in INDIA_ONLY:
            if data.get(field) not in (None, ""):
                errors[field] = [_("Only organizations in India use this; leave it empty.")]
    exemption = data.get("tax_exemption")
    if isinstance(exemption, TaxExemption) and exemption.applies_to != TaxExemption.AppliesTo.ITEM:
        errors["tax_exemption"] = [_("Choose an exemption reason for items, not one for customers.")]
    for field in TAX_FIELDS:
        tax = data.get(field)
        current_id = getattr(instance, f"{field}_id", None) if instance else None
        if tax is not None and not tax.is_active and tax.pk != current_id:
            errors[field] = [_("%(tax)s is inactive; choose an active tax.") % {"tax": tax.name}]
    if errors:
        raise ValidationError(errors)
    if preference == Preference.TAXABLE:
        data["tax_exemption"] = None
    else:
        for field in TAX_FIELDS:
            data[field] = None


@transaction.atomic
def service_part_create(*, organization: Organization, actor, data: dict) -> ServicePart:
    data = dict(data)
    data.setdefault("custom_fields", {})  # so that required custom fields are checked on create
    check_same_org(organization, data, RELATED)
    _validate(organization=organization, data=data, instance=None)
    item = ServicePart(organization=organization)
    item = save_record(item, actor=actor, data=data, custom_module=CUSTOM_MODULE, related=RELATED)
    fire_workflow_rules(organization=organization, module=CUSTOM_MODULE, event="created", record=item, actor=actor)
    return item


@transaction.atomic
def service_part_update(*, instance: ServicePart, actor, data: dict) -> ServicePart:
    data = dict(data)
    check_same_org(instance.organization, data, RELATED)
    _validate(organization=instance.organization, data=data, instance=instance)
    instance = save_record(instance, actor=actor, data=data, custom_module=CUSTOM_MODULE, related=RELATED)
    fire_workflow_rules(
        organization=instance.organization, module=CUSTOM_MODULE, event="updated", record=instance, actor=actor
    )
    return instance


@transaction.atomic
def service_part_delete(*, instance: ServicePart, actor) -> None:
    instance.delete()
