"""Factories of work orders, lines, appointments and assets (tests only; real numbers come from the service)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from fsmbilling import models
from tests.factories import CompanyFactory, ServicePartFactory


class WorkOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.WorkOrder

    number = factory.Sequence(lambda n: f"WO-T{n:05d}")
    summary = factory.Sequence(lambda n: f"Repair job {n}")
    company = factory.SubFactory(CompanyFactory, organization=factory.SelfAttribute("..organization"))
    currency = factory.LazyAttribute(
        lambda wo: models.Currency.objects.filter(organization=wo.organization, is_base=True).first()
    )


class WorkOrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.WorkOrderLine

    organization = factory.SelfAttribute("work_order.organization")
    item = factory.SubFactory(ServicePartFactory, organization=factory.SelfAttribute("..organization"))
    quantity = Decimal("1")
    rate = Decimal("100.00")


class AppointmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ServiceAppointment

    organization = factory.SelfAttribute("work_order.organization")
    scheduled_start = factory.LazyFunction(lambda: timezone.now().replace(microsecond=0) + datetime.timedelta(days=1))
    scheduled_end = factory.LazyAttribute(lambda a: a.scheduled_start + datetime.timedelta(hours=2))


class AssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Asset

    name = factory.Sequence(lambda n: f"Boiler {n}")
    serial_number = factory.Sequence(lambda n: f"SN-{n:06d}")


def revoke_finance_access(organization):
    """The real FIN-7 state: the organization's finance connection lost its access (sync app's FinanceConnection)."""
    from sync.models import FinanceConnection

    return FinanceConnection.objects.create(
        organization=organization,
        accounts_server="https://accounts.sandbox.test",
        api_domain="https://books.sandbox.test",
        finance_org_id="60001",
        status=FinanceConnection.State.REVOKED,
    )


# Words of sync.selectors.finance_block_reason for a revoked connection, and of our refusal (not in the banner).
REVOKED_WORDS = "Access to the finance organization was revoked"
STILL_READABLE = "Existing records can still be read and changed."
