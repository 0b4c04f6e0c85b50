"""The public payment page (PAY-1): shows one invoice and "Pay now"; nothing else of the organization."""

from __future__ import annotations

from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from invoicing import gateways, online
from invoicing.payment_links import invoice_for_token
from invoicing.services import Refused


def _invoice(token: str):
    invoice = invoice_for_token(token)
    if invoice is None:
        raise Http404(_("This payment link is not valid. Ask the sender for a new one."))
    return invoice


def _render(request, invoice, token, *, message="", level="", status=200):
    return render(
        request,
        "invoicing/pay.html",
        {
            "invoice": invoice,
            "lines": invoice.lines.select_related("item"),
            "tax_lines": invoice.tax_lines.all(),
            "token": token,
            "refusal": online.refusal_reason(invoice),
            "message": message,
            "level": level,
        },
        status=status,
    )


class PayView(View):
    def get(self, request, token):
        return _render(request, _invoice(token), token)

    def post(self, request, token):
        invoice = _invoice(token)
        return_url = request.build_absolute_uri(reverse("invoicing_public:pay-return", kwargs={"token": token}))
        try:
            pay_url = online.start_payment(invoice=invoice, return_url=return_url)
        except Refused as exc:
            return _render(request, invoice, token, message=exc.message_text, level="error", status=409)
        except gateways.GatewayError as exc:
            return _render(request, invoice, token, message=str(exc) + " " + _("Try again in a moment."), level="error")
        return HttpResponseRedirect(pay_url)


class ReturnView(View):
    """Where the gateway sends the payer back; the outcome is confirmed with the gateway, never taken from the URL."""

    def get(self, request, token):
        invoice = _invoice(token)
        session_id = request.GET.get("session_id", "")
        session = invoice.gateway_sessions.filter(session_id=session_id).first()
        if session is None:
            return _render(request, invoice, token, message=_("This payment is unknown."), level="error", status=404)
        try:
            _session, payment, status = online.confirm_payment(session_id=session_id)
        except gateways.GatewayError as exc:
            return _render(request, invoice, token, message=str(exc), level="error")
        invoice.refresh_from_db()
        if payment is not None:
            return _render(request, invoice, token, message=_("Payment received. Thank you!"), level="success")
        return _render(
            request,
            invoice,
            token,
            message=_("The payment did not go through (%(status)s). Try again.") % {"status": status.replace("_", " ")},
            level="error",
        )


@csrf_exempt
@require_POST
def notify_sandbox(request):
    """Server-to-server notification of the sandbox gateway: ``session_id``; confirmed with the gateway."""
    session_id = request.POST.get("session_id", "")
    if not session_id:
        import json

        try:
            session_id = str(json.loads(request.body or b"{}").get("session_id") or "")
        except ValueError:
            session_id = ""
    try:
        session, payment, status = online.confirm_payment(session_id=session_id)
    except gateways.GatewayError as exc:
        return JsonResponse({"code": "gateway_unreachable", "message": str(exc)}, status=502)
    if session is None:
        return JsonResponse({"code": "not_found", "message": "Not found."}, status=404)
    return JsonResponse({"status": status, "payment_id": payment.pk if payment else None})
