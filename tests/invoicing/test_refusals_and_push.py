"""Refusals with their reasons (INV-3, FIN-7, non-billable) and the pending push that never creates twice (INV-4)."""

from __future__ import annotations

import pytest

from fsmbilling.models import WorkOrderLine
from fsmbilling.services.guards import FinanceUnavailable
from fsmbilling.services.work_orders import work_order_mark_non_billable
from invoicing import tasks
from invoicing.books import books as books_of
from invoicing.models import Invoice, InvoiceMapping
from invoicing.services import Refused, invoice_from_work_order
from sync.models import FinanceConnection
from sync.push import ensure_customer, ensure_item
from tests.invoicing.support import assert_agrees_with_books, taxable_company, work_order

pytestmark = pytest.mark.django_db


def _mandatory_field(books, org, label="Contract number"):
    connection = FinanceConnection.objects.get(organization=org)
    response = books.control.http.post(
        f"/orgs/{connection.finance_org_id}/customfields",
        json={"entity": "invoice", "label": label, "is_mandatory": True, "data_type": "string"},
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_unmapped_mandatory_books_field_is_refused_with_the_list(us_org, admin_user, books):
    _mandatory_field(books, us_org)
    order = work_order(us_org, admin_user, taxable_company(us_org))
    with pytest.raises(Refused) as refused:
        invoice_from_work_order(organization=us_org, actor=admin_user, work_order=order)
    assert refused.value.error_code == "unmapped_mandatory_fields"
    assert refused.value.details == ["Contract number"]
    assert "Invoice Mapping" in refused.value.message_text
    assert not Invoice.objects.exists()
    assert not order.lines.filter(billing_status=WorkOrderLine.BillingStatus.INVOICED).exists()


def test_mapped_mandatory_field_is_filled_from_the_work_order(us_org, admin_user, books):
    field = _mandatory_field(books, us_org)
    InvoiceMapping.objects.create(
        organization=us_org, work_order_field="number", books_customfield_id=field["customfield_id"],
        books_label="Contract number",
    )  # fmt: skip
    order = work_order(us_org, admin_user, taxable_company(us_org))
    invoice = invoice_from_work_order(organization=us_org, actor=admin_user, work_order=order)
    assert invoice.books_id, invoice.push_error
    with books_of(us_org) as client:
        values = {cf.label: cf.value for cf in client.get_invoice(invoice.books_id).custom_fields}
    assert values == {"Contract number": order.number}


def test_non_billable_work_order_is_refused(us_org, admin_user, books):
    order = work_order(us_org, admin_user, taxable_company(us_org))
    work_order_mark_non_billable(instance=order, actor=admin_user)
    with pytest.raises(Refused) as refused:
        invoice_from_work_order(organization=us_org, actor=admin_user, work_order=order)
    assert refused.value.error_code == "work_order_non_billable"
    assert "non-billable" in refused.value.message_text


def test_finance_organization_gone_refuses_invoices(us_org, admin_user, books):
    order = work_order(us_org, admin_user, taxable_company(us_org))
    FinanceConnection.objects.filter(organization=us_org).update(status=FinanceConnection.State.FINANCE_ORG_DELETED)
    with pytest.raises(FinanceUnavailable) as refused:
        invoice_from_work_order(organization=us_org, actor=admin_user, work_order=order)
    assert "finance organization was deleted" in refused.value.message_text
    assert not Invoice.objects.exists()


def test_a_line_is_invoiced_once(us_org, admin_user, books):
    order = work_order(us_org, admin_user, taxable_company(us_org))
    line = order.lines.first()
    invoice_from_work_order(organization=us_org, actor=admin_user, work_order=order, line_ids=[line.pk])
    with pytest.raises(Refused) as refused:
        invoice_from_work_order(organization=us_org, actor=admin_user, work_order=order, line_ids=[line.pk])
    assert refused.value.error_code == "lines_not_invoiceable"
    assert Invoice.objects.count() == 1


def _books_invoices(org):
    with books_of(org) as client:
        return [row for page in client.list_invoices() for row in page.items]


def test_books_unreachable_keeps_pending_push_and_retry_never_duplicates(us_org, admin_user, books):
    company = taxable_company(us_org)
    order = work_order(us_org, admin_user, company)
    # Customer and items are in Books already; the connection drops on the invoice create (and its look-ups).
    with books_of(us_org) as client:
        ensure_customer(organization=us_org, record=company, connector=client, clock=books.clock)
        for line in order.lines.all():
            ensure_item(organization=us_org, record=line.item, connector=client, clock=books.clock)
    books.control.faults(rate=1.0, kinds=["drop"], seed=7)
    invoice = invoice_from_work_order(organization=us_org, actor=admin_user, work_order=order)
    books.control.faults(rate=0)
    assert invoice.state == Invoice.State.PENDING_PUSH
    assert "could not be reached" in invoice.push_error
    assert _books_invoices(us_org) == []
    assert order.lines.filter(billing_status=WorkOrderLine.BillingStatus.INVOICED).count() == 3

    Invoice.objects.filter(pk=invoice.pk).update(push_claimed_until=None)
    assert tasks.push_invoice(invoice.pk) == Invoice.State.DRAFT
    assert tasks.push_invoice(invoice.pk) == Invoice.State.DRAFT  # delivered twice: exits, nothing new
    assert len(_books_invoices(us_org)) == 1
    invoice.refresh_from_db()
    assert_agrees_with_books(us_org, invoice)


def test_answer_lost_after_books_created_it_is_adopted_not_repeated(us_org, admin_user, books):
    company = taxable_company(us_org)
    order = work_order(us_org, admin_user, company)
    with books_of(us_org) as client:
        ensure_customer(organization=us_org, record=company, connector=client, clock=books.clock)
    # Books carries the create out but the answer is lost, and every look-up after it fails too.
    books.transport.lose_answer_once = ("POST", "/invoices")
    original = books.transport.handle_request

    def failing_after_create(request):
        response = original(request)
        if request.method == "GET" and request.url.path.endswith("/invoices"):
            books.control.faults(rate=1.0, kinds=["drop"], seed=1)
        return response

    books.transport.handle_request = failing_after_create
    invoice = invoice_from_work_order(organization=us_org, actor=admin_user, work_order=order)
    books.transport.handle_request = original
    books.control.faults(rate=0)
    assert invoice.state == Invoice.State.PENDING_PUSH
    assert len(_books_invoices(us_org)) == 1  # Books has it, FSM does not know yet

    Invoice.objects.filter(pk=invoice.pk).update(push_claimed_until=None)
    tasks.push_invoice(invoice.pk)
    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.DRAFT and invoice.books_id
    assert len(_books_invoices(us_org)) == 1
