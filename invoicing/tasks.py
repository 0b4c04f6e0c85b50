"""Tasks of the task cluster (STYLE 3): arguments are ids; each task claims its row and exits if it is done."""

from __future__ import annotations


def push_invoice(invoice_id: int) -> str:
    from invoicing.services import invoice_push

    return invoice_push(invoice_id).state


def push_payment(payment_id: int) -> str:
    from invoicing.services import payment_push

    return payment_push(payment_id).state


def push_estimate(estimate_id: int) -> str:
    from invoicing.services import estimate_push

    return estimate_push(estimate_id).books_id or "pending"


def sweep_pending() -> int:
    """Push again what is still pending after a while (a retry task was lost). Schedule it every few minutes."""
    from invoicing.services import invoice_push, payment_push, pending_pushes

    done = 0
    for kind, pk in pending_pushes():
        (invoice_push if kind == "invoice" else payment_push)(pk)
        done += 1
    return done
