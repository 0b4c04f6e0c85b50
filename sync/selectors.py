"""Reads of the sync app used across the product: finance availability (FIN-7), banners, the Books block of a
record (API-2, SYN-18), and figures for the dashboard and /healthz."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from fsmbilling.models import Company, Contact, Organization, ServicePart

KIND_OF_MODEL = {Company: "company", ServicePart: "item"}


def finance_connection(organization: Organization):
    from sync.models import FinanceConnection

    return FinanceConnection.objects.filter(organization=organization).first()


def finance_block_reason(organization: Organization) -> str | None:
    """Why FSM must refuse to create work orders, appointments, assets, estimates and invoices now (FIN-7).

    None when creating is allowed. An organization that never connected a finance organization is not blocked:
    FIN-7 is about a finance organization that was deleted or whose access was revoked.
    """
    from sync.models import FinanceConnection

    connection = finance_connection(organization)
    if connection is None:
        return None
    state = FinanceConnection.State
    if connection.status == state.FINANCE_ORG_DELETED:
        return _(
            "The finance organization was deleted in Books, so new work orders, appointments, assets, estimates and "
            "invoices cannot be created. Ask platform support to switch to another finance organization; your data "
            "stays as it is."
        )
    if connection.status in (state.REVOKED, state.NEEDS_ATTENTION):
        return _(
            "Access to the finance organization was revoked or a permission is missing, so new work orders, "
            "appointments, assets, estimates and invoices cannot be created. An administrator must reconnect in "
            "Billing Setup."
        ) + (f" ({connection.status_reason})" if connection.status_reason else "")
    return None


def finance_banners(organization: Organization) -> list[dict]:
    reason = finance_block_reason(organization)
    banners = [{"level": "error", "message": reason}] if reason else []
    from sync.engine_models import SyncSettings

    settings_row = SyncSettings.objects.filter(organization=organization, disabled_by_error=True).first()
    if settings_row is not None:
        banners.append(
            {
                "level": "warning",
                "message": _("Sync is disabled: %(reason)s Platform support re-enables it once the cause is fixed.")
                % {"reason": settings_row.disabled_reason},
            }
        )
    return banners


def _kind_for(obj) -> str | None:
    if isinstance(obj, Contact):
        return "contact_person" if obj.company_id else "contact"
    for model, kind in KIND_OF_MODEL.items():
        if isinstance(obj, model):
            return kind
    return getattr(obj, "books_link_kind", None)


def web_url(organization: Organization, kind: str, remote_id: str) -> str:
    """ "View record in Books/Invoice": Books' own page, or the sandbox UI for sandbox organizations."""
    connection = finance_connection(organization)
    if connection is None or not remote_id:
        return ""
    module = {
        "company": "contacts",
        "contact": "contacts",
        "contact_person": "contacts",
        "item": "items",
        "invoice": "invoices",
        "estimate": "estimates",
        "payment": "customerpayments",
    }.get(kind, "")
    if connection.provider == "sandbox":
        from django.conf import settings

        return f"{settings.SANDBOX_BASE_URL.rstrip('/')}/ui/orgs/{connection.finance_org_id}/{module}/{remote_id}/"
    product = "invoice" if connection.edition == "invoice" else "books"
    domain = connection.api_domain.replace("www.zohoapis", product + ".zoho")
    return f"{domain}/app/{connection.finance_org_id}#/{module}/{remote_id}"


def books_block(obj) -> dict | None:
    """The ``books`` block of a record in the API (API-2)."""
    from sync.engine_models import SyncFailure, SyncLink

    kind = _kind_for(obj)
    if kind is None or obj.pk is None:
        return None
    link = (
        SyncLink.objects.filter(organization_id=obj.organization_id, kind=kind, local_id=obj.pk)
        .select_related("last_run")
        .first()
    )
    failure = None
    if link is None or link.state != SyncLink.State.LINKED:
        failure = SyncFailure.objects.filter(
            organization_id=obj.organization_id, kind=kind, local_id=obj.pk, state=SyncFailure.State.OPEN
        ).first()
    if link is None and failure is None:
        return {
            "id": None,
            "last_sync_id": None,
            "last_sync_time": None,
            "state": "not_synced",
            "error": "",
            "web_url": "",
        }
    return {
        "id": link.remote_id or None if link else None,
        "last_sync_id": link.last_run.run_id if link and link.last_run else None,
        "last_sync_time": link.last_synced_at.isoformat() if link and link.last_synced_at else None,
        "state": link.state if link else "failed",
        "error": (failure.message if failure else "") or (link.last_error if link else ""),
        "web_url": web_url(obj.organization, kind, link.remote_id) if link else "",
    }


def books_panel_context(obj) -> dict | None:
    """The Books/Invoice info panel of a synced record (SYN-18)."""
    block = books_block(obj)
    if block is None:
        return None
    connection = finance_connection(obj.organization)
    if connection is None:
        return None
    return {**block, "product": "Invoice" if connection.edition == "invoice" else "Books"}


def last_finished_run_summary() -> dict | None:
    from sync.engine_models import SyncRun

    run = SyncRun.objects.exclude(state__in=SyncRun.ACTIVE_STATES).order_by("-finished_at").first()
    if run is None:
        return None
    return {
        "id": run.run_id,
        "state": run.state,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
    }


def sync_dashboard_figures(*, organization: Organization) -> dict:
    from sync.engine_models import SyncFailure, SyncRun, SyncSettings

    settings_row = SyncSettings.objects.filter(organization=organization).first()
    if settings_row is None or not (settings_row.is_enabled or settings_row.disabled_by_error):
        return {}
    last = SyncRun.objects.filter(organization=organization).exclude(state__in=SyncRun.ACTIVE_STATES).first()
    failures = SyncFailure.objects.filter(organization=organization, state=SyncFailure.State.OPEN).aggregate(
        n=Count("id"), books=Count("id", filter=Q(direction="to_books"))
    )
    if settings_row.disabled_by_error:
        label = _("Disabled: %(reason)s") % {"reason": settings_row.disabled_reason}
    elif last is None:
        label = _("Waiting for the first run")
    else:
        label = _("Last run %(state)s, %(n)s open failure(s)") % {"state": last.get_state_display(), "n": failures["n"]}
    return {"sync_health": {"label": label, "open_failures": failures["n"], "last_run": last}}


def sync_type(organization: Organization) -> str:
    """The organization's sync type (SYN-3): it decides whose tax properties prefill transactions. Type IV when
    sync was never set up."""
    from sync.engine_models import SyncSettings

    return SyncSettings.objects.filter(organization=organization).values_list("sync_type", flat=True).first() or "IV"
