"""The sandbox payment gateway (PAY-2): a hosted payment page that takes test cards.

Flow: the product's gateway code creates a session over HTTP (``POST /sandbox/pay/sessions`` with ``amount``,
``currency_code``, ``return_url``, optional ``description`` and ``reference``), sends the payer to ``pay_url``, and
gets them back at ``return_url?session_id=…&result=…&reference=…``. The result in the URL is only a hint: the product
confirms it server-to-server with ``GET /sandbox/pay/sessions/<session_id>`` before recording a payment.

Test cards: 4242 4242 4242 4242 succeeds; 4000 0000 0000 0002 is declined; 4000 0000 0000 9995 fails for
insufficient funds; 4000 0000 0000 0119 fails with a processing error. Any other number is refused on the page.
A session that succeeded accepts no further payment; a failed attempt can be retried.
"""

from __future__ import annotations

import secrets
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from django import forms
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from sandbox import clock
from sandbox.errors import ApiError, invalid_value, missing_value
from sandbox.jsonio import error_response, json_response, read_body
from sandbox.models import PaymentSession
from sandbox.views.oauth import _with_query

TEST_CARDS = {
    "4242424242424242": "succeeded",
    "4000000000000002": "declined",
    "4000000000009995": "insufficient_funds",
    "4000000000000119": "processing_error",
}
RESULT_MESSAGES = {
    "succeeded": "Payment succeeded.",
    "declined": "The card was declined. Try another card.",
    "insufficient_funds": "The card has insufficient funds. Try another card.",
    "processing_error": "The card could not be processed. Try again or use another card.",
}


def _session_payload(request: HttpRequest, session: PaymentSession) -> dict:
    return {
        "session_id": session.session_id,
        "status": session.status,
        "amount": session.amount,
        "currency_code": session.currency_code,
        "description": session.description,
        "reference": session.reference,
        "return_url": session.return_url,
        "card_last4": session.card_last4,
        "attempts": session.attempts,
        "pay_url": request.build_absolute_uri(f"/sandbox/pay/{session.session_id}/"),
        "created_time": session.created_time.isoformat(),
        "completed_time": session.completed_time.isoformat() if session.completed_time else None,
    }


@csrf_exempt
@require_http_methods(["POST"])
def session_create(request: HttpRequest) -> HttpResponse:
    try:
        data = read_body(request)
        try:
            amount = Decimal(str(data.get("amount")))
        except (InvalidOperation, ValueError):
            raise invalid_value("amount")
        if not amount.is_finite() or amount <= 0:
            raise invalid_value("amount")
        return_url = str(data.get("return_url") or "")
        if not return_url:
            raise missing_value("return_url")
        if urlsplit(return_url).scheme not in ("http", "https"):
            raise invalid_value("return_url")
        currency = str(data.get("currency_code") or "").upper()
        if len(currency) != 3:
            raise invalid_value("currency_code")
    except ApiError as error:
        return error_response(error)
    session = PaymentSession.objects.create(
        session_id=secrets.token_urlsafe(24),
        amount=amount.quantize(Decimal("0.01")),
        currency_code=currency,
        description=str(data.get("description") or "")[:500],
        reference=str(data.get("reference") or "")[:200],
        return_url=return_url,
        created_time=clock.now(),
    )
    return json_response(_session_payload(request, session), 201)


@require_http_methods(["GET"])
def session_get(request: HttpRequest, session_id: str) -> HttpResponse:
    session = PaymentSession.objects.filter(session_id=session_id).first()
    if session is None:
        return error_response(ApiError(404, 1002, "Payment session does not exist."))
    return json_response(_session_payload(request, session))


class CardForm(forms.Form):
    card_number = forms.CharField(label="Card number", max_length=23)
    name = forms.CharField(label="Name on card", max_length=100, required=False)
    expiry = forms.CharField(label="Expiry (MM/YY)", max_length=5, initial="12/30")
    cvc = forms.CharField(label="CVC", max_length=4, initial="123")

    def clean_card_number(self) -> str:
        number = "".join(self.cleaned_data["card_number"].split()).replace("-", "")
        if number not in TEST_CARDS:
            raise forms.ValidationError(
                "Use a sandbox test card: 4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is declined, "
                "4000 0000 0000 9995 has insufficient funds, 4000 0000 0000 0119 fails with a processing error."
            )
        return number


@require_http_methods(["GET", "POST"])
def pay_page(request: HttpRequest, session_id: str) -> HttpResponse:
    session = get_object_or_404(PaymentSession, session_id=session_id)
    form = CardForm(request.POST or None)
    if request.method == "POST" and session.status != "succeeded" and form.is_valid():
        number = form.cleaned_data["card_number"]
        with transaction.atomic():
            session = PaymentSession.objects.select_for_update().get(pk=session.pk)
            if session.status != "succeeded":
                session.status = TEST_CARDS[number]
                session.card_last4 = number[-4:]
                session.attempts += 1
                session.completed_time = clock.now()
                session.save()
        return HttpResponseRedirect(
            _with_query(
                session.return_url,
                {"session_id": session.session_id, "result": session.status, "reference": session.reference},
            )
        )
    return render(
        request,
        "sandbox/pay.html",
        {"session": session, "form": form, "message": RESULT_MESSAGES.get(session.status)},
    )
