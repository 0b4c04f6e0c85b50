"""Reads of work orders, appointments and assets."""

from __future__ import annotations

from django.db.models import QuerySet

from fsmbilling.models import Asset, ServiceAppointment, WorkOrder
from fsmbilling.search import apply_search, appointment_search, asset_search, work_order_search
from fsmbilling.selectors.common import order


def work_order_list(*, organization, search: str = "", filters: dict | None = None, ordering: str = "") -> QuerySet:
    # The organization is joined for the rows' links (get_absolute_url), so a page costs the same at any size.
    queryset = WorkOrder.objects.filter(organization=organization).select_related(
        "organization", "company", "contact", "currency"
    )
    filters = filters or {}
    if search:
        queryset = apply_search(queryset, work_order_search(organization, search))
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("priority"):
        queryset = queryset.filter(priority=filters["priority"])
    if filters.get("company"):
        queryset = queryset.filter(company_id=filters["company"])
    if filters.get("contact"):
        queryset = queryset.filter(contact_id=filters["contact"])
    if filters.get("billing") == "unbilled":
        queryset = queryset.filter(unbilled_amount__gt=0)
    if filters.get("modified_after"):
        queryset = queryset.filter(updated_at__gt=filters["modified_after"])
    return order(queryset, ordering, ("-id",))


def appointment_list(*, organization, search: str = "", filters: dict | None = None, ordering: str = "") -> QuerySet:
    queryset = (
        ServiceAppointment.objects.filter(organization=organization)
        .select_related("organization", "work_order")
        .prefetch_related("technicians")
    )
    filters = filters or {}
    if search:
        queryset = apply_search(queryset, appointment_search(organization, search))
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("work_order"):
        queryset = queryset.filter(work_order_id=filters["work_order"])
    if filters.get("modified_after"):
        queryset = queryset.filter(updated_at__gt=filters["modified_after"])
    return order(queryset, ordering, ("scheduled_start", "id"))


def asset_list(*, organization, search: str = "", filters: dict | None = None, ordering: str = "") -> QuerySet:
    queryset = Asset.objects.filter(organization=organization).select_related("organization", "company", "contact")
    filters = filters or {}
    if search:
        queryset = apply_search(queryset, asset_search(organization, search))
    if filters.get("company"):
        queryset = queryset.filter(company_id=filters["company"])
    if filters.get("contact"):
        queryset = queryset.filter(contact_id=filters["contact"])
    if filters.get("modified_after"):
        queryset = queryset.filter(updated_at__gt=filters["modified_after"])
    return order(queryset, ordering, ("name", "id"))
