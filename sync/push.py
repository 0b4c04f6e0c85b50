"""Push one customer or item to Books outside a sync run, for documents that need them (INV-4: "customer and items
pushed first when not yet linked"). The same adapters and never-twice create as the engine (DESIGN-sync.md §5)."""

from __future__ import annotations

from fsmbilling.models import Company, Contact, ServicePart
from sync.engine.adapters import RecordFailure
from sync.engine_models import SyncLink


def _engine(organization, *, connector=None, clock=None):
    from sync.engine.run import Engine

    engine = Engine(None, organization=organization, connector=connector, clock=clock)
    engine.load_reference_data()
    engine.resume_pending_creates()
    return engine


def customer_kind(record) -> str:
    if isinstance(record, Company):
        return SyncLink.Kind.COMPANY
    return SyncLink.Kind.CONTACT_PERSON if record.company_id else SyncLink.Kind.CONTACT


def linked_remote_id(organization, kind: str, local_id: int) -> str | None:
    return (
        SyncLink.objects.filter(organization=organization, kind=kind, local_id=local_id, state=SyncLink.State.LINKED)
        .exclude(remote_id="")
        .values_list("remote_id", flat=True)
        .first()
    )


def ensure_customer(*, organization, record: Company | Contact, connector=None, clock=None) -> str:
    """The Books customer id of a company or a company-less contact, creating the customer when it has none.

    Raises RecordFailure (with the reason and what to do) when Books refuses it.
    """
    from sync.engine.customers import CustomerSync

    if isinstance(record, Contact) and record.company_id:
        raise RecordFailure(
            "contact_has_company",
            "A contact of a company is billed through its company.",
            "Invoice the company instead.",
        )
    kind = customer_kind(record)
    existing = linked_remote_id(organization, kind, record.pk)
    if existing:
        return existing
    engine = _engine(organization, connector=connector, clock=clock)
    existing = linked_remote_id(organization, kind, record.pk)  # adopted by resume_pending_creates
    if existing:
        return existing
    module = "companies" if isinstance(record, Company) else "contacts"
    sync = CustomerSync(engine, module=module)
    sync.create_remote(record, engine.link_for_local(kind, record.pk))
    remote_id = linked_remote_id(organization, kind, record.pk)
    if not remote_id:
        raise RecordFailure("not_pushed", "The customer could not be created in Books.", "Try again in a moment.")
    return remote_id


def ensure_item(*, organization, record: ServicePart, connector=None, clock=None) -> str:
    """The Books item id of a service or part, creating the item when it has none."""
    from sync.engine.items import ItemSync

    existing = linked_remote_id(organization, SyncLink.Kind.ITEM, record.pk)
    if existing:
        return existing
    engine = _engine(organization, connector=connector, clock=clock)
    existing = linked_remote_id(organization, SyncLink.Kind.ITEM, record.pk)
    if existing:
        return existing
    ItemSync(engine).create_remote(record, engine.link_for_local(SyncLink.Kind.ITEM, record.pk))
    remote_id = linked_remote_id(organization, SyncLink.Kind.ITEM, record.pk)
    if not remote_id:
        raise RecordFailure("not_pushed", "The item could not be created in Books.", "Try again in a moment.")
    return remote_id
