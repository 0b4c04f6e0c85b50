"""What every Books API handler shares: the request context, envelopes, lists and record lookups."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import HttpRequest

from sandbox import clock
from sandbox.api.serializers import Context
from sandbox.errors import ApiError, does_not_exist, invalid_value
from sandbox.jsonio import read_body
from sandbox.models import Membership, Organization, SandboxUser

MAX_PER_PAGE = 200


@dataclass
class ApiRequest:
    request: HttpRequest
    root: str  # "books" or "invoice"
    user: SandboxUser | None = None
    organization: Organization | None = None
    membership: Membership | None = None
    _body: dict | None = field(default=None, repr=False)

    @property
    def params(self):
        return self.request.GET

    @property
    def body(self) -> dict:
        if self._body is None:
            self._body = read_body(self.request)
        return self._body

    @property
    def ctx(self) -> Context:
        return Context(self.organization)


def ok(message: str = "success", **payload) -> tuple[int, dict]:
    return 200, {"code": 0, "message": message, **payload}


def created(message: str, **payload) -> tuple[int, dict]:
    return 201, {"code": 0, "message": message, **payload}


def get_record(model, api: ApiRequest, record_id: str, entity: str, queryset=None):
    """The organization's record with this id, or 404 code 1002 — the same answer for another org's record."""
    pk = model.pk_from_zoho_id(record_id)
    queryset = queryset if queryset is not None else model.objects.all()
    record = queryset.filter(organization=api.organization, pk=pk).first() if pk else None
    if record is None:
        raise does_not_exist(entity)
    return record


def page_params(api: ApiRequest) -> tuple[int, int]:
    try:
        page = int(api.params.get("page", 1))
    except ValueError:
        raise invalid_value("page")
    try:
        per_page = int(api.params.get("per_page", MAX_PER_PAGE))
    except ValueError:
        raise invalid_value("per_page")
    if page < 1:
        raise invalid_value("page")
    if per_page < 1:
        raise invalid_value("per_page")
    return page, min(per_page, MAX_PER_PAGE)


def paginate(
    api: ApiRequest,
    queryset,
    *,
    key: str,
    serialize,
    report_name: str,
    applied_filter: str = "Status.All",
    sort_column: str = "created_time",
    sort_order: str = "D",
    prepare=None,
    extra_context: dict | None = None,
) -> tuple[int, dict]:
    """One page of a list: ``page``/``per_page`` (default and maximum 200) and the §4.3 ``page_context``."""
    page, per_page = page_params(api)
    offset = (page - 1) * per_page
    rows = list(queryset[offset : offset + per_page + 1])
    has_more = len(rows) > per_page
    rows = rows[:per_page]
    state = prepare(rows) if prepare else None
    items = [serialize(row, state) if prepare else serialize(row) for row in rows]
    context = {
        "page": page,
        "per_page": per_page,
        "has_more_page": has_more,
        "report_name": report_name,
        "applied_filter": applied_filter,
        "sort_column": sort_column,
        "sort_order": sort_order,
        "search_criteria": [],
        **(extra_context or {}),
    }
    return ok(**{key: items, "page_context": context})


def sort_params(api: ApiRequest, allowed: dict[str, str], *, default_column: str, default_order: str):
    """(column, order, order_by fields) from ``sort_column`` and ``sort_order`` (A|D); the id breaks ties."""
    column = api.params.get("sort_column") or default_column
    if column not in allowed:
        raise invalid_value("sort_column")
    order = (api.params.get("sort_order") or default_order).upper()
    if order not in ("A", "D"):
        raise invalid_value("sort_order")
    prefix = "-" if order == "D" else ""
    return column, order, [prefix + allowed[column], prefix + "id"]


def filter_by(api: ApiRequest, allowed: tuple[str, ...], default: str) -> str:
    value = api.params.get("filter_by") or default
    for candidate in allowed:
        if candidate.lower() == value.lower():
            return candidate
    raise invalid_value("filter_by")


def text_filters(api: ApiRequest, queryset, fields: dict[str, str]):
    """``<name>``, ``<name>_startswith`` and ``<name>_contains`` filters (case-insensitive)."""
    for name, lookup in fields.items():
        for suffix, operator in (("", "iexact"), ("_startswith", "istartswith"), ("_contains", "icontains")):
            value = api.params.get(name + suffix)
            if value not in (None, ""):
                queryset = queryset.filter(**{f"{lookup}__{operator}": value.strip()})
    return queryset


def last_modified_filter(api: ApiRequest, queryset):
    """``last_modified_time`` (§12.5): records modified at or after the value; any other form → 400 code 2."""
    value = api.params.get("last_modified_time")
    if value in (None, ""):
        return queryset
    moment = clock.parse_timestamp(value)
    if moment is None:
        raise invalid_value("last_modified_time")
    return queryset.filter(last_modified_time__gte=moment)


def require_org(api: ApiRequest) -> Organization:
    if api.organization is None:
        raise ApiError(400, 2, "Invalid value passed for organization_id")
    return api.organization
