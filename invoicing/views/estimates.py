"""Estimate pages (REC-6, INV-7): list, create (lines with prefilled taxes), detail with status changes and
conversion into a work order."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from fsmbilling.models import Company, Contact, ServicePart, Tax
from fsmbilling.tenancy import OrgPageMixin, get_for_org
from fsmbilling.views.base import Column, Filter, OrgListView
from invoicing import selectors, services
from invoicing.models import Estimate
from invoicing.views.invoices import _date, _error_text

app_name = "estimates"
LINE_ROWS = 5


class EstimateListView(OrgListView):
    module = "estimates"
    title = gettext_lazy("Estimates")
    selector = staticmethod(selectors.estimate_list)
    url_namespace = "estimates"
    default_ordering = "-id"
    filters = [Filter("status", gettext_lazy("Status"), list(Estimate.Status.choices))]
    columns = [
        Column("number", gettext_lazy("Number"), sort="number", link=True),
        Column("customer", gettext_lazy("Customer"), accessor=lambda e: e.customer),
        Column("summary", gettext_lazy("Summary")),
        Column("date", gettext_lazy("Date"), sort="date"),
        Column("expiry_date", gettext_lazy("Expires")),
        Column("status", gettext_lazy("Status")),
        Column("total", gettext_lazy("Total"), sort="total", numeric=True, accessor=lambda e: f"{e.total:.2f}"),
    ]


def _number(value: str, name: str, default=None):
    if not (value or "").strip():
        return default
    try:
        return Decimal(value.strip())
    except InvalidOperation as exc:
        raise ValidationError({name: [_("Enter a number, e.g. 2 or 120.50.")]}) from exc


class EstimateCreateView(OrgPageMixin, View):
    module = "estimates"
    action = "edit"

    def render_page(self, request, *, errors=None, status=200):
        org = self.organization
        return render(
            request,
            "invoicing/estimate_form.html",
            {
                "companies": Company.objects.filter(organization=org, status="active").order_by("name")[:500],
                "contacts": Contact.objects.filter(organization=org, status="active").order_by("last_name")[:500],
                "items": ServicePart.objects.filter(organization=org, status="active").order_by("name")[:500],
                "taxes": Tax.objects.filter(organization=org, is_active=True),
                "rows": range(LINE_ROWS),
                "errors": errors or [],
                "posted": request.POST if request.method == "POST" else {},
            },
            status=status,
        )

    def get(self, request, **kwargs):
        return self.render_page(request)

    def post(self, request, **kwargs):
        org = self.organization
        try:
            data = {
                "company": get_for_org(Company, org, request.POST["company"]) if request.POST.get("company") else None,
                "contact": get_for_org(Contact, org, request.POST["contact"]) if request.POST.get("contact") else None,
                "summary": request.POST.get("summary", ""),
                "expiry_date": _date(request.POST.get("expiry_date")),
                "notes": request.POST.get("notes", ""),
                "lines": [],
            }
            for index in range(LINE_ROWS):
                item_id = request.POST.get(f"item_{index}")
                if not item_id:
                    continue
                line = {
                    "item": get_for_org(ServicePart, org, item_id),
                    "quantity": _number(request.POST.get(f"quantity_{index}", ""), "quantity", Decimal("1")),
                    "rate": _number(request.POST.get(f"rate_{index}", ""), "rate"),
                    "discount_percent": _number(request.POST.get(f"discount_{index}", ""), "discount", Decimal("0")),
                }
                tax_choice = request.POST.get(f"tax_{index}", "")
                if tax_choice == "none":
                    line["tax"] = None
                elif tax_choice:
                    line["tax"] = get_for_org(Tax, org, tax_choice)
                data["lines"].append(line)
            estimate = services.estimate_create(organization=org, actor=request.user, data=data)
        except ValidationError as exc:
            return self.render_page(request, errors=[_error_text(exc)], status=400)
        if estimate.books_id:
            messages.success(request, _("%(number)s was created and pushed to Books.") % {"number": estimate.number})
        else:
            messages.warning(request, _("%(number)s is not in Books yet: %(why)s") % {
                "number": estimate.number, "why": estimate.push_error})  # fmt: skip
        return HttpResponseRedirect(estimate.get_absolute_url())


class EstimateDetailView(OrgPageMixin, View):
    module = "estimates"

    def get_required_permission(self, request):
        return ("estimates", "edit" if request.method == "POST" else "view")

    def get(self, request, pk, **kwargs):
        from sync.selectors import web_url

        estimate = get_for_org(Estimate.objects.select_related("currency", "work_order"), self.organization, pk)
        return render(
            request,
            "invoicing/estimate_detail.html",
            {
                "estimate": estimate,
                "lines": estimate.lines.select_related("item", "tax"),
                "books_url": web_url(self.organization, "estimate", estimate.books_id) if estimate.books_id else "",
                "can_edit": self.allows("estimates", "edit"),
                "can_convert": self.allows("work_orders", "edit"),
            },
        )

    def post(self, request, pk, **kwargs):
        estimate = get_for_org(Estimate, self.organization, pk)
        verb = request.POST.get("action", "")
        try:
            if verb in ("sent", "accepted", "declined"):
                services.estimate_set_status(estimate=estimate, actor=request.user, status=verb)
                messages.success(request, _("%(number)s is %(status)s.") % {"number": estimate.number, "status": verb})
            elif verb == "convert":
                if not self.allows("work_orders", "edit"):
                    raise ValidationError(_("Your role does not allow creating work orders. Ask an administrator."))
                work_order = services.estimate_convert(estimate=estimate, actor=request.user)
                messages.success(request, _("%(number)s became work order %(wo)s.") % {
                    "number": estimate.number, "wo": work_order.number})  # fmt: skip
                return HttpResponseRedirect(work_order.get_absolute_url())
            elif verb == "push":
                estimate = services.estimate_push(estimate.pk)
                if estimate.push_error and not estimate.books_id:
                    messages.error(request, estimate.push_error)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        return HttpResponseRedirect(estimate.get_absolute_url())


urlpatterns = [
    path("", EstimateListView.as_view(), name="list"),
    path("new/", EstimateCreateView.as_view(), name="create"),
    path("<int:pk>/", EstimateDetailView.as_view(), name="detail"),
]
