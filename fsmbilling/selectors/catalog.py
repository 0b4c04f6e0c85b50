"""Reads of services and parts."""

from __future__ import annotations

from django.db.models import QuerySet

from fsmbilling.models import ServicePart
from fsmbilling.search import apply_search, service_part_search
from fsmbilling.selectors.common import order


def service_part_list(*, organization, search: str = "", filters: dict | None = None, ordering: str = "") -> QuerySet:
    """Services and parts of the organization; ``filters`` may hold status, kind, tax_preference, modified_after."""
    queryset = ServicePart.objects.filter(organization=organization).select_related("default_tax")
    filters = filters or {}
    if search:
        queryset = apply_search(queryset, service_part_search(organization, search))
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("kind"):
        queryset = queryset.filter(kind=filters["kind"])
    if filters.get("tax_preference"):
        queryset = queryset.filter(tax_preference=filters["tax_preference"])
    if filters.get("modified_after"):
        queryset = queryset.filter(updated_at__gt=filters["modified_after"])
    return order(queryset, ordering, ("name", "id"))
