"""A sync run, phase by phase (DESIGN-sync.md §4): claim, pre-checks, reference data, customers, items, finish.

``execute_run(run_id)`` is what the task cluster calls. It claims the run row under a lock, so a run is carried out
by one worker even when several get the same task, and an organization never has two runs at once (a partial
unique index allows one pending or running run per organization).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from fsmbilling.models import Membership, Organization, Tax
from sync.connectors import base as remote
from sync.engine.adapters import RecordFailure, Refs
from sync.engine.planner import Policy
from sync.engine_models import SyncFailure, SyncLink, SyncRun, SyncSettings

logger = logging.getLogger(__name__)

AUTO_INTERVAL = dt.timedelta(hours=3)
INVOICE_EDITION_CAP = 10_000
MODULE_LABELS = {
    "companies": "Companies",
    "contacts": "Contacts",
    "services_and_parts": "ServicesAndParts",
    "invoices": "Invoices",
}


class RunStopped(Exception):
    """A pre-check failed or the run must stop: ``state`` and ``reason`` say how it ends."""

    def __init__(self, state: str, reason: str, *, disable: bool = False):
        super().__init__(reason)
        self.state = state
        self.reason = reason
        self.disable = disable


class Engine:
    def __init__(
        self,
        run: SyncRun | None,
        *,
        organization: Organization | None = None,
        connector=None,
        transport=None,
        clock=None,
    ):
        """``run`` is None for a single push outside a run (invoicing pushes its customer and items first)."""
        from sync.models import FinanceConnection

        self.run = run
        self.organization: Organization = run.organization if run is not None else organization
        self.settings, _created = SyncSettings.objects.get_or_create(organization=self.organization)
        self.connection = FinanceConnection.objects.filter(organization=self.organization).first()
        self._connector = connector
        if connector is not None and getattr(connector, "_http", None) is not None:
            connector._http.event_hooks.setdefault("request", []).append(self._count_call)
        self._transport = transport
        self._clock = clock
        self.sync_type = self.settings.sync_type
        # Import from Books (SYN-20): Books → FSM only, records linked by key, nothing written to Books.
        self.import_only = run is not None and run.trigger == SyncRun.Trigger.IMPORT
        self.duplicates = "overwrite" if self.import_only else self.settings.duplicate_handling
        from sync.connectors.clock import SYSTEM_CLOCK

        self.clock = clock or SYSTEM_CLOCK
        # Both sides' "now" at the start of the run: FSM's database time for local changes, the connector's clock
        # for Books' modified times (the same clock in production; a virtual one in tests).
        self.started_at = (run.started_at if run is not None else None) or timezone.now()
        self.remote_started_at = self.clock.now()
        self.counts: dict[str, dict[str, dict[str, int]]] = {}
        self.refs: Refs | None = None
        self.books_custom_fields: dict[str, tuple] = {}
        self.api_calls = 0
        self._marked: dict[str, set[int]] = {}
        self._open_failures: dict[str, tuple[set[int], set[str]]] = {}
        self._contact_rows: dict[str, list] = {}
        self._last_heartbeat = timezone.now()

    # --- Plumbing used by the module syncs ---

    @property
    def connector(self):
        if self._connector is None:
            from sync.connectors import connector_for

            if self.connection is None:
                raise RunStopped(SyncRun.State.FAILED, "The organization is not connected to a finance organization.")
            self._connector = connector_for(self.connection, transport=self._transport, clock=self._clock)
            http = getattr(self._connector, "_http", None)
            if http is not None:
                http.event_hooks.setdefault("request", []).append(self._count_call)
        return self._connector

    def _count_call(self, request) -> None:
        self.api_calls += 1

    def cursor_for(self, module: str, side: str = "remote") -> dt.datetime | None:
        """Start of the previous completed run for this module; None means read everything (first run, SYN-6)."""
        if self.import_only or module in self.settings.resync_modules:
            return None
        value = (self.settings.cursors.get(module) or {}).get(side)
        return dt.datetime.fromisoformat(value) if value else None

    def policy(self, module: str) -> Policy:
        raw = self.settings.owner_policies.get(module) or {}
        return Policy(module_owner=raw.get("module") or None, field_owners=raw.get("fields") or {})

    def marked_local_ids(self, kind: str) -> set[int]:
        """Records marked for re-sync or left failed by an earlier run (SYN-10)."""
        if kind not in self._marked:
            marked = set(
                SyncLink.objects.filter(
                    organization=self.organization, kind=kind, needs_resync=True, local_id__isnull=False
                ).values_list("local_id", flat=True)
            )
            marked |= set(
                SyncFailure.objects.filter(
                    organization=self.organization, kind=kind, state=SyncFailure.State.OPEN, local_id__isnull=False
                ).values_list("local_id", flat=True)
            )
            self._marked[kind] = marked
        return self._marked[kind]

    def count(self, module: str, direction: str, what: str, n: int = 1) -> None:
        bucket = self.counts.setdefault(module, {}).setdefault(direction, {})
        bucket[what] = bucket.get(what, 0) + n

    def heartbeat(self, module: str) -> None:
        if self.run is None:
            return
        now = timezone.now()
        if now - self._last_heartbeat < dt.timedelta(seconds=2):
            return
        self._last_heartbeat = now
        SyncRun.objects.filter(pk=self.run.pk).update(
            heartbeat_at=now, progress={"module": module, "counts": self.counts}, api_calls=self.api_calls
        )

    def guarded(
        self,
        module: str,
        kind: str,
        direction: str,
        label: str,
        work: Callable[..., None],
        *args: Any,
        local_id: int | None = None,
        remote_id: str | None = "",
    ) -> None:
        """Run one record's work; a record-level failure is logged and the run goes on (SYN-17)."""
        try:
            work(*args)
        except RecordFailure as failure:
            self.fail(module, kind, direction, local_id=local_id, remote_id=remote_id or "", label=label, error=failure)
        except (remote.QuotaExhausted, remote.AuthError, remote.OrganizationGone, remote.TokenRefreshBlocked):
            raise
        except IntegrityError as exc:
            # e.g. a Books item whose SKU another FSM item already uses: that record fails, the run goes on.
            self.fail(
                module,
                kind,
                direction,
                local_id=local_id,
                remote_id=remote_id or "",
                label=label,
                error=RecordFailure(
                    _integrity_reason(exc),
                    "FSM refused the record: it clashes with another.",
                    _integrity_explanation(exc),
                ),
            )
        except remote.FinanceError as exc:
            self.fail(
                module,
                kind,
                direction,
                local_id=local_id,
                remote_id=remote_id or "",
                label=label,
                error=RecordFailure(_reason_code(exc), exc.message, _explain(exc), zoho_code=exc.zoho_code),
            )
        else:
            self._resolve_failures(kind, local_id, remote_id)
        self.heartbeat(module)

    def fail(
        self,
        module: str,
        kind: str,
        direction: str,
        *,
        error: RecordFailure,
        local_id: int | None = None,
        remote_id: str = "",
        label: str = "",
    ) -> None:
        if self.run is None:  # a single push: the caller reports the failure
            raise error
        SyncFailure.objects.create(
            organization=self.organization,
            run=self.run,
            module=module,
            kind=kind,
            direction=direction,
            local_id=local_id,
            remote_id=remote_id or "",
            record_label=(label or "")[:255],
            reason_code=error.reason_code,
            zoho_code=error.zoho_code,
            message=error.message[:2000],
            explanation=error.explanation[:2000],
        )
        # Failures of earlier runs for the same record are superseded by this one.
        if local_id is not None:
            SyncFailure.objects.filter(
                organization=self.organization, kind=kind, local_id=local_id, state=SyncFailure.State.OPEN
            ).exclude(run=self.run).update(state=SyncFailure.State.RESOLVED)
        self.count(module, direction, "failed")

    def _open_failure_keys(self, kind: str) -> tuple[set[int], set[str]]:
        """Local and remote ids with open failures of earlier runs, read once per kind (not once per record)."""
        if kind not in self._open_failures:
            rows = SyncFailure.objects.filter(
                organization=self.organization, kind=kind, state=SyncFailure.State.OPEN
            ).values_list("local_id", "remote_id")
            self._open_failures[kind] = ({lid for lid, _r in rows if lid is not None}, {rid for _l, rid in rows if rid})
        return self._open_failures[kind]

    def _resolve_failures(self, kind: str, local_id: int | None, remote_id: str | None) -> None:
        """A record that went through cleanly closes its open failures of earlier runs."""
        local_ids, remote_ids = self._open_failure_keys(kind)
        if (local_id is None or local_id not in local_ids) and (not remote_id or remote_id not in remote_ids):
            return
        query = SyncFailure.objects.filter(organization=self.organization, kind=kind, state=SyncFailure.State.OPEN)
        query = query.filter(local_id=local_id) if local_id is not None else query.filter(remote_id=remote_id)
        query.exclude(run=self.run).update(state=SyncFailure.State.RESOLVED)

    # --- The link table ---

    def contact_rows(self, changed_since: dt.datetime | None, module: str) -> list:
        """Books contacts changed since then, read once per run and shared by the customer modules."""
        key = changed_since.isoformat() if changed_since else ""
        if key not in self._contact_rows:
            rows: dict[str, Any] = {}
            for page in self.connector.list_contacts(changed_since=changed_since):
                for row in page.items:
                    rows.setdefault(row.contact_id, row)
                self.heartbeat(module)
            self._contact_rows[key] = list(rows.values())
        return self._contact_rows[key]

    def with_links(self, kind: str, records, chunk: int = 500):
        """Pairs (record, its link or None), reading the links 500 records at a time instead of one by one."""
        batch: list = []

        def flush():
            links = {
                link.local_id: link
                for link in SyncLink.objects.filter(
                    organization=self.organization, kind=kind, local_id__in=[r.pk for r in batch]
                )
            }
            pairs = [(record, links.get(record.pk)) for record in batch]
            batch.clear()
            return pairs

        for record in records:
            batch.append(record)
            if len(batch) >= chunk:
                yield from flush()
        if batch:
            yield from flush()

    def link_for_local(self, kind: str, local_id: int) -> SyncLink | None:
        return SyncLink.objects.filter(organization=self.organization, kind=kind, local_id=local_id).first()

    def save_new_link(
        self,
        kind: str,
        local_id: int,
        remote_id: str,
        *,
        base: dict | None,
        parent: str = "",
        extra: dict | None = None,
        remote_modified_at=None,
        local_modified_at=None,
    ) -> SyncLink:
        return SyncLink.objects.create(
            organization=self.organization,
            kind=kind,
            local_id=local_id,
            remote_id=remote_id or "",
            remote_parent_id=parent,
            state=SyncLink.State.LINKED,
            base=base,
            base_hash=_hash(base),
            extra=extra or {},
            remote_modified_at=remote_modified_at,
            local_modified_at=local_modified_at,
            last_run=self.run,
            last_synced_at=timezone.now(),
        )

    def save_link(
        self,
        link: SyncLink,
        *,
        base: dict | None = None,
        extra: dict | None = None,
        remote_modified_at=None,
        local_modified_at=None,
    ) -> None:
        if base is not None:
            link.base = base
            link.base_hash = _hash(base)
        if extra:
            link.extra = {**link.extra, **extra}
        if remote_modified_at is not None:
            link.remote_modified_at = remote_modified_at
        if local_modified_at is not None:
            link.local_modified_at = local_modified_at
        link.state = SyncLink.State.LINKED
        link.needs_resync = False
        link.last_error = ""
        link.last_run = self.run
        link.last_synced_at = timezone.now()
        link.save()

    def begin_remote_create(self, link: SyncLink | None, kind: str, local_id: int, *, match_key: str) -> SyncLink:
        """Record, and commit, that a Books record is about to be created for this FSM record (DESIGN §5)."""
        if link is None:
            link = SyncLink.objects.create(
                organization=self.organization,
                kind=kind,
                local_id=local_id,
                state=SyncLink.State.PENDING_CREATE,
                pending_side="books",
                match_key=match_key,
                last_run=self.run,
            )
        else:
            link.state = SyncLink.State.PENDING_CREATE
            link.pending_side = "books"
            link.match_key = match_key
            link.save(update_fields=["state", "pending_side", "match_key", "updated_at"])
        return link

    def finish_remote_create(
        self,
        link: SyncLink,
        remote_id: str,
        *,
        base: dict | None,
        extra: dict | None = None,
        remote_modified_at=None,
        local_modified_at=None,
    ) -> None:
        link.remote_id = remote_id
        link.pending_side = ""
        self.save_link(
            link, base=base, extra=extra, remote_modified_at=remote_modified_at, local_modified_at=local_modified_at
        )

    @staticmethod
    def abandon_remote_create(link: SyncLink) -> None:
        if not link.remote_id:
            link.delete()

    def report_local_deletions(self, kind: str, model, module: str) -> None:
        """Links whose FSM record was deleted: broken, reported once, never deleted in Books (SYN-12)."""
        orphans = SyncLink.objects.filter(
            organization=self.organization, kind=kind, state=SyncLink.State.LINKED, local_id__isnull=False
        ).exclude(local_id__in=model.objects.filter(organization=self.organization).values("pk"))
        for link in orphans:
            self.mark_broken(link, module, "Deleted in FSM")

    def mark_broken(self, link: SyncLink, module: str, why: str) -> None:
        """Deletes never propagate (SYN-12): the link is marked broken and reported once."""
        if link.state == SyncLink.State.BROKEN and link.broken_reported:
            return
        link.state = SyncLink.State.BROKEN
        link.last_error = why
        link.broken_reported = True
        link.save(update_fields=["state", "last_error", "broken_reported", "updated_at"])
        deleted_in_books = "Books" in why
        self.fail(
            module,
            link.kind,
            "to_fsm" if deleted_in_books else "to_books",
            local_id=link.local_id,
            remote_id=link.remote_id,
            label=f"{link.kind} {link.local_id or link.remote_id}",
            error=RecordFailure(
                "deleted_in_books" if deleted_in_books else "deleted_in_fsm",
                f"{why}; nothing was deleted on the other side.",
                "Re-create the record on the side where it was deleted, or unlink it (Sync Logs → failures).",
            ),
        )

    # --- Phases ---

    def execute(self) -> None:
        self.precheck()
        self.load_reference_data()
        from sync.engine.customers import CustomerSync
        from sync.engine.items import ItemSync

        modules: list[Any] = []
        if self.sync_type in ("I", "III", "IV"):
            modules.append(CustomerSync(self, module="companies"))
        if self.sync_type in ("II", "IV"):
            modules.append(CustomerSync(self, module="contacts"))
        modules.append(ItemSync(self))
        self.resume_pending_creates()
        for module in modules:
            module.run()
            self.heartbeat(module.module if hasattr(module, "module") else "services_and_parts")
        if self.import_only:
            return
        try:
            from invoicing.sync import pull_invoice_updates
        except ImportError:
            pass
        else:
            pull_invoice_updates(self)

    def precheck(self) -> None:
        """The checks that fail a run and disable sync (SYN-15), and those that skip it (SYN-9)."""
        if _import_running(self.organization):
            raise RunStopped(SyncRun.State.SKIPPED, "A data import is running; sync waits for the next slot.")
        if self.connection is None or not self.connection.is_usable:
            reason = self.connection.status_reason if self.connection else "No finance organization is connected."
            raise RunStopped(
                SyncRun.State.FAILED, f"The finance organization cannot be reached: {reason}", disable=True
            )
        try:
            info = self.connector.get_organization(self.connection.finance_org_id)
        except (remote.OrganizationGone, remote.AuthError) as exc:
            raise RunStopped(SyncRun.State.FAILED, _gone_reason(exc), disable=True) from exc
        if not info.is_active:
            raise RunStopped(SyncRun.State.FAILED, "The finance organization is no longer active.", disable=True)
        if self.import_only:
            return  # an import writes nothing to Books: the checks of a two-way sync do not apply
        if info.crm_sync_in_progress:
            raise RunStopped(
                SyncRun.State.SKIPPED,
                "The finance organization's CRM sync is in progress; tried again at the next slot.",
            )
        if info.crm_sync_type and info.crm_sync_type != self.sync_type:
            raise RunStopped(
                SyncRun.State.FAILED,
                f"The finance organization syncs with its CRM as Type {info.crm_sync_type}, but this organization "
                f"uses Type {self.sync_type}. The sync types must match.",
                disable=True,
            )
        fsm_taxes = Tax.objects.filter(organization=self.organization, is_active=True).exists()
        if fsm_taxes != info.is_tax_enabled:
            side = "FSM" if fsm_taxes else "the finance organization"
            raise RunStopped(
                SyncRun.State.FAILED,
                f"Taxes are enabled only in {side}. Enable or disable taxes on both sides so they match.",
                disable=True,
            )
        if self.connection.edition == "invoice":
            for what, counter in (("customers", self.connector.count_customers), ("items", self.connector.count_items)):
                if counter() > INVOICE_EDITION_CAP:
                    raise RunStopped(
                        SyncRun.State.FAILED,
                        f"The Zoho Invoice organization holds more than {INVOICE_EDITION_CAP:,} {what}, the most "
                        "this edition syncs. Move to Zoho Books or reduce them.",
                        disable=True,
                    )

    def load_reference_data(self) -> None:
        currencies = self.connector.list_currencies()
        self.refs = Refs.load(self.organization, books_currencies=currencies)
        for entity in ("contact", "item"):
            try:
                self.books_custom_fields[entity] = tuple(self.connector.list_custom_fields(entity))
            except remote.NotFound:
                self.books_custom_fields[entity] = ()

    def resume_pending_creates(self) -> None:
        """Creates cut short by a crash: adopt the Books record if it is there, else forget the half-made link."""
        pending = SyncLink.objects.filter(
            organization=self.organization, state=SyncLink.State.PENDING_CREATE, pending_side="books", remote_id=""
        )
        for link in pending:
            found = None
            if link.kind in (SyncLink.Kind.COMPANY, SyncLink.Kind.CONTACT) and link.match_key:
                matches = self.connector.find_contacts(contact_name=link.match_key)
                taken = set(
                    SyncLink.objects.filter(
                        organization=self.organization, kind=link.kind, remote_id__in=[m.contact_id for m in matches]
                    ).values_list("remote_id", flat=True)
                )
                found = next((m.contact_id for m in matches if m.contact_id not in taken), None)
            elif link.kind == SyncLink.Kind.ITEM and link.match_key:
                matches = self.connector.find_items(name=link.match_key)
                taken = set(
                    SyncLink.objects.filter(
                        organization=self.organization, kind=link.kind, remote_id__in=[m.item_id for m in matches]
                    ).values_list("remote_id", flat=True)
                )
                found = next((m.item_id for m in matches if m.item_id not in taken), None)
            if found:
                # Adopted without a base: the next plan compares both sides and writes only what differs.
                link.remote_id = found
                link.pending_side = ""
                link.state = SyncLink.State.LINKED
                link.save(update_fields=["remote_id", "pending_side", "state", "updated_at"])
            else:
                link.delete()


