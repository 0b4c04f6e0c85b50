"""Dashboard: open work orders, unbilled amount, invoices due and overdue, sync health (UI-2)."""

from __future__ import annotations

from django.shortcuts import render
from django.views import View

from fsmbilling.selectors.dashboard import dashboard_figures
from fsmbilling.tenancy import OrgPageMixin


class DashboardView(OrgPageMixin, View):
    def get(self, request, **kwargs):
        return render(request, "dashboard.html", {"figures": dashboard_figures(organization=self.organization)})
