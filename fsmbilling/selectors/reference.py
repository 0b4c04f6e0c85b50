"""Reads of reference data: currencies, custom fields, taxes, payment terms, salespersons."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from fsmbilling.models import Currency, CustomField, PaymentTerm, Salesperson, Tax
from fsmbilling.selectors.common import order


def _active(queryset: QuerySet, filters: dict) -> QuerySet:
    """``status=active|inactive`` on the reference tables that have ``is_active``."""
    if filters.get("status") in ("active", "inactive"):
        queryset = queryset.filter(is_active=filters["status"] == "active")
    return queryset


def _modified_after(queryset: QuerySet, filters: dict) -> QuerySet:
    if filters.get("modified_after"):
        queryset = queryset.filter(updated_at__gt=filters["modified_after"])
    return queryset


def currency_list(*, organization, search: str = "", filters: dict | None = None, ordering: str = "") -> QuerySet:
    queryset = Currency.objects.filter(organization=organization)
    filters = filters or {}
    if search:
        queryset = queryset.filter(Q(code__icontains=search) | Q(name__icontains=search))
    return order(_modified_after(queryset, filters), ordering, ("-is_base", "code", "id"))


def custom_field_list(*, organization, search: str = "", filters: dict | None = None, ordering: str = "") -> QuerySet:
    queryset = CustomField.objects.filter(organization=organization)
    filters = filters or {}
    if search:
        queryset = queryset.filter(Q(label__icontains=search) | Q(api_name__icontains=search))
    if filters.get("module"):
        queryset = queryset.filter(module=filters["module"])
    if filters.get("field_type"):
        queryset = queryset.filter(field_type=filters["field_type"])
    return order(_modified_after(queryset, filters), ordering, ("module", "position", "label", "id"))


def tax_list(*, organization, search: str = "", filters: dict | None = None, ordering: str = "") -> QuerySet:
    """Taxes with their components prefetched (one extra query for the whole page)."""
    components = Prefetch("components", queryset=Tax.objects.order_by("name", "id"))
    queryset = Tax.objects.filter(organization=organization).prefetch_related(components)
    filters = filters or {}
    if search:
        queryset = queryset.filter(Q(name__icontains=search) | Q(tax_type__iexact=search))
    if filters.get("kind"):
        queryset = queryset.filter(kind=filters["kind"])
    queryset = _modified_after(_active(queryset, filters), filters)
    return order(queryset, ordering, ("name", "id"))


def payment_term_list(*, organization, search: str = "", filters: dict | None = None, ordering: str = "") -> QuerySet:
    queryset = PaymentTerm.objects.filter(organization=organization)
    filters = filters or {}
    if search:
        queryset = queryset.filter(label__icontains=search)
    return order(_modified_after(queryset, filters), ordering, ("days", "label", "id"))


def salesperson_list(*, organization, search: str = "", filters: dict | None = None, ordering: str = "") -> QuerySet:
    queryset = Salesperson.objects.filter(organization=organization)
    filters = filters or {}
    if search:
        queryset = queryset.filter(Q(name__icontains=search) | Q(email__icontains=search))
    queryset = _modified_after(_active(queryset, filters), filters)
    return order(queryset, ordering, ("name", "id"))


def custom_field_display(*, organization, module: str, values: dict | None) -> list[dict]:
    """The custom field values of one record, labelled and in the administrator's order, for detail pages."""
    values = values or {}
    if not values:
        return []
    return [
        {"label": d.label, "value": values[d.api_name], "is_sensitive": d.is_pii or d.is_ephi}
        for d in CustomField.objects.filter(organization=organization, module=module).order_by("position", "label")
        if d.api_name in values
    ]
