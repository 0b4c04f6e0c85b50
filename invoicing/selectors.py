"""Reads of invoicing: lists, the dashboard figures, the receivables summary (FIN-9), reports (UI-2) and the search
in Books (FIN-6)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from fsmbilling.models import Company, Contact, Organization, WorkOrder, WorkOrderLine
from fsmbilling.search import (
    ESTIMATE,
    INVOICE,
    apply_search,
    customer_search,
    either,
    found,
    work_order_found,
)
from fsmbilling.selectors.common import order
from invoicing import books as booksmod
from invoicing.models import Estimate, Invoice, Payment, PaymentAllocation
from sync.connectors import base as remote

ZERO = Decimal("0")


def invoice_list(*, organization: Organization, search: str = "", filters: dict | None = None, ordering: str = ""):
    filters = filters or {}
    queryset = Invoice.objects.filter(organization=organization).select_related("company", "contact", "currency")
    if search:
        queryset = apply_search(queryset, invoice_search(organization, search))
    if filters.get("state"):
        queryset = queryset.filter(state=filters["state"])
    if filters.get("status"):
        queryset = queryset.filter(state=filters["status"])
    if filters.get("company"):
        queryset = queryset.filter(company_id=_int(filters["company"]))
    if filters.get("contact"):
        queryset = queryset.filter(contact_id=_int(filters["contact"]))
    if filters.get("work_order"):
        queryset = queryset.filter(work_order_id=_int(filters["work_order"]))
    if filters.get("modified_after"):
        queryset = queryset.filter(updated_at__gt=filters["modified_after"])
    return order(queryset, ordering, ("-id",))


def estimate_list(*, organization: Organization, search: str = "", filters: dict | None = None, ordering: str = ""):
    filters = filters or {}
    queryset = Estimate.objects.filter(organization=organization).select_related("company", "contact", "currency")
    if search:
        queryset = apply_search(queryset, estimate_search(organization, search))
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("modified_after"):
        queryset = queryset.filter(updated_at__gt=filters["modified_after"])
    return order(queryset, ordering, ("-id",))


def payment_list(*, organization: Organization, search: str = "", filters: dict | None = None, ordering: str = ""):
    filters = filters or {}
    queryset = Payment.objects.filter(organization=organization).select_related("company", "contact")
    if search:
        queryset = queryset.filter(Q(reference__icontains=search) | Q(company__name__icontains=search))
    if filters.get("status"):
        queryset = queryset.filter(state=filters["status"])
    if filters.get("invoice"):
        queryset = queryset.filter(allocations__invoice_id=_int(filters["invoice"]))
    if filters.get("modified_after"):
        queryset = queryset.filter(updated_at__gt=filters["modified_after"])
    return order(queryset.prefetch_related("allocations"), ordering, ("-date", "-id"))


def invoice_search(organization: Organization, text: str) -> Q | None:
    """Number (word start or end), Books number, the customer's searched fields, or the work order's number or
    summary; each through its table's index (fsmbilling/search.py, migration fsmbilling 0003)."""
    return either(
        found("pk", Invoice, organization, INVOICE, text, identifier="number"),
        customer_search(organization, text),
        work_order_found("work_order_id", organization, text),
    )


def estimate_search(organization: Organization, text: str) -> Q | None:
    """Number (word start or end) or the customer's searched fields."""
    return either(
        found("pk", Estimate, organization, ESTIMATE, text, identifier="number"),
        customer_search(organization, text),
    )


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def invoice_dashboard_figures(*, organization: Organization) -> dict:
    today = booksmod.today(organization)
    figures = Invoice.objects.filter(organization=organization).aggregate(
        due=Count("id", filter=Q(state__in=[Invoice.State.SENT, Invoice.State.PARTIALLY_PAID], due_date__gte=today)),
        overdue=Count(
            "id",
            filter=Q(state=Invoice.State.OVERDUE)
            | Q(state__in=[Invoice.State.SENT, Invoice.State.PARTIALLY_PAID], due_date__lt=today),
        ),
    )
    return {"invoices_due": figures["due"], "invoices_overdue": figures["overdue"]}


# --- Receivables summary (FIN-9) --------------------------------------------------------------------------------------


def receivables_summary(organization: Organization, record) -> dict | None:
    """Outstanding receivables and unused credits of the Books customer linked to a company or contact.

    None when the record is not linked; ``{"error": ...}`` when Books cannot be asked now.
    """
    from invoicing.services import billing_party, linked_customer_id

    if isinstance(record, Contact) and record.company_id:
        party = billing_party(company=None, contact=record)
    else:
        party = record
    if not isinstance(party, (Company, Contact)) or party.organization_id != organization.pk:
        return None
    customer_id = linked_customer_id(organization, party)
    if not customer_id:
        return None
    try:
        with booksmod.books(organization) as client:
            customer = client.get_contact(customer_id)
    except remote.FinanceError as exc:
        return {"error": booksmod.describe(exc)}
    return {
        "customer_name": customer.contact_name,
        "outstanding": customer.outstanding_receivable_amount or ZERO,
        "unused_credits": customer.unused_credits_receivable_amount or ZERO,
        "currency": customer.currency_code or organization.base_currency,
        "via": str(party),
    }


# --- Search in Books (FIN-6) -----------------------------------------------------------------------------------------


