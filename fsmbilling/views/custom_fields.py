"""Custom field settings (REC-7): administrators define the extra fields of each module (Billing Setup)."""

from __future__ import annotations

from django import forms
from django.urls import path
from django.utils.translation import gettext_lazy as _

from fsmbilling.forms import OrgModelForm
from fsmbilling.models import CustomField
from fsmbilling.selectors.reference import custom_field_list
from fsmbilling.services.custom_fields import custom_field_create, custom_field_delete, custom_field_update
from fsmbilling.views.base import Column, Filter, OrgDeleteView, OrgDetailView, OrgFormView, OrgListView

MODULE = "billing_setup"


def _yes(value: bool) -> str:
    return str(_("Yes")) if value else ""


class CustomFieldForm(OrgModelForm):
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("For choice fields: one choice per line."),
    )

    class Meta:
        model = CustomField
        fields = [
            "module",
            "label",
            "api_name",
            "field_type",
            "choices",
            "is_required",
            "is_pii",
            "is_ephi",
            "position",
        ]
        labels = {"api_name": _("API name"), "field_type": _("Type"), "is_required": _("Required")}
        help_texts = {
            "api_name": _(
                "Starts with cf_, lowercase letters, digits and underscores. Leave empty to make one from "
                "the label. Cannot be changed later."
            ),
            "position": _("Fields show in this order, lowest first."),
        }

    def __init__(self, *args, initial_module: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["choices"] = "\n".join(str(choice) for choice in self.instance.choices or [])
            for name in ("module", "api_name", "field_type"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Cannot be changed after the field is created.")
        else:
            self.fields["api_name"].required = False
            if initial_module in CustomField.Module.values:
                self.initial["module"] = initial_module


class CustomFieldList(OrgListView):
    module = MODULE
    url_namespace = "custom_fields"
    title = _("Custom fields")
    selector = custom_field_list
    columns = [
        Column("label", _("Label"), sort="label", link=True),
        Column("module", _("Module"), sort="module"),
        Column("api_name", _("API name"), sort="api_name"),
        Column("field_type", _("Type"), sort="field_type"),
        Column("is_required", _("Required"), accessor=lambda d: _yes(d.is_required)),
        Column("is_pii", _("PII"), accessor=lambda d: _yes(d.is_pii)),
        Column("is_ephi", _("EPHI"), accessor=lambda d: _yes(d.is_ephi)),
        Column("position", _("Position"), sort="position", numeric=True),
    ]
    filters = [
        Filter("module", _("Module"), CustomField.Module.choices),
        Filter("field_type", _("Type"), CustomField.FieldType.choices),
    ]

    def csv_response(self, queryset):
        response = super().csv_response(queryset)
        response["Content-Disposition"] = 'attachment; filename="custom_fields.csv"'
        return response


class CustomFieldDetail(OrgDetailView):
    module = MODULE
    model = CustomField
    template_name = "custom_fields/detail.html"


class CustomFieldFormView(OrgFormView):
    module = MODULE
    model = CustomField
    form_class = CustomFieldForm
    title_create = _("New custom field")
    title_edit = _("Edit custom field %(name)s")
    create_service = custom_field_create
    update_service = custom_field_update

    def get_form(self, request, instance=None):
        data = request.POST if request.method == "POST" else None
        return self.form_class(
            data, instance=instance, organization=self.organization, initial_module=request.GET.get("module", "")
        )


class CustomFieldDelete(OrgDeleteView):
    module = MODULE
    model = CustomField
    delete_service = custom_field_delete
    success_url_name = "custom_fields:list"


app_name = "custom_fields"
urlpatterns = [
    path("", CustomFieldList.as_view(), name="list"),
    path("new/", CustomFieldFormView.as_view(), name="create"),
    path("<int:pk>/", CustomFieldDetail.as_view(), name="detail"),
    path("<int:pk>/edit/", CustomFieldFormView.as_view(), name="edit"),
    path("<int:pk>/delete/", CustomFieldDelete.as_view(), name="delete"),
]
