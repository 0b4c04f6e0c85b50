"""List parameters of the API (API-4): ?search=, ?status=, ?modified_after=, ?ordering=."""

from __future__ import annotations

import datetime as dt

from django.utils.dateparse import parse_datetime
from rest_framework import exceptions

from fsmbilling.api.errors import ApiError


def list_params(request, *, allowed_filters: dict[str, set[str] | None], orderings: set[str]) -> dict:
    """Parse and check list parameters; bad values are a 400 that names the parameter."""
    params = request.query_params
    filters: dict = {}
    for name, allowed in allowed_filters.items():
        value = params.get(name)
        if value in (None, ""):
            continue
        if allowed is not None and value not in allowed:
            raise ApiError(
                "invalid",
                f"{name} must be one of: {', '.join(sorted(allowed))}.",
                fields={name: [f"Use one of: {', '.join(sorted(allowed))}."]},
            )
        if allowed is None and name not in ("modified_after",) and not (value.isascii() and value.isdigit()):
            raise ApiError("invalid", f"{name} must be a record id.", fields={name: ["Use a numeric id."]})
        filters[name] = value
    modified_after = params.get("modified_after")
    if modified_after:
        try:
            parsed = parse_datetime(modified_after.replace(" ", "+"))
            # In UTC: PostgreSQL takes offsets up to ±15:59 only, Python up to ±23:59.
            parsed = parsed.astimezone(dt.UTC) if parsed is not None and parsed.tzinfo is not None else None
        except (ValueError, OverflowError):
            parsed = None
        if parsed is None:
            raise ApiError(
                "invalid",
                "modified_after must be an ISO 8601 time with offset, e.g. 2026-01-31T12:00:00Z.",
                fields={"modified_after": ["Use an ISO 8601 time with offset."]},
            )
        filters["modified_after"] = parsed
    ordering = params.get("ordering", "")
    if ordering and ordering.lstrip("-") not in orderings:
        raise exceptions.ValidationError(
            {"ordering": [f"Use one of: {', '.join(sorted(orderings))} (prefix - for descending)."]}
        )
    search = params.get("search", "").replace("\x00", "").strip()[:200]  # PostgreSQL refuses NUL in text
    return {"search": search, "filters": filters, "ordering": ordering}
