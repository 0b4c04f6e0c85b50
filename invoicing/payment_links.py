"""Payment links (PAY-1): an unguessable signed URL per sent invoice, pointing at a public page.

The token is ``django.core.signing`` over the invoice id, its organization and the invoice's ``link_nonce``, with a
salt of its own, so it cannot be forged or moved to another invoice; changing the nonce revokes every link handed out.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from invoicing.models import Invoice

SALT = "invoicing.payment-link.v1"


def payment_token(invoice: Invoice) -> str:
    return signing.dumps({"i": invoice.pk, "o": invoice.organization_id, "n": invoice.link_nonce}, salt=SALT)


def invoice_for_token(token: str) -> Invoice | None:
    """The invoice a token names, or None for anything forged, altered or revoked."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    invoice = (
        Invoice.objects.select_related("organization", "currency", "company", "contact")
        .filter(pk=data.get("i"), organization_id=data.get("o"))
        .first()
    )
    if invoice is None or invoice.link_nonce != data.get("n"):
        return None
    return invoice


def payment_path(invoice: Invoice) -> str:
    return reverse("invoicing_public:pay", kwargs={"token": payment_token(invoice)})


def payment_url(invoice: Invoice) -> str:
    return settings.SITE_URL.rstrip("/") + payment_path(invoice)