def _hash(base: dict | None) -> str:
    from sync.engine.canonical import content_hash

    return content_hash(base) if base is not None else ""


def _integrity_reason(exc: IntegrityError) -> str:
    return "duplicate_sku" if "servicepart_unique_sku" in str(exc) else "conflicts_with_fsm_record"


def _integrity_explanation(exc: IntegrityError) -> str:
    if "servicepart_unique_sku" in str(exc):
        return (
            "Another service or part in FSM already has this SKU. Change the SKU on one side, then retry this record."
        )
    return "Another FSM record already holds a value that must be unique. Correct one of them, then retry."


def _reason_code(exc: remote.FinanceError) -> str:
    return {
        remote.DuplicateName: "duplicate_name",
        remote.CapacityReached: "capacity_reached",
        remote.NotFound: "not_found_in_books",
        remote.ValidationFailed: "refused_by_books",
        remote.ServerError: "books_error",
        remote.TransportError: "books_unreachable",
        remote.RateLimited: "rate_limited",
        remote.ConcurrencyLimited: "rate_limited",
    }.get(type(exc), "books_error")


def _explain(exc: remote.FinanceError) -> str:
    if exc.retryable:
        return "Books could not be reached or was busy; the record is retried at the next run."
    if isinstance(exc, remote.CapacityReached):
        return "The finance organization reached its limit of records. Move to Zoho Books or remove unused records."
    return "Books refused the record as it stands. Correct the field Books names, then retry."


