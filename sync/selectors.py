"""Reads of the sync app used across the product: finance availability (FIN-7), banners, the Books block of a
record (API-2, SYN-18), and figures for the dashboard and /healthz."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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


def record_kind(obj) -> str | None:
    if isinstance(obj, Contact):
        return "contact_person" if obj.company_id else "contact"
    for model, kind in KIND_OF_MODEL.items():
        if isinstance(obj, model):
            return kind
    return getattr(obj, "books_link_kind", None)


def web_url(organization: Organization, kind: str, remote_id: str) -> str:
    """ "View record in Books/Invoice": Books' own page, or the sandbox UI for sandbox organizations."""
    return _web_url(finance_connection(organization), kind, remote_id)


def _web_url(connection, kind: str, remote_id: str) -> str:
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


def books_blocks(objs) -> dict[tuple[str, int], dict]:
    """The ``books`` blocks of many records of one organization in two queries, keyed by (kind, pk)."""
    from sync.engine_models import SyncFailure, SyncLink

    keyed = [(record_kind(obj), obj) for obj in objs if obj.pk is not None]
    keyed = [(kind, obj) for kind, obj in keyed if kind is not None]
    if not keyed:
        return {}
    organization = keyed[0][1].organization
    kinds = {kind for kind, _obj in keyed}
    ids = [obj.pk for _kind, obj in keyed]
    links = {
        (link.kind, link.local_id): link
        for link in SyncLink.objects.filter(organization=organization, kind__in=kinds, local_id__in=ids).select_related(
            "last_run"
        )
    }
    failures = {}
    for failure in SyncFailure.objects.filter(
        organization=organization, kind__in=kinds, local_id__in=ids, state=SyncFailure.State.OPEN
    ).order_by("id"):
        failures[(failure.kind, failure.local_id)] = failure
    connection = finance_connection(organization)
    blocks = {}
    for kind, obj in keyed:
        link = links.get((kind, obj.pk))
        failure = failures.get((kind, obj.pk)) if link is None or link.state != SyncLink.State.LINKED else None
        blocks[(kind, obj.pk)] = _block(obj, kind, link, failure, connection)
    return blocks


def _block(obj, kind, link, failure, connection) -> dict:
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
        "id": (link.remote_id or None) if link else None,
        "last_sync_id": link.last_run.run_id if link and link.last_run else None,
        "last_sync_time": link.last_synced_at.isoformat() if link and link.last_synced_at else None,
        "state": link.state if link else "failed",
        "error": (failure.message if failure else "") or (link.last_error if link else ""),
        "web_url": _web_url(connection, kind, link.remote_id) if link else "",
    }


def books_block(obj) -> dict | None:
    """The ``books`` block of a record in the API (API-2)."""
    kind = record_kind(obj)
    if kind is None or obj.pk is None:
        return None
    return books_blocks([obj]).get((kind, obj.pk))


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


# --- Sync pages and API -------------------------------------------------------------------------------------------

REASON_EXPLANATIONS = {
    "duplicate": gettext_lazy(
        "Several records share the duplicate key; the most recently modified one was linked. Merge or "
        "rename the others. Nothing was deleted."
    ),
    "duplicate_name": gettext_lazy(
        "Books does not allow two customers with the same display name. Rename the record, allow "
        "duplicate names in Books, or choose Overwrite."
    ),
    "currency_missing_in_books": gettext_lazy(
        "The record's currency does not exist in Books. Add the currency in Books, then retry."
    ),
    "deleted_in_books": gettext_lazy("The record was deleted in Books. Re-create it or unlink it under Broken links."),
    "deleted_in_fsm": gettext_lazy("The record was deleted in FSM. Re-create it or unlink it under Broken links."),
    "refused_by_books": gettext_lazy(
        "Books refused the record as it stands. Correct the field Books names, then retry."
    ),
    "not_found_in_books": gettext_lazy("Books no longer has the record. Re-create it or unlink it."),
    "books_error": gettext_lazy("Books answered with an error. The record is retried at the next run."),
    "books_unreachable": gettext_lazy("Books could not be reached. The record is retried at the next run."),
    "books_unavailable": gettext_lazy("Books could not be reached. The record is retried at the next run."),
    "rate_limited": gettext_lazy("Books was busy (rate limit). The record is retried at the next run."),
    "capacity_reached": gettext_lazy(
        "The finance organization reached its limit of records. Move to Zoho Books or remove unused records."
    ),
    "missing_name": gettext_lazy("The record has no name. Give it a name, then retry."),
}
MODULE_FILE_LABELS = {
    "companies": "Companies",
    "contacts": "Contacts",
    "services_and_parts": "ServicesAndParts",
    "invoices": "Invoices",
}
DIRECTIONS = (("to_books", gettext_lazy("FSM → Books")), ("to_fsm", gettext_lazy("Books → FSM")))


