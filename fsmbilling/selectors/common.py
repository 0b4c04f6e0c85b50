"""Shared helpers of the list selectors."""

from __future__ import annotations

from django.db.models import QuerySet


def order(queryset: QuerySet, ordering: str, default: tuple[str, ...]) -> QuerySet:
    """Order by the requested field with the id as tie-breaker, or by the default."""
    if ordering:
        return queryset.order_by(ordering, "-id" if ordering.startswith("-") else "id")
    return queryset.order_by(*default)
