"""Writes of the sync app: enable sync, Sync Now, schedule, support actions, retry and skip (SYN-1, SYN-8, SYN-9)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from fsmbilling.models import Organization
from sync.engine_models import ManualRunDay, SyncFailure, SyncLink, SyncRun, SyncSettings

MANUAL_RUNS_PER_DAY = 30
STALE_RUN_AFTER = dt.timedelta(minutes=15)


class SyncRefused(Exception):
    """A refused sync action: ``code`` for the API, ``message`` says why and what to do."""

    def __init__(self, code: str, message: str, *, status: int = 409, retry_after: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.retry_after = retry_after


def settings_for(organization: Organization) -> SyncSettings:
    row, _created = SyncSettings.objects.get_or_create(organization=organization)
    return row


def local_today(organization: Organization, now: dt.datetime | None = None) -> dt.date:
    try:
        zone = zoneinfo.ZoneInfo(organization.time_zone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = dt.UTC
    return (now or timezone.now()).astimezone(zone).date()


def seconds_to_local_midnight(organization: Organization, now: dt.datetime | None = None) -> int:
    try:
        zone = zoneinfo.ZoneInfo(organization.time_zone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = dt.UTC
    local = (now or timezone.now()).astimezone(zone)
    midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    return max(1, int((midnight - local).total_seconds()))


def manual_runs_left(organization: Organization) -> int:
    used = (
        ManualRunDay.objects.filter(organization=organization, day=local_today(organization))
        .values_list("count", flat=True)
        .first()
        or 0
    )
    return max(0, MANUAL_RUNS_PER_DAY - used)


def active_run(organization: Organization) -> SyncRun | None:
    return SyncRun.objects.filter(organization=organization, state__in=SyncRun.ACTIVE_STATES).first()


def _check_can_run(organization: Organization, row: SyncSettings) -> None:
    from sync.engine.run import _import_running
    from sync.models import FinanceConnection

    if row.disabled_by_error:
        raise SyncRefused(
            "sync_disabled",
            f"Sync was disabled by an error: {row.disabled_reason} Only platform "
            "support can enable it again, once the cause is fixed.",
        )
    if not row.is_enabled:
        raise SyncRefused("sync_not_enabled", "Sync is not enabled. Enable it in Billing Setup → Integration.")
    connection = FinanceConnection.objects.filter(organization=organization).first()
    if connection is None or not connection.is_usable:
        raise SyncRefused(
            "finance_unavailable",
            "The finance organization is not connected or cannot be reached. Reconnect it in Billing Setup.",
        )
    if _import_running(organization):
        raise SyncRefused("import_running", "A data import is running. Sync can start when it has finished.")


def _create_run(organization: Organization, *, trigger: str, actor=None) -> SyncRun:
    try:
        with transaction.atomic():
            run = SyncRun.objects.create(organization=organization, trigger=trigger, requested_by=actor)
    except IntegrityError as exc:  # another run is pending or running: one per organization (SYN-9)
        raise SyncRefused(
            "run_in_progress",
            "A sync run is already in progress for this organization. Wait for it "
            "to finish; its progress is in Sync Logs.",
        ) from exc
    transaction.on_commit(lambda: enqueue_run(run.pk))
    return run


def enqueue_run(run_id: int) -> None:
    from django_q.tasks import async_task

    async_task("sync.tasks.run_sync", run_id, task_name=f"sync-run-{run_id}", group="sync")


@transaction.atomic
def sync_now(*, organization: Organization, actor) -> SyncRun:
    """Start a manual run: at most 30 per organization per local calendar day (SYN-8), one at a time (SYN-9)."""
    row = settings_for(organization)
    _check_can_run(organization, row)
    day = local_today(organization)
    try:
        with transaction.atomic():
            counter, _created = ManualRunDay.objects.get_or_create(organization=organization, day=day)
    except IntegrityError:
        counter = ManualRunDay.objects.get(organization=organization, day=day)
    counter = ManualRunDay.objects.select_for_update().get(pk=counter.pk)
    if counter.count >= MANUAL_RUNS_PER_DAY:
        raise SyncRefused(
            "manual_run_limit",
            f"The {MANUAL_RUNS_PER_DAY} manual runs of today are used up. Automatic sync goes on; Sync Now is "
            "available again after midnight in the organization's time zone.",
            status=429,
            retry_after=seconds_to_local_midnight(organization),
        )
    if active_run(organization) is not None:
        raise SyncRefused(
            "run_in_progress",
            "A sync run is already in progress for this organization. Wait for it "
            "to finish; its progress is in Sync Logs.",
        )
    run = _create_run(organization, trigger=SyncRun.Trigger.MANUAL, actor=actor)
    counter.count += 1
    counter.save(update_fields=["count"])
    return run


@transaction.atomic
def sync_enable(*, organization: Organization, actor, duplicate_handling: str, auto_sync: bool = True) -> SyncRun:
    """Save and Enable (SYN-1): a one-time switch, refused while an import runs; starts the first run."""
    from sync.engine.run import _import_running

    row = SyncSettings.objects.select_for_update().get(pk=settings_for(organization).pk)
    if row.is_enabled:
        raise SyncRefused("already_enabled", "Sync is already enabled.")
    if row.disabled_by_error:
        raise SyncRefused(
            "sync_disabled",
            f"Sync was disabled by an error: {row.disabled_reason} Only platform support can enable it again.",
        )
    if _import_running(organization):
        raise SyncRefused("import_running", "A data import is running. Enable sync when it has finished.")
    if duplicate_handling not in SyncSettings.Duplicates.values:
        raise ValidationError({"duplicate_handling": ["Choose clone or overwrite."]})
    row.duplicate_handling = duplicate_handling
    row.auto_sync = auto_sync
    row.is_enabled = True
    row.enabled_at = timezone.now()
    row.enabled_by = actor
    row.save()
    return _create_run(organization, trigger=SyncRun.Trigger.FIRST, actor=actor)


@transaction.atomic
def import_from_books(*, organization: Organization, actor) -> SyncRun:
    """Import Books customers and items once, while sync is not enabled (SYN-20). Imported records are linked, so
    enabling sync later duplicates nothing. Runs as a background job with progress and a result log (a run row)."""
    from sync.engine.run import _import_running
    from sync.models import FinanceConnection

    row = settings_for(organization)
    if row.is_enabled:
        raise SyncRefused(
            "sync_enabled",
            "Sync is enabled, so Books records already come in at every run. Import "
            "from Books is for organizations that have not enabled sync.",
        )
    connection = FinanceConnection.objects.filter(organization=organization).first()
    if connection is None or not connection.is_usable:
        raise SyncRefused("finance_unavailable", "Connect a finance organization in Billing Setup first.")
    if _import_running(organization):
        raise SyncRefused("import_running", "A data import is running. Import from Books when it has finished.")
    return _create_run(organization, trigger=SyncRun.Trigger.IMPORT, actor=actor)


@transaction.atomic
def sync_support_enable(*, organization: Organization, actor, note: str) -> SyncSettings:
    """Platform support re-enables a sync that an error disabled (SYN-15), with a note of what was fixed."""
    if not getattr(actor, "is_staff", False):
        raise SyncRefused("support_only", "Only platform support can enable a sync that an error disabled.", status=403)
    if not note.strip():
        raise ValidationError({"note": ["Say what was fixed."]})
    row = SyncSettings.objects.select_for_update().get(pk=settings_for(organization).pk)
    row.disabled_by_error = False
    row.disabled_reason = ""
    row.is_enabled = True
    row.next_auto_run_at = timezone.now()
    row.save()
    from sync.engine_models import SupportNote

    SupportNote.objects.create(organization=organization, author=actor, action="re-enable sync", note=note.strip())
    return row


def sync_auto_set(*, organization: Organization, actor, enabled: bool) -> SyncSettings:
    row = settings_for(organization)
    row.auto_sync = enabled
    row.next_auto_run_at = timezone.now() + dt.timedelta(hours=3) if enabled and row.is_enabled else None
    row.save(update_fields=["auto_sync", "next_auto_run_at", "updated_at"])
    return row


def failure_retry(*, organization: Organization, failure_ids: list[int], actor) -> int:
    """Mark failed records for the next run (they are taken again whatever their modified time)."""
    failures = SyncFailure.objects.filter(organization=organization, pk__in=failure_ids, state=SyncFailure.State.OPEN)
    for failure in failures:
        SyncLink.objects.filter(organization=organization, kind=failure.kind, local_id=failure.local_id).update(
            needs_resync=True
        )
    return failures.count()


def failure_skip(*, organization: Organization, failure_ids: list[int], actor) -> int:
    return SyncFailure.objects.filter(
        organization=organization, pk__in=failure_ids, state=SyncFailure.State.OPEN
    ).update(state=SyncFailure.State.SKIPPED)


def dispatch_automatic_runs(now: dt.datetime | None = None) -> list[int]:
    """Every minute: end runs whose worker died, and start the automatic runs that are due (SYN-8)."""
    now = now or timezone.now()
    stale = SyncRun.objects.filter(state=SyncRun.State.RUNNING, heartbeat_at__lt=now - STALE_RUN_AFTER)
    stale.update(
        state=SyncRun.State.CUT_SHORT,
        finished_at=now,
        reason="The worker stopped answering; the next run continues where this one stopped.",
    )
    SyncRun.objects.filter(state=SyncRun.State.PENDING, created_at__lt=now - STALE_RUN_AFTER).update(
        state=SyncRun.State.SKIPPED, finished_at=now, reason="No worker picked the run up in time; it was dropped."
    )
    started = []
    due = SyncSettings.objects.filter(
        is_enabled=True, auto_sync=True, disabled_by_error=False, next_auto_run_at__lte=now
    ).select_related("organization")
    for row in due:
        connection = getattr(row.organization, "finance_connection", None)
        if connection is None or connection.sync_paused:
            continue
        try:
            with transaction.atomic():
                run = _create_run(row.organization, trigger=SyncRun.Trigger.AUTOMATIC)
                SyncSettings.objects.filter(pk=row.pk).update(next_auto_run_at=None)
        except SyncRefused:
            continue
        started.append(run.pk)
    return started


# --- Sync pages and API (settings, enable wizard, broken links) ---------------------------------------------------

OWNER_SIDES = ("fsm", "books")


def owner_policies_clean(*, organization: Organization, policies) -> dict:
    """Validate owner sides per module and per field (SYN-11); fields must be mapped Books fields of the module."""
    from sync.engine.mapping import mapping_for

    if not isinstance(policies, dict):
        raise ValidationError({"owner_policies": ["Send an object keyed by module."]})
    errors: list[str] = []
    cleaned: dict[str, dict] = {}
    modules = {"companies", "contacts", "services_and_parts"}
    for module, raw in policies.items():
        if module not in modules:
            errors.append(f"{module} is not a synced module (companies, contacts, services_and_parts).")
            continue
        if not isinstance(raw, dict):
            errors.append(f"{module}: send {{'module': 'fsm'|'books'|null, 'fields': {{books_field: side}}}}.")
            continue
        side = raw.get("module") or None
        if side is not None and side not in OWNER_SIDES:
            errors.append(f"{module}: the owner side is fsm, books or empty (the later change wins).")
            continue
        mapped = {books for _fsm, books in mapping_for(organization, module)}
        fields: dict[str, str] = {}
        raw_fields = raw.get("fields") or {}
        if not isinstance(raw_fields, dict):
            errors.append(f"{module}: fields must be an object of Books field → side.")
            continue
        for name, field_side in raw_fields.items():
            if not field_side:
                continue
            if name not in mapped:
                errors.append(f"{module}: {name} is not a mapped Books field of this module.")
            elif field_side not in OWNER_SIDES:
                errors.append(f"{module}: {name}: the owner side is fsm or books.")
            else:
                fields[name] = field_side
        if side or fields:
            cleaned[module] = {"module": side, "fields": fields}
    if errors:
        raise ValidationError({"owner_policies": errors})
    return cleaned


@transaction.atomic
def sync_settings_update(
    *,
    organization: Organization,
    actor,
    duplicate_handling: str | None = None,
    auto_sync: bool | None = None,
    owner_policies: dict | None = None,
) -> SyncSettings:
    """Change what Sync Settings may change at any time. The sync type is fixed once sync is enabled."""
    row = SyncSettings.objects.select_for_update().get(pk=settings_for(organization).pk)
    if duplicate_handling is not None:
        if duplicate_handling not in SyncSettings.Duplicates.values:
            raise ValidationError({"duplicate_handling": ["Choose clone or overwrite."]})
        row.duplicate_handling = duplicate_handling
    if owner_policies is not None:
        row.owner_policies = owner_policies_clean(organization=organization, policies=owner_policies)
    row.save()
    if auto_sync is not None and auto_sync != row.auto_sync:
        row = sync_auto_set(organization=organization, actor=actor, enabled=auto_sync)
    return row


@transaction.atomic
def sync_enable_with_setup(
    *,
    organization: Organization,
    actor,
    duplicate_handling: str,
    auto_sync: bool = True,
    mappings: dict[str, list[tuple[str, str]]] | None = None,
    books_custom_fields: dict[str, tuple] | None = None,
) -> SyncRun:
    """The last step of the Enable Sync wizard (SYN-1): save the mappings, turn the match review's link decisions
    into links, and enable (which starts the first run). All or nothing."""
    from sync.engine.mapping import mapping_save
    from sync.match_review import decisions_apply

    row = settings_for(organization)
    if row.is_enabled:
        raise SyncRefused("already_enabled", "Sync is already enabled; change settings in Sync Settings.")
    for module, pairs in (mappings or {}).items():
        mapping_save(
            organization=organization,
            module=module,
            pairs=list(pairs),
            books_custom_fields=(books_custom_fields or {}).get(module, ()),
            mark_resync=False,  # the first run takes every record anyway
        )
    run = sync_enable(
        organization=organization, actor=actor, duplicate_handling=duplicate_handling, auto_sync=auto_sync
    )
    decisions_apply(organization=organization)
    return run


def _module_of_kind(kind: str) -> str:
    return {
        SyncLink.Kind.COMPANY: "companies",
        SyncLink.Kind.CONTACT: "contacts",
        SyncLink.Kind.CONTACT_PERSON: "companies",  # contact persons are synced with their company
        SyncLink.Kind.ITEM: "services_and_parts",
    }.get(kind, "")


@transaction.atomic
def broken_link_recreate(*, organization: Organization, link_ids: list[int], actor) -> int:
    """Re-create (SYN-12): forget a broken pairing and take its module in full at the next run, so the record that
    still exists is created again on the side where it was deleted (or linked to a record with the same key)."""
    links = list(
        SyncLink.objects.select_for_update().filter(
            organization=organization, pk__in=link_ids, state=SyncLink.State.BROKEN
        )
    )
    modules = {_module_of_kind(link.kind) for link in links} - {""}
    for link in links:
        SyncFailure.objects.filter(
            organization=organization,
            kind=link.kind,
            state=SyncFailure.State.OPEN,
            reason_code__in=["deleted_in_books", "deleted_in_fsm"],
        ).filter(_failure_of(link)).update(state=SyncFailure.State.RESOLVED)
        if link.kind == SyncLink.Kind.CONTACT_PERSON and link.remote_parent_id:
            SyncLink.objects.filter(
                organization=organization, kind=SyncLink.Kind.COMPANY, remote_id=link.remote_parent_id
            ).update(needs_resync=True)
    SyncLink.objects.filter(pk__in=[link.pk for link in links]).delete()
    if modules:
        row = SyncSettings.objects.select_for_update().get(pk=settings_for(organization).pk)
        row.resync_modules = [*row.resync_modules, *sorted(modules - set(row.resync_modules))]
        row.save(update_fields=["resync_modules", "updated_at"])
    return len(links)


@transaction.atomic
def broken_link_unlink(*, organization: Organization, link_ids: list[int], actor) -> int:
    """Unlink (SYN-12): forget a broken pairing; the record that still exists stays as it is."""
    links = list(SyncLink.objects.filter(organization=organization, pk__in=link_ids, state=SyncLink.State.BROKEN))
    for link in links:
        SyncFailure.objects.filter(
            organization=organization,
            kind=link.kind,
            state=SyncFailure.State.OPEN,
            reason_code__in=["deleted_in_books", "deleted_in_fsm"],
        ).filter(_failure_of(link)).update(state=SyncFailure.State.SKIPPED)
    return SyncLink.objects.filter(pk__in=[link.pk for link in links]).delete()[0]


def _failure_of(link: SyncLink):
    from django.db.models import Q

    query = Q(pk__in=[])
    if link.local_id is not None:
        query |= Q(local_id=link.local_id)
    if link.remote_id:
        query |= Q(remote_id=link.remote_id)
    return query
