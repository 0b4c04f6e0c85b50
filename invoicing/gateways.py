"""Payment gateways (PAY-2). The sandbox gateway is built in; Stripe is not wired yet (docs/invoicing.md).

The sandbox gateway is reached over HTTP like a real one: create a session, send the payer to its hosted page, and
confirm the outcome server-to-server before recording anything (the result in the return URL is only a hint).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from sync.connectors import zoho


class GatewayError(Exception):
    pass


@dataclass(frozen=True)
class Session:
    session_id: str
    status: str
    amount: Decimal
    pay_url: str
    reference: str = ""


def _client():
    return zoho.new_http_client()


def _base() -> str:
    return settings.SANDBOX_BASE_URL.rstrip("/")


def _session(data: dict) -> Session:
    return Session(
        session_id=str(data.get("session_id") or ""),
        status=str(data.get("status") or ""),
        amount=Decimal(str(data.get("amount") or "0")),
        pay_url=str(data.get("pay_url") or ""),
        reference=str(data.get("reference") or ""),
    )


def sandbox_create_session(*, amount: Decimal, currency_code: str, return_url: str, description: str, reference: str):
    try:
        with _client() as http:
            response = http.post(
                f"{_base()}/pay/sessions",
                json={
                    "amount": str(amount),
                    "currency_code": currency_code,
                    "return_url": return_url,
                    "description": description,
                    "reference": reference,
                },
            )
    except Exception as exc:
        raise GatewayError(f"The payment gateway could not be reached ({exc.__class__.__name__}).") from exc
    if response.status_code != 201:
        raise GatewayError(f"The payment gateway refused the payment (HTTP {response.status_code}).")
    return _session(response.json())


def sandbox_get_session(session_id: str) -> Session:
    try:
        with _client() as http:
            response = http.get(f"{_base()}/pay/sessions/{session_id}")
    except Exception as exc:
        raise GatewayError(f"The payment gateway could not be reached ({exc.__class__.__name__}).") from exc
    if response.status_code != 200:
        raise GatewayError("The payment gateway does not know this payment.")
    return _session(response.json())
