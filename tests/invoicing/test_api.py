"""API commands (API-3), errors {code, message, fields}, permissions (TEN-3) and isolation (TEN-2)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from fsmbilling.services.api_tokens import api_token_create
from invoicing.models import Invoice, Payment
from tests.conftest import member
from tests.invoicing.support import taxable_company, work_order

pytestmark = pytest.mark.django_db


def client_for(org, user) -> APIClient:
    _, raw = api_token_create(organization=org, user=user, name="t")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


def base(org) -> str:
    return f"/api/v1/orgs/{org.slug}"


def test_invoice_send_pay_and_void_through_the_api(us_org, admin_user, books):
    api = client_for(us_org, admin_user)
    order = work_order(us_org, admin_user, taxable_company(us_org))
    first_line = order.lines.order_by("position").first()
    created = api.post(f"{base(us_org)}/work-orders/{order.pk}/invoice", {"lines": [first_line.pk]}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["state"] == "draft" and body["books"]["id"] and body["books"]["web_url"]
    assert [line["work_order_line"] for line in body["lines"]] == [first_line.pk]
    assert body["total"] == "195.66"  # 180.75 + 14.91
    again = api.post(f"{base(us_org)}/work-orders/{order.pk}/invoice", {"lines": [first_line.pk]}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "lines_not_invoiceable"

    invoice_id = body["id"]
    sent = api.post(f"{base(us_org)}/invoices/{invoice_id}/send/", {}, format="json")
    assert sent.status_code == 200, sent.json()
    assert sent.json()["state"] == "sent" and "/pay/" in sent.json()["payment_link"]
    over = api.post(f"{base(us_org)}/invoices/{invoice_id}/payments/", {"amount": "500.00"}, format="json")
    assert over.status_code == 409 and over.json()["code"] == "overpayment"
    paid = api.post(f"{base(us_org)}/invoices/{invoice_id}/payments/", {"amount": "95.66"},
                    format="json", HTTP_IDEMPOTENCY_KEY="k1")  # fmt: skip
    assert paid.status_code == 201, paid.json()
    repeat = api.post(f"{base(us_org)}/invoices/{invoice_id}/payments/", {"amount": "95.66"},
                      format="json", HTTP_IDEMPOTENCY_KEY="k1")  # fmt: skip
    assert repeat.json()["id"] == paid.json()["id"] and Payment.objects.count() == 1
    detail = api.get(f"{base(us_org)}/invoices/{invoice_id}/").json()
    assert detail["state"] == "partially_paid" and detail["balance"] == "100.00"
    refused = api.post(f"{base(us_org)}/invoices/{invoice_id}/void/")
    assert refused.status_code == 409 and refused.json()["code"] == "has_payments"
    listing = api.get(f"{base(us_org)}/invoices/?status=partially_paid").json()
    assert [row["id"] for row in listing["results"]] == [invoice_id]
    assert api.get(f"{base(us_org)}/payments/").json()["results"][0]["amount"] == "95.6600"


def test_non_billable_and_unknown_work_orders(us_org, admin_user, books):
    api = client_for(us_org, admin_user)
    order = work_order(us_org, admin_user, taxable_company(us_org), is_billable=False)
    refused = api.post(f"{base(us_org)}/work-orders/{order.pk}/invoice", {}, format="json")
    assert refused.status_code == 409
    assert refused.json()["code"] == "work_order_non_billable" and refused.json()["message"]
    missing = api.post(f"{base(us_org)}/work-orders/999999/invoice", {}, format="json")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    bad = api.post(f"{base(us_org)}/work-orders/{order.pk}/invoice", {"lines": ["x"]}, format="json")
    assert bad.status_code == 400 and "lines" in str(bad.json()["fields"])


def test_another_organizations_records_are_404(us_org, admin_user, other_org, other_admin, books):
    order = work_order(us_org, admin_user, taxable_company(us_org))
    api = client_for(us_org, admin_user)
    invoice_id = api.post(f"{base(us_org)}/work-orders/{order.pk}/invoice", {}, format="json").json()["id"]
    other = client_for(other_org, other_admin)
    assert other.post(f"{base(other_org)}/work-orders/{order.pk}/invoice", {}, format="json").status_code == 404
    for url in (f"/invoices/{invoice_id}/", f"/invoices/{invoice_id}/void/", f"/invoices/{invoice_id}/send/"):
        method = other.get if url.endswith(f"{invoice_id}/") else other.post
        assert method(f"{base(other_org)}{url}").status_code == 404, url
    assert other.get(f"{base(other_org)}/invoices/").json()["results"] == []
    assert api.get(f"{base(other_org)}/invoices/").status_code == 404  # a token works in its own organization only
    assert Invoice.objects.get(pk=invoice_id).state == Invoice.State.DRAFT


def test_technician_may_invoice_dispatcher_may_not(us_org, admin_user, books):
    order = work_order(us_org, admin_user, taxable_company(us_org))
    dispatcher = client_for(us_org, member(us_org, role="Dispatcher", username="dis@acme.test"))
    refused = dispatcher.post(f"{base(us_org)}/work-orders/{order.pk}/invoice", {}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert not Invoice.objects.exists()
    technician = client_for(us_org, member(us_org, role="Technician", username="tech@acme.test"))
    created = technician.post(f"{base(us_org)}/work-orders/{order.pk}/invoice", {}, format="json")
    assert created.status_code == 201
    refused_send = technician.post(f"{base(us_org)}/invoices/{created.json()['id']}/send/", {}, format="json")
    assert refused_send.status_code == 403  # Technicians have no "email" on invoices
    assert dispatcher.get(f"{base(us_org)}/invoices/{created.json()['id']}/").status_code == 200


def test_estimates_api(us_org, admin_user, books):
    from tests.factories import ServicePartFactory

    api = client_for(us_org, admin_user)
    company = taxable_company(us_org)
    item = ServicePartFactory(organization=us_org, name="Inspection", rate="80")
    created = api.post(f"{base(us_org)}/estimates/", {"company": company.pk, "lines": [{"item": item.pk}]},
                       format="json")  # fmt: skip
    assert created.status_code == 201, created.json()
    assert created.json()["total"] == "86.60" and created.json()["books"]["id"]
    estimate_id = created.json()["id"]
    early = api.post(f"{base(us_org)}/estimates/{estimate_id}/convert/")
    assert early.status_code == 409 and early.json()["code"] == "not_accepted"
    for status in ("sent", "accepted"):
        assert api.post(f"{base(us_org)}/estimates/{estimate_id}/status/", {"status": status}).status_code == 200
    converted = api.post(f"{base(us_org)}/estimates/{estimate_id}/convert/")
    assert converted.status_code == 201 and converted.json()["number"].startswith("WO-")
