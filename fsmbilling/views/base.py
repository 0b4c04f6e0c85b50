"""Generic organization pages: list (search, filters, sorting, pagination, CSV), detail, create, edit, delete.

Each module subclasses these with its selector, services, form and columns; templates hold no queries.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError, QuerySet
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from fsmbilling.pagination import DeferredJoinPaginator
from fsmbilling.tenancy import OrgPageMixin, get_for_org


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    sort: str | None = None
    link: bool = False
    numeric: bool = False
    accessor: Callable[[Any], Any] | None = None

    def value(self, obj) -> Any:
        if self.accessor is not None:
            return self.accessor(obj)
        value = obj
        for part in self.name.split("__"):
            value = getattr(value, part, None)
            if value is None:
                return ""
        display = getattr(obj, f"get_{self.name}_display", None)
        return display() if callable(display) else value


@dataclass(frozen=True)
class Filter:
    name: str
    label: str
    choices: list[tuple[str, str]] = field(default_factory=list)


class _Echo:
    def write(self, value):
        return value


class OrgListView(OrgPageMixin, View):
    module: str
    title: str = ""
    selector: Callable[..., QuerySet]
    columns: list[Column] = []
    filters: list[Filter] = []
    default_ordering: str = ""
    paginate_by = 50
    url_namespace: str = ""
    csv_columns: list[Column] | None = None

    def get_filter_values(self, request) -> dict[str, str]:
        values = {}
        for flt in self.filters:
            value = request.GET.get(flt.name, "")
            if value and (not flt.choices or value in {c[0] for c in flt.choices}):
                values[flt.name] = value
        return values

    def get_ordering(self, request) -> str:
        requested = request.GET.get("sort", "")
        allowed = {c.sort for c in self.columns if c.sort}
        if requested.lstrip("-") in allowed:
            return requested
        return self.default_ordering

    def get_queryset(self, request) -> QuerySet:
        return type(self).selector(
            organization=self.organization,
            search=request.GET.get("q", "").replace("\x00", "").strip()[:200],
            filters=self.get_filter_values(request),
            ordering=self.get_ordering(request),
        )

    def get(self, request, **kwargs):
        queryset = self.get_queryset(request)
        if request.GET.get("format") == "csv":
            return self.csv_response(queryset)
        paginator = DeferredJoinPaginator(queryset, self.paginate_by)
        page = paginator.get_page(request.GET.get("page"))
        for obj in page.object_list:
            # Every row belongs to this organization: share the loaded instance instead of a query per row.
            obj.organization = self.organization
        query = request.GET.copy()
        query.pop("page", None)
        sort_query = request.GET.copy()
        sort_query.pop("sort", None)
        sort_query.pop("page", None)
        context = {
            "title": self.title,
            "page_obj": page,
            "rows": [(obj, [(c, c.value(obj)) for c in self.columns]) for obj in page.object_list],
            "columns": self.columns,
            "filters": [(f, request.GET.get(f.name, "")) for f in self.filters],
            "search": request.GET.get("q", ""),
            "sort": self.get_ordering(request),
            "query": query.urlencode(),
            "sort_query": sort_query.urlencode(),
            "ns": self.url_namespace or self.module,
            "can_create": self.allows(self.module, "edit"),
        }
        template = "records/list.html#table" if request.htmx and not request.htmx.boosted else "records/list.html"
        return render(request, template, context)

    def csv_response(self, queryset: QuerySet) -> StreamingHttpResponse:
        columns = self.csv_columns or self.columns
        writer = csv.writer(_Echo())

        def rows():
            yield writer.writerow([c.label for c in columns])
            for obj in queryset.iterator(chunk_size=2000):
                yield writer.writerow([_csv_safe(c.value(obj)) for c in columns])

        response = StreamingHttpResponse(rows(), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="{self.module}.csv"'
        return response


def _csv_safe(value: Any) -> str:
    """Plain text for CSV; cells that a spreadsheet would run as a formula get a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


class OrgObjectMixin(OrgPageMixin):
    model: type
    queryset_hook: Callable[[QuerySet], QuerySet] | None = None

    def get_object(self, pk):
        queryset = self.model.objects.all()
        if self.queryset_hook is not None:
            queryset = type(self).queryset_hook(queryset)
        return get_for_org(queryset, self.organization, pk)


class OrgDetailView(OrgObjectMixin, View):
    template_name: str

    def get(self, request, pk, **kwargs):
        obj = self.get_object(pk)
        return render(request, self.template_name, self.get_context(obj))

    def get_context(self, obj) -> dict:
        return {
            "object": obj,
            "can_edit": self.allows(self.module, "edit"),
            "can_delete": self.allows(self.module, "delete"),
        }


class OrgFormView(OrgObjectMixin, View):
    """Create (no pk) or edit (pk) through the module's services; the form validates, the service writes."""

    action = "edit"
    form_class: type
    template_name = "records/form.html"
    title_create = ""
    title_edit = ""
    create_service: Callable[..., Any]
    update_service: Callable[..., Any]

    def get_form(self, request, instance=None):
        data = request.POST if request.method == "POST" else None
        return self.form_class(data, instance=instance, organization=self.organization)

    def render_form(self, request, form, instance):
        title = (self.title_edit % {"name": instance}) if instance else self.title_create
        return render(request, self.template_name, {"form": form, "object": instance, "title": title})

    def get(self, request, pk=None, **kwargs):
        instance = self.get_object(pk) if pk else None
        return self.render_form(request, self.get_form(request, instance), instance)

    def post(self, request, pk=None, **kwargs):
        instance = self.get_object(pk) if pk else None
        form = self.get_form(request, instance)
        if form.is_valid():
            try:
                if instance is None:
                    obj = type(self).create_service(
                        organization=self.organization, actor=request.user, data=form.service_data()
                    )
                else:
                    obj = type(self).update_service(instance=instance, actor=request.user, data=form.service_data())
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Saved %(name)s.") % {"name": obj})
                return HttpResponseRedirect(obj.get_absolute_url())
        return self.render_form(request, form, instance)


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class OrgDeleteView(OrgObjectMixin, View):
    action = "delete"
    delete_service: Callable[..., Any]
    success_url_name: str

    def post(self, request, pk, **kwargs):
        obj = self.get_object(pk)
        try:
            type(self).delete_service(instance=obj, actor=request.user)
        except (ProtectedError, ValidationError) as exc:
            reason = (
                exc.messages[0]
                if isinstance(exc, ValidationError)
                else _(
                    "%(name)s is used by other records (work orders, invoices…), so it cannot be deleted. "
                    "Mark it inactive instead."
                )
                % {"name": obj}
            )
            messages.error(request, reason)
            return HttpResponseRedirect(obj.get_absolute_url())
        messages.success(request, _("Deleted %(name)s.") % {"name": obj})
        return HttpResponseRedirect(reverse(self.success_url_name, kwargs={"org_slug": self.organization.slug}))
