"""Billing Setup (FIN-4, FIN-10), the onboarding wizard (FIN-2), the OAuth callback and the support switch (FIN-8).

Pages parse input and call ``sync.onboarding``; refusals come back as messages that say why and what to do (UI-4).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from fsmbilling.models import Organization
from fsmbilling.tenancy import OrgPageMixin, resolve_membership
from sync import onboarding
from sync.models import FinanceConnection

MODULE = "billing_setup"


def _reverse(name: str, slug: str) -> str | None:
    try:
        return reverse(name, kwargs={"org_slug": slug})
    except NoReverseMatch:
        return None


def callback_uri(request, provider: str) -> str:
    """The redirect URI: as this site is reached for the sandbox; the registered one for Zoho."""
    from django.conf import settings

    if provider == FinanceConnection.Provider.ZOHO:
        return settings.ZOHO_REDIRECT_URI
    return request.build_absolute_uri(reverse("billing-oauth-callback"))


def tabs_for(organization: Organization, active: str) -> list[dict]:
    """Integration, Sync Settings, Invoice Mapping, Users, Sync Logs: links to the pages that exist (FIN-4)."""
    slug = organization.slug
    tabs = [{"key": "integration", "label": _("Integration"), "url": _reverse("billing:setup", slug)}]
    for key, label, name in (("sync_settings", _("Sync Settings"), "sync:settings"),):
        url = _reverse(name, slug)
        if url:
            tabs.append({"key": key, "label": label, "url": url})
    for key, label, name in (
        ("invoice_mapping", _("Invoice Mapping"), "invoices:mapping"),
        ("users", _("Users"), "members"),
    ):
        url = _reverse(name, slug)
        if url:
            tabs.append({"key": key, "label": label, "url": url})
    url = _reverse("sync:logs", slug)
    if url:
        tabs.append({"key": "sync_logs", "label": _("Sync Logs"), "url": url})
    for tab in tabs:
        tab["active"] = tab["key"] == active
    return tabs


class BillingSetupView(OrgPageMixin, View):
    module = MODULE

    def get(self, request, **kwargs):
        state = onboarding.connection_state(self.organization)
        can_edit = self.allows(MODULE, "edit")
        return render(
            request,
            "billing/setup.html",
            {
                "state": state,
                "tabs": tabs_for(self.organization, "integration"),
                "can_edit": can_edit,
                "can_pause": can_edit and state["onboarded"] and not state["sync_paused"],
                "can_resume": can_edit and state["onboarded"] and state["sync_paused"],
                "can_disconnect": can_edit and state["onboarded"] and state["signed_in"],
                "can_refresh": can_edit and state["onboarded"] and state["signed_in"],
                "can_reconnect": can_edit
                and state["onboarded"]
                and state["status"] in ("disconnected", "revoked", "needs_attention"),
                "needs_onboarding": not state["onboarded"],
                "sync_enable_url": _reverse("sync:settings", self.organization.slug),
            },
        )


class ConnectView(OrgPageMixin, View):
    """Start the consent step (onboarding's "Sign in", Billing Setup's "Reconnect")."""

    module = MODULE
    action = "edit"

    def post(self, request, **kwargs):
        provider = request.POST.get("provider") or onboarding.default_provider()
        if provider not in FinanceConnection.Provider.values:
            provider = onboarding.default_provider()
        connection = onboarding.finance_connection(self.organization)
        if connection and connection.finance_org_id:
            provider = connection.provider  # a reconnect keeps the provider of the connected organization
        try:
            url, nonce = onboarding.authorization_start(
                organization=self.organization,
                actor=request.user,
                redirect_uri=callback_uri(request, provider),
                provider=provider,
            )
        except onboarding.OnboardingRefused as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(reverse("billing:onboarding", kwargs={"org_slug": self.organization.slug}))
        request.session[onboarding.SESSION_NONCE_KEY] = nonce
        return HttpResponseRedirect(url)


class OnboardingView(OrgPageMixin, View):
    """The wizard (FIN-2): sign in, then New Invoice account / Existing Invoice account / Existing Books account."""

    module = MODULE
    action = "edit"

    def _context(self, request, error: str = "") -> dict:
        connection = onboarding.finance_connection(self.organization)
        provider = connection.provider if connection else onboarding.default_provider()
        context = {
            "provider": provider,
            "is_sandbox": provider == FinanceConnection.Provider.SANDBOX,
            "signed_in": onboarding.is_signed_in(connection)
            and connection.status not in (FinanceConnection.State.DISCONNECTED, FinanceConnection.State.REVOKED),
            "error": error,
            "books": [],
            "invoice": [],
            "selected": "new_invoice",
            "tabs": tabs_for(self.organization, "integration"),
        }
        if context["signed_in"]:
            try:
                choices = onboarding.finance_organizations(self.organization)
            except onboarding.OnboardingRefused as exc:
                context["error"] = context["error"] or exc.message
                choices = []
            context["books"] = [c for c in choices if c.edition == "books"]
            context["invoice"] = [c for c in choices if c.edition == "invoice"]
            if not context["is_sandbox"]:
                first = next((c for c in choices if c.selectable), None)
                if first:
                    prefix = "existing_books" if first.edition == "books" else "existing_invoice"
                    context["selected"] = f"{prefix}:{first.organization_id}"
        context["selected"] = request.POST.get("selection") or context["selected"]
        return context

    def get(self, request, **kwargs):
        if onboarding.is_onboarded(onboarding.finance_connection(self.organization)):
            messages.info(request, _("This organization is already connected to its finance organization."))
            return HttpResponseRedirect(reverse("billing:setup", kwargs={"org_slug": self.organization.slug}))
        return render(request, "billing/onboarding.html", self._context(request))

    def post(self, request, **kwargs):
        selection = request.POST.get("selection", "")
        choice, _sep, finance_org_id = selection.partition(":")
        try:
            result = onboarding.onboard(
                organization=self.organization,
                actor=request.user,
                choice=choice,
                finance_org_id=finance_org_id or None,
            )
        except onboarding.OnboardingRefused as exc:
            return render(request, "billing/onboarding.html", self._context(request, exc.message), status=exc.status)
        connection = result.connection
        messages.success(
            request,
            _("Connected to %(name)s (%(id)s). Field mappings are set (sync type %(type)s); check them and enable "
              "sync when you are ready.")
            % {"name": connection.finance_org_name, "id": connection.finance_org_id, "type": result.sync_type},
        )  # fmt: skip
        for note in result.notes:
            messages.info(request, note)
        return HttpResponseRedirect(reverse("billing:setup", kwargs={"org_slug": self.organization.slug}))


class ConnectionActionView(OrgPageMixin, View):
    """Pause / resume automatic sync, disconnect, refresh the connection state (FIN-10)."""

    module = MODULE
    action = "edit"
    operation = ""
    done = {
        "pause": gettext_lazy("Automatic sync is paused. Sync Now still works; resume any time."),
        "resume": gettext_lazy("Automatic sync is on again."),
        "disconnect": gettext_lazy("Disconnected. FSM keeps all its data; reconnect to sync again."),
        "refresh": gettext_lazy("Connection state checked."),
    }

    def post(self, request, **kwargs):
        services = {
            "pause": onboarding.sync_pause,
            "resume": onboarding.sync_resume,
            "disconnect": onboarding.disconnect,
            "refresh": onboarding.connection_refresh,
        }
        try:
            connection = services[self.operation](organization=self.organization, actor=request.user)
        except onboarding.OnboardingRefused as exc:
            messages.error(request, exc.message)
        else:
            if self.operation == "refresh" and connection.status != FinanceConnection.State.CONNECTED:
                messages.warning(request, f"{connection.get_status_display()}: {connection.status_reason}")
            else:
                messages.success(request, str(self.done[self.operation]))
        return HttpResponseRedirect(reverse("billing:setup", kwargs={"org_slug": self.organization.slug}))


@login_required
def oauth_callback(request):
    """Back from the accounts server (``/billing/oauth/callback/``): check the signed state, exchange the code."""
    nonce = request.session.pop(onboarding.SESSION_NONCE_KEY, None)
    try:
        organization, redirect_uri = onboarding.state_read(
            request.GET.get("state", ""), user=request.user, session_nonce=nonce
        )
    except onboarding.OnboardingRefused as exc:
        return render(request, "billing/callback_error.html", {"message": exc.message}, status=exc.status)
    membership = resolve_membership(request.user, organization.slug)
    if not membership.role.allows(MODULE, "edit"):
        raise Http404("Not found.")
    onboarding_url = reverse("billing:onboarding", kwargs={"org_slug": organization.slug})
    if request.GET.get("error"):
        messages.error(
            request, _("The sign-in was refused or cancelled (%(error)s).") % {"error": request.GET["error"]}
        )
        return HttpResponseRedirect(onboarding_url)
    try:
        connection = onboarding.authorization_finish(
            organization=organization,
            actor=request.user,
            code=request.GET.get("code", ""),
            redirect_uri=redirect_uri,
            accounts_server=request.GET.get("accounts-server"),
            location=request.GET.get("location"),
        )
    except onboarding.OnboardingRefused as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(onboarding_url)
    if onboarding.is_onboarded(connection):
        messages.success(request, _("Reconnected. State: %(state)s.") % {"state": connection.get_status_display()})
        return HttpResponseRedirect(reverse("billing:setup", kwargs={"org_slug": organization.slug}))
    messages.success(request, _("Signed in. Now choose or create the finance organization."))
    return HttpResponseRedirect(onboarding_url)


@method_decorator(staff_member_required, name="dispatch")
class SupportSwitchView(View):
    """Platform support: point an organization to another finance organization of the same identity (FIN-8)."""

    def _context(self, organization, *, note: str = "", error: str = "") -> dict:
        connection = onboarding.finance_connection(organization)
        choices: list = []
        if onboarding.is_signed_in(connection):
            choices, _errors = onboarding.identity_organizations(connection)
        from sync.engine_models import SupportNote

        return {
            "organization": organization,
            "state": onboarding.connection_state(organization),
            "choices": choices,
            "note": note,
            "error": error,
            "notes": SupportNote.objects.filter(organization=organization)[:10],
        }

    def get(self, request, org_slug):
        organization = get_object_or_404(Organization, slug=org_slug)
        return render(request, "billing/support_switch.html", self._context(organization))

    def post(self, request, org_slug):
        organization = get_object_or_404(Organization, slug=org_slug)
        note = request.POST.get("note", "")
        try:
            connection = onboarding.finance_org_switch(
                organization=organization,
                actor=request.user,
                finance_org_id=request.POST.get("finance_org_id", ""),
                note=note,
            )
        except onboarding.OnboardingRefused as exc:
            return render(
                request,
                "billing/support_switch.html",
                self._context(organization, note=note, error=exc.message),
                status=exc.status,
            )
        messages.success(
            request,
            _("%(org)s now uses %(name)s (%(id)s). Records re-link by matching at the next run.")
            % {"org": organization, "name": connection.finance_org_name, "id": connection.finance_org_id},
        )
        return HttpResponseRedirect(reverse("billing-support-switch", kwargs={"org_slug": organization.slug}))


app_name = "billing"
urlpatterns = [
    path("", BillingSetupView.as_view(), name="setup"),
    path("onboarding/", OnboardingView.as_view(), name="onboarding"),
    path("connect/", ConnectView.as_view(), name="connect"),
    path("pause/", ConnectionActionView.as_view(operation="pause"), name="pause"),
    path("resume/", ConnectionActionView.as_view(operation="resume"), name="resume"),
    path("disconnect/", ConnectionActionView.as_view(operation="disconnect"), name="disconnect"),
    path("refresh/", ConnectionActionView.as_view(operation="refresh"), name="refresh"),
]
