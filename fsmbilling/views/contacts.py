"""Contact pages (REC-2)."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _

from fsmbilling.forms import OrgModelForm
from fsmbilling.models import Contact, Status, TaxExemption
from fsmbilling.selectors.customers import contact_list
from fsmbilling.selectors.reference import custom_field_display
from fsmbilling.services.contacts import contact_create, contact_delete, contact_update
from fsmbilling.views.base import Column, Filter, OrgDeleteView, OrgDetailView, OrgFormView, OrgListView

MODULE = "contacts"
YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def _yes(value: bool) -> str:
    return str(_("Yes")) if value else ""


class ContactForm(OrgModelForm):
    address_fields = ("billing_address", "service_address")
    custom_fields_module = MODULE

    class Meta:
        model = Contact
        fields = [
            "first_name",
            "last_name",
            "email",
            "phone",
            "mobile",
            "company",
            "is_primary",
            "currency",
            "payment_term",
            "status",
            "is_taxable",
            "tax_treatment",
            "tax_number",
            "place_of_supply",
            "gst_registered",
            "default_tax",
            "tax_exemption",
        ]
        labels = {"is_primary": _("Primary contact of the company")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        exemption = self.fields["tax_exemption"]
        exemption.queryset = exemption.queryset.filter(applies_to=TaxExemption.AppliesTo.CUSTOMER)
        self.fields["company"].queryset = self.fields["company"].queryset.order_by("name", "id")
        if (self.organization.country or "").upper() != "AU":
            del self.fields["gst_registered"]

    def _get_validation_exclusions(self):
        # The one-primary-per-company constraint is the service's business: it unsets the previous primary contact
        # in the same transaction. Left to the model form, it would refuse the change instead.
        exclude = super()._get_validation_exclusions()
        exclude.add("company")
        return exclude


class ContactList(OrgListView):
    module = MODULE
    title = _("Contacts")
    selector = contact_list
    columns = [
        Column("full_name", _("Name"), sort="last_name", link=True),
        Column("company__name", _("Company"), sort="company__name"),
        Column("email", _("Email"), sort="email"),
        Column("phone", _("Phone")),
        Column("is_primary", _("Primary"), accessor=lambda c: _yes(c.is_primary)),
        Column("status", _("Status"), sort="status"),
        Column("updated_at", _("Modified"), sort="updated_at"),
    ]
    csv_columns = [
        Column("first_name", _("First name")),
        Column("last_name", _("Last name")),
        Column("email", _("Email")),
        Column("phone", _("Phone")),
        Column("mobile", _("Mobile")),
        Column("company__name", _("Company")),
        Column("is_primary", _("Primary"), accessor=lambda c: _yes(c.is_primary)),
        Column("status", _("Status")),
        Column("billing_city", _("Billing city"), accessor=lambda c: (c.billing_address or {}).get("city", "")),
        Column("updated_at", _("Modified")),
    ]
    filters = [Filter("status", _("Status"), Status.choices), Filter("primary", _("Primary"), YES_NO)]

    def get_filter_values(self, request) -> dict[str, str]:
        values = super().get_filter_values(request)
        company = request.GET.get("company", "")
        if company:  # from a company's page: its contacts
            values["company"] = company
        return values


class ContactDetail(OrgDetailView):
    module = MODULE
    model = Contact
    template_name = "contacts/detail.html"
    queryset_hook = staticmethod(
        lambda qs: qs.select_related("company", "currency", "payment_term", "default_tax", "tax_exemption")
    )

    def get_context(self, obj):
        context = super().get_context(obj)
        context["custom_values"] = custom_field_display(
            organization=self.organization, module=MODULE, values=obj.custom_fields
        )
        work_orders = list(obj.work_orders.order_by("-id")[:20])
        for work_order in work_orders:
            work_order.organization = self.organization  # their links need the slug; no query per row
        context["work_orders"] = work_orders
        return context


class ContactFormView(OrgFormView):
    module = MODULE
    model = Contact
    form_class = ContactForm
    title_create = _("New contact")
    title_edit = _("Edit %(name)s")
    create_service = contact_create
    update_service = contact_update

    def get_form(self, request, instance=None):
        form = super().get_form(request, instance)
        company = request.GET.get("company", "")
        if instance is None and request.method == "GET" and company.isascii() and company.isdigit():
            form.initial["company"] = company  # "New contact" from a company's page
        return form


class ContactDelete(OrgDeleteView):
    module = MODULE
    model = Contact
    delete_service = contact_delete
    success_url_name = "contacts:list"


app_name = "contacts"
urlpatterns = [
    path("", ContactList.as_view(), name="list"),
    path("new/", ContactFormView.as_view(), name="create"),
    path("<int:pk>/", ContactDetail.as_view(), name="detail"),
    path("<int:pk>/edit/", ContactFormView.as_view(), name="edit"),
    path("<int:pk>/delete/", ContactDelete.as_view(), name="delete"),
]
