"""Template context of organization pages: the organization, the member's role, navigation and finance banners."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

# (url name, label, module the role must be allowed to view, or None); None url name = a heading.
NAVIGATION = [
    ("dashboard", _("Dashboard"), None),
    ("work_orders:list", _("Work orders"), "work_orders"),
    ("appointments:list", _("Appointments"), "work_orders"),
    ("estimates:list", _("Estimates"), "estimates"),
    ("invoices:list", _("Invoices"), "invoices"),
    ("companies:list", _("Companies"), "companies"),
    ("contacts:list", _("Contacts"), "contacts"),
    ("services_and_parts:list", _("Services and parts"), "services_and_parts"),
    ("assets:list", _("Assets"), "work_orders"),
    ("imports:list", _("Data import"), None),
    ("reports", _("Reports"), None),
    (None, _("Settings"), None),
    ("billing:setup", _("Billing setup"), "billing_setup"),
    ("sync:settings", _("Sync settings"), "billing_setup"),
    ("sync:logs", _("Sync logs"), "sync_logs"),
    ("taxes:list", _("Taxes"), "billing_setup"),
    ("custom_fields:list", _("Custom fields"), "billing_setup"),
    ("workflows:list", _("Workflow rules"), "billing_setup"),
    ("currencies:list", _("Currencies"), None),
    ("members", _("Users and roles"), "administrators"),
    ("api_tokens", _("API tokens"), None),
]

# Functions (dotted paths) that return banners [{level, message}] for an organization, e.g. finance unavailable.
BANNER_PROVIDERS = ["sync.selectors.finance_banners"]


def _nav(request, organization, role) -> list[dict]:
    items = []
    for url_name, label, module in NAVIGATION:
        if url_name is None:
            items.append({"heading": True, "label": label})
            continue
        if module == "administrators" and not role.is_administrator:
            continue
        if module and module != "administrators" and not role.allows(module, "view"):
            continue
        try:
            url = reverse(url_name, kwargs={"org_slug": organization.slug})
        except NoReverseMatch:
            continue  # the module is not installed
        items.append({"url": url, "label": label, "active": request.path.startswith(url) and url_name != "dashboard"})
    return items


def _banners(organization) -> list[dict]:
    banners = []
    for dotted in BANNER_PROVIDERS:
        try:
            provider = import_string(dotted)
        except ImportError:
            continue
        banners.extend(provider(organization))
    return banners


def tenancy(request):
    organization = getattr(request, "organization", None)
    membership = getattr(request, "membership", None)
    context = {"current_org": organization, "current_membership": membership}
    if organization is not None and membership is not None:
        context["nav_items"] = _nav(request, organization, membership.role)
        context["finance_banners"] = _banners(organization)
    return context
