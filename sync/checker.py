"""Compares FSM and Books field by field (the convergence checker of REL-2), through the connector only.

Used by tests and by ``manage.py sync_check --org SLUG``. It reports, per module: linked pairs whose mapped content
differs, active records linked on one side only, Books customers or items linked twice, and FSM records with
duplicate links.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from fsmbilling.models import Company, Contact, ServicePart, Status
from sync.engine.adapters import Refs
from sync.engine.customers import (
    IndividualView,
    adapter_for,
    effective_primary_id,
    person_fields,
    remote_person_fields,
)
from sync.engine.items import ItemSync
from sync.engine_models import SyncLink, SyncSettings


@dataclass
class Report:
    differences: list[str] = field(default_factory=list)
    unlinked_fsm: list[str] = field(default_factory=list)
    unlinked_books: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    compared: int = 0

    @property
    def ok(self) -> bool:
        return not (self.differences or self.unlinked_fsm or self.unlinked_books or self.duplicates)

    def lines(self) -> list[str]:
        out = [f"compared {self.compared} linked records"]
        for title, rows in (
            ("different", self.differences),
            ("only in FSM", self.unlinked_fsm),
            ("only in Books", self.unlinked_books),
            ("duplicates", self.duplicates),
        ):
            out += [f"{title}: {row}" for row in rows]
        return out


class _EngineView:
    """Just enough of the engine for the adapters: organization, custom field definitions, reference data."""

    def __init__(self, organization, connector):
        self.organization = organization
        self.connector = connector
        self.books_custom_fields = {e: tuple(_safe(connector.list_custom_fields, e)) for e in ("contact", "item")}
        self.refs = Refs.load(organization, books_currencies=connector.list_currencies())
        self.sync_type = SyncSettings.objects.get(organization=organization).sync_type
        self.duplicates = "overwrite"


def _safe(fn, *args):
    try:
        return fn(*args)
    except Exception:  # noqa: BLE001 - an endpoint the service lacks means "none"
        return ()


def check(organization, connector) -> Report:
    view = _EngineView(organization, connector)
    report = Report()
    customers = {}
    for page in connector.list_contacts():
        for row in page.items:
            if (row.contact_type or "customer") == "customer":
                customers[row.contact_id] = row
    links = list(SyncLink.objects.filter(organization=organization))
    by_kind: dict[str, dict[int, SyncLink]] = {}
    for link in links:
        if link.local_id is not None:
            by_kind.setdefault(link.kind, {})[link.local_id] = link
    remote_counts = Counter((link.kind, link.remote_id) for link in links if link.remote_id)
    report.duplicates += [f"{kind} {rid} linked {n} times" for (kind, rid), n in remote_counts.items() if n > 1]

    modules = []
    if view.sync_type in ("I", "III", "IV"):
        modules.append(("companies", SyncLink.Kind.COMPANY, Company, "business"))
    if view.sync_type in ("II", "IV"):
        modules.append(("contacts", SyncLink.Kind.CONTACT, Contact, "individual"))
    linked_remote = {link.remote_id for link in links if link.remote_id}
    for module, kind, model, sub_type in modules:
        adapter = adapter_for(view, module, kind, model)
        queryset = model.objects.filter(organization=organization, status=Status.ACTIVE)
        if model is Contact and view.sync_type == "IV":
            queryset = queryset.filter(company__isnull=True)
        for record in queryset:
            link = by_kind.get(kind, {}).get(record.pk)
            if link is None or not link.remote_id:
                report.unlinked_fsm.append(f"{module}: {record}")
                continue
            full = connector.get_contact(link.remote_id)
            remote_view = full if sub_type == "business" else IndividualView(full)
            local_c = adapter.local_canonical(record, view.refs)
            remote_c = adapter.remote_canonical(remote_view)
            report.compared += 1
            for name in sorted(set(local_c) | set(remote_c)):
                if local_c.get(name) != remote_c.get(name):
                    report.differences.append(
                        f"{module} {record}: {name}: FSM {local_c.get(name)!r} ≠ Books {remote_c.get(name)!r}"
                    )
            if module == "companies" and view.sync_type in ("III", "IV"):
                _check_persons(report, record, full, by_kind.get(SyncLink.Kind.CONTACT_PERSON, {}))
        for remote_id, row in customers.items():
            if (
                (row.customer_sub_type or "business") == sub_type
                and (row.status or "active") == "active"
                and remote_id not in linked_remote
            ):
                report.unlinked_books.append(f"{module}: {row.contact_name}")
    items = ItemSync(view)
    remote_items = {}
    for page in connector.list_items():
        for item in page.items:
            remote_items[item.item_id] = item
    for record in ServicePart.objects.filter(organization=organization, status=Status.ACTIVE):
        link = by_kind.get(SyncLink.Kind.ITEM, {}).get(record.pk)
        if link is None or not link.remote_id:
            report.unlinked_fsm.append(f"services_and_parts: {record}")
            continue
        if link.remote_id not in remote_items:
            report.differences.append(f"item {record}: linked Books item {link.remote_id} is gone")
            continue
        local_c = items.adapter.local_canonical(record, view.refs)
        remote_c = items.adapter.remote_canonical(connector.get_item(link.remote_id))
        report.compared += 1
        for name in sorted(set(local_c) | set(remote_c)):
            if local_c.get(name) != remote_c.get(name):
                report.differences.append(
                    f"item {record}: {name}: FSM {local_c.get(name)!r} ≠ Books {remote_c.get(name)!r}"
                )
    for remote_id, item in remote_items.items():
        if (item.status or "active") == "active" and remote_id not in linked_remote:
            report.unlinked_books.append(f"services_and_parts: {item.name}")
    return report


def _check_persons(report: Report, company, full, person_links: dict[int, SyncLink]) -> None:
    persons = {p.contact_person_id: p for p in full.contact_persons}
    contacts = list(company.contacts.filter(status=Status.ACTIVE))
    for contact in contacts:
        link = person_links.get(contact.pk)
        person = persons.get(link.remote_id) if link else None
        if person is None:
            report.unlinked_fsm.append(f"contact person: {contact}")
            continue
        local = person_fields(contact)
        local["is_primary"] = contact.pk == effective_primary_id(contacts)
        remote = remote_person_fields(person)
        for name in local:
            if local[name] != remote[name]:
                report.differences.append(f"person {contact}: {name}: FSM {local[name]!r} ≠ Books {remote[name]!r}")
    linked = {link.remote_id for link in person_links.values()}
    for person_id, person in persons.items():
        if person_id not in linked:
            report.unlinked_books.append(f"contact person: {person.first_name} {person.last_name} of {company}")
