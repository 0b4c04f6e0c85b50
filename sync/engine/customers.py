"""Companies and contacts ↔ Books customers and contact persons, by sync type (SYN-3, SYN-4, SYN-7, SYN-12, SYN-13)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q

from fsmbilling.models import Company, Contact, Status
from sync.connectors import base as remote
from sync.engine import canonical as c
from sync.engine.adapters import (
    Adapter,
    RecordFailure,
    apply_local,
    full_name,
    person_dataclass,
    person_fields,
    remote_fields,
    remote_person_fields,
)
from sync.engine.mapping import kind_of, mapping_for
from sync.engine.planner import plan
from sync.engine_models import SyncLink

if TYPE_CHECKING:
    from sync.engine.run import Engine

PERSON_FIELDS = ("first_name", "last_name", "email", "phone", "mobile", "is_primary")
INDIVIDUAL_PERSON_FIELDS = ("first_name", "last_name", "email", "phone", "mobile")


@dataclasses.dataclass(frozen=True)
class IndividualView:
    """An individual customer seen through its primary contact person (Books keeps the names there)."""

    customer: remote.Customer

    def __getattr__(self, name: str) -> Any:
        person = self.primary
        if name in ("first_name", "last_name", "mobile") or (name in ("email", "phone") and person is not None):
            value = getattr(person, name, None) if person is not None else None
            if value is None and name in ("email", "phone", "mobile"):
                value = getattr(self.customer, name, None)
            return value
        return getattr(self.customer, name)

    @property
    def primary(self) -> remote.ContactPerson | None:
        persons = self.customer.contact_persons
        return next((p for p in persons if p.is_primary_contact), persons[0] if persons else None)


def adapter_for(engine: Engine, module: str, kind: str, model) -> Adapter:
    custom = engine.books_custom_fields.get("contact", ())
    pairs = mapping_for(engine.organization, module)
    mapping = [(fsm, books, kind_of(module, books, custom)) for fsm, books in pairs]
    return Adapter(kind=kind, module=module, model=model, mapping=mapping)


class CustomerSync:
    """One module pair of customers: ``companies`` (Business) or ``contacts`` (Individual)."""

    def __init__(self, engine: Engine, *, module: str):
        self.engine = engine
        self.module = module
        self.kind = SyncLink.Kind.COMPANY if module == "companies" else SyncLink.Kind.CONTACT
        self.sub_type = "business" if module == "companies" else "individual"
        self.model = Company if module == "companies" else Contact
        self.adapter = adapter_for(engine, module, self.kind, self.model)
        self.with_persons = module == "companies" and engine.sync_type in ("III", "IV")
        # Books keeps a customer's email and phones on its primary contact person. When FSM's contacts are not synced
        # as persons (individuals, or companies in type I), the record's own email and phones go to that person.
        self.person_held = not self.with_persons

    # --- Which local records take part -----------------------------------------------------------------------------

    def local_scope(self):
        queryset = self.model.objects.filter(organization=self.engine.organization)
        if self.model is Contact:
            if self.engine.sync_type == "IV":
                queryset = queryset.filter(company__isnull=True)
        else:
            queryset = queryset.select_related("currency", "payment_term")
        return queryset

    def local_key(self, record) -> str:
        if self.model is Company:
            return c.match_key(record.name)
        return c.match_key(record.email) or c.match_key(full_name(record.first_name, record.last_name))

    def remote_key(self, customer: remote.Customer) -> str:
        if self.sub_type == "business":
            return c.match_key(customer.company_name or customer.contact_name)
        view = IndividualView(customer)
        return c.match_key(view.email) or c.match_key(customer.contact_name)

    def remote_view(self, customer: remote.Customer):
        return IndividualView(customer) if self.person_held else customer

    def belongs(self, customer: remote.Customer) -> bool:
        if (customer.contact_type or "customer") != "customer":
            return False
        return (customer.customer_sub_type or "business") == self.sub_type

    # --- The run --------------------------------------------------------------------------------------------------

    def run(self) -> None:
        engine = self.engine
        engine.report_local_deletions(self.kind, self.model, self.module)
        if self.with_persons:
            engine.report_local_deletions(SyncLink.Kind.CONTACT_PERSON, Contact, "contacts")
        changed_since = engine.cursor_for(self.module)
        local_since = engine.cursor_for(self.module, "local")
        remote_changed = {
            row.contact_id: row for row in engine.contact_rows(changed_since, self.module) if self.belongs(row)
        }
        links = {
            link.remote_id: link
            for link in SyncLink.objects.filter(
                organization=engine.organization, kind=self.kind, remote_id__in=remote_changed
            )
        }
        # A row whose modified time is what we stored has nothing new; the rest are read in full.
        todo_remote: dict[str, remote.Customer] = {}
        for remote_id, row in remote_changed.items():
            link = links.get(remote_id)
            if (
                link
                and link.remote_modified_at
                and row.last_modified_time
                and row.last_modified_time <= link.remote_modified_at
            ):
                continue
            todo_remote[remote_id] = row

        processed_local: set[int] = set()
        matcher = Matcher(self, full_read=changed_since is None)
        if changed_since is None:
            matcher.prepare(list(remote_changed.values()))
        for remote_id, row in todo_remote.items():
            link = links.get(remote_id)
            if link is None and remote_id in matcher.skipped_remote:
                continue
            try:
                full = engine.connector.get_contact(remote_id)
            except remote.NotFound:
                if link:
                    engine.mark_broken(link, self.module, "Deleted in Books")
                continue
            except remote.FinanceError as exc:
                if not exc.retryable or isinstance(exc, remote.QuotaExhausted):
                    raise
                engine.fail(
                    self.module,
                    self.kind,
                    "to_fsm",
                    remote_id=remote_id,
                    label=row.contact_name,
                    error=RecordFailure("books_unavailable", str(exc), "Retried at the next run."),
                )
                continue
            if link is None:
                link = matcher.link_for_remote(full)
            local = self._load_local(link) if link and link.local_id else None
            if local is not None:
                processed_local.add(local.pk)
            engine.guarded(
                self.module,
                self.kind,
                "to_fsm",
                full.contact_name,
                self.sync_pair,
                link,
                local,
                full,
                local_id=local.pk if local else None,
                remote_id=remote_id,
            )

        if engine.import_only:
            return
        for local, link in engine.with_links(self.kind, self._local_candidates(local_since, exclude=processed_local)):
            if link is None and local.pk in matcher.skipped_local:
                continue
            if link is None and changed_since is None:
                link = matcher.link_for_local(local)
            engine.guarded(
                self.module,
                self.kind,
                "to_books",
                str(local),
                self.sync_pair,
                link,
                local,
                None,
                local_id=local.pk,
                remote_id=link.remote_id if link else "",
            )
        if changed_since is None:
            matcher.report_duplicates()

    def unlinked_locals_with_key(self, key: str) -> list:
        queryset = self.local_scope().filter(status=Status.ACTIVE)
        if self.model is Company:
            queryset = queryset.filter(name__iexact=key)
        else:
            queryset = queryset.filter(email__iexact=key)
        linked = SyncLink.objects.filter(
            organization=self.engine.organization, kind=self.kind, local_id__isnull=False
        ).values("local_id")
        return list(queryset.exclude(pk__in=linked)[:20])

    def _load_local(self, link: SyncLink):
        return self.local_scope().filter(pk=link.local_id).first()

    def _local_candidates(self, changed_since, *, exclude: set[int]) -> Iterable:
        engine = self.engine
        queryset = self.local_scope().filter(status=Status.ACTIVE).exclude(pk__in=exclude)
        if changed_since is not None:
            marked = engine.marked_local_ids(self.kind)
            queryset = queryset.filter(Q(updated_at__gte=changed_since) | Q(pk__in=marked))
        if self.model is Contact and self.engine.sync_type in ("II", "IV"):
            queryset = queryset.select_related("currency", "payment_term")
        return queryset.order_by("pk").iterator(chunk_size=500)

    # --- One pair ---------------------------------------------------------------------------------------------------

    def sync_pair(self, link: SyncLink | None, local, full: remote.Customer | None) -> None:
        engine = self.engine
        if link is not None and link.state == SyncLink.State.BROKEN:
            return
        if local is None and link is not None and link.local_id:
            engine.mark_broken(link, self.module, "Deleted in FSM")
            return
        if full is not None and not self.adapter.is_active_remote(full):
            # Deactivation in Books deactivates in FSM (SYN-13); an unlinked inactive customer is ignored.
            if local is not None and local.status == Status.ACTIVE:
                with transaction.atomic():
                    local.status = Status.INACTIVE
                    local.updated_by = None
                    local.save(update_fields=["status", "updated_at", "updated_by"])
                    engine.save_link(
                        link, local_modified_at=local.updated_at, remote_modified_at=full.last_modified_time
                    )
                engine.count(self.module, "to_fsm", "updated")
            return
        if local is not None and local.status != Status.ACTIVE:
            return  # inactive FSM records are ignored (SYN-13)
        if local is None:
            self.create_local(full, link)
            return
        if engine.import_only:
            return  # an import links an existing FSM record and changes nothing on either side
        if link is None or not link.remote_id:
            self.create_remote(local, link)
            return
        local_c = self.adapter.local_canonical(local, engine.refs)
        remote_c = self.adapter.remote_canonical(self.remote_view(full)) if full is not None else dict(link.base or {})
        result = plan(
            link.base,
            local_c,
            remote_c,
            local_modified=local.updated_at,
            remote_modified=full.last_modified_time if full is not None else link.remote_modified_at,
            policy=engine.policy(self.module),
        )
        remote_modified = full.last_modified_time if full is not None else link.remote_modified_at
        if result.write_remote:
            updated = self._update_remote(link, local, result.write_remote, result.merged, full)
            remote_modified = updated.last_modified_time or remote_modified
            engine.count(self.module, "to_books", "updated")
        with transaction.atomic():
            if result.write_local:
                apply_local(local, result.write_local, self.adapter.mapping, engine.refs)
                self._save_local(local)
                engine.count(self.module, "to_fsm", "updated")
            if self.with_persons:
                self.sync_persons(link, local, full)
            engine.save_link(
                link, base=result.merged, local_modified_at=local.updated_at, remote_modified_at=remote_modified
            )
        if result.is_noop:
            engine.count(self.module, "to_books", "unchanged")

    def _save_local(self, record) -> None:
        record.updated_by = None  # a change made by sync: no workflow rules, not mistaken for a local edit (SYN-16)
        record.full_clean(
            exclude=["organization", "created_by", "updated_by"], validate_unique=False, validate_constraints=False
        )
        record.save()

    def _customer_fields(self, local, changes: dict[str, Any]) -> dict[str, Any]:
        kwargs = remote_fields(changes, self.adapter.mapping, self.engine.refs)
        for name in ("first_name", "last_name", "mobile"):
            kwargs.pop(name, None)
        if self.sub_type == "business":
            kwargs["contact_name"] = local.name
            kwargs["company_name"] = local.name
        else:
            kwargs["contact_name"] = full_name(local.first_name, local.last_name)
        return kwargs

    def _update_remote(
        self, link: SyncLink, local, changes: dict[str, Any], merged: dict[str, Any], full: remote.Customer | None
    ) -> remote.Customer:
        engine = self.engine
        kwargs = self._customer_fields(local, changes)
        if self.person_held:
            # Names, email and phones live on the customer's primary contact person in Books.
            for name in INDIVIDUAL_PERSON_FIELDS:
                kwargs.pop(name, None)
            if any(name in changes for name in INDIVIDUAL_PERSON_FIELDS):
                person_id = link.extra.get("primary_person_id") or self._primary_person_id(link, full, local)
                values = {
                    **self._own_person(local),
                    **{k: v for k, v in merged.items() if k in INDIVIDUAL_PERSON_FIELDS},
                }
                engine.connector.update_contact_person(
                    person_id, person_dataclass({**values, "is_primary": True}, contact_id=link.remote_id)
                )
        try:
            return engine.connector.update_contact(link.remote_id, remote.Customer(**kwargs))
        except remote.NotFound:
            engine.mark_broken(link, self.module, "Deleted in Books")
            raise RecordFailure(
                "deleted_in_books",
                "The customer was deleted in Books.",
                "Re-create it from the failure list, or unlink it.",
            ) from None

    def _own_person(self, local) -> dict[str, Any]:
        """The primary person that stands for the record itself: the contact, or the company's accounts desk."""
        if self.sub_type == "individual":
            return person_fields(local)
        return {
            "first_name": "",
            "last_name": c.text(local.name)[:100],
            "email": c.text(local.email),
            "phone": c.text(local.phone),
            "mobile": "",
            "is_primary": True,
        }

    def _primary_person_id(self, link: SyncLink, full: remote.Customer | None, local) -> str:
        """The customer's primary person (read once, then kept on the link); made when Books has none."""
        primary = IndividualView(full or self.engine.connector.get_contact(link.remote_id)).primary
        if primary is None:
            created = self.engine.connector.create_contact_person(
                link.remote_id, person_dataclass(self._own_person(local), contact_id=link.remote_id)
            )
            person_id = created.contact_person_id
        else:
            person_id = primary.contact_person_id
        link.extra = {**link.extra, "primary_person_id": person_id}
        return person_id

    def create_remote(self, local, link: SyncLink | None) -> None:
        """Create the Books customer of an FSM record, at most once even if the run dies half-way (DESIGN §5)."""
        engine = self.engine
        name = local.name if self.sub_type == "business" else full_name(local.first_name, local.last_name)
        if not name:
            raise RecordFailure("missing_name", "The record has no name.", "Give it a name, then retry.")
        local_c = self.adapter.local_canonical(local, engine.refs)
        kwargs = self._customer_fields(local, local_c)
        kwargs.update(contact_type="customer", customer_sub_type=self.sub_type)
        persons: list[remote.ContactPerson] = []
        if self.person_held:
            held = {k: v for k, v in local_c.items() if k in INDIVIDUAL_PERSON_FIELDS}
            persons.append(person_dataclass({**self._own_person(local), **held, "is_primary": True}))
        elif self.with_persons:
            contacts = list(local.contacts.filter(status=Status.ACTIVE).order_by("-is_primary", "pk"))
            primary_id = effective_primary_id(contacts)
            for contact in contacts:
                values = person_fields(contact)
                values["is_primary"] = contact.pk == primary_id
                persons.append(person_dataclass(values))
        customer = remote.Customer(**kwargs, contact_persons=tuple(persons))
        link = engine.begin_remote_create(link, self.kind, local.pk, match_key=c.match_key(name))
        lookup = remote.LookupKey("contact_name", name)
        try:
            created = engine.connector.create_contact(customer, lookup_key=lookup)
        except remote.DuplicateName as exc:
            existing = self._adopt_by_name(name)
            if existing is None or engine.duplicates == "clone":
                engine.abandon_remote_create(link)
                raise RecordFailure(
                    "duplicate_name",
                    str(exc),
                    "The finance organization does not allow duplicate display names. Rename the record, allow "
                    "duplicates in Books, or choose Overwrite in the sync settings.",
                    zoho_code=exc.zoho_code,
                ) from exc
            created = existing
            engine.finish_remote_create(
                link, created.contact_id, base=None, remote_modified_at=None, local_modified_at=None
            )
            self.sync_pair(link, local, engine.connector.get_contact(created.contact_id))
            return
        extra = {}
        if self.person_held and created.contact_persons:
            extra["primary_person_id"] = created.contact_persons[0].contact_person_id
        with transaction.atomic():
            engine.finish_remote_create(
                link,
                created.contact_id,
                base=local_c,
                extra=extra,
                remote_modified_at=created.last_modified_time,
                local_modified_at=local.updated_at,
            )
            if self.with_persons:
                self._link_created_persons(local, created, persons)
        engine.count(self.module, "to_books", "created")

    def _adopt_by_name(self, name: str) -> remote.Customer | None:
        matches = [m for m in self.engine.connector.find_contacts(contact_name=name) if self.belongs(m)]
        linked = set(
            SyncLink.objects.filter(
                organization=self.engine.organization, kind=self.kind, remote_id__in=[m.contact_id for m in matches]
            ).values_list("remote_id", flat=True)
        )
        free = [m for m in matches if m.contact_id not in linked]
        return free[0] if free else None

    def _link_created_persons(self, local, created: remote.Customer, sent: list[remote.ContactPerson]) -> None:
        contacts = list(local.contacts.filter(status=Status.ACTIVE).order_by("-is_primary", "pk"))
        remaining = list(created.contact_persons)
        for contact, sent_person in zip(contacts, sent, strict=False):
            match = next(
                (
                    p
                    for p in remaining
                    if c.match_key(p.email) == c.match_key(sent_person.email)
                    and c.match_key(p.last_name) == c.match_key(sent_person.last_name)
                ),
                None,
            )
            if match is None:
                continue
            remaining.remove(match)
            self.engine.save_new_link(
                SyncLink.Kind.CONTACT_PERSON,
                contact.pk,
                match.contact_person_id,
                parent=created.contact_id,
                base=person_fields_for_link(sent_person),
                local_modified_at=contact.updated_at,
            )
            self.engine.count("contacts", "to_books", "created")

    def create_local(self, full: remote.Customer, link: SyncLink | None) -> None:
        """Create the FSM record of a Books customer and its link in one transaction."""
        engine = self.engine
        view = self.remote_view(full)
        remote_c = self.adapter.remote_canonical(view)
        with transaction.atomic():
            record = self.model(organization=engine.organization)
            if self.model is Contact:
                record.last_name = c.text(view.last_name) or c.text(full.contact_name)
            apply_local(record, remote_c, self.adapter.mapping, engine.refs)
            if self.model is Company and not record.name:
                record.name = c.text(full.company_name or full.contact_name)
            self._save_local(record)
            extra = {}
            if self.person_held and view.primary is not None:
                extra["primary_person_id"] = view.primary.contact_person_id
            if link is None:
                engine.save_new_link(
                    self.kind,
                    record.pk,
                    full.contact_id,
                    base=remote_c,
                    extra=extra,
                    remote_modified_at=full.last_modified_time,
                    local_modified_at=record.updated_at,
                )
            else:
                link.local_id = record.pk
                engine.save_link(
                    link,
                    base=remote_c,
                    remote_modified_at=full.last_modified_time,
                    local_modified_at=record.updated_at,
                    extra=extra,
                )
            if self.with_persons:
                for person in full.contact_persons:
                    self._create_local_person(record, full.contact_id, person)
        engine.count(self.module, "to_fsm", "created")

    # --- Contact persons (types III and IV) ---------------------------------------------------------------------------

    def _create_local_person(self, company: Company, customer_id: str, person: remote.ContactPerson) -> Contact:
        values = remote_person_fields(person)
        contact = Contact(
            organization=self.engine.organization,
            company=company,
            first_name=values["first_name"],
            last_name=values["last_name"] or values["first_name"] or "(no name)",
            email=values["email"],
            phone=values["phone"],
            mobile=values["mobile"],
        )
        if values["is_primary"]:
            Contact.objects.filter(company=company, is_primary=True).update(is_primary=False)
            contact.is_primary = True
        self._save_local(contact)
        self.engine.save_new_link(
            SyncLink.Kind.CONTACT_PERSON,
            contact.pk,
            person.contact_person_id,
            parent=customer_id,
            base={**values, "is_primary": contact.is_primary},
            local_modified_at=contact.updated_at,
        )
        self.engine.count("contacts", "to_fsm", "created")
        return contact

    def sync_persons(self, link: SyncLink, company: Company, full: remote.Customer | None) -> None:
        """A company's contacts ↔ its customer's contact persons (types III and IV).

        Unlinked persons on both sides are first paired by email and name, so a person whose creation answer was
        lost (or a run that died before saving the link) is adopted rather than created again.
        """
        engine = self.engine
        contacts = {x.pk: x for x in company.contacts.all()}
        active = [x for x in contacts.values() if x.status == Status.ACTIVE]
        primary_id = effective_primary_id(active)
        person_links = {
            each.local_id: each
            for each in SyncLink.objects.filter(
                organization=engine.organization, kind=SyncLink.Kind.CONTACT_PERSON, remote_parent_id=link.remote_id
            )
        }
        remote_persons = {p.contact_person_id: p for p in (full.contact_persons if full is not None else ())}
        linked_remote = {each.remote_id for each in person_links.values() if each.remote_id}
        for contact in active:
            if contact.pk in person_links and person_links[contact.pk].remote_id:
                continue
            match = next(
                (
                    p
                    for pid, p in remote_persons.items()
                    if pid not in linked_remote and person_key(p) == person_key(contact)
                ),
                None,
            )
            if match is not None:
                person_links[contact.pk] = self._adopt_person(person_links.get(contact.pk), contact, link, match)
                linked_remote.add(match.contact_person_id)
        remote_modified = full.last_modified_time if full is not None else link.remote_modified_at
        for contact in active:
            local_values = person_fields(contact)
            local_values["is_primary"] = contact.pk == primary_id  # Books has exactly one primary person (SYN-3)
            plink = person_links.get(contact.pk)
            if plink is None or not plink.remote_id:
                self._create_person(link, contact, local_values, plink)
                continue
            remote_person = remote_persons.get(plink.remote_id)
            if full is not None and remote_person is None:
                engine.mark_broken(plink, "contacts", "Contact person deleted in Books")
                continue
            remote_values = remote_person_fields(remote_person) if remote_person else dict(plink.base or {})
            result = plan(
                plink.base,
                local_values,
                remote_values,
                local_modified=contact.updated_at,
                remote_modified=remote_modified if full is not None else plink.remote_modified_at,
                policy=engine.policy("contacts"),
            )
            if result.write_remote:
                engine.connector.update_contact_person(
                    plink.remote_id, person_dataclass(result.merged, contact_id=link.remote_id)
                )
                if result.write_remote.get("is_primary"):
                    engine.connector.mark_contact_person_primary(plink.remote_id)
                engine.count("contacts", "to_books", "updated")
            if result.write_local:
                self._apply_person(company, contact, result.write_local)
                engine.count("contacts", "to_fsm", "updated")
            if result.is_noop:
                engine.count("contacts", "to_books", "unchanged")
            engine.save_link(
                plink,
                base=result.merged,
                local_modified_at=contact.updated_at,
                remote_modified_at=remote_modified if full is not None else plink.remote_modified_at,
            )
        for person_id, person in remote_persons.items():
            if person_id and person_id not in linked_remote:
                self._create_local_person(company, link.remote_id, person)

    def _adopt_person(self, plink: SyncLink | None, contact: Contact, link: SyncLink, person: remote.ContactPerson):
        if plink is None:
            return self.engine.save_new_link(
                SyncLink.Kind.CONTACT_PERSON, contact.pk, person.contact_person_id, parent=link.remote_id, base=None
            )
        plink.remote_id = person.contact_person_id
        plink.remote_parent_id = link.remote_id
        plink.pending_side = ""
        self.engine.save_link(plink)
        return plink

    def _create_person(self, link: SyncLink, contact: Contact, values: dict, plink: SyncLink | None) -> None:
        """Create the Books person, marking the link pending first so a lost answer is adopted, not repeated."""
        engine = self.engine
        if plink is None:
            plink = SyncLink.objects.create(
                organization=engine.organization,
                kind=SyncLink.Kind.CONTACT_PERSON,
                local_id=contact.pk,
                remote_parent_id=link.remote_id,
                state=SyncLink.State.PENDING_CREATE,
                pending_side="books",
                match_key=person_key(contact),
                last_run=engine.run,
            )
        person = engine.connector.create_contact_person(
            link.remote_id, person_dataclass(values, contact_id=link.remote_id)
        )
        plink.remote_id = person.contact_person_id
        plink.pending_side = ""
        engine.save_link(plink, base=values, local_modified_at=contact.updated_at)
        if values["is_primary"] and person.contact_person_id:
            engine.connector.mark_contact_person_primary(person.contact_person_id)
        engine.count("contacts", "to_books", "created")

    def _apply_person(self, company: Company, contact: Contact, changes: dict[str, Any]) -> None:
        for name, value in changes.items():
            if name == "is_primary":
                if value:
                    Contact.objects.filter(company=company, is_primary=True).exclude(pk=contact.pk).update(
                        is_primary=False
                    )
                contact.is_primary = bool(value)
            else:
                setattr(contact, name, value or "")
        if not contact.last_name:
            contact.last_name = contact.first_name or "(no name)"
        self._save_local(contact)


