"""Services and parts ↔ Books items (SYN-2: service → service item, part → goods)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q

from fsmbilling.models import ServicePart, Status
from sync.connectors import base as remote
from sync.engine import canonical as c
from sync.engine.adapters import Adapter, RecordFailure, apply_local, remote_fields
from sync.engine.customers import match_decisions
from sync.engine.mapping import kind_of, mapping_for
from sync.engine.planner import plan
from sync.engine_models import SyncLink

if TYPE_CHECKING:
    from sync.engine.run import Engine

MODULE = "services_and_parts"
DETAILS_BATCH = 100


class ItemSync:
    def __init__(self, engine: Engine):
        self.engine = engine
        custom = engine.books_custom_fields.get("item", ())
        pairs = mapping_for(engine.organization, MODULE)
        self.adapter = Adapter(
            kind=SyncLink.Kind.ITEM,
            module=MODULE,
            model=ServicePart,
            mapping=[(fsm, books, kind_of(MODULE, books, custom)) for fsm, books in pairs],
        )

    def run(self) -> None:
        engine = self.engine
        engine.report_local_deletions(SyncLink.Kind.ITEM, ServicePart, MODULE)
        local_since = engine.cursor_for(MODULE, "local")
        # Items have no change filter: every run reads the whole list and compares (zoho-books-v3.md §12.5).
        rows: dict[str, remote.Item] = {}
        for page in engine.connector.list_items():
            for row in page.items:
                rows.setdefault(row.item_id, row)
            engine.heartbeat(MODULE)
        # Only what the comparison needs; the few changed links load the rest when they are used.
        links = {
            each.remote_id: each
            for each in SyncLink.objects.filter(organization=engine.organization, kind=SyncLink.Kind.ITEM)
            .exclude(remote_id="")
            .only("id", "organization_id", "kind", "remote_id", "local_id", "state", "remote_modified_at")
        }
        changed = [
            item_id
            for item_id, row in rows.items()
            if item_id not in links
            or links[item_id].remote_modified_at is None
            or (row.last_modified_time and row.last_modified_time > links[item_id].remote_modified_at)
        ]
        full: dict[str, remote.Item] = {}
        for start in range(0, len(changed), DETAILS_BATCH):
            for item in engine.connector.get_item_details(changed[start : start + DETAILS_BATCH]):
                full[item.item_id] = item
        # A linked item missing from the whole list was deleted in Books (SYN-12).
        for remote_id, link in links.items():
            if remote_id not in rows and link.state == SyncLink.State.LINKED:
                engine.mark_broken(link, MODULE, "Deleted in Books")

        by_name: dict[str, list[ServicePart]] = {}
        linked_local = SyncLink.objects.filter(
            organization=engine.organization, kind=SyncLink.Kind.ITEM, local_id__isnull=False
        ).values("local_id")
        # Match review decisions (SYN-7): "skip" keeps both records out of sync; "create" never links by name.
        decisions = match_decisions(engine.organization, SyncLink.Kind.ITEM)
        skipped_local = {d.local_id for d in decisions.values() if d.action == "skip"}
        skipped_remote = {d.remote_id for d in decisions.values() if d.action == "skip" and d.remote_id}
        if engine.duplicates == "overwrite":
            for part in (
                ServicePart.objects.filter(organization=engine.organization, status=Status.ACTIVE)
                .exclude(pk__in=linked_local)
                .exclude(pk__in=list(decisions))
            ):
                by_name.setdefault(c.match_key(part.name), []).append(part)
        processed: set[int] = set()
        for remote_id, item in full.items():
            link = links.get(remote_id)
            if link is None and remote_id in skipped_remote:
                continue
            local = None
            if link is not None and link.local_id:
                local = ServicePart.objects.filter(organization=engine.organization, pk=link.local_id).first()
            elif link is None:
                candidates = sorted(by_name.pop(c.match_key(item.name), []), key=lambda p: p.updated_at, reverse=True)
                if candidates and (item.status or "active") == "active":
                    local = candidates[0]
                    link = engine.save_new_link(SyncLink.Kind.ITEM, local.pk, remote_id, base=None)
                    for duplicate in candidates[1:]:
                        engine.fail(
                            MODULE,
                            SyncLink.Kind.ITEM,
                            "to_books",
                            local_id=duplicate.pk,
                            label=duplicate.name,
                            error=RecordFailure(
                                "duplicate",
                                "Another service or part with this name was linked.",
                                "Rename or merge the duplicates. Nothing was deleted.",
                            ),
                        )
            if local is not None:
                processed.add(local.pk)
            engine.guarded(
                MODULE,
                SyncLink.Kind.ITEM,
                "to_fsm",
                item.name,
                self.sync_pair,
                link,
                local,
                item,
                local_id=local.pk if local else None,
                remote_id=remote_id,
            )

        if engine.import_only:
            return
        candidates = ServicePart.objects.filter(organization=engine.organization, status=Status.ACTIVE).exclude(
            pk__in=processed
        )
        if local_since is not None:
            candidates = candidates.filter(Q(updated_at__gte=local_since) | Q(pk__in=engine.marked_local_ids("item")))
        for local, link in engine.with_links(SyncLink.Kind.ITEM, candidates.order_by("pk").iterator(chunk_size=500)):
            if link is None and local.pk in skipped_local:
                continue
            engine.guarded(
                MODULE,
                SyncLink.Kind.ITEM,
                "to_books",
                local.name,
                self.sync_pair,
                link,
                local,
                None,
                local_id=local.pk,
                remote_id=link.remote_id if link else "",
            )

    def sync_pair(self, link: SyncLink | None, local: ServicePart | None, item: remote.Item | None) -> None:
        engine = self.engine
        if link is not None and link.state == SyncLink.State.BROKEN:
            return
        if local is None and link is not None and link.local_id:
            engine.mark_broken(link, MODULE, "Deleted in FSM")
            return
        if item is not None and (item.status or "active") != "active":
            if local is not None and local.status == Status.ACTIVE:
                with transaction.atomic():
                    local.status = Status.INACTIVE
                    local.updated_by = None
                    local.save(update_fields=["status", "updated_at", "updated_by"])
                    engine.save_link(
                        link, local_modified_at=local.updated_at, remote_modified_at=item.last_modified_time
                    )
                engine.count(MODULE, "to_fsm", "updated")
            return
        if local is not None and local.status != Status.ACTIVE:
            return
        if local is None:
            self.create_local(item, link)
            return
        if engine.import_only:
            return
        if link is None or not link.remote_id:
            self.create_remote(local, link)
            return
        local_c = self.adapter.local_canonical(local, engine.refs)
        remote_c = self.adapter.remote_canonical(item) if item is not None else dict(link.base or {})
        remote_modified = item.last_modified_time if item is not None else link.remote_modified_at
        result = plan(
            link.base,
            local_c,
            remote_c,
            local_modified=local.updated_at,
            remote_modified=remote_modified,
            policy=engine.policy(MODULE),
        )
        if result.write_remote:
            kwargs = remote_fields(result.write_remote, self.adapter.mapping, engine.refs)
            kwargs.setdefault("name", local.name)
            try:
                updated = engine.connector.update_item(link.remote_id, remote.Item(**kwargs))
            except remote.NotFound:
                engine.mark_broken(link, MODULE, "Deleted in Books")
                raise RecordFailure(
                    "deleted_in_books",
                    "The item was deleted in Books.",
                    "Re-create it from the failure list, or unlink it.",
                ) from None
            remote_modified = updated.last_modified_time or remote_modified
            engine.count(MODULE, "to_books", "updated")
        with transaction.atomic():
            if result.write_local:
                apply_local(local, result.write_local, self.adapter.mapping, engine.refs)
                self._save_local(local)
                engine.count(MODULE, "to_fsm", "updated")
            engine.save_link(
                link, base=result.merged, local_modified_at=local.updated_at, remote_modified_at=remote_modified
            )
        if result.is_noop:
            engine.count(MODULE, "to_books", "unchanged")

    @staticmethod
    def _save_local(record: ServicePart) -> None:
        record.updated_by = None
        record.full_clean(
            exclude=["organization", "created_by", "updated_by"], validate_unique=False, validate_constraints=False
        )
        record.save()

    def create_remote(self, local: ServicePart, link: SyncLink | None) -> None:
        engine = self.engine
        local_c = self.adapter.local_canonical(local, engine.refs)
        kwargs = remote_fields(local_c, self.adapter.mapping, engine.refs)
        kwargs["name"] = local.name
        kwargs.setdefault("rate", local.rate)
        link = engine.begin_remote_create(link, SyncLink.Kind.ITEM, local.pk, match_key=c.match_key(local.name))
        try:
            created = engine.connector.create_item(
                remote.Item(**kwargs), lookup_key=remote.LookupKey("name", local.name)
            )
        except (remote.ValidationFailed, remote.CapacityReached):
            engine.abandon_remote_create(link)
            raise
        engine.finish_remote_create(
            link,
            created.item_id,
            base=local_c,
            remote_modified_at=created.last_modified_time,
            local_modified_at=local.updated_at,
        )
        engine.count(MODULE, "to_books", "created")

    def create_local(self, item: remote.Item, link: SyncLink | None) -> None:
        engine = self.engine
        remote_c = self.adapter.remote_canonical(item)
        with transaction.atomic():
            record = ServicePart(organization=engine.organization, name=c.text(item.name)[:200])
            apply_local(record, remote_c, self.adapter.mapping, engine.refs)
            self._save_local(record)
            if link is None:
                engine.save_new_link(
                    SyncLink.Kind.ITEM,
                    record.pk,
                    item.item_id,
                    base=remote_c,
                    remote_modified_at=item.last_modified_time,
                    local_modified_at=record.updated_at,
                )
            else:
                link.local_id = record.pk
                engine.save_link(
                    link, base=remote_c, remote_modified_at=item.last_modified_time, local_modified_at=record.updated_at
                )
        engine.count(MODULE, "to_fsm", "created")
