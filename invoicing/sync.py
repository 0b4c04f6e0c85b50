"""Books → FSM for invoices, payments and estimates (INV-5, PAY-5, INV-7), called by the sync engine at the end of
every run: ``pull_invoice_updates(engine)``.

Only records FSM knows (linked by Books id) are updated; payments recorded in Books on FSM invoices are recorded
once (keyed by their Books id); an estimate accepted in Books becomes a work order.
"""

from __future__ import annotations

import logging

from invoicing.models import Estimate, Invoice
from invoicing.services import (
    estimate_convert,
    invoice_apply_books_state,
    new_books_payments,
    payment_from_books,
)

logger = logging.getLogger(__name__)

MODULE = "invoices"


def pull_invoice_updates(engine) -> None:
    organization = engine.organization
    cursor = engine.cursor_for(MODULE)
    connector = engine.connector
    known = dict(Invoice.objects.filter(organization=organization).exclude(books_id="").values_list("books_id", "pk"))
    if known:
        for page in connector.list_invoices(changed_since=cursor):
            for found in page.items:
                pk = known.get(found.invoice_id or "")
                if pk is None:
                    continue
                invoice = Invoice.objects.get(pk=pk)
                before = (invoice.state, invoice.balance)
                invoice = invoice_apply_books_state(invoice=invoice, found=found)
                engine.count(MODULE, "to_fsm", "updated" if (invoice.state, invoice.balance) != before else "unchanged")
            engine.heartbeat(MODULE)
        for found in new_books_payments(organization, connector, since=cursor):
            if payment_from_books(organization=organization, found=found) is not None:
                engine.count("payments", "to_fsm", "created")
    estimates = dict(
        Estimate.objects.filter(organization=organization).exclude(books_id="").values_list("books_id", "pk")
    )
    if estimates:
        for page in connector.list_estimates(changed_since=cursor):
            for found in page.items:
                pk = estimates.get(found.estimate_id or "")
                if pk is None or not found.status:
                    continue
                estimate = Estimate.objects.get(pk=pk)
                Estimate.objects.filter(pk=pk).update(books_status=found.status)
                if estimate.status == Estimate.Status.CONVERTED:
                    continue
                if found.status in ("sent", "accepted", "declined") and estimate.status != found.status:
                    Estimate.objects.filter(pk=pk).update(status=found.status)
                    estimate.status = found.status
                if estimate.status == Estimate.Status.ACCEPTED:
                    try:
                        estimate_convert(estimate=estimate, actor=None)
                        engine.count("estimates", "to_fsm", "created")
                    except Exception as exc:  # noqa: BLE001 - one estimate never stops the run
                        logger.warning("Estimate %s could not become a work order: %s", pk, exc)
                        engine.count("estimates", "to_fsm", "failed")
