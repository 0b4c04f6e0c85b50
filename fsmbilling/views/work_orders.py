"""Work order pages (REC-4): list, detail with in-page line editing (htmx), create/edit, status, billable, delete.

The detail view serves the whole page and, for htmx requests, only its ``lines`` fragment (lines, totals, billed and
unbilled amounts, the add-line form). The line endpoints answer with that same fragment, or redirect back to the page
when the browser posts without htmx.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from fsmbilling.forms import OrgModelForm
from fsmbilling.models import WorkOrder, WorkOrderLine
from fsmbilling.selectors.work_orders import work_order_list
from fsmbilling.services.guards import Conflict
from fsmbilling.services.work_orders import (
    TRANSITIONS,
    check_customer,
    decimal_places,
    work_order_create,
    work_order_delete,
    work_order_line_add,
    work_order_line_remove,
    work_order_line_update,
    work_order_mark_billable,
    work_order_mark_non_billable,
    work_order_set_status,
    work_order_update,
)
from fsmbilling.templatetags.work_order_tags import money
from fsmbilling.tenancy import get_for_org
from fsmbilling.views.base import (
    Column,
    Filter,
    OrgDeleteView,
    OrgFormView,
    OrgListView,
    OrgObjectMixin,
    _add_errors,
)

MODULE = "work_orders"
DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
BILLING_FILTER = [("unbilled", gettext_lazy("Unbilled"))]


class WorkOrderForm(OrgModelForm):
    address_fields = ("service_address", "billing_address")
    custom_fields_module = MODULE

    class Meta:
        model = WorkOrder
        fields = [
            "summary",
            "company",
            "contact",
            "priority",
            "technicians",
            "scheduled_start",
            "scheduled_end",
            "notes",
        ]
        widgets = {
            "scheduled_start": DATETIME_WIDGET,
            "scheduled_end": DATETIME_WIDGET,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "company": gettext_lazy("A company, a contact, or both (the contact must belong to the company)."),
            "technicians": gettext_lazy("Members of this organization."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.address_fields:
            self.fields[f"{name}__address"].help_text = _("Leave the address blank to use the customer's.")

    def clean(self):
        cleaned = super().clean()
        if "company" in cleaned and "contact" in cleaned:
            try:
                check_customer(company=cleaned.get("company"), contact=cleaned.get("contact"))
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    self.add_error(name, errors)
        return cleaned


class LineForm(OrgModelForm):
    """One service line. On a new line, a blank rate, description or tax is filled from the item and customer."""

    class Meta:
        model = WorkOrderLine
        fields = ["item", "description", "quantity", "rate", "discount_percent", "tax", "work_status"]
        widgets = {"description": forms.Textarea(attrs={"rows": 1})}
        labels = {"item": gettext_lazy("Service or part"), "discount_percent": gettext_lazy("Discount %")}

    def __init__(self, *args, adding: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.adding = adding
        self.fields["item"].queryset = (
            self.fields["item"].queryset.filter(status="active") if adding else (self.fields["item"].queryset)
        )
        current_tax = self.instance.tax_id if self.instance.pk else None
        self.fields["tax"].queryset = self.fields["tax"].queryset.filter(Q(is_active=True) | Q(pk=current_tax))
        for name in ("quantity", "rate", "discount_percent", "description"):
            self.fields[name].required = False
        if adding:
            self.fields["tax"].empty_label = _("Automatic (from customer and item)")
            self.fields["rate"].help_text = _("Blank: the item's rate.")
            # The model's default rate (0) must not show: a blank rate means "the item's rate".
            self.fields["rate"].initial = None
            self.initial.pop("rate", None)
            del self.fields["work_status"]
        else:
            self.fields["tax"].empty_label = _("No tax")

    def service_data(self) -> dict:
        data = {name: value for name, value in super().service_data().items() if name in self.fields}
        if self.adding and data.get("tax") is None:
            data.pop("tax", None)  # prefill it
        for name in ("quantity", "discount_percent"):
            if data.get(name) is None:
                data.pop(name, None)  # left blank: 1 and 0 on a new line, unchanged on an existing one
        return data


def _money_column(name: str, label: str, sort: str) -> Column:
    return Column(
        name, label, sort=sort, numeric=True, accessor=lambda wo: money(getattr(wo, name), decimal_places(wo))
    )


def _customer_name(work_order: WorkOrder) -> str:
    parts = [str(party) for party in (work_order.company, work_order.contact) if party is not None]
    return " · ".join(parts)


class WorkOrderList(OrgListView):
    module = MODULE
    title = gettext_lazy("Work orders")
    selector = work_order_list
    columns = [
        Column("number", gettext_lazy("Number"), sort="number", link=True),
        Column("summary", gettext_lazy("Summary"), sort="summary"),
        Column("customer", gettext_lazy("Customer"), accessor=_customer_name),
        Column("status", gettext_lazy("Status"), sort="status"),
        Column("priority", gettext_lazy("Priority"), sort="priority"),
        Column("scheduled_start", gettext_lazy("Scheduled"), sort="scheduled_start"),
        _money_column("total", gettext_lazy("Total"), "total"),
        _money_column("unbilled_amount", gettext_lazy("Unbilled"), "unbilled_amount"),
    ]
    filters = [
        Filter("status", gettext_lazy("Status"), WorkOrder.State.choices),
        Filter("priority", gettext_lazy("Priority"), WorkOrder.Priority.choices),
        Filter("billing", gettext_lazy("Billing"), BILLING_FILTER),
    ]


def _detail_queryset(queryset):
    return queryset.select_related("organization", "company", "contact", "currency", "created_by", "updated_by")


class WorkOrderPageMixin(OrgObjectMixin):
    """Renders the work order page or, for htmx, its ``lines`` fragment."""

    module = MODULE
    model = WorkOrder
    queryset_hook = staticmethod(_detail_queryset)
    template_name = "work_orders/detail.html"

    def page_context(self, obj: WorkOrder, *, add_form=None, edit_form=None, edit_line_id=None, error=None) -> dict:
        can_edit = self.allows(MODULE, "edit")
        lines = list(obj.lines.select_related("item", "tax"))
        if can_edit and edit_form is None and edit_line_id is not None:
            line = next((line for line in lines if str(line.pk) == str(edit_line_id)), None)
            if line is not None and line.billing_status != WorkOrderLine.BillingStatus.INVOICED:
                edit_form = LineForm(instance=line, organization=self.organization, prefix=f"line-{line.pk}")
        if can_edit and add_form is None:
            add_form = LineForm(organization=self.organization, adding=True, prefix="new")
        appointments = obj.appointments.select_related("organization", "work_order").prefetch_related("technicians")
        return {
            "object": obj,
            "lines": lines,
            "places": decimal_places(obj),
            "add_form": add_form if can_edit and obj.status != WorkOrder.State.CANCELLED else None,
            "edit_form": edit_form,
            "edit_line_id": edit_form.instance.pk if edit_form is not None else None,
            "lines_error": error,
            "technicians": list(obj.technicians.all()),
            "appointments": list(appointments),
            "transitions": [
                (value, label) for value, label in WorkOrder.State.choices if value in TRANSITIONS[obj.status]
            ],
            "can_edit": can_edit,
            "can_delete": self.allows(MODULE, "delete"),
        }

    def render_page(self, request, obj, *, fragment: bool | None = None, **kwargs):
        if fragment is None:
            fragment = bool(request.htmx) and not request.htmx.boosted
        template = f"{self.template_name}#lines" if fragment else self.template_name
        return render(request, template, self.page_context(obj, **kwargs))


class WorkOrderDetail(WorkOrderPageMixin, View):
    def get(self, request, pk, **kwargs):
        obj = self.get_object(pk)
        return self.render_page(request, obj, edit_line_id=request.GET.get("edit_line"))


class LineActionView(WorkOrderPageMixin, View):
    """Add, change or remove a line; answers with the refreshed fragment (htmx) or back to the page."""

    action = "edit"

    def get_line(self, work_order: WorkOrder, line_id) -> WorkOrderLine:
        return get_for_org(WorkOrderLine.objects.filter(work_order=work_order), self.organization, line_id)

    def done(self, request, obj, message: str):
        if request.htmx:
            obj.refresh_from_db()
            return self.render_page(request, obj, fragment=True)
        messages.success(request, message)
        return HttpResponseRedirect(obj.get_absolute_url() + "#lines")

    def refused(self, request, obj, exc: ValidationError, **kwargs):
        if request.htmx:
            return self.render_page(request, obj, fragment=True, error=exc.messages[0], **kwargs)
        messages.error(request, exc.messages[0])
        return HttpResponseRedirect(obj.get_absolute_url() + "#lines")


class LineAdd(LineActionView):
    def post(self, request, pk, **kwargs):
        obj = self.get_object(pk)
        form = LineForm(request.POST, organization=self.organization, adding=True, prefix="new")
        if form.is_valid():
            try:
                work_order_line_add(work_order=obj, actor=request.user, data=form.service_data())
            except Conflict as exc:
                return self.refused(request, obj, exc)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                return self.done(request, obj, _("Line added."))
        return self.render_page(request, obj, add_form=form)


class LineEdit(LineActionView):
    def post(self, request, pk, line_id, **kwargs):
        obj = self.get_object(pk)
        line = self.get_line(obj, line_id)
        form = LineForm(request.POST, instance=line, organization=self.organization, prefix=f"line-{line.pk}")
        if form.is_valid():
            try:
                work_order_line_update(line=line, actor=request.user, data=form.service_data())
            except Conflict as exc:
                return self.refused(request, obj, exc)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                return self.done(request, obj, _("Line saved."))
        return self.render_page(request, obj, edit_form=form)


class LineRemove(LineActionView):
    def post(self, request, pk, line_id, **kwargs):
        obj = self.get_object(pk)
        line = self.get_line(obj, line_id)
        try:
            work_order_line_remove(line=line, actor=request.user)
        except ValidationError as exc:
            return self.refused(request, obj, exc)
        return self.done(request, obj, _("Line removed."))


class StatusChange(OrgObjectMixin, View):
    module = MODULE
    model = WorkOrder
    action = "edit"

    def post(self, request, pk, **kwargs):
        obj = self.get_object(pk)
        try:
            work_order_set_status(instance=obj, actor=request.user, status=request.POST.get("status", ""))
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(
                request, _("%(number)s is now %(status)s.") % {"number": obj.number, "status": obj.get_status_display()}
            )
        return HttpResponseRedirect(obj.get_absolute_url())


class BillableChange(OrgObjectMixin, View):
    module = MODULE
    model = WorkOrder
    action = "edit"

    def post(self, request, pk, **kwargs):
        obj = self.get_object(pk)
        if request.POST.get("billable") == "yes":
            work_order_mark_billable(instance=obj, actor=request.user)
            messages.success(request, _("%(number)s is billable again.") % {"number": obj.number})
        else:
            work_order_mark_non_billable(instance=obj, actor=request.user)
            messages.success(
                request,
                _("%(number)s is non-billable; its lines not invoiced yet will not be invoiced.")
                % {"number": obj.number},
            )
        return HttpResponseRedirect(obj.get_absolute_url())


class WorkOrderFormView(OrgFormView):
    module = MODULE
    model = WorkOrder
    form_class = WorkOrderForm
    title_create = gettext_lazy("New work order")
    title_edit = gettext_lazy("Edit %(name)s")
    create_service = work_order_create
    update_service = work_order_update

    def get_form(self, request, instance=None):
        form = super().get_form(request, instance)
        if instance is None and request.method == "GET":
            for name in ("company", "contact"):
                value = request.GET.get(name, "")
                if value.isdigit():
                    form.initial[name] = value
        return form


class WorkOrderDelete(OrgDeleteView):
    module = MODULE
    model = WorkOrder
    delete_service = work_order_delete
    success_url_name = "work_orders:list"


app_name = "work_orders"
urlpatterns = [
    path("", WorkOrderList.as_view(), name="list"),
    path("new/", WorkOrderFormView.as_view(), name="create"),
    path("<int:pk>/", WorkOrderDetail.as_view(), name="detail"),
    path("<int:pk>/edit/", WorkOrderFormView.as_view(), name="edit"),
    path("<int:pk>/delete/", WorkOrderDelete.as_view(), name="delete"),
    path("<int:pk>/status/", StatusChange.as_view(), name="status"),
    path("<int:pk>/billable/", BillableChange.as_view(), name="billable"),
    path("<int:pk>/lines/", LineAdd.as_view(), name="line_add"),
    path("<int:pk>/lines/<int:line_id>/", LineEdit.as_view(), name="line_edit"),
    path("<int:pk>/lines/<int:line_id>/remove/", LineRemove.as_view(), name="line_remove"),
]