def effective_primary_id(contacts: list[Contact]) -> int | None:
    """The contact that is the customer's primary person: the one marked primary, else the oldest one."""
    marked = [x for x in contacts if x.is_primary]
    if marked:
        return marked[0].pk
    return min((x.pk for x in contacts), default=None)


def person_key(person) -> str:
    """How a contact and a contact person are recognised as the same: email, else first and last name."""
    email = c.match_key(getattr(person, "email", ""))
    if email:
        return f"email:{email}"
    return "name:" + c.match_key(full_name(getattr(person, "first_name", ""), getattr(person, "last_name", "")))


def person_fields_for_link(person: remote.ContactPerson) -> dict[str, Any]:
    return remote_person_fields(person)


def match_decisions(organization, kind: str) -> dict[int, Any]:
    from sync.engine_models import MatchDecision

    return {d.local_id: d for d in MatchDecision.objects.filter(organization=organization, kind=kind)}


class Matcher:
    """Links existing records on both sides by their duplicate key at the first run (SYN-7)."""

    def __init__(self, sync: CustomerSync, *, full_read: bool):
        self.sync = sync
        self.full_read = full_read
        self.remote_by_key: dict[str, list[remote.Customer]] = {}
        self.local_by_key: dict[str, list] = {}
        self.duplicates: list[tuple[str, Any]] = []
        self.decisions = match_decisions(sync.engine.organization, sync.kind)
        # Records an administrator chose not to sync in the match review (SYN-7), and their proposed counterparts.
        self.skipped_local = {d.local_id for d in self.decisions.values() if d.action == "skip"}
        self.skipped_remote = {d.remote_id for d in self.decisions.values() if d.action == "skip" and d.remote_id}

    def prepare(self, rows: list[remote.Customer]) -> None:
        engine = self.sync.engine
        linked_remote = set(
            SyncLink.objects.filter(organization=engine.organization, kind=self.sync.kind)
            .exclude(remote_id="")
            .values_list("remote_id", flat=True)
        )
        linked_local = set(
            SyncLink.objects.filter(
                organization=engine.organization, kind=self.sync.kind, local_id__isnull=False
            ).values_list("local_id", flat=True)
        )
        for row in rows:
            if row.contact_id not in linked_remote and (row.status or "active") == "active":
                self.remote_by_key.setdefault(self.sync.remote_key(row), []).append(row)
        for record in self.sync.local_scope().filter(status=Status.ACTIVE).exclude(pk__in=linked_local):
            self.local_by_key.setdefault(self.sync.local_key(record), []).append(record)

    def _pick(self, key: str):
        """The most recently modified record on each side gets the link; the others are duplicates."""
        locals_ = sorted(self.local_by_key.get(key, []), key=lambda r: r.updated_at, reverse=True)
        remotes = sorted(
            self.remote_by_key.get(key, []), key=lambda r: r.last_modified_time or r.created_time or 0, reverse=True
        )
        return locals_, remotes

    def link_for_remote(self, full: remote.Customer) -> SyncLink | None:
        key = self.sync.remote_key(full)
        if not self.full_read and key and key not in self.local_by_key:
            # A customer new in Books since the last run: look for an unlinked FSM record with its key.
            self.remote_by_key[key] = [full]
            self.local_by_key[key] = self.sync.unlinked_locals_with_key(key)
        return self._link(key, remote_id=full.contact_id)

    def link_for_local(self, record) -> SyncLink | None:
        decision = self.decisions.get(record.pk)
        if decision is not None:
            if decision.action == "link" and decision.remote_id:
                return self._save(record, decision.remote_id)
            return None
        return self._link(self.sync.local_key(record), local_id=record.pk)

    def _link(self, key: str, *, remote_id: str | None = None, local_id: int | None = None) -> SyncLink | None:
        engine = self.sync.engine
        if not key or engine.duplicates != "overwrite":
            return None
        locals_, remotes = self._pick(key)
        if not locals_ or not remotes:
            return None
        local, best = locals_[0], remotes[0]
        if (remote_id and best.contact_id != remote_id) or (local_id and local.pk != local_id):
            return None
        decision = self.decisions.get(local.pk)
        if decision is not None and decision.action != "link":
            return None
        for extra in locals_[1:]:
            self.duplicates.append(("to_books", extra))
        for extra in remotes[1:]:
            self.duplicates.append(("to_fsm", extra))
        self.local_by_key.pop(key, None)
        self.remote_by_key.pop(key, None)
        return self._save(local, best.contact_id)

    def _save(self, record, remote_id: str) -> SyncLink:
        engine = self.sync.engine
        link = engine.link_for_local(self.sync.kind, record.pk)
        if link is not None:
            return link
        return engine.save_new_link(self.sync.kind, record.pk, remote_id, base=None)

    def report_duplicates(self) -> None:
        engine = self.sync.engine
        for direction, record in self.duplicates:
            label = str(record) if direction == "to_books" else record.contact_name
            engine.fail(
                self.sync.module,
                self.sync.kind,
                direction,
                local_id=getattr(record, "pk", None),
                remote_id=getattr(record, "contact_id", "") or "",
                label=label,
                error=RecordFailure(
                    "duplicate",
                    "Another record with the same key was linked instead.",
                    "Several records share this key; the most recently modified one was linked. Merge or rename "
                    "the others. Nothing was deleted.",
                ),
            )
