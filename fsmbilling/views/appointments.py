"""Service appointment pages (REC-5): list, create from a work order, edit, delete. Shown on the work order page."""

from __future__ import annotations

from django import forms
from django.urls import path
from django.utils.translation import gettext_lazy as _

from fsmbilling.forms import OrgModelForm
from fsmbilling.models import ServiceAppointment, WorkOrder
from fsmbilling.selectors.work_orders import appointment_list
from fsmbilling.services.appointments import appointment_create, appointment_delete, appointment_update
from fsmbilling.views.base import Column, Filter, OrgDeleteView, OrgFormView, OrgListView

MODULE = "work_orders"
DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class AppointmentForm(OrgModelForm):
    class Meta:
        model = ServiceAppointment
        fields = ["work_order", "technicians", "scheduled_start", "scheduled_end", "status", "notes"]
        widgets = {
            "scheduled_start": DATETIME_WIDGET,
            "scheduled_end": DATETIME_WIDGET,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"technicians": _("Members of this organization.")}

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("scheduled_start"), cleaned.get("scheduled_end")
        if start and end and end < start:
            self.add_error("scheduled_end", _("The end of the window must not be before its start."))
        return cleaned


def _technician_names(appointment: ServiceAppointment) -> str:
    return ", ".join(user.get_full_name() or user.username for user in appointment.technicians.all())


def _window(appointment: ServiceAppointment) -> str:
    return f"{appointment.scheduled_start:%Y-%m-%d %H:%M} – {appointment.scheduled_end:%Y-%m-%d %H:%M}"


class AppointmentList(OrgListView):
    module = MODULE
    url_namespace = "appointments"
    title = _("Service appointments")
    selector = appointment_list
    columns = [
        Column("work_order__number", _("Work order"), sort="work_order__number", link=True),
        Column("work_order__summary", _("Summary")),
        Column("scheduled_start", _("Window"), sort="scheduled_start", accessor=_window),
        Column("technicians", _("Technicians"), accessor=_technician_names),
        Column("status", _("Status"), sort="status"),
    ]
    filters = [Filter("status", _("Status"), ServiceAppointment.State.choices)]


class AppointmentFormView(OrgFormView):
    module = MODULE
    model = ServiceAppointment
    form_class = AppointmentForm
    title_create = _("New appointment")
    title_edit = _("Edit appointment %(name)s")
    create_service = appointment_create
    update_service = appointment_update

    def get_form(self, request, instance=None):
        form = super().get_form(request, instance)
        # Only open work orders can get new appointments; an existing one keeps its own.
        queryset = form.fields["work_order"].queryset.exclude(status=WorkOrder.State.CANCELLED)
        if instance is not None:
            queryset = form.fields["work_order"].queryset.filter(pk=instance.work_order_id) | queryset
        form.fields["work_order"].queryset = queryset.order_by("-id")
        work_order = request.GET.get("work_order", "")
        if instance is None and request.method == "GET" and work_order.isdigit():
            form.initial["work_order"] = work_order
        return form


class AppointmentDelete(OrgDeleteView):
    module = MODULE
    model = ServiceAppointment
    delete_service = appointment_delete
    success_url_name = "appointments:list"


app_name = "appointments"
urlpatterns = [
    path("", AppointmentList.as_view(), name="list"),
    path("new/", AppointmentFormView.as_view(), name="create"),
    path("<int:pk>/edit/", AppointmentFormView.as_view(), name="edit"),
    path("<int:pk>/delete/", AppointmentDelete.as_view(), name="delete"),
]
