"""Writes of invoicing: invoices from work orders (INV-1..6), payments (PAY-1..4), estimates (INV-7, REC-6),
the invoice mapping (INV-3) and records fetched from Books (FIN-6).

Every service takes ``organization`` and ``actor``. Rows are written in one short transaction; Books is called only
after it has committed (docs/connector.md: never from inside a long transaction), and what Books answered is written
in a second short transaction. A push that Books could not take (unreachable, busy) leaves the row pending and a task
retries it (STYLE 3); the task claims the row with a lease and exits when it is no longer pending.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fsmbilling.models import (
    Company,
    Contact,
    Currency,
    CustomField,
    Membership,
    Organization,
    PaymentTerm,
    ServicePart,
    Tax,
    WorkOrder,
    WorkOrderLine,
)
from fsmbilling.services.guards import Conflict, ensure_finance_available
from fsmbilling.services.organizations import next_document_number
from fsmbilling.services.work_orders import (
    sync_type_of,
    work_order_create,
    work_order_lines_set_billing_status,
)
from fsmbilling.services.workflows import fire_workflow_rules
from invoicing import books as booksmod
from invoicing.models import (
    Estimate,
    EstimateLine,
    GatewaySession,
    Invoice,
    InvoiceLine,
    InvoiceMapping,
    InvoiceTaxLine,
    Payment,
    PaymentAllocation,
)
from invoicing.taxes import prefill as taxprefill
from invoicing.taxes.money import document_totals, line_amounts, quantize
from sync.connectors import base as remote
from sync.engine.adapters import RecordFailure

logger = logging.getLogger(__name__)

ZERO = Decimal("0")
LEASE = dt.timedelta(minutes=5)
INVOICE_PREFIX = "FSM-INV-"
ESTIMATE_PREFIX = "FSM-EST-"
Billing = WorkOrderLine.BillingStatus
State = Invoice.State
DEFAULT_GATEWAYS = ["sandbox"]

# Work-order fields that can fill a Books invoice custom field (INV-3); custom fields are "cf:<api_name>".
WORK_ORDER_FIELDS = {
    "number": gettext_lazy("Work order number"),
    "summary": gettext_lazy("Summary"),
    "status": gettext_lazy("Status"),
    "priority": gettext_lazy("Priority"),
    "notes": gettext_lazy("Notes"),
    "scheduled_start": gettext_lazy("Scheduled start"),
    "scheduled_end": gettext_lazy("Scheduled end"),
    "company": gettext_lazy("Company"),
    "contact": gettext_lazy("Contact"),
}

BOOKS_STATES = {
    "draft": State.DRAFT,
    "sent": State.SENT,
    "viewed": State.SENT,
    "unpaid": State.SENT,
    "partially_paid": State.PARTIALLY_PAID,
    "partiallypaid": State.PARTIALLY_PAID,
    "paid": State.PAID,
    "overdue": State.OVERDUE,
    "void": State.VOID,
}


class Refused(Conflict):
    """A refusal with its reason and, where useful, the list of what is missing (API: 409 with ``fields``)."""

    def __init__(self, message: str, *, code: str, details: Sequence[str] = ()):
        self.details = list(details)
        super().__init__(message, code=code)


# --- Parties, Books lookups ------------------------------------------------------------------------------------------


def billing_party(*, company: Company | None, contact: Contact | None):
    """Who is billed (INV-1, SYN-3): the company; a contact of a company bills its company; else the contact."""
    if company is not None:
        return company
    if contact is not None and contact.company_id:
        return contact.company
    return contact


def _party_fields(party) -> dict:
    return {"company": party, "contact": None} if isinstance(party, Company) else {"company": None, "contact": party}


def linked_customer_id(organization: Organization, party) -> str | None:
    from sync.push import customer_kind, linked_remote_id

    if party is None:
        return None
    return linked_remote_id(organization, customer_kind(party), party.pk)


def _currency_of(organization: Organization, party) -> Currency | None:
    if party is not None and party.currency_id:
        return party.currency
    return Currency.objects.filter(organization=organization, is_base=True).first()


def _places(currency: Currency | None) -> int:
    return currency.decimal_places if currency is not None else 2


def _active_salespeople(organization: Organization) -> list[str]:
    users = get_user_model().objects.filter(memberships__organization=organization, memberships__is_active=True)
    names = [(user.get_full_name() or user.username).strip() for user in users.order_by("first_name", "last_name")]
    return [name for name in names if name]


def unmapped_mandatory_fields(organization: Organization, connector) -> list[str]:
    """Labels of the mandatory Books invoice custom fields that no invoice mapping fills (INV-3)."""
    mapped = set(
        InvoiceMapping.objects.filter(organization=organization).values_list("books_customfield_id", flat=True)
    )
    try:
        definitions = connector.list_custom_fields("invoice")
    except remote.NotFound:
        return []
    return [
        definition.label or definition.api_name
        for definition in definitions
        if definition.is_mandatory and definition.is_active and definition.customfield_id not in mapped
    ]


def _work_order_value(work_order: WorkOrder | None, name: str):
    if work_order is None:
        return ""
    if name.startswith("cf:"):
        value = (work_order.custom_fields or {}).get(name[3:], "")
    else:
        value = getattr(work_order, name, "")
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None:
        return ""
    return str(value) if not isinstance(value, (int, float, bool)) else value


def mapped_custom_fields(organization: Organization, work_order: WorkOrder | None) -> dict[str, object]:
    """{Books customfield_id: value} of the invoice mapping, read from the work order."""
    values = {}
    for mapping in InvoiceMapping.objects.filter(organization=organization):
        value = _work_order_value(work_order, mapping.work_order_field)
        if value not in ("", None):
            values[mapping.books_customfield_id] = value
    return values


# --- Prefill (INV-2) -------------------------------------------------------------------------------------------------


@dataclass
class Prefill:
    """What a new invoice (or estimate) gets before the user changes anything (INV-2)."""

    customer: object
    customer_books_id: str | None
    date: dt.date
    due_date: dt.date
    payment_terms_days: int
    payment_terms_label: str
    payment_term: PaymentTerm | None
    salesperson_name: str
    salesperson_options: list[str]
    share_with: dict | None
    share_with_options: list[dict]
    billing_address: dict
    gateways: list[str]
    currency: Currency | None
    lines: list = field(default_factory=list)
    unmapped_mandatory: list[str] = field(default_factory=list)
    books_note: str = ""


def prefill_for(*, organization: Organization, actor, party, work_order: WorkOrder | None = None) -> Prefill:
    """Terms from the Books customer's default terms (else FSM's), due date from them, salespersons from Books and
    active FSM users, "share with" = the Books customer's primary contact person, billing address from the work
    order. Books being unreachable only loses what Books would have told; the note says so."""
    date = booksmod.today(organization)
    term = party.payment_term if party is not None and party.payment_term_id else None
    days, label = (term.days, term.label) if term else (0, _("Due on receipt"))
    persons: list[dict] = []
    share_with = None
    books_salespeople: list[str] = []
    unmapped: list[str] = []
    note = ""
    customer_id = linked_customer_id(organization, party)
    if booksmod.is_connected(organization):
        try:
            with booksmod.books(organization) as client:
                if customer_id:
                    customer = client.get_contact(customer_id)
                    if customer.payment_terms is not None:
                        days = customer.payment_terms
                        label = customer.payment_terms_label or _("Net %(days)s") % {"days": days}
                        term = PaymentTerm.objects.filter(organization=organization, days=days, label=label).first()
                    for person in customer.contact_persons:
                        entry = {
                            "id": person.contact_person_id or "",
                            "name": f"{person.first_name or ''} {person.last_name or ''}".strip()
                            or (person.email or ""),
                            "email": person.email or "",
                            "primary": bool(person.is_primary_contact),
                        }
                        persons.append(entry)
                        if entry["primary"]:
                            share_with = entry
                books_salespeople = [s.salesperson_name for s in client.list_salespersons() if s.is_active]
                unmapped = unmapped_mandatory_fields(organization, client)
        except remote.FinanceError as exc:
            note = _("Books could not be asked for the customer's terms and contact persons: %(why)s") % {
                "why": booksmod.describe(exc)
            }
    if share_with is None and persons:
        share_with = persons[0]
    if not persons and isinstance(party, Company):
        # Not in Books yet: offer the company's contacts; the push finds their Books contact person by email.
        for contact in party.contacts.filter(status="active").exclude(email="").order_by("-is_primary", "pk"):
            entry = {"id": "", "name": contact.full_name, "email": contact.email, "primary": contact.is_primary}
            persons.append(entry)
        share_with = persons[0] if persons else None
    elif not persons and isinstance(party, Contact) and party.email:
        share_with = {"id": "", "name": party.full_name, "email": party.email, "primary": True}
        persons.append(share_with)
    options = list(dict.fromkeys([*books_salespeople, *_active_salespeople(organization)]))
    actor_name = (actor.get_full_name() or actor.username).strip() if actor is not None else ""
    salesperson = actor_name if actor_name in options else ""
    address = {}
    if work_order is not None and work_order.billing_address:
        address = dict(work_order.billing_address)
    elif party is not None and party.billing_address:
        address = dict(party.billing_address)
    currency = (
        work_order.currency if work_order is not None and work_order.currency_id else _currency_of(organization, party)
    )
    return Prefill(
        customer=party,
        customer_books_id=customer_id,
        date=date,
        due_date=date + dt.timedelta(days=days),
        payment_terms_days=days,
        payment_terms_label=label,
        payment_term=term,
        salesperson_name=salesperson,
        salesperson_options=options,
        share_with=share_with,
        share_with_options=persons,
        billing_address=address,
        gateways=list(DEFAULT_GATEWAYS),
        currency=currency,
        unmapped_mandatory=unmapped,
        books_note=note,
    )


def invoiceable_lines(work_order: WorkOrder):
    """Lines that can be invoiced now: billable and not invoiced yet (INV-1)."""
    if not work_order.is_billable:
        return WorkOrderLine.objects.none()
    return work_order.lines.filter(billing_status=Billing.NOT_INVOICED).select_related("item", "tax")


def invoice_prefill(*, organization: Organization, actor, work_order: WorkOrder) -> Prefill:
    party = billing_party(company=work_order.company, contact=work_order.contact)
    result = prefill_for(organization=organization, actor=actor, party=party, work_order=work_order)
    result.lines = list(invoiceable_lines(work_order))
    return result


# --- Invoices from work orders (INV-1, INV-3, INV-4) -----------------------------------------------------------------


def _check_can_invoice(organization: Organization, work_order: WorkOrder) -> None:
    ensure_finance_available(organization)  # FIN-7
    if work_order.organization_id != organization.pk:
        raise ValidationError({"work_order": [_("Not found.")]})
    if not work_order.is_billable:
        raise Refused(
            _("%(number)s is marked non-billable, so it cannot be invoiced. Mark it billable first if it should be.")
            % {"number": work_order.number},
            code="work_order_non_billable",
        )
    if work_order.status == WorkOrder.State.CANCELLED:
        raise Refused(
            _("%(number)s is cancelled, so it cannot be invoiced. Reopen it first.") % {"number": work_order.number},
            code="work_order_cancelled",
        )


def _refuse_unmapped(fields: list[str]) -> None:
    if fields:
        raise Refused(
            _(
                "Books requires these invoice fields, and no invoice mapping fills them: %(fields)s. An administrator "
                "maps them in Billing Setup > Invoice Mapping; then create the invoice again."
            )
            % {"fields": ", ".join(fields)},
            code="unmapped_mandatory_fields",
            details=fields,
        )


def _line_totals(lines: Iterable, places: int):
    amounts = []
    for line in lines:
        result = line_amounts(line.quantity, line.rate, line.discount_percent, line.tax, places)
        line.amount, line.tax_amount = result.amount, result.tax_total
        amounts.append(result)
    return amounts


def _write_tax_lines(invoice: Invoice, amounts) -> None:
    totals: dict[tuple[str, int | None], Decimal] = {}
    for result in amounts:
        for tax in result.taxes:
            key = (tax.name, tax.tax_id)
            totals[key] = totals.get(key, ZERO) + tax.amount
    invoice.tax_lines.all().delete()
    InvoiceTaxLine.objects.bulk_create(
        InvoiceTaxLine(
            organization=invoice.organization, invoice=invoice, name=name, tax_id=tax_id, amount=amount, position=i
        )
        for i, ((name, tax_id), amount) in enumerate(totals.items())
    )


def _recompute_invoice(invoice: Invoice) -> Invoice:
    places = _places(invoice.currency)
    lines = list(invoice.lines.select_related("tax").prefetch_related("tax__components"))
    amounts = _line_totals(lines, places)
    InvoiceLine.objects.bulk_update(lines, ["amount", "tax_amount"])
    totals = document_totals(amounts, places)
    invoice.sub_total, invoice.tax_total, invoice.total = totals.sub_total, totals.tax_total, totals.total
    invoice.balance = invoice.total - invoice.amount_paid
    _write_tax_lines(invoice, amounts)
    return invoice


def invoice_from_work_order(
    *,
    organization: Organization,
    actor,
    work_order: WorkOrder,
    line_ids: Sequence[int] | None = None,
    options: dict | None = None,
    push: bool = True,
) -> Invoice:
    """Invoice the chosen billable, not-yet-invoiced lines of a work order (all of them when none are chosen).

    ``options`` may change the prefill: ``date``, ``payment_term`` (PaymentTerm), ``due_date``, ``salesperson_name``,
    ``share_with_person_id``, ``notes``, ``payment_gateways``. The invoice is pushed to Books at once (INV-4).
    """
    options = dict(options or {})
    _check_can_invoice(organization, work_order)
    prefill = invoice_prefill(organization=organization, actor=actor, work_order=work_order)
    _refuse_unmapped(prefill.unmapped_mandatory)
    with transaction.atomic():
        work_order = WorkOrder.objects.select_for_update().get(pk=work_order.pk, organization=organization)
        _check_can_invoice(organization, work_order)
        eligible = {line.pk: line for line in invoiceable_lines(work_order)}
        if line_ids is None:
            chosen = list(eligible.values())
        else:
            wanted = [int(pk) for pk in dict.fromkeys(line_ids)]
            missing = [pk for pk in wanted if pk not in eligible]
            if missing:
                raise Refused(
                    _(
                        "These lines cannot be invoiced (already invoiced, non-billable, void, or not on %(number)s): "
                        "%(ids)s. Reload the work order and choose again."
                    )
                    % {"number": work_order.number, "ids": ", ".join(str(pk) for pk in missing)},
                    code="lines_not_invoiceable",
                    details=[str(pk) for pk in missing],
                )
            chosen = [eligible[pk] for pk in wanted]
        if not chosen:
            raise Refused(
                _("%(number)s has no billable lines left to invoice.") % {"number": work_order.number},
                code="nothing_to_invoice",
            )
        chosen.sort(key=lambda line: (line.position, line.pk))
        invoice = _new_invoice(organization, actor, work_order, prefill, options)
        for position, wo_line in enumerate(chosen, start=1):
            InvoiceLine.objects.create(
                organization=organization,
                invoice=invoice,
                work_order_line=wo_line,
                item=wo_line.item,
                description=wo_line.description,
                quantity=wo_line.quantity,
                rate=wo_line.rate,
                discount_percent=wo_line.discount_percent,
                tax=wo_line.tax,
                position=position,
                created_by=actor,
                updated_by=actor,
            )
        _recompute_invoice(invoice)
        invoice.save()
        work_order_lines_set_billing_status(
            work_order=work_order, line_ids=[line.pk for line in chosen], billing_status=Billing.INVOICED, actor=actor
        )
        fire_workflow_rules(organization=organization, module="invoices", event="created", record=invoice, actor=actor)
    if push:
        invoice_push_now(invoice)
        invoice.refresh_from_db()
    return invoice


def _new_invoice(organization, actor, work_order, prefill: Prefill, options: dict) -> Invoice:
    term = options.get("payment_term") or prefill.payment_term
    if term is not None and term.organization_id != organization.pk:
        raise ValidationError({"payment_term": [_("Not found.")]})
    days = term.days if term is not None else prefill.payment_terms_days
    label = term.label if term is not None else prefill.payment_terms_label
    date = options.get("date") or prefill.date
    due_date = options.get("due_date") or date + dt.timedelta(days=days)
    if due_date < date:
        raise ValidationError({"due_date": [_("The due date cannot be before the invoice date.")]})
    share_id = options.get("share_with_person_id")
    share = prefill.share_with
    if share_id is not None:
        share = next((p for p in prefill.share_with_options if share_id in (p["id"], p["email"])), None)
    party = prefill.customer
    return Invoice.objects.create(
        organization=organization,
        number=next_document_number(organization=organization, kind="invoice", prefix=INVOICE_PREFIX),
        work_order=work_order,
        **_party_fields(party),
        date=date,
        due_date=due_date,
        payment_term=term,
        payment_terms_days=days,
        payment_terms_label=label,
        salesperson_name=options.get("salesperson_name", prefill.salesperson_name) or "",
        currency=prefill.currency,
        billing_address=prefill.billing_address,
        share_with_person_id=(share or {}).get("id", ""),
        share_with_name=(share or {}).get("name", ""),
        share_with_email=(share or {}).get("email", "") or getattr(party, "email", "") or "",
        payment_gateways=options.get("payment_gateways") or prefill.gateways,
        notes=options.get("notes", "") or "",
        custom_fields=mapped_custom_fields(organization, work_order),
        link_nonce=secrets.token_hex(8),
        created_by=actor,
        updated_by=actor,
    )


# --- Push to Books (INV-4) -------------------------------------------------------------------------------------------


def _claim(model, pk: int, is_pending) -> object | None:
    """Take the push lease of a row (one worker at a time); None when it is no longer pending or someone has it."""
    now = timezone.now()
    with transaction.atomic():
        row = model.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
        if row is None or not is_pending(row):
            return None
        if row.push_claimed_until and row.push_claimed_until > now:
            return None
        row.push_claimed_until = now + LEASE
        row.push_attempts = F("push_attempts") + 1
        row.save(update_fields=["push_claimed_until", "push_attempts"])
    row.refresh_from_db()
    return row


def _schedule(task: str, pk: int) -> None:
    """Enqueue a retry task after commit (row first, task second)."""

    def enqueue():
        try:
            from django_q.tasks import async_task

            async_task(task, pk, task_name=f"{task.rsplit('.', 1)[-1]}-{pk}-{uuid.uuid4().hex[:6]}")
        except Exception:  # the periodic sweep picks it up anyway
            logger.exception("Could not enqueue %s(%s)", task, pk)

    transaction.on_commit(enqueue)


def _remote_lines(organization, lines, client) -> tuple[remote.InvoiceLine, ...]:
    from sync.push import ensure_item

    result = []
    for line in lines:
        item_id = ensure_item(organization=organization, record=line.item, connector=client, clock=booksmod.clock())
        tax_id = booksmod.ensure_tax(organization, line.tax, client) if line.tax_id else ""
        result.append(
            remote.InvoiceLine(
                line_item_id=getattr(line, "books_line_id", "") or None,
                item_id=item_id,
                description=line.description or None,
                item_order=line.position,
                rate=line.rate,
                quantity=line.quantity,
                discount=line.discount_percent,
                tax_id=tax_id,
            )
        )
    return tuple(result)


def _remote_customer(organization, party, client) -> str:
    from sync.push import ensure_customer

    return ensure_customer(organization=organization, record=party, connector=client, clock=booksmod.clock())


def _currency_id(organization, currency, client) -> str | None:
    if currency is None or currency.is_base:
        return None
    if currency.books_id:
        return currency.books_id
    found = next((c for c in client.list_currencies() if c.currency_code == currency.code), None)
    return found.currency_id if found else None


def _remote_invoice(invoice: Invoice, client, *, customer_id: str) -> remote.Invoice:
    organization = invoice.organization
    address = {k: v for k, v in (invoice.billing_address or {}).items() if v not in ("", None) and k != "tax_id"}
    regional: dict = {"payment_options": {"payment_gateways": [{"gateway_name": g} for g in invoice.payment_gateways]}}
    if address:
        regional["billing_address"] = address
    if not invoice.share_with_person_id and invoice.share_with_email:
        customer = client.get_contact(customer_id)
        person = next(
            (p for p in customer.contact_persons if (p.email or "").lower() == invoice.share_with_email.lower()), None
        )
        if person is not None and person.contact_person_id:
            invoice.share_with_person_id = person.contact_person_id
            Invoice.objects.filter(pk=invoice.pk).update(share_with_person_id=person.contact_person_id)
    return remote.Invoice(
        customer_id=customer_id,
        invoice_number=invoice.number,
        date=invoice.date,
        due_date=invoice.due_date,
        payment_terms=invoice.payment_terms_days,
        payment_terms_label=invoice.payment_terms_label or None,
        salesperson_name=invoice.salesperson_name or None,
        contact_persons=(invoice.share_with_person_id,) if invoice.share_with_person_id else (),
        currency_id=_currency_id(organization, invoice.currency, client),
        reference_number=invoice.work_order.number if invoice.work_order_id else None,
        notes=invoice.notes or None,
        custom_fields=tuple(
            remote.CustomFieldValue(value=value, customfield_id=key) for key, value in invoice.custom_fields.items()
        ),
        line_items=_remote_lines(organization, invoice.lines.select_related("item", "tax"), client),
        regional=regional,
    )


def _apply_remote_invoice(invoice: Invoice, found: remote.Invoice, *, lines: bool = False) -> None:
    """Write what Books holds into the FSM row (INV-5): id, number, status, balance, totals."""
    invoice.books_id = found.invoice_id or invoice.books_id
    invoice.books_number = found.invoice_number or invoice.books_number
    if found.status:
        invoice.state = BOOKS_STATES.get(found.status.lower(), invoice.state)
    if found.balance is not None:
        invoice.balance = found.balance
    if found.total is not None and found.balance is not None:
        invoice.amount_paid = found.total - found.balance if invoice.state != State.VOID else invoice.amount_paid
    if found.sub_total is not None:
        invoice.sub_total = found.sub_total
    if found.tax_total is not None:
        invoice.tax_total = found.tax_total
    if found.total is not None:
        invoice.total = found.total
    if invoice.state == State.VOID:
        invoice.balance = ZERO
    if lines and found.line_items:
        ours = list(invoice.lines.order_by("position", "pk"))
        by_order = sorted(found.line_items, key=lambda line: line.item_order or 0)
        for line, theirs in zip(ours, by_order, strict=False):
            if theirs.line_item_id and line.books_line_id != theirs.line_item_id:
                line.books_line_id = theirs.line_item_id
                line.save(update_fields=["books_line_id"])


def _save_link(organization, kind: str, local_id: int, remote_id: str) -> None:
    from sync.engine_models import SyncLink

    SyncLink.objects.update_or_create(
        organization=organization,
        kind=kind,
        local_id=local_id,
        defaults={"remote_id": remote_id, "state": SyncLink.State.LINKED, "last_synced_at": timezone.now()},
    )


def invoice_push(invoice_id: int, *, connector=None) -> Invoice:
    """Push a pending invoice to Books; safe to call any number of times, from any worker (INV-4).

    Customer and items go first when not linked yet. The create carries the invoice number as its lookup key, and a
    retry first looks the number up in Books, so a create whose answer was lost is adopted, never repeated.
    """
    invoice = _claim(Invoice, invoice_id, lambda row: row.state == State.PENDING_PUSH and not row.books_id)
    if invoice is None:
        return Invoice.objects.get(pk=invoice_id)
    organization = invoice.organization
    try:
        with booksmod.books(organization, connector) as client:
            found = None
            if invoice.push_attempts > 1:
                matches = client.find_invoices(invoice_number=invoice.number)
                found = client.get_invoice(matches[0].invoice_id) if matches and matches[0].invoice_id else None
            if found is None:
                customer_id = _remote_customer(organization, invoice.customer, client)
                payload = _remote_invoice(invoice, client, customer_id=customer_id)
                found = client.create_invoice(payload, lookup_key=remote.LookupKey("invoice_number", invoice.number))
            books_user = booksmod.connection_of(organization).connected_identity_email
    except Exception as exc:
        _push_failed(Invoice, invoice, exc, task="invoicing.tasks.push_invoice")
        if not isinstance(exc, (remote.FinanceError, RecordFailure)):
            raise
        invoice.refresh_from_db()
        return invoice
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        _apply_remote_invoice(invoice, found, lines=True)
        invoice.books_user = books_user or ""
        invoice.push_error = ""
        invoice.push_claimed_until = None
        invoice.pushed_at = timezone.now()
        invoice.refreshed_at = timezone.now()
        invoice.save()
        _save_link(organization, "invoice", invoice.pk, invoice.books_id)
    return invoice


def _push_failed(model, row, exc: Exception, *, task: str) -> None:
    retryable = isinstance(exc, remote.FinanceError) and exc.retryable
    with transaction.atomic():
        model.objects.filter(pk=row.pk).update(push_error=booksmod.describe(exc)[:2000], push_claimed_until=None)
        if retryable:
            _schedule(task, row.pk)


def invoice_push_now(invoice: Invoice) -> Invoice:
    """Try the push at once (the user waits for it); Books unreachable leaves it pending with a retry task."""
    return invoice_push(invoice.pk)


def invoice_retry_push(*, invoice: Invoice, actor) -> Invoice:
    """The "Push again" action of a pending invoice (after Books refused it and someone fixed the cause)."""
    if invoice.state != State.PENDING_PUSH:
        raise Refused(_("%(number)s is already in Books.") % {"number": invoice.number}, code="already_pushed")
    Invoice.objects.filter(pk=invoice.pk).update(push_claimed_until=None)
    return invoice_push(invoice.pk)


def pending_pushes(*, older_than: dt.timedelta = dt.timedelta(minutes=2)) -> list[tuple[str, int]]:
    """Rows still pending after a while (their task was lost): the sweep task pushes them again."""
    cutoff = timezone.now() - older_than
    invoices = Invoice.objects.filter(state=State.PENDING_PUSH, books_id="", created_at__lt=cutoff).values_list(
        "pk", flat=True
    )
    payments = Payment.objects.filter(state=Payment.State.PENDING_PUSH, created_at__lt=cutoff).values_list(
        "pk", flat=True
    )
    return [("invoice", pk) for pk in invoices] + [("payment", pk) for pk in payments]


# --- Refresh from Books (INV-5) --------------------------------------------------------------------------------------


def invoice_refresh(*, invoice: Invoice, connector=None, min_age: dt.timedelta | None = None) -> Invoice:
    """Status, balance and payments from Books. ``min_age`` skips the call when refreshed more recently."""
    if not invoice.books_id:
        return invoice
    if min_age and invoice.refreshed_at and timezone.now() - invoice.refreshed_at < min_age:
        return invoice
    organization = invoice.organization
    with booksmod.books(organization, connector) as client:
        found = client.get_invoice(invoice.books_id)
        paid_in_books = (found.total or ZERO) - (found.balance or ZERO) if found.status != "void" else ZERO
        recorded = _recorded_payments(invoice)
        remote_payments = []
        if paid_in_books > recorded:
            since = dt.datetime.combine(invoice.date, dt.time.min, tzinfo=dt.UTC) - dt.timedelta(days=1)
            remote_payments = new_books_payments(organization, client, since=since, customer_id=found.customer_id)
    for payment in remote_payments:
        payment_from_books(organization=organization, found=payment)
    invoice_apply_books_state(invoice=invoice, found=found)
    invoice.refresh_from_db()
    return invoice


def new_books_payments(organization, client, *, since, customer_id: str | None = None) -> list[remote.Payment]:
    """Full records of Books payments changed since then that FSM does not hold yet (list rows are summaries)."""
    known = set(
        Payment.objects.filter(organization=organization).exclude(books_id="").values_list("books_id", flat=True)
    )
    result = []
    for page in client.list_payments(changed_since=since):
        for row in page.items:
            if not row.payment_id or row.payment_id in known or (customer_id and row.customer_id != customer_id):
                continue
            result.append(row if row.invoices else client.get_payment(row.payment_id))
    return result


def _recorded_payments(invoice: Invoice) -> Decimal:
    return (
        PaymentAllocation.objects.filter(invoice=invoice)
        .exclude(payment__state=Payment.State.FAILED)
        .aggregate(total=Sum("amount"))["total"]
        or ZERO
    )


def invoice_apply_books_state(*, invoice: Invoice, found: remote.Invoice) -> Invoice:
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        was_void = invoice.state == State.VOID
        _apply_remote_invoice(invoice, found)
        invoice.refreshed_at = timezone.now()
        invoice.save()
        if invoice.state == State.VOID and not was_void:
            _release_work_order_lines(invoice, actor=None)
    return invoice


def payment_from_books(*, organization: Organization, found: remote.Payment) -> Payment | None:
    """A payment recorded in Books (PAY-5), applied to FSM invoices: recorded once, keyed by its Books id."""
    if not found.payment_id:
        return None
    reference = found.reference_number or ""
    if reference.startswith("FSM-PAY-"):  # one of ours coming back: link it, never record it twice
        own_id = reference[len("FSM-PAY-") :].split(" ", 1)[0]
        if own_id.isdigit():
            Payment.objects.filter(organization=organization, pk=int(own_id), books_id="").update(
                books_id=found.payment_id, state=Payment.State.RECORDED
            )
            if Payment.objects.filter(organization=organization, pk=int(own_id)).exists():
                return None
    applications = [
        (invoice, application.amount_applied)
        for application in found.invoices
        for invoice in Invoice.objects.filter(organization=organization, books_id=application.invoice_id)
    ]
    if not applications:
        return None
    if Payment.objects.filter(organization=organization, books_id=found.payment_id).exists():
        return None
    customer = applications[0][0]
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                organization=organization,
                company=customer.company,
                contact=customer.contact,
                amount=found.amount,
                unused_amount=found.unused_amount or ZERO,
                date=found.date,
                mode=found.payment_mode or "others",
                reference=(found.reference_number or "")[:100],
                source=Payment.Source.BOOKS,
                idempotency_key=f"books:{found.payment_id}",
                state=Payment.State.RECORDED,
                books_id=found.payment_id,
            )
            for invoice, amount in applications:
                PaymentAllocation.objects.create(
                    organization=organization, payment=payment, invoice=invoice, amount=amount
                )
    except IntegrityError:
        return None  # recorded meanwhile by another worker, or it is one of ours coming back
    return payment


# --- Edit, send, void, PDF (INV-6) -----------------------------------------------------------------------------------


EDITABLE = ("date", "due_date", "payment_term", "salesperson_name", "notes", "share_with_person_id")


def invoice_update(*, invoice: Invoice, actor, data: dict, connector=None) -> Invoice:
    """Edit a draft (header fields, and per-line quantity, rate, discount and tax), then push the change to Books."""
    if invoice.state not in (State.DRAFT, State.PENDING_PUSH):
        raise Refused(
            _("%(number)s is %(state)s; only draft invoices can be edited.")
            % {"number": invoice.number, "state": invoice.get_state_display().lower()},
            code="not_draft",
        )
    organization = invoice.organization
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        for name in EDITABLE:
            if name not in data:
                continue
            value = data[name]
            if name == "payment_term":
                if value is not None and value.organization_id != organization.pk:
                    raise ValidationError({"payment_term": [_("Not found.")]})
                invoice.payment_term = value
                if value is not None:
                    invoice.payment_terms_days, invoice.payment_terms_label = value.days, value.label
                    if "due_date" not in data:
                        invoice.due_date = (data.get("date") or invoice.date) + dt.timedelta(days=value.days)
            else:
                setattr(
                    invoice, name, value or ("" if name != "date" and name != "due_date" else getattr(invoice, name))
                )
        if invoice.due_date < invoice.date:
            raise ValidationError({"due_date": [_("The due date cannot be before the invoice date.")]})
        for line_id, changes in (data.get("lines") or {}).items():
            line = invoice.lines.filter(pk=int(line_id)).first()
            if line is None:
                raise ValidationError({"lines": [_("Not found.")]})
            for name in ("quantity", "rate", "discount_percent", "tax", "description"):
                if name in changes:
                    value = changes[name]
                    if name == "tax" and value is not None and value.organization_id != organization.pk:
                        raise ValidationError({"lines": [_("Not found.")]})
                    if name in ("quantity", "rate") and value is not None and value < 0:
                        raise ValidationError({"lines": [_("Quantity and rate cannot be negative.")]})
                    if name == "discount_percent" and value is not None and not ZERO <= value <= 100:
                        raise ValidationError({"lines": [_("Discount must be between 0 and 100 percent.")]})
                    setattr(line, name, value)
            line.updated_by = actor
            line.save()
        _recompute_invoice(invoice)
        invoice.updated_by = actor
        invoice.save()
        fire_workflow_rules(organization=organization, module="invoices", event="updated", record=invoice, actor=actor)
    if invoice.books_id:
        try:
            with booksmod.books(organization, connector) as client:
                customer_id = _remote_customer(organization, invoice.customer, client)
                payload = _remote_invoice(invoice, client, customer_id=customer_id)
                found = client.update_invoice(invoice.books_id, payload)
        except remote.FinanceError as exc:
            raise Refused(
                _("Saved in FSM, but Books did not take the change: %(why)s") % {"why": booksmod.describe(exc)},
                code="books_refused",
            ) from exc
        invoice_apply_books_state(invoice=invoice, found=found)
        invoice.refresh_from_db()
    return invoice


def _require_books(invoice: Invoice, what: str) -> None:
    if not invoice.books_id:
        raise Refused(
            _("%(number)s is not in Books yet, so it cannot be %(what)s. Wait for the push, or push it again.")
            % {"number": invoice.number, "what": what},
            code="not_pushed",
        )


def invoice_send(*, invoice: Invoice, actor, to: Sequence[str] | None = None, connector=None) -> Invoice:
    """Have Books email the invoice (PDF attached by Books) with the payment link; it becomes sent (INV-6, PAY-1)."""
    from invoicing.payment_links import payment_url

    _require_books(invoice, _("sent"))
    if invoice.state == State.VOID:
        raise Refused(_("%(number)s is void and cannot be sent.") % {"number": invoice.number}, code="invoice_void")
    recipients = [address for address in (to or [invoice.share_with_email]) if address]
    if not recipients:
        raise Refused(
            _("Nobody to send %(number)s to: the customer has no email and no contact person. Enter an address.")
            % {"number": invoice.number},
            code="no_recipient",
        )
    link = payment_url(invoice)
    body = _(
        "Dear customer,<br><br>Please find invoice %(number)s of %(total)s %(currency)s attached, due on %(due)s."
        '<br><br>Pay online: <a href="%(link)s">%(link)s</a><br><br>Thank you for your business.'
    ) % {
        "number": invoice.number,
        "total": quantize(invoice.total, _places(invoice.currency)),
        "currency": invoice.currency.code if invoice.currency_id else invoice.organization.base_currency,
        "due": invoice.due_date.isoformat(),
        "link": link,
    }
    subject = _("Invoice %(number)s from %(org)s") % {"number": invoice.number, "org": invoice.organization.name}
    try:
        with booksmod.books(invoice.organization, connector) as client:
            client.email_invoice(invoice.books_id, to=recipients, subject=subject, body=body)
            found = client.get_invoice(invoice.books_id)
    except remote.FinanceError as exc:
        raise Refused(
            _("Books did not send %(number)s: %(why)s") % {"number": invoice.number, "why": booksmod.describe(exc)},
            code="books_refused",
        ) from exc
    invoice_apply_books_state(invoice=invoice, found=found)
    Invoice.objects.filter(pk=invoice.pk).update(sent_at=timezone.now(), updated_by=actor)
    invoice.refresh_from_db()
    return invoice


def _release_work_order_lines(invoice: Invoice, *, actor) -> None:
    """The work-order lines of a void invoice become void (the work order service's contract)."""
    line_ids = list(invoice.lines.exclude(work_order_line=None).values_list("work_order_line_id", flat=True))
    if invoice.work_order_id and line_ids:
        work_order_lines_set_billing_status(
            work_order=invoice.work_order, line_ids=line_ids, billing_status=Billing.VOID, actor=actor
        )


def invoice_void(*, invoice: Invoice, actor, connector=None) -> Invoice:
    if invoice.state == State.VOID:
        return invoice
    if _recorded_payments(invoice) > 0:
        raise Refused(
            _("%(number)s has payments recorded, so it cannot be voided. Delete or refund the payments in Books first.")
            % {"number": invoice.number},
            code="has_payments",
        )
    found = None
    if invoice.books_id:
        try:
            with booksmod.books(invoice.organization, connector) as client:
                client.void_invoice(invoice.books_id)
                found = client.get_invoice(invoice.books_id)
        except remote.FinanceError as exc:
            raise Refused(
                _("Books did not void %(number)s: %(why)s") % {"number": invoice.number, "why": booksmod.describe(exc)},
                code="books_refused",
            ) from exc
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if found is not None:
            _apply_remote_invoice(invoice, found)
        invoice.state = State.VOID
        invoice.balance = ZERO
        invoice.voided_at = timezone.now()
        invoice.updated_by = actor
        invoice.save()
        _release_work_order_lines(invoice, actor=actor)
    return invoice


def invoice_pdf(*, invoice: Invoice, connector=None) -> bytes:
    """Books' PDF when Books gives one, else our own from FSM data (the sandbox renders none)."""
    if invoice.books_id:
        try:
            with booksmod.books(invoice.organization, connector) as client:
                data = client.get_invoice_pdf(invoice.books_id)
            if isinstance(data, (bytes, bytearray)) and bytes(data[:5]) == b"%PDF-":
                return bytes(data)
        except remote.FinanceError:
            logger.info("Books gave no PDF for invoice %s; rendering our own.", invoice.pk)
    from invoicing.pdf import render_invoice_pdf

    return render_invoice_pdf(invoice)


# --- Payments (PAY-3, PAY-4) -----------------------------------------------------------------------------------------


def open_invoices(organization: Organization, party):
    """The customer's invoices that can take a payment, oldest due first."""
    return (
        Invoice.objects.filter(organization=organization, **_party_fields(party), balance__gt=0)
        .exclude(state__in=[State.VOID, State.PAID, State.PENDING_PUSH])
        .order_by("due_date", "pk")
    )


def payment_record(
    *,
    organization: Organization,
    actor,
    party=None,
    amount: Decimal,
    date: dt.date | None = None,
    mode: str = Payment.Mode.CASH,
    reference: str = "",
    allocations: Sequence[tuple[Invoice, Decimal]] | None = None,
    surplus_as_credit: bool = False,
    idempotency_key: str | None = None,
    source: str = Payment.Source.MANUAL,
    push: bool = True,
) -> Payment:
    """Record a customer payment and apply it to invoices (PAY-4).

    ``allocations`` name the invoices and amounts; without them the amount goes to the customer's open invoices,
    oldest due first. An amount above an invoice's balance is refused; an amount left over after the open invoices is
    refused unless ``surplus_as_credit`` (then Books keeps it as the customer's unused credit). The same
    ``idempotency_key`` records the payment once however often it is sent.
    """
    key = idempotency_key or f"manual:{uuid.uuid4().hex}"
    existing = Payment.objects.filter(organization=organization, idempotency_key=key).first()
    if existing is not None:
        return existing
    if amount is None or amount <= 0:
        raise ValidationError({"amount": [_("Enter an amount above zero.")]})
    if allocations:
        invoices = [invoice for invoice, _amount in allocations]
        party = party or invoices[0].customer
    if party is None:
        raise ValidationError({"customer": [_("Choose the customer who paid.")]})
    with transaction.atomic():
        if allocations:
            chosen = []
            for invoice, applied in allocations:
                invoice = Invoice.objects.select_for_update().get(pk=invoice.pk, organization=organization)
                if invoice.customer != party:
                    raise ValidationError(
                        {"allocations": [_("%(number)s belongs to another customer.") % {"number": invoice.number}]}
                    )
                chosen.append((invoice, applied))
        else:
            remaining = amount
            chosen = []
            for invoice in open_invoices(organization, party).select_for_update():
                if remaining <= 0:
                    break
                applied = min(remaining, invoice.balance)
                chosen.append((invoice, applied))
                remaining -= applied
        for invoice, applied in chosen:
            if not invoice.accepts_payment:
                raise Refused(
                    _("%(number)s is %(state)s and takes no payment.")
                    % {"number": invoice.number, "state": invoice.get_state_display().lower()},
                    code="invoice_not_open",
                )
            if applied <= 0:
                raise ValidationError({"allocations": [_("Each amount applied must be above zero.")]})
            if applied > invoice.balance:
                raise Refused(
                    _(
                        "%(amount)s is more than the balance of %(number)s (%(balance)s). Lower the amount applied to "
                        "it; to pay more, apply the rest to other invoices or keep it as a credit."
                    )
                    % {
                        "amount": applied,
                        "number": invoice.number,
                        "balance": quantize(invoice.balance, _places(invoice.currency)),
                    },
                    code="overpayment",
                )
        applied_total = sum((applied for _invoice, applied in chosen), ZERO)
        if applied_total > amount:
            raise ValidationError({"amount": [_("The amounts applied add up to more than the payment.")]})
        surplus = amount - applied_total
        if surplus > 0 and not surplus_as_credit:
            raise Refused(
                _(
                    "%(surplus)s of this payment is not applied to any open invoice. Lower the amount, apply it to "
                    "more invoices, or keep the rest as a credit for the customer."
                )
                % {"surplus": surplus},
                code="unapplied_surplus",
            )
        try:
            with transaction.atomic():
                payment = Payment.objects.create(
                    organization=organization,
                    **_party_fields(party),
                    amount=amount,
                    unused_amount=surplus,
                    date=date or booksmod.today(organization),
                    mode=mode,
                    reference=reference[:100],
                    source=source,
                    idempotency_key=key,
                    created_by=actor,
                    updated_by=actor,
                )
        except IntegrityError:
            return Payment.objects.get(organization=organization, idempotency_key=key)
        for invoice, applied in chosen:
            PaymentAllocation.objects.create(
                organization=organization, payment=payment, invoice=invoice, amount=applied
            )
            invoice.amount_paid += applied
            invoice.balance -= applied
            if invoice.balance <= 0:
                invoice.state = State.PAID
            elif invoice.state in (State.DRAFT, State.SENT):
                invoice.state = State.PARTIALLY_PAID
            invoice.save(update_fields=["amount_paid", "balance", "state", "updated_at"])
    if push:
        payment_push(payment.pk)
        payment.refresh_from_db()
    return payment


def payment_push(payment_id: int, *, connector=None) -> Payment:
    """Record the payment in Books, applied to its invoices; then read the invoices' status back (PAY-3)."""
    payment = _claim(Payment, payment_id, lambda row: row.state == Payment.State.PENDING_PUSH)
    if payment is None:
        return Payment.objects.get(pk=payment_id)
    organization = payment.organization
    allocations = list(payment.allocations.select_related("invoice"))
    try:
        with booksmod.books(organization, connector) as client:
            customer_id = _remote_customer(organization, payment.customer, client)
            created = client.create_payment(
                remote.Payment(
                    customer_id=customer_id,
                    amount=payment.amount,
                    date=payment.date,
                    payment_mode=payment.mode,
                    reference_number=payment.reference_for_books,
                    invoices=tuple(
                        remote.PaymentApplication(invoice_id=a.invoice.books_id, amount_applied=a.amount)
                        for a in allocations
                    ),
                ),
                lookup_key=remote.LookupKey("reference_number", payment.reference_for_books),
            )
            refreshed = [client.get_invoice(a.invoice.books_id) for a in allocations]
    except Exception as exc:
        _push_failed(Payment, payment, exc, task="invoicing.tasks.push_payment")
        if isinstance(exc, remote.FinanceError) and not exc.retryable:
            Payment.objects.filter(pk=payment.pk).update(state=Payment.State.FAILED)
            _undo_allocations(payment)
        elif not isinstance(exc, (remote.FinanceError, RecordFailure)):
            raise
        payment.refresh_from_db()
        return payment
    with transaction.atomic():
        Payment.objects.filter(pk=payment.pk).update(
            books_id=created.payment_id or "",
            state=Payment.State.RECORDED,
            push_error="",
            push_claimed_until=None,
            unused_amount=created.unused_amount if created.unused_amount is not None else payment.unused_amount,
        )
        if created.payment_id:
            _save_link(organization, "payment", payment.pk, created.payment_id)
    for allocation, found in zip(allocations, refreshed, strict=True):
        invoice_apply_books_state(invoice=allocation.invoice, found=found)
    payment.refresh_from_db()
    return payment


def _undo_allocations(payment: Payment) -> None:
    """Books refused the payment for good: the invoices' local balances go back to what Books holds."""
    with transaction.atomic():
        for allocation in payment.allocations.select_related("invoice"):
            invoice = Invoice.objects.select_for_update().get(pk=allocation.invoice_id)
            invoice.amount_paid -= allocation.amount
            invoice.balance += allocation.amount
            if invoice.state == State.PAID or (invoice.state == State.PARTIALLY_PAID and invoice.amount_paid <= 0):
                invoice.state = State.SENT
            invoice.save(update_fields=["amount_paid", "balance", "state", "updated_at"])


def gateway_payment_record(*, session: GatewaySession, amount: Decimal) -> Payment | None:
    """A successful online payment (PAY-3): recorded once per gateway session, whoever notifies how often."""
    key = f"{session.gateway}:{session.session_id}"
    organization = session.organization
    existing = Payment.objects.filter(organization=organization, idempotency_key=key).first()
    if existing is not None:
        return existing
    invoice = session.invoice
    invoice.refresh_from_db()
    applied = min(amount, invoice.balance) if invoice.accepts_payment else ZERO
    payment = payment_record(
        organization=organization,
        actor=None,
        party=invoice.customer,
        amount=amount,
        mode=Payment.Mode.CREDIT_CARD,
        reference=f"{session.gateway} {session.session_id}"[:100],
        allocations=[(invoice, applied)] if applied > 0 else None,
        surplus_as_credit=True,
        idempotency_key=key,
        source=Payment.Source.GATEWAY,
    )
    GatewaySession.objects.filter(pk=session.pk).update(status="succeeded", payment=payment)
    return payment


# --- Estimates (REC-6, INV-7) ----------------------------------------------------------------------------------------


def _estimate_lines(organization, party, lines_data: Sequence[dict], *, service_address=None):
    """Validated line values with the tax prefilled from customer and item (TAX-5) when not given."""
    sync_type = sync_type_of(organization)
    customer = taxprefill.customer_for_taxes(party, sync_type) if party is not None else None
    org_profile = taxprefill.org_tax_profile(organization)
    customer_profile = taxprefill.customer_tax_profile(customer, service_address=service_address) if customer else None
    catalog = taxprefill.tax_catalog_for(organization)
    result = []
    for index, data in enumerate(lines_data):
        item = data.get("item")
        if not isinstance(item, ServicePart) or item.organization_id != organization.pk:
            raise ValidationError({f"lines[{index}].item": [_("Choose a service or part.")]})
        quantity = data.get("quantity") if data.get("quantity") is not None else Decimal("1")
        rate = data.get("rate") if data.get("rate") is not None else item.rate
        discount = data.get("discount_percent") or ZERO
        if quantity < 0 or rate < 0 or not ZERO <= discount <= 100:
            raise ValidationError({f"lines[{index}]": [_("Quantity and rate must be 0 or more, discount 0 to 100%.")]})
        if "tax" in data:
            tax = data["tax"]
            if tax is not None and tax.organization_id != organization.pk:
                raise ValidationError({f"lines[{index}].tax": [_("Not found.")]})
        else:
            decision = taxprefill.prefill_line_tax(
                org=org_profile, customer=customer_profile, item=taxprefill.item_tax_profile(item), catalog=catalog
            )
            tax = Tax.objects.filter(pk=decision.tax_id).first() if decision.tax_id else None
        result.append(
            {
                "item": item,
                "description": data.get("description") or item.description,
                "quantity": quantity,
                "rate": rate,
                "discount_percent": discount,
                "tax": tax,
            }
        )
    if not result:
        raise ValidationError({"lines": [_("Add at least one line.")]})
    return result


def estimate_create(*, organization: Organization, actor, data: dict, push: bool = True) -> Estimate:
    """Create an estimate (customer, lines with prefilled taxes) and push it to Books as an estimate (INV-7)."""
    ensure_finance_available(organization)
    company, contact = data.get("company"), data.get("contact")
    for name, value in (("company", company), ("contact", contact)):
        if value is not None and value.organization_id != organization.pk:
            raise ValidationError({name: [_("Not found.")]})
    party = billing_party(company=company, contact=contact)
    if party is None:
        raise ValidationError({"company": [_("Choose a company or a contact.")]})
    prefill = prefill_for(organization=organization, actor=actor, party=party)
    with transaction.atomic():
        lines = _estimate_lines(
            organization, party, data.get("lines") or [], service_address=data.get("service_address")
        )
        date = data.get("date") or prefill.date
        estimate = Estimate.objects.create(
            organization=organization,
            number=next_document_number(organization=organization, kind="estimate", prefix=ESTIMATE_PREFIX),
            **_party_fields(party),
            summary=(data.get("summary") or "")[:255],
            date=date,
            expiry_date=data.get("expiry_date") or date + dt.timedelta(days=30),
            salesperson_name=data.get("salesperson_name", prefill.salesperson_name) or "",
            currency=prefill.currency,
            billing_address=prefill.billing_address,
            service_address=data.get("service_address") or (party.service_address or {}),
            notes=data.get("notes") or "",
            created_by=actor,
            updated_by=actor,
        )
        if contact is not None and estimate.company_id and contact.company_id == estimate.company_id:
            estimate.contact = contact
        places = _places(estimate.currency)
        amounts = []
        for position, values in enumerate(lines, start=1):
            line = EstimateLine(organization=organization, estimate=estimate, position=position, **values)
            result = line_amounts(line.quantity, line.rate, line.discount_percent, line.tax, places)
            line.amount, line.tax_amount = result.amount, result.tax_total
            line.save()
            amounts.append(result)
        totals = document_totals(amounts, places)
        estimate.sub_total, estimate.tax_total, estimate.total = totals.sub_total, totals.tax_total, totals.total
        estimate.save()
    if push:
        estimate_push(estimate.pk)
        estimate.refresh_from_db()
    return estimate


def estimate_push(estimate_id: int, *, connector=None) -> Estimate:
    estimate = Estimate.objects.get(pk=estimate_id)
    if estimate.books_id:
        return estimate
    organization = estimate.organization
    Estimate.objects.filter(pk=estimate.pk).update(push_attempts=F("push_attempts") + 1)
    try:
        with booksmod.books(organization, connector) as client:
            matches = client.find_estimates(estimate_number=estimate.number) if estimate.push_attempts else []
            found = client.get_estimate(matches[0].estimate_id) if matches else None
            if found is None:
                customer_id = _remote_customer(organization, estimate.customer, client)
                payload = remote.Estimate(
                    customer_id=customer_id,
                    estimate_number=estimate.number,
                    date=estimate.date,
                    expiry_date=estimate.expiry_date,
                    salesperson_name=estimate.salesperson_name or None,
                    currency_id=_currency_id(organization, estimate.currency, client),
                    notes=estimate.notes or None,
                    line_items=_remote_lines(organization, estimate.lines.select_related("item", "tax"), client),
                )
                found = client.create_estimate(payload, lookup_key=remote.LookupKey("estimate_number", estimate.number))
    except Exception as exc:
        Estimate.objects.filter(pk=estimate.pk).update(push_error=booksmod.describe(exc)[:2000])
        if isinstance(exc, remote.FinanceError) and exc.retryable:
            with transaction.atomic():
                _schedule("invoicing.tasks.push_estimate", estimate.pk)
        elif not isinstance(exc, (remote.FinanceError, RecordFailure)):
            raise
        estimate.refresh_from_db()
        return estimate
    Estimate.objects.filter(pk=estimate.pk).update(
        books_id=found.estimate_id or "", books_status=found.status or "", push_error=""
    )
    if found.estimate_id:
        _save_link(organization, "estimate", estimate.pk, found.estimate_id)
    estimate.refresh_from_db()
    return estimate


ESTIMATE_ACTIONS = {
    "sent": ("mark_estimate_sent", (Estimate.Status.DRAFT, Estimate.Status.SENT)),
    "accepted": ("mark_estimate_accepted", (Estimate.Status.SENT,)),
    "declined": ("mark_estimate_declined", (Estimate.Status.SENT,)),
}


def estimate_set_status(*, estimate: Estimate, actor, status: str, connector=None) -> Estimate:
    """Mark an estimate sent, accepted or declined, in Books as well (an accepted one can then be converted)."""
    if status not in ESTIMATE_ACTIONS:
        raise ValidationError({"status": [_("Choose sent, accepted or declined.")]})
    method, allowed_from = ESTIMATE_ACTIONS[status]
    if estimate.status not in allowed_from:
        raise Refused(
            _("An estimate that is %(current)s cannot be marked %(new)s.")
            % {"current": estimate.get_status_display().lower(), "new": Estimate.Status(status).label.lower()},
            code="invalid_transition",
        )
    if estimate.books_id:
        try:
            with booksmod.books(estimate.organization, connector) as client:
                getattr(client, method)(estimate.books_id)
        except remote.FinanceError as exc:
            raise Refused(
                _("Books did not change the estimate: %(why)s") % {"why": booksmod.describe(exc)},
                code="books_refused",
            ) from exc
    Estimate.objects.filter(pk=estimate.pk).update(status=status, books_status=status, updated_by=actor)
    estimate.refresh_from_db()
    return estimate


def estimate_convert(*, estimate: Estimate, actor) -> WorkOrder:
    """An accepted estimate becomes a work order with the same lines (REC-6); done once."""
    with transaction.atomic():
        estimate = Estimate.objects.select_for_update().get(pk=estimate.pk)
        if estimate.work_order_id:
            return estimate.work_order
        if estimate.status != Estimate.Status.ACCEPTED:
            raise Refused(
                _("Only an accepted estimate can become a work order; %(number)s is %(status)s.")
                % {"number": estimate.number, "status": estimate.get_status_display().lower()},
                code="not_accepted",
            )
        work_order = work_order_create(
            organization=estimate.organization,
            actor=actor,
            data={
                "summary": estimate.summary or _("Work from estimate %(number)s") % {"number": estimate.number},
                "company": estimate.company,
                "contact": estimate.contact,
                "service_address": estimate.service_address or {},
                "billing_address": estimate.billing_address or {},
                "notes": estimate.notes,
                "lines": [
                    {
                        "item": line.item,
                        "description": line.description,
                        "quantity": line.quantity,
                        "rate": line.rate,
                        "discount_percent": line.discount_percent,
                        "tax": line.tax,
                    }
                    for line in estimate.lines.select_related("item", "tax")
                ],
            },
        )
        estimate.work_order = work_order
        estimate.status = Estimate.Status.CONVERTED
        estimate.updated_by = actor
        estimate.save(update_fields=["work_order", "status", "updated_by", "updated_at"])
    return work_order


# --- Invoice mapping (INV-3) -----------------------------------------------------------------------------------------


def work_order_field_choices(organization: Organization) -> list[tuple[str, str]]:
    choices = [(name, str(label)) for name, label in WORK_ORDER_FIELDS.items()]
    for definition in CustomField.objects.filter(organization=organization, module="work_orders"):
        if definition.is_pii or definition.is_ephi:
            continue  # personal and health data never leave FSM through a mapping (SYN-5)
        choices.append((f"cf:{definition.api_name}", definition.label))
    return choices


def invoice_mapping_save(*, organization: Organization, actor, books_fields: Sequence, values: dict[str, str]) -> None:
    """Set the mapping: ``values`` is {Books customfield_id: work-order field or ""}; mandatory fields need one."""
    allowed = {name for name, _label in work_order_field_choices(organization)}
    errors = {}
    for definition in books_fields:
        chosen = values.get(definition.customfield_id, "")
        if chosen and chosen not in allowed:
            errors[definition.customfield_id] = [_("Choose a work-order field from the list.")]
        elif definition.is_mandatory and not chosen:
            errors[definition.customfield_id] = [
                _("%(label)s is mandatory in Books: map a work-order field to it.") % {"label": definition.label}
            ]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        for definition in books_fields:
            chosen = values.get(definition.customfield_id, "")
            if chosen:
                InvoiceMapping.objects.update_or_create(
                    organization=organization,
                    books_customfield_id=definition.customfield_id,
                    defaults={
                        "work_order_field": chosen,
                        "books_api_name": definition.api_name,
                        "books_label": definition.label,
                        "updated_by": actor,
                    },
                )
            else:
                InvoiceMapping.objects.filter(
                    organization=organization, books_customfield_id=definition.customfield_id
                ).delete()


# --- Taxes page ------------------------------------------------------------------------------------------------------


def tax_update(*, tax: Tax, actor, rate: Decimal | None = None, is_active: bool | None = None) -> Tax:
    if rate is not None:
        if not ZERO <= rate <= 100:
            raise ValidationError({"rate": [_("A rate is between 0 and 100 percent.")]})
        tax.rate = rate
    if is_active is not None:
        tax.is_active = is_active
    tax.updated_by = actor
    tax.save()
    return tax


# --- Search in Books and fetch (FIN-6) -------------------------------------------------------------------------------


def books_fetch_customer(*, organization: Organization, actor, remote_id: str, connector=None):
    """Create the FSM company (business) or contact (individual) of a Books customer, linked; never twice."""
    from sync.engine_models import SyncLink

    existing = SyncLink.objects.filter(
        organization=organization, kind__in=["company", "contact"], remote_id=remote_id
    ).first()
    if existing is not None and existing.local_id:
        model = Company if existing.kind == "company" else Contact
        found = model.objects.filter(organization=organization, pk=existing.local_id).first()
        if found is not None:
            return found
    with booksmod.books(organization, connector) as client:
        customer = client.get_contact(remote_id)
    address = _address_dict(customer.billing_address)
    with transaction.atomic():
        if (customer.customer_sub_type or "business") == "individual":
            person = next((p for p in customer.contact_persons if p.is_primary_contact), None)
            first = (person.first_name if person else "") or ""
            last = (person.last_name if person else "") or customer.contact_name
            record = Contact.objects.create(
                organization=organization,
                first_name=first,
                last_name=last,
                email=customer.email or "",
                phone=customer.phone or "",
                billing_address=address,
                created_by=actor,
                updated_by=actor,
            )
            kind = "contact"
        else:
            record = Company.objects.create(
                organization=organization,
                name=customer.company_name or customer.contact_name,
                email=customer.email or "",
                phone=customer.phone or "",
                billing_address=address,
                service_address=_address_dict(customer.shipping_address),
                created_by=actor,
                updated_by=actor,
            )
            kind = "company"
        # Linked without a base: the next sync compares both sides and writes only what differs.
        SyncLink.objects.create(
            organization=organization, kind=kind, local_id=record.pk, remote_id=remote_id, state=SyncLink.State.LINKED
        )
    return record


def books_fetch_item(*, organization: Organization, actor, remote_id: str, connector=None) -> ServicePart:
    from sync.engine_models import SyncLink

    existing = SyncLink.objects.filter(organization=organization, kind="item", remote_id=remote_id).first()
    if existing is not None and existing.local_id:
        found = ServicePart.objects.filter(organization=organization, pk=existing.local_id).first()
        if found is not None:
            return found
    with booksmod.books(organization, connector) as client:
        item = client.get_item(remote_id)
    with transaction.atomic():
        record = ServicePart.objects.create(
            organization=organization,
            name=item.name,
            kind=ServicePart.Kind.PART if item.product_type == "goods" else ServicePart.Kind.SERVICE,
            description=item.description or "",
            rate=item.rate or ZERO,
            sku=item.sku or "",
            unit=item.unit or "",
            created_by=actor,
            updated_by=actor,
        )
        SyncLink.objects.create(
            organization=organization, kind="item", local_id=record.pk, remote_id=remote_id, state=SyncLink.State.LINKED
        )
    return record


def _address_dict(address) -> dict:
    if address is None:
        return {}
    keys = ("attention", "address", "street2", "city", "state", "state_code", "zip", "country", "phone", "fax")
    return {key: getattr(address, key) for key in keys if getattr(address, key, None)}


def member_names(organization: Organization) -> list[str]:
    return [
        (m.user.get_full_name() or m.user.username)
        for m in Membership.objects.filter(organization=organization, is_active=True).select_related("user")
    ]
