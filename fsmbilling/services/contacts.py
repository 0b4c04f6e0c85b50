"""Writes on contacts (REC-2).

A contact may be the primary contact of its company. Making one primary unsets the company's previous primary
contact in the same transaction; the company row is locked first so that two people doing it at once queue instead
of tripping the database's one-primary-per-company constraint.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fsmbilling.models import Company, Contact, Organization, TaxExemption
from fsmbilling.services.records import check_same_org, save_record
from fsmbilling.services.tax_properties import validate_party_tax_properties
from fsmbilling.services.workflows import fire_workflow_rules

RELATED = ("company", "currency", "payment_term", "default_tax", "tax_exemption")
ADDRESSES = ("billing_address", "service_address")
CUSTOM_MODULE = "contacts"


def _check_exemption(data: dict) -> None:
    exemption = data.get("tax_exemption")
    if isinstance(exemption, TaxExemption) and exemption.applies_to != TaxExemption.AppliesTo.CUSTOMER:
        raise ValidationError({"tax_exemption": [_("Choose an exemption reason for customers, not one for items.")]})


def _settle_primary(*, organization: Organization, actor, data: dict, instance: Contact | None) -> None:
    """Decide ``is_primary`` and unset the company's other primary contact when this one becomes primary.

    A contact stays primary only while it keeps its company: moving it to another company without asking for
    ``is_primary`` again makes it an ordinary contact of the new one.
    """
    current_company_id = instance.company_id if instance else None
    company = data.get("company", instance.company if instance else None)
    company_changed = (company.pk if company else None) != current_company_id
    if "is_primary" in data:
        wants_primary = bool(data["is_primary"])
    else:
        wants_primary = bool(instance and instance.is_primary and not company_changed)
    if wants_primary and company is None:
        if data.get("is_primary"):
            raise ValidationError(
                {"is_primary": [_("Only a contact of a company can be its primary contact. Choose a company first.")]}
            )
        wants_primary = False
    if instance is None or "is_primary" in data or instance.is_primary != wants_primary:
        data["is_primary"] = wants_primary
    if not wants_primary:
        return
    Company.objects.select_for_update().filter(pk=company.pk).first()
    others = Contact.objects.filter(organization=organization, company=company, is_primary=True)
    if instance is not None and instance.pk:
        others = others.exclude(pk=instance.pk)
    others.update(is_primary=False, updated_at=timezone.now(), updated_by=actor)


@transaction.atomic
def contact_create(*, organization: Organization, actor, data: dict) -> Contact:
    data = dict(data)
    data.setdefault("custom_fields", {})  # so that required custom fields are checked on create
    check_same_org(organization, data, RELATED)
    _check_exemption(data)
    validate_party_tax_properties(organization=organization, data=data)
    _settle_primary(organization=organization, actor=actor, data=data, instance=None)
    contact = Contact(organization=organization)
    contact = save_record(
        contact, actor=actor, data=data, custom_module=CUSTOM_MODULE, address_fields=ADDRESSES, related=RELATED
    )
    fire_workflow_rules(organization=organization, module="contacts", event="created", record=contact, actor=actor)
    return contact


@transaction.atomic
def contact_update(*, instance: Contact, actor, data: dict) -> Contact:
    data = dict(data)
    check_same_org(instance.organization, data, RELATED)
    _check_exemption(data)
    validate_party_tax_properties(organization=instance.organization, data=data, instance=instance)
    _settle_primary(organization=instance.organization, actor=actor, data=data, instance=instance)
    instance = save_record(
        instance, actor=actor, data=data, custom_module=CUSTOM_MODULE, address_fields=ADDRESSES, related=RELATED
    )
    fire_workflow_rules(
        organization=instance.organization, module="contacts", event="updated", record=instance, actor=actor
    )
    return instance


@transaction.atomic
def contact_delete(*, instance: Contact, actor) -> None:
    instance.delete()
