"""Services and parts pages (REC-3). Indian-edition tax fields show only when the organization is in India."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.urls import path
from django.utils.translation import gettext_lazy as _

from fsmbilling.forms import OrgModelForm
from fsmbilling.models import ServicePart, Status, TaxExemption
from fsmbilling.selectors.catalog import service_part_list
from fsmbilling.selectors.reference import custom_field_display
from fsmbilling.services.catalog import (
    INDIA_ONLY,
    is_india,
    item_tax_preferences,
    service_part_create,
    service_part_delete,
    service_part_update,
)
from fsmbilling.views.base import Column, Filter, OrgDeleteView, OrgDetailView, OrgFormView, OrgListView

MODULE = "services_and_parts"
CENT = Decimal("0.01")


def amount_text(value: Decimal | None) -> str:
    """An amount with two decimals, or more when the stored value has them (rates keep four)."""
    if value is None:
        return ""
    if value == value.quantize(CENT):
        return f"{value.quantize(CENT):f}"
    return f"{value.normalize():f}"


class ServicePartForm(OrgModelForm):
    custom_fields_module = MODULE

    class Meta:
        model = ServicePart
        fields = [
            "kind",
            "name",
            "description",
            "unit",
            "rate",
            "cost",
            "sku",
            "status",
            "tax_preference",
            "default_tax",
            "intra_state_tax",
            "inter_state_tax",
            "hsn_sac",
            "tax_exemption",
        ]
        labels = {
            "kind": _("Type"),
            "sku": _("SKU"),
            "intra_state_tax": _("Intra-state tax"),
            "inter_state_tax": _("Inter-state tax"),
        }
        help_texts = {
            "rate": _("Price per unit, 0 or more."),
            "tax_exemption": _("Reason the item is not taxed (only for items that are not taxable)."),
            "hsn_sac": _("4, 6 or 8 digits."),
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "rate": forms.NumberInput(attrs={"min": "0", "step": "any", "inputmode": "decimal"}),
            "cost": forms.NumberInput(attrs={"min": "0", "step": "any", "inputmode": "decimal"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not is_india(self.organization):
            for name in INDIA_ONLY:
                del self.fields[name]
        allowed = set(item_tax_preferences(self.organization))
        preference = self.fields["tax_preference"]
        preference.choices = [(value, label) for value, label in preference.choices if value in allowed]
        exemption = self.fields["tax_exemption"]
        exemption.queryset = exemption.queryset.filter(applies_to=TaxExemption.AppliesTo.ITEM)


class ServicePartList(OrgListView):
    module = MODULE
    title = _("Services and parts")
    selector = service_part_list
    columns = [
        Column("name", _("Name"), sort="name", link=True),
        Column("kind", _("Type"), sort="kind"),
        Column("sku", _("SKU"), sort="sku"),
        Column("unit", _("Unit")),
        Column("rate", _("Rate"), sort="rate", numeric=True, accessor=lambda item: amount_text(item.rate)),
        Column("default_tax", _("Tax"), accessor=lambda item: item.default_tax or item.get_tax_preference_display()),
        Column("status", _("Status"), sort="status"),
        Column("updated_at", _("Modified"), sort="updated_at"),
    ]
    csv_columns = [
        Column("kind", _("Type")),
        Column("name", _("Name")),
        Column("description", _("Description")),
        Column("sku", _("SKU")),
        Column("unit", _("Unit")),
        Column("rate", _("Rate"), accessor=lambda item: amount_text(item.rate)),
        Column("cost", _("Cost"), accessor=lambda item: amount_text(item.cost)),
        Column("tax_preference", _("Tax preference")),
        Column("default_tax__name", _("Default tax")),
        Column("hsn_sac", _("HSN/SAC")),
        Column("status", _("Status")),
        Column("updated_at", _("Modified")),
    ]
    filters = [
        Filter("kind", _("Type"), ServicePart.Kind.choices),
        Filter("status", _("Status"), Status.choices),
        Filter("tax_preference", _("Tax preference"), ServicePart.TaxPreference.choices),
    ]


class ServicePartDetail(OrgDetailView):
    module = MODULE
    model = ServicePart
    template_name = "services_and_parts/detail.html"
    queryset_hook = staticmethod(
        lambda qs: qs.select_related("default_tax", "intra_state_tax", "inter_state_tax", "tax_exemption")
    )

    def get_context(self, obj):
        context = super().get_context(obj)
        context["custom_values"] = custom_field_display(
            organization=self.organization, module=MODULE, values=obj.custom_fields
        )
        context["is_india"] = is_india(self.organization)
        context["rate_text"] = amount_text(obj.rate)
        context["cost_text"] = amount_text(obj.cost)
        return context


class ServicePartFormView(OrgFormView):
    module = MODULE
    model = ServicePart
    form_class = ServicePartForm
    title_create = _("New service or part")
    title_edit = _("Edit %(name)s")
    create_service = service_part_create
    update_service = service_part_update


class ServicePartDelete(OrgDeleteView):
    module = MODULE
    model = ServicePart
    delete_service = service_part_delete
    success_url_name = "services_and_parts:list"


app_name = "services_and_parts"
urlpatterns = [
    path("", ServicePartList.as_view(), name="list"),
    path("new/", ServicePartFormView.as_view(), name="create"),
    path("<int:pk>/", ServicePartDetail.as_view(), name="detail"),
    path("<int:pk>/edit/", ServicePartFormView.as_view(), name="edit"),
    path("<int:pk>/delete/", ServicePartDelete.as_view(), name="delete"),
]
