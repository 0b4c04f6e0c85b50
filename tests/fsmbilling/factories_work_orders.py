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
