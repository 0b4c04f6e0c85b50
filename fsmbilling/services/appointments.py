"""Writes on service appointments (REC-5): a work order's visit with its technicians and time window."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fsmbilling.models import Organization, ServiceAppointment, WorkOrder
from fsmbilling.services.guards import Conflict, ensure_finance_available
from fsmbilling.services.records import check_same_org, save_record
from fsmbilling.services.work_orders import check_technicians, check_window

FIELDS = ("work_order", "technicians", "scheduled_start", "scheduled_end", "status", "notes")


def _check(organization: Organization, data: dict, instance: ServiceAppointment | None = None) -> None:
    check_same_org(organization, data, ("work_order",))
    work_order = data["work_order"] if "work_order" in data else getattr(instance, "work_order", None)
    if work_order is None:
        raise ValidationError({"work_order": [_("Choose the work order of this appointment.")]})
    if (instance is None or data.get("work_order", work_order).pk != instance.work_order_id) and (
        work_order.status == WorkOrder.State.CANCELLED
    ):
        raise Conflict(
            _("%(number)s is cancelled, so it cannot get appointments. Reopen it first.")
            % {"number": work_order.number},
            code="work_order_cancelled",
        )
    if "technicians" in data:
        check_technicians(organization, data["technicians"])
    start = data.get("scheduled_start", getattr(instance, "scheduled_start", None))
    end = data.get("scheduled_end", getattr(instance, "scheduled_end", None))
    check_window(start, end)


@transaction.atomic
def appointment_create(*, organization: Organization, actor, data: dict) -> ServiceAppointment:
    ensure_finance_available(organization)
    data = {name: value for name, value in data.items() if name in FIELDS}
    _check(organization, data)
    return save_record(ServiceAppointment(organization=organization), actor=actor, data=data, many=("technicians",))


@transaction.atomic
def appointment_update(*, instance: ServiceAppointment, actor, data: dict) -> ServiceAppointment:
    data = {name: value for name, value in data.items() if name in FIELDS}
    _check(instance.organization, data, instance)
    return save_record(instance, actor=actor, data=data, many=("technicians",))


@transaction.atomic
def appointment_delete(*, instance: ServiceAppointment, actor) -> None:
    instance.delete()