def books_search(*, organization: Organization, kind: str, text: str, limit: int = 15) -> list[dict]:
    """Books customers or items matching ``text`` that are not linked to an FSM record yet."""
    from sync.engine_models import SyncLink

    text = (text or "").strip()[:100]
    if len(text) < 2:
        return []
    with booksmod.books(organization) as client:
        if kind == "item":
            found = [(i.item_id, i.name, i.sku or "", i.rate) for i in client.search_items(text, limit=limit)]
            linked_kinds = ["item"]
        else:
            found = [
                (c.contact_id, c.contact_name, c.email or "", c.customer_sub_type or "")
                for c in client.search_customers(text, limit=limit)
            ]
            linked_kinds = ["company", "contact", "contact_person"]
    linked = set(
        SyncLink.objects.filter(
            organization=organization, kind__in=linked_kinds, remote_id__in=[row[0] for row in found if row[0]]
        ).values_list("remote_id", flat=True)
    )
    return [
        {"remote_id": remote_id, "name": name, "detail": detail, "extra": extra}
        for remote_id, name, detail, extra in found
        if remote_id and remote_id not in linked
    ]


# --- Reports (UI-2) --------------------------------------------------------------------------------------------------


def _bars(rows: list[dict], keys: tuple[str, ...]) -> list[dict]:
    peak = max((row[key] for row in rows for key in keys), default=ZERO) or Decimal("1")
    for row in rows:
        for key in keys:
            row[f"{key}_pct"] = round(row[key] * 100 / peak) if peak else 0
    return rows


def report_invoiced_vs_collected(organization: Organization, *, months: int = 12) -> list[dict]:
    start = booksmod.today(organization).replace(day=1) - dt.timedelta(days=31 * (months - 1))
    start = start.replace(day=1)
    invoiced = dict(
        Invoice.objects.filter(organization=organization, date__gte=start)
        .exclude(state=Invoice.State.VOID)
        .annotate(month=TruncMonth("date"))
        .values_list("month")
        .annotate(total=Sum("total"))
    )
    collected = dict(
        PaymentAllocation.objects.filter(organization=organization, payment__date__gte=start)
        .exclude(payment__state=Payment.State.FAILED)
        .annotate(month=TruncMonth("payment__date"))
        .values_list("month")
        .annotate(total=Sum("amount"))
    )
    months_seen = sorted(set(invoiced) | set(collected))
    rows = [
        {"month": month, "invoiced": invoiced.get(month) or ZERO, "collected": collected.get(month) or ZERO}
        for month in months_seen
    ]
    return _bars(rows, ("invoiced", "collected"))


def report_outstanding_by_customer(organization: Organization, *, limit: int = 25) -> list[dict]:
    rows = (
        Invoice.objects.filter(organization=organization, balance__gt=0)
        .exclude(state__in=[Invoice.State.VOID, Invoice.State.PAID])
        .values("company_id", "company__name", "contact_id", "contact__first_name", "contact__last_name")
        .annotate(outstanding=Sum("balance"), invoices=Count("id"))
        .order_by("-outstanding")[:limit]
    )
    result = [
        {
            "customer": row["company__name"]
            or f"{row['contact__first_name'] or ''} {row['contact__last_name'] or ''}".strip(),
            "outstanding": row["outstanding"],
            "invoices": row["invoices"],
        }
        for row in rows
    ]
    return _bars(result, ("outstanding",))


def report_completed_not_invoiced(organization: Organization, *, limit: int = 50) -> QuerySet:
    return (
        WorkOrder.objects.filter(organization=organization, status=WorkOrder.State.COMPLETED, is_billable=True)
        .filter(lines__billing_status=WorkOrderLine.BillingStatus.NOT_INVOICED)
        .distinct()
        .select_related("company", "contact")
        .order_by("-updated_at")[:limit]
    )


def report_fsm_vs_books(organization: Organization, *, months: int = 12) -> list[dict]:
    """Per month: the totals of FSM invoices, and of the same invoices as Books last reported them (pushed only).

    FSM's own figure is recomputed from the invoice lines; a difference points at an invoice to look at.
    """
    start = (booksmod.today(organization).replace(day=1) - dt.timedelta(days=31 * (months - 1))).replace(day=1)
    lines = dict(
        Invoice.objects.filter(organization=organization, date__gte=start)
        .exclude(state=Invoice.State.VOID)
        .annotate(month=TruncMonth("date"))
        .values_list("month")
        .annotate(total=Sum("lines__amount") + Sum("lines__tax_amount"))
    )
    pushed = Invoice.objects.filter(organization=organization, date__gte=start).exclude(state=Invoice.State.VOID)
    books = dict(
        pushed.exclude(books_id="").annotate(month=TruncMonth("date")).values_list("month").annotate(total=Sum("total"))
    )
    pending = dict(
        pushed.filter(books_id="").annotate(month=TruncMonth("date")).values_list("month").annotate(n=Count("id"))
    )
    rows = []
    for month in sorted(set(lines) | set(books)):
        fsm_total, books_total = lines.get(month) or ZERO, books.get(month) or ZERO
        rows.append(
            {
                "month": month,
                "fsm": fsm_total,
                "books": books_total,
                "difference": fsm_total - books_total,
                "pending": pending.get(month, 0),
            }
        )
    return _bars(rows, ("fsm", "books"))