def failure_filename(module: str) -> str:
    """``<Module>FailureLogs.csv`` (SYN-18), e.g. ``CompaniesFailureLogs.csv``."""
    return f"{MODULE_FILE_LABELS.get(module, module.title().replace('_', ''))}FailureLogs.csv"


def module_of_failure_filename(filename: str) -> str | None:
    for module in MODULE_FILE_LABELS:
        if failure_filename(module) == filename:
            return module
    return None


def run_list(*, organization: Organization):
    from sync.engine_models import SyncRun

    return SyncRun.objects.filter(organization=organization).select_related("requested_by")


def run_count_rows(run) -> list[dict]:
    """Per module and direction: created, updated, unchanged, failed, and the failure file of the module."""
    counts = run.counts or (run.progress or {}).get("counts") or {}
    rows = []
    for module, directions in counts.items():
        for direction, label in DIRECTIONS:
            bucket = directions.get(direction)
            if not bucket:
                continue
            rows.append(
                {
                    "module": module,
                    "module_label": MODULE_FILE_LABELS.get(module, module),
                    "direction": direction,
                    "direction_label": label,
                    "created": bucket.get("created", 0),
                    "updated": bucket.get("updated", 0),
                    "unchanged": bucket.get("unchanged", 0),
                    "failed": bucket.get("failed", 0),
                    "failure_file": failure_filename(module),
                }
            )
    return rows


def run_summary(run) -> dict:
    """A run as the API shows it (SYN-18)."""
    return {
        "id": run.pk,
        "run_id": run.run_id,
        "trigger": run.trigger,
        "state": run.state,
        "state_label": str(run.get_state_display()),
        "reason": run.reason,
        "created_at": run.created_at.isoformat() if run.created_at else None,
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "counts": run.counts or {},
        "progress": run.progress or {},
        "api_calls": run.api_calls,
    }


def failure_groups(*, organization: Organization, run=None, state: str = "open") -> list[dict]:
    """Failures grouped by reason (SYN-18), with counts and what to do."""
    from sync.engine_models import SyncFailure

    queryset = SyncFailure.objects.filter(organization=organization)
    if run is not None:
        queryset = queryset.filter(run=run)
    if state:
        queryset = queryset.filter(state=state)
    groups = []
    for row in queryset.values("reason_code").annotate(n=Count("id")).order_by("-n", "reason_code"):
        sample = queryset.filter(reason_code=row["reason_code"]).values_list("explanation", flat=True).first()
        groups.append(
            {
                "reason_code": row["reason_code"],
                "count": row["n"],
                "explanation": str(REASON_EXPLANATIONS.get(row["reason_code"]) or sample or ""),
            }
        )
    return groups


def failure_list(*, organization: Organization, run=None, state: str = "open", reason_code: str = ""):
    from sync.engine_models import SyncFailure

    queryset = SyncFailure.objects.filter(organization=organization).select_related("run")
    if run is not None:
        queryset = queryset.filter(run=run)
    if state:
        queryset = queryset.filter(state=state)
    if reason_code:
        queryset = queryset.filter(reason_code=reason_code)
    return queryset.order_by("reason_code", "-id")


def broken_links(*, organization: Organization):
    from sync.engine_models import SyncLink

    return SyncLink.objects.filter(organization=organization, state=SyncLink.State.BROKEN).order_by("kind", "-id")


def finance_connector(organization: Organization):
    """A connector to the organization's finance organization, or None when it is not connected. Use it in a
    ``with`` block."""
    from sync.connectors import connector_for

    connection = finance_connection(organization)
    if connection is None or not connection.is_usable:
        return None
    return connector_for(connection)


BOOKS_ENTITY = {"companies": "contact", "contacts": "contact", "services_and_parts": "item"}


def books_custom_fields(organization: Organization, modules=("companies", "contacts", "services_and_parts")) -> dict:
    """Books custom field definitions per module; an error or a missing endpoint means none (SYN-5)."""
    from sync.connectors import FinanceError

    found: dict[str, tuple] = dict.fromkeys(modules, ())
    connector = finance_connector(organization)
    if connector is None:
        return found
    by_entity: dict[str, tuple] = {}
    try:
        with connector as client:
            for module in modules:
                entity = BOOKS_ENTITY[module]
                if entity not in by_entity:
                    try:
                        by_entity[entity] = tuple(d for d in client.list_custom_fields(entity) if d.is_active)
                    except FinanceError:
                        by_entity[entity] = ()
                found[module] = by_entity[entity]
    except FinanceError:
        pass
    return found
