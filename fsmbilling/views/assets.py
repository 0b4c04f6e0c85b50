"""Asset pages (REC-5): list, detail, create, edit, delete."""

from __future__ import annotations

from django import forms
from django.urls import path
from django.utils.translation import gettext_lazy as _

from fsmbilling.forms import OrgModelForm
from fsmbilling.models import Asset
from fsmbilling.selectors.work_orders import asset_list
from fsmbilling.services.assets import asset_create, asset_delete, asset_update
from fsmbilling.services.work_orders import check_contact_of_company
from fsmbilling.views.base import Column, OrgDeleteView, OrgDetailView, OrgFormView, OrgListView

MODULE = "work_orders"


class AssetForm(OrgModelForm):
    class Meta:
        model = Asset
        fields = ["name", "serial_number", "company", "contact", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def clean(self):
        cleaned = super().clean()
        try:
            check_contact_of_company(company=cleaned.get("company"), contact=cleaned.get("contact"))
        except forms.ValidationError as exc:
            for name, errors in exc.message_dict.items():
                self.add_error(name, errors)
        return cleaned


def _owner(asset: Asset) -> str:
    return " · ".join(str(party) for party in (asset.company, asset.contact) if party is not None)


class AssetList(OrgListView):
    module = MODULE
    url_namespace = "assets"
    title = _("Assets")
    selector = asset_list
    columns = [
        Column("name", _("Name"), sort="name", link=True),
        Column("serial_number", _("Serial number"), sort="serial_number"),
        Column("customer", _("Customer"), accessor=_owner),
        Column("updated_at", _("Modified"), sort="updated_at"),
    ]


class AssetDetail(OrgDetailView):
    module = MODULE
    model = Asset
    template_name = "assets/detail.html"
    queryset_hook = staticmethod(lambda queryset: queryset.select_related("organization", "company", "contact"))


class AssetFormView(OrgFormView):
    module = MODULE
    model = Asset
    form_class = AssetForm
    title_create = _("New asset")
    title_edit = _("Edit %(name)s")
    create_service = asset_create
    update_service = asset_update


class AssetDelete(OrgDeleteView):
    module = MODULE
    model = Asset
    delete_service = asset_delete
    success_url_name = "assets:list"


app_name = "assets"
urlpatterns = [
    path("", AssetList.as_view(), name="list"),
    path("new/", AssetFormView.as_view(), name="create"),
    path("<int:pk>/", AssetDetail.as_view(), name="detail"),
    path("<int:pk>/edit/", AssetFormView.as_view(), name="edit"),
    path("<int:pk>/delete/", AssetDelete.as_view(), name="delete"),
]
