"""Writes on assets (REC-5): equipment at a customer's site, with its serial number."""

from __future__ import annotations

from django.db import transaction

from fsmbilling.models import Asset, Organization
from fsmbilling.services.guards import ensure_finance_available
from fsmbilling.services.records import check_same_org, save_record
from fsmbilling.services.work_orders import check_contact_of_company

FIELDS = ("name", "serial_number", "company", "contact", "notes")


def _check(organization: Organization, data: dict, instance: Asset | None = None) -> None:
    check_same_org(organization, data, ("company", "contact"))
    company = data["company"] if "company" in data else getattr(instance, "company", None)
    contact = data["contact"] if "contact" in data else getattr(instance, "contact", None)
    check_contact_of_company(company=company, contact=contact)


@transaction.atomic
def asset_create(*, organization: Organization, actor, data: dict) -> Asset:
    ensure_finance_available(organization)
    data = {name: value for name, value in data.items() if name in FIELDS}
    _check(organization, data)
    return save_record(Asset(organization=organization), actor=actor, data=data, related=("company", "contact"))


@transaction.atomic
def asset_update(*, instance: Asset, actor, data: dict) -> Asset:
    data = {name: value for name, value in data.items() if name in FIELDS}
    _check(instance.organization, data, instance)
    return save_record(instance, actor=actor, data=data, related=("company", "contact"))


@transaction.atomic
def asset_delete(*, instance: Asset, actor) -> None:
    instance.delete()
