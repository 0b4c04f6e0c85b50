"""The organization's taxes (TAX-2): a list; administrators (Billing Setup edit) change rates and active flags."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views import View

from fsmbilling.models import Tax
from fsmbilling.tenancy import OrgPageMixin, get_for_org
from invoicing.services import tax_update
from invoicing.taxes.editions import edition_for_country

app_name = "taxes"


class TaxListView(OrgPageMixin, View):
    module = "billing_setup"

    def get_required_permission(self, request):
        return ("billing_setup", "edit" if request.method == "POST" else "view")

    def get(self, request, **kwargs):
        taxes = (
            Tax.objects.filter(organization=self.organization).prefetch_related("components").order_by("kind", "name")
        )
        return render(
            request,
            "invoicing/taxes.html",
            {
                "taxes": taxes,
                "edition": edition_for_country(self.organization.country),
                "can_edit": self.allows("billing_setup", "edit"),
            },
        )

    def post(self, request, **kwargs):
        tax = get_for_org(Tax, self.organization, request.POST.get("tax", ""))
        try:
            rate = Decimal(request.POST["rate"]) if request.POST.get("rate") and tax.kind != Tax.Kind.GROUP else None
        except InvalidOperation:
            messages.error(request, _("Enter the rate as a number of percent, e.g. 8.25."))
        else:
            try:
                tax_update(tax=tax, actor=request.user, rate=rate, is_active=request.POST.get("is_active") == "on")
                messages.success(request, _("Saved %(tax)s.") % {"tax": tax.name})
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(reverse("taxes:list", kwargs={"org_slug": self.organization.slug}))


urlpatterns = [path("", TaxListView.as_view(), name="list")]