def _gone_reason(exc: remote.FinanceError) -> str:
    if isinstance(exc, remote.OrganizationGone):
        return (
            "The finance organization was deleted, or the connected user no longer belongs to it. Reconnect "
            "in Billing Setup or ask support to switch the finance organization."
        )
    return "Access to the finance organization was revoked or a permission is missing. Reconnect in Billing Setup."


def _import_running(organization: Organization) -> bool:
    try:
        from fsmbilling.models import ImportJob
    except ImportError:
        return False
    return ImportJob.objects.filter(organization=organization, state__in=["pending", "running"]).exists()


# --- Run lifecycle ---------------------------------------------------------------------------------------------------


def claim(run_id: int) -> SyncRun | None:
    """Lock the run row; only a pending run is started. Another worker holding it, or a finished run, gives None."""
    with transaction.atomic():
        run = SyncRun.objects.select_for_update(skip_locked=True).filter(pk=run_id, state=SyncRun.State.PENDING).first()
        if run is None:
            return None
        run.state = SyncRun.State.RUNNING
        run.started_at = timezone.now()
        run.heartbeat_at = run.started_at
        run.save(update_fields=["state", "started_at", "heartbeat_at"])
    return run


def execute_run(run_id: int, *, connector=None, transport=None, clock=None) -> SyncRun | None:
    run = claim(run_id)
    if run is None:
        return None
    engine = Engine(run, connector=connector, transport=transport, clock=clock)
    state, reason, disable = SyncRun.State.SUCCEEDED, "", False
    try:
        engine.execute()
    except RunStopped as stop:
        state, reason, disable = stop.state, stop.reason, stop.disable
    except remote.QuotaExhausted as exc:
        state = SyncRun.State.CUT_SHORT
        reason = (
            "The finance organization's daily API quota ran out; the run stopped cleanly and the next run "
            f"continues where it stopped. ({exc.message})"
        )
    except (remote.OrganizationGone, remote.AuthError) as exc:
        state, reason, disable = SyncRun.State.FAILED, _gone_reason(exc), True
    except remote.FinanceError as exc:
        state = SyncRun.State.FAILED
        reason = f"Books could not be reached ({exc.message}). The next run tries again."
    except Exception as exc:
        logger.exception("Sync run %s crashed", run.pk)
        state, reason = SyncRun.State.FAILED, f"The run stopped on an unexpected error: {exc.__class__.__name__}."
    finish(engine, state=state, reason=reason, disable=disable)
    return SyncRun.objects.get(pk=run.pk)


