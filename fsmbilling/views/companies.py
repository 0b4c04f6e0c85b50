"""Company pages (REC-1)."""

from __future__ import annotations

from django import forms
from django.urls import path
from django.utils.translation import gettext_lazy as _

from fsmbilling.forms import OrgModelForm
from fsmbilling.models import Company, Status
from fsmbilling.selectors.customers import company_list
from fsmbilling.services.companies import company_create, company_delete, company_update
from fsmbilling.views.base import Column, Filter, OrgDeleteView, OrgDetailView, OrgFormView, OrgListView

MODULE = "companies"


class CompanyForm(OrgModelForm):
    address_fields = ("billing_address", "service_address")
    custom_fields_module = MODULE

    class Meta:
        model = Company
        fields = [
            "name",
            "email",
            "phone",
            "website",
            "currency",
            "payment_term",
            "status",
            "is_taxable",
            "tax_treatment",
            "tax_number",
            "place_of_supply",
            "default_tax",
            "tax_exemption",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class CompanyList(OrgListView):
    module = MODULE
    title = _("Companies")
    selector = company_list
    columns = [
        Column("name", _("Name"), sort="name", link=True),
        Column("email", _("Email"), sort="email"),
        Column("phone", _("Phone")),
        Column("status", _("Status"), sort="status"),
        Column("updated_at", _("Modified"), sort="updated_at"),
    ]
    filters = [Filter("status", _("Status"), Status.choices)]


class CompanyDetail(OrgDetailView):
    module = MODULE
    model = Company
    template_name = "companies/detail.html"

    def get_context(self, obj):
        context = super().get_context(obj)
        context["contacts"] = obj.contacts.all()[:50]
        context["work_orders"] = obj.work_orders.order_by("-id")[:20]
        return context


class CompanyFormView(OrgFormView):
    module = MODULE
    model = Company
    form_class = CompanyForm
    title_create = _("New company")
    title_edit = _("Edit %(name)s")
    create_service = company_create
    update_service = company_update


class CompanyDelete(OrgDeleteView):
    module = MODULE
    model = Company
    delete_service = company_delete
    success_url_name = "companies:list"


app_name = "companies"
urlpatterns = [
    path("", CompanyList.as_view(), name="list"),
    path("new/", CompanyFormView.as_view(), name="create"),
    path("<int:pk>/", CompanyDetail.as_view(), name="detail"),
    path("<int:pk>/edit/", CompanyFormView.as_view(), name="edit"),
    path("<int:pk>/delete/", CompanyDelete.as_view(), name="delete"),
]
