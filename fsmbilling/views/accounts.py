"""Account pages: home redirect and the organization switcher."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect, render
from django.views import View

from fsmbilling.models import Membership


@login_required
def home(request):
    memberships = Membership.objects.filter(user=request.user, is_active=True).select_related("organization")
    if len(memberships) == 1:
        return redirect("dashboard", org_slug=memberships[0].organization.slug)
    return redirect("org_switch")


class OrgSwitchView(LoginRequiredMixin, View):
    def get(self, request):
        memberships = (
            Membership.objects.filter(user=request.user, is_active=True)
            .select_related("organization", "role")
            .order_by("organization__name")
        )
        return render(request, "accounts/org_switch.html", {"memberships": memberships})