def finish(engine: Engine, *, state: str, reason: str, disable: bool) -> None:
    run = engine.run
    failed = sum(d.get("failed", 0) for m in engine.counts.values() for d in m.values())
    if state == SyncRun.State.SUCCEEDED and failed:
        state = SyncRun.State.PARTIALLY_FAILED
    now = timezone.now()
    with transaction.atomic():
        settings_row = SyncSettings.objects.select_for_update().get(pk=engine.settings.pk)
        if state in (SyncRun.State.SUCCEEDED, SyncRun.State.PARTIALLY_FAILED) and not engine.import_only:
            # The cursor moves to this run's start for every module it covered (SYN-10).
            cursors = dict(settings_row.cursors)
            for module in ("companies", "contacts", "services_and_parts", "invoices"):
                cursors[module] = {
                    "local": engine.started_at.isoformat(),
                    "remote": engine.remote_started_at.isoformat(),
                }
            settings_row.cursors = cursors
            settings_row.resync_modules = []
        if disable and not engine.import_only:
            settings_row.is_enabled = False
            settings_row.disabled_by_error = True
            settings_row.disabled_reason = reason
            settings_row.disabled_at = now
        settings_row.next_auto_run_at = (
            now + AUTO_INTERVAL if settings_row.auto_sync and settings_row.is_enabled else None
        )
        settings_row.save()
        SyncRun.objects.filter(pk=run.pk).update(
            state=state,
            reason=reason,
            finished_at=now,
            counts=engine.counts,
            api_calls=engine.api_calls,
            progress={"module": None, "counts": engine.counts},
        )
        SyncLink.objects.filter(organization=engine.organization, needs_resync=True, last_run=run).update(
            needs_resync=False
        )
    if disable or state in (SyncRun.State.FAILED, SyncRun.State.PARTIALLY_FAILED):
        transaction.on_commit(lambda: notify_admins(engine.organization, run.pk, state, reason, disabled=disable))


def notify_admins(organization: Organization, run_id: int, state: str, reason: str, *, disabled: bool) -> None:
    """Failed or disabled syncs email the administrators (SYN-22)."""
    recipients = list(
        Membership.objects.filter(organization=organization, is_active=True, role__is_administrator=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    if not recipients:
        return
    subject = f"[fsmbilling] Sync {'disabled' if disabled else state.replace('_', ' ')} for {organization.name}"
    lines = [f"Sync run SR-{run_id:06d} of {organization.name} ended: {state.replace('_', ' ')}."]
    if reason:
        lines.append(f"Why: {reason}")
    if disabled:
        lines.append(
            "Sync is disabled until platform support enables it again. Fix the cause above, then contact "
            "support from Billing Setup."
        )
    else:
        lines.append("Open Billing Setup → Sync Logs to see the failed records and retry or skip them.")
    send_mail(subject, "\n\n".join(lines), None, recipients, fail_silently=True)
