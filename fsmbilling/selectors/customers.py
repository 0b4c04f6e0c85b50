"""Reads of companies and contacts."""

from __future__ import annotations

from django.db.models import QuerySet

from fsmbilling.models import Company, Contact
from fsmbilling.search import apply_search, company_search, contact_search
from fsmbilling.selectors.common import order


def company_list(*, organization, search: str = "", filters: dict | None = None, ordering: str = "") -> QuerySet:
    queryset = Company.objects.filter(organization=organization).select_related("currency")
    filters = filters or {}
    if search:
        queryset = apply_search(queryset, company_search(organization, search))
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("modified_after"):
        queryset = queryset.filter(updated_at__gt=filters["modified_after"])
    return order(queryset, ordering, ("name", "id"))


def contact_list(*, organization, search: str = "", filters: dict | None = None, ordering: str = "") -> QuerySet:
    """Contacts of the organization.

    ``filters`` may hold status, company (an id), primary (yes/no or true/false) and modified_after.
    """
    queryset = Contact.objects.filter(organization=organization).select_related("company")
    filters = filters or {}
    if search:
        queryset = apply_search(queryset, contact_search(organization, search))
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    company = str(filters.get("company") or "")
    if company:
        # A malformed or out-of-range id matches nothing rather than failing.
        queryset = (
            queryset.filter(company_id=int(company)) if company.isascii() and company.isdigit() else queryset.none()
        )
    primary = filters.get("primary") or filters.get("is_primary")
    if primary in ("yes", "true", "no", "false"):
        queryset = queryset.filter(is_primary=primary in ("yes", "true"))
    if filters.get("modified_after"):
        queryset = queryset.filter(updated_at__gt=filters["modified_after"])
    return order(queryset, ordering, ("last_name", "first_name", "id"))
