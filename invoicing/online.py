"""Online payment through an invoice's payment link (PAY-1..3)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from invoicing import gateways
from invoicing.models import GatewaySession, Invoice, Payment
from invoicing.services import Refused, gateway_payment_record


def refusal_reason(invoice: Invoice) -> str | None:
    """Why the link takes no payment now, or None (paid, void, not sent, nothing due)."""
    if invoice.state == Invoice.State.VOID:
        return _("This invoice was cancelled (void) and takes no payment. Contact %(org)s if this is a surprise.") % {
            "org": invoice.organization.name
        }
    if invoice.state == Invoice.State.PAID or (invoice.is_pushed and invoice.balance <= 0):
        return _("This invoice is paid. Thank you!")
    if not invoice.accepts_payment:
        return _("This invoice cannot be paid online yet. Contact %(org)s.") % {"org": invoice.organization.name}
    return None


def start_payment(*, invoice: Invoice, return_url: str) -> str:
    """Open a session at the gateway for the balance due; returns the hosted page's URL."""
    reason = refusal_reason(invoice)
    if reason:
        raise Refused(reason, code="payment_not_accepted")
    currency = invoice.currency.code if invoice.currency_id else invoice.organization.base_currency
    session = gateways.sandbox_create_session(
        amount=invoice.balance.quantize(invoice.balance.__class__("0.01")),
        currency_code=currency,
        return_url=return_url,
        description=_("Invoice %(number)s from %(org)s") % {"number": invoice.number, "org": invoice.organization.name},
        reference=invoice.number,
    )
    GatewaySession.objects.create(
        organization=invoice.organization,
        invoice=invoice,
        gateway="sandbox",
        session_id=session.session_id,
        amount=session.amount,
    )
    return session.pay_url


def confirm_payment(*, session_id: str) -> tuple[GatewaySession | None, Payment | None, str]:
    """Ask the gateway how the session ended and record a success once (however often this is called)."""
    session = GatewaySession.objects.select_related("invoice", "organization").filter(session_id=session_id).first()
    if session is None:
        return None, None, "unknown"
    if session.payment_id:
        return session, session.payment, "succeeded"
    remote = gateways.sandbox_get_session(session_id)
    if remote.status != "succeeded":
        GatewaySession.objects.filter(pk=session.pk).update(status=remote.status or "open")
        return session, None, remote.status
    payment = gateway_payment_record(session=session, amount=remote.amount)
    return session, payment, "succeeded"
