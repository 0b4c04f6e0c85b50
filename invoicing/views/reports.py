"""Reports (UI-2): invoiced vs collected per month, outstanding by customer, completed-but-not-invoiced work, and FSM
vs Books totals per month. Simple tables with CSS bars."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views import View

from fsmbilling.tenancy import OrgPageMixin
from invoicing import selectors


class ReportsView(OrgPageMixin, View):
    def get(self, request, **kwargs):
        role = self.membership.role
        if not (role.allows("invoices", "view") or role.allows("work_orders", "view")):
            raise PermissionDenied(_("Your role allows neither invoices nor work orders. Ask an administrator."))
        org = self.organization
        context = {
            "can_invoices": role.allows("invoices", "view"),
            "can_work_orders": role.allows("work_orders", "view"),
        }
        if context["can_invoices"]:
            context.update(
                monthly=selectors.report_invoiced_vs_collected(org),
                outstanding=selectors.report_outstanding_by_customer(org),
                fsm_vs_books=selectors.report_fsm_vs_books(org),
            )
        if context["can_work_orders"]:
            context["not_invoiced"] = selectors.report_completed_not_invoiced(org)
        return render(request, "invoicing/reports.html", context)


urlpatterns = [path("", ReportsView.as_view(), name="reports")]
