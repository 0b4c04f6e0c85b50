"""Reads of workflow rules and their delivery log (REC-12)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from fsmbilling.models import WorkflowDelivery, WorkflowRule
from fsmbilling.selectors.common import order


def workflow_rule_list(*, organization, search: str = "", filters: dict | None = None, ordering: str = "") -> QuerySet:
    queryset = WorkflowRule.objects.filter(organization=organization)
    filters = filters or {}
    if search:
        queryset = queryset.filter(Q(name__icontains=search) | Q(webhook_url__icontains=search))
    for name in ("module", "action", "event"):
        if filters.get(name):
            queryset = queryset.filter(**{name: filters[name]})
    return order(queryset, ordering, ("module", "name", "id"))


def workflow_delivery_list(
    *, organization, search: str = "", filters: dict | None = None, ordering: str = ""
) -> QuerySet:
    queryset = WorkflowDelivery.objects.filter(organization=organization)
    filters = filters or {}
    if search:
        queryset = queryset.filter(Q(rule_name__icontains=search) | Q(record_label__icontains=search))
    for name in ("status", "action", "module"):
        if filters.get(name):
            queryset = queryset.filter(**{name: filters[name]})
    if str(filters.get("rule", "")).isdigit():
        queryset = queryset.filter(rule_id=filters["rule"])
    return order(queryset, ordering, ("-created_at", "-id"))
