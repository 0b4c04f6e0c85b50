"""Sending, payments (PAY-3, PAY-4), the payment link (PAY-1), void, refresh from Books (INV-5), estimates (INV-7)."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.test import Client

from fsmbilling.models import WorkOrder, WorkOrderLine
from invoicing.books import books as books_of
from invoicing.models import Estimate, Invoice, Payment
from invoicing.payment_links import payment_path
from invoicing.services import (
    Refused,
    estimate_convert,
    estimate_create,
    estimate_set_status,
    invoice_from_work_order,
    invoice_refresh,
    invoice_send,
    invoice_void,
    payment_record,
)
from sync.connectors import base as remote
from tests.invoicing.support import taxable_company, work_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent_invoice(us_org, admin_user, books):
    order = work_order(us_org, admin_user, taxable_company(us_org))
    invoice = invoice_from_work_order(organization=us_org, actor=admin_user, work_order=order)
    invoice = invoice_send(invoice=invoice, actor=admin_user)
    assert invoice.state == Invoice.State.SENT
    return invoice


def test_payments_take_the_invoice_to_partially_paid_then_paid(sent_invoice, us_org, admin_user):
    total = sent_invoice.total
    first = payment_record(organization=us_org, actor=admin_user, amount=Decimal("100.00"), mode="cash",
                           allocations=[(sent_invoice, Decimal("100.00"))])  # fmt: skip
    assert first.state == Payment.State.RECORDED and first.books_id
    sent_invoice.refresh_from_db()
    assert sent_invoice.state == Invoice.State.PARTIALLY_PAID
    assert sent_invoice.balance == total - Decimal("100.00")
    with pytest.raises(Refused) as refused:
        payment_record(organization=us_org, actor=admin_user, amount=total,
                       allocations=[(sent_invoice, total)])  # fmt: skip
    assert refused.value.error_code == "overpayment"
    payment_record(organization=us_org, actor=admin_user, amount=sent_invoice.balance, mode="check",
                   reference="CHQ 881", allocations=[(sent_invoice, sent_invoice.balance)])  # fmt: skip
    sent_invoice.refresh_from_db()
    assert sent_invoice.state == Invoice.State.PAID and sent_invoice.balance == 0
    with books_of(us_org) as client:
        assert client.get_invoice(sent_invoice.books_id).status == "paid"


def test_allocation_over_open_invoices_and_surplus_as_credit(us_org, admin_user, books):
    company = taxable_company(us_org)
    invoices = []
    for _ in range(2):
        order = work_order(us_org, admin_user, company)
        invoices.append(invoice_send(invoice=invoice_from_work_order(
            organization=us_org, actor=admin_user, work_order=order), actor=admin_user))  # fmt: skip
    owed = sum(invoice.balance for invoice in invoices)
    with pytest.raises(Refused) as refused:
        payment_record(organization=us_org, actor=admin_user, party=company, amount=owed + Decimal("50"))
    assert refused.value.error_code == "unapplied_surplus"
    payment = payment_record(
        organization=us_org, actor=admin_user, party=company, amount=owed + Decimal("50"), surplus_as_credit=True
    )
    assert payment.unused_amount == Decimal("50")
    assert payment.allocations.count() == 2
    for invoice in invoices:
        invoice.refresh_from_db()
        assert invoice.state == Invoice.State.PAID
    with books_of(us_org) as client:
        assert client.get_payment(payment.books_id).unused_amount == Decimal("50")


def test_same_idempotency_key_records_once(sent_invoice, us_org, admin_user):
    kwargs = {"organization": us_org, "actor": admin_user, "amount": Decimal("10"),
              "allocations": [(sent_invoice, Decimal("10"))], "idempotency_key": "api:abc"}  # fmt: skip
    assert payment_record(**kwargs).pk == payment_record(**kwargs).pk
    assert Payment.objects.count() == 1


def _pay_online(client: Client, invoice, card="4242424242424242"):
    page = client.post(payment_path(invoice))
    assert page.status_code == 302, page.content[:500]
    pay_url = urlsplit(page["Location"]).path
    back = client.post(pay_url, {"card_number": card, "expiry": "12/30", "cvc": "123"})
    assert back.status_code == 302
    target = urlsplit(back["Location"])
    return f"{target.path}?{target.query}"


def test_payment_link_pays_once_however_often_the_gateway_comes_back(sent_invoice, us_org):
    client = Client()
    page = client.get(payment_path(sent_invoice))
    assert page.status_code == 200 and sent_invoice.number in page.content.decode()
    assert "Pay now" in page.content.decode()
    return_url = _pay_online(client, sent_invoice)
    for _ in range(3):
        assert client.get(return_url).status_code == 200
    session_id = return_url.split("session_id=")[1].split("&")[0]
    for _ in range(2):
        assert client.post("/pay-notify/sandbox/", {"session_id": session_id}).status_code == 200
    assert Payment.objects.filter(organization=us_org).count() == 1
    sent_invoice.refresh_from_db()
    assert sent_invoice.state == Invoice.State.PAID
    with books_of(us_org) as books_client:
        assert books_client.get_invoice(sent_invoice.books_id).status == "paid"
    after = client.get(payment_path(sent_invoice)).content.decode()
    assert "Pay now" not in after and "paid" in after
    assert client.post(payment_path(sent_invoice)).status_code == 409


def test_declined_card_records_nothing_and_forged_links_are_404(sent_invoice):
    client = Client()
    assert client.get(_pay_online(client, sent_invoice, card="4000000000000002")).status_code == 200
    assert not Payment.objects.exists()
    token = payment_path(sent_invoice).rstrip("/").rsplit("/", 1)[1]
    assert client.get(f"/pay/{token[:-2]}xx/").status_code == 404
    Invoice.objects.filter(pk=sent_invoice.pk).update(link_nonce="rotated")
    assert client.get(payment_path(sent_invoice).replace("rotated", "")).status_code in (200, 404)


def test_void_releases_nothing_twice_and_link_stops(sent_invoice, us_org, admin_user):
    invoice = invoice_void(invoice=sent_invoice, actor=admin_user)
    assert invoice.state == Invoice.State.VOID and invoice.balance == 0
    assert set(
        WorkOrderLine.objects.filter(invoice_line__invoice=invoice).values_list("billing_status", flat=True)
    ) == {WorkOrderLine.BillingStatus.VOID}
    page = Client().get(payment_path(invoice)).content.decode()
    assert "void" in page and "Pay now" not in page


def test_payment_made_in_books_comes_back(sent_invoice, us_org):
    with books_of(us_org) as client:
        books_invoice = client.get_invoice(sent_invoice.books_id)
        client.create_payment(remote.Payment(
            customer_id=books_invoice.customer_id, amount=Decimal("5.00"), date=books_invoice.date,
            payment_mode="cash", reference_number="BOOKS-1",
            invoices=(remote.PaymentApplication(invoice_id=sent_invoice.books_id, amount_applied=Decimal("5.00")),),
        ))  # fmt: skip
    invoice = invoice_refresh(invoice=sent_invoice)
    assert invoice.state == Invoice.State.PARTIALLY_PAID
    assert invoice.balance == sent_invoice.total - Decimal("5.00")
    payment = Payment.objects.get(source=Payment.Source.BOOKS)
    assert payment.amount == Decimal("5.00")
    invoice_refresh(invoice=invoice)
    assert Payment.objects.count() == 1


def test_estimate_pushed_accepted_and_converted_into_a_work_order(us_org, admin_user, books):
    from tests.factories import ServicePartFactory

    company = taxable_company(us_org)
    item = ServicePartFactory(organization=us_org, name="Heat pump install", rate=Decimal("2500"))
    estimate = estimate_create(
        organization=us_org,
        actor=admin_user,
        data={"company": company, "summary": "Install heat pump", "lines": [{"item": item, "quantity": Decimal("1")}]},
    )
    assert estimate.books_id, estimate.push_error
    assert estimate.tax_total == Decimal("206.25")
    with books_of(us_org) as client:
        assert client.get_estimate(estimate.books_id).total == estimate.total
    estimate = estimate_set_status(estimate=estimate, actor=admin_user, status="sent")
    estimate = estimate_set_status(estimate=estimate, actor=admin_user, status="accepted")
    work_order_ = estimate_convert(estimate=estimate, actor=admin_user)
    assert estimate_convert(estimate=estimate, actor=admin_user) == work_order_
    assert work_order_.total == estimate.total
    assert Estimate.objects.get(pk=estimate.pk).status == Estimate.Status.CONVERTED


def test_estimate_accepted_in_books_becomes_a_work_order_at_sync(us_org, admin_user, books):
    from sync.engine.run import execute_run
    from sync.engine_models import SyncRun, SyncSettings
    from tests.factories import ServicePartFactory

    SyncSettings.objects.update_or_create(organization=us_org, defaults={"is_enabled": True})
    company = taxable_company(us_org)
    item = ServicePartFactory(organization=us_org, name="Duct cleaning", rate=Decimal("300"))
    estimate = estimate_create(organization=us_org, actor=admin_user,
                               data={"company": company, "lines": [{"item": item}]})  # fmt: skip
    with books_of(us_org) as client:
        client.mark_estimate_sent(estimate.books_id)
        client.mark_estimate_accepted(estimate.books_id)
    run = SyncRun.objects.create(organization=us_org, trigger=SyncRun.Trigger.MANUAL)
    books.clock.advance(1)
    execute_run(run.pk, clock=books.clock)
    estimate.refresh_from_db()
    assert estimate.status == Estimate.Status.CONVERTED
    assert WorkOrder.objects.filter(pk=estimate.work_order_id, organization=us_org).exists()
