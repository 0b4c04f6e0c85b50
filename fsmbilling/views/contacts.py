"""Contact pages (REC-2)."""

from __future__ import annotations

from django import forms
from django.shortcuts import render
from django.template import loader
from django.urls import path, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views import View

from fsmbilling.forms import OrgModelForm
from fsmbilling.models import Contact, Status, TaxExemption
from fsmbilling.selectors.customers import company_list, contact_list
from fsmbilling.selectors.reference import custom_field_display
from fsmbilling.services.contacts import contact_create, contact_delete, contact_update
from fsmbilling.tenancy import OrgPageMixin
from fsmbilling.views.base import Column, Filter, OrgDeleteView, OrgDetailView, OrgFormView, OrgListView

MODULE = "contacts"
YES_NO = [("yes", _("Yes")), ("no", _("No"))]
# Up to this many companies the form offers a plain list; beyond it, a search (REC-11: 100,000 companies).
COMPANY_SELECT_LIMIT = 100
COMPANY_SEARCH_RESULTS = 20


def _yes(value: bool) -> str:
    return str(_("Yes")) if value else ""


def _company_options(companies, selected_id) -> list[tuple[str, str, bool]]:
    return [("", "—", False)] + [(str(c.pk), c.name, str(c.pk) == str(selected_id)) for c in companies]


class CompanySearchSelect(forms.Select):
    """A company select that renders only the chosen company and fills its options from a search (htmx)."""

    def __init__(self, *, queryset, search_url: str, attrs=None):
        super().__init__(attrs)
        self.queryset = queryset
        self.search_url = search_url

    def render(self, name, value, attrs=None, renderer=None):
        context = self.get_context(name, value, attrs)
        context["widget"]["search_url"] = self.search_url
        context["widget"]["search_label"] = _("Search companies")
        selected = str(value) if value not in (None, "") else ""
        chosen = self.queryset.filter(pk=int(selected)) if selected.isascii() and selected.isdigit() else []
        context["options"] = _company_options(chosen, selected)
        return mark_safe(loader.render_to_string("components/search_select.html", context))


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
        company = self.fields["company"]
        company.queryset = company.queryset.order_by("name", "id")
        if company.queryset.count() > COMPANY_SELECT_LIMIT:
            company.widget = CompanySearchSelect(
                queryset=company.queryset,
                search_url=reverse("contacts:company_options", kwargs={"org_slug": self.organization.slug}),
            )
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


class CompanyOptions(OrgPageMixin, View):
    """The ``<option>`` list of the contact form's company search: the chosen company, then the best matches."""

    module = MODULE

    def get(self, request, **kwargs):
        search = request.GET.get("company_search", "").replace("\x00", "").strip()[:200]
        selected = request.GET.get("company", "")
        companies = list(company_list(organization=self.organization, search=search)[:COMPANY_SEARCH_RESULTS])
        if selected.isascii() and selected.isdigit() and all(str(c.pk) != selected for c in companies):
            companies = list(company_list(organization=self.organization).filter(pk=int(selected))) + companies
        return render(request, "components/select_options.html", {"options": _company_options(companies, selected)})


class ContactDelete(OrgDeleteView):
    module = MODULE
    model = Contact
    delete_service = contact_delete
    success_url_name = "contacts:list"


app_name = "contacts"
urlpatterns = [
    path("", ContactList.as_view(), name="list"),
    path("new/", ContactFormView.as_view(), name="create"),
    path("company-options/", CompanyOptions.as_view(), name="company_options"),
    path("<int:pk>/", ContactDetail.as_view(), name="detail"),
    path("<int:pk>/edit/", ContactFormView.as_view(), name="edit"),
    path("<int:pk>/delete/", ContactDelete.as_view(), name="delete"),
]
