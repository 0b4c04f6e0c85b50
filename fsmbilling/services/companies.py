"""Writes on companies (REC-1)."""

from __future__ import annotations

from django.db import transaction

from fsmbilling.models import Company, Organization
from fsmbilling.services.records import save_record
from fsmbilling.services.tax_properties import validate_party_tax_properties
from fsmbilling.services.workflows import fire_workflow_rules

RELATED = ("currency", "payment_term", "default_tax", "tax_exemption")
ADDRESSES = ("billing_address", "service_address")


@transaction.atomic
def company_create(*, organization: Organization, actor, data: dict) -> Company:
    validate_party_tax_properties(organization=organization, data=data)
    company = Company(organization=organization)
    company = save_record(
        company, actor=actor, data=data, custom_module="companies", address_fields=ADDRESSES, related=RELATED
    )
    fire_workflow_rules(organization=organization, module="companies", event="created", record=company, actor=actor)
    return company


@transaction.atomic
def company_update(*, instance: Company, actor, data: dict) -> Company:
    validate_party_tax_properties(organization=instance.organization, data=data, instance=instance)
    instance = save_record(
        instance, actor=actor, data=data, custom_module="companies", address_fields=ADDRESSES, related=RELATED
    )
    fire_workflow_rules(
        organization=instance.organization, module="companies", event="updated", record=instance, actor=actor
    )
    return instance


@transaction.atomic
def company_delete(*, instance: Company, actor) -> None:
    instance.delete()
