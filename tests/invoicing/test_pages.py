"""Pages (UI-2): invoice from a work order, detail actions, mapping, taxes, reports, estimates, receivables, search
in Books; permissions (TEN-3) and another organization's ids (TEN-2)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from invoicing.models import Estimate, Invoice, InvoiceMapping
from sync.connectors import base as remote
from sync.models import FinanceConnection
from tests.conftest import member
from tests.factories import PASSWORD, ServicePartFactory
from tests.invoicing.support import taxable_company, work_order

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_invoice_a_work_order_through_the_pages(us_org, admin_user, books, admin_client):
    order = work_order(us_org, admin_user, taxable_company(us_org))
    lines = list(order.lines.order_by("position"))
    url = f"/o/acme/invoices/from-work-order/{order.pk}/"
    page = admin_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Will Bowman" in html and "Due on receipt" in html and 'data-testid="line-checkbox"' in html
    empty = admin_client.post(url, {})
    assert empty.status_code == 400 and "Choose at least one line" in empty.content.decode()
    created = admin_client.post(url, {"lines": [lines[0].pk, lines[1].pk], "salesperson_name": "Ada Admin"})
    invoice = Invoice.objects.get()
    assert created.status_code == 302 and created["Location"] == f"/o/acme/invoices/{invoice.pk}/"
    assert invoice.books_id and invoice.salesperson_name == "Ada Admin"
    detail = admin_client.get(created["Location"]).content.decode()
    assert invoice.number in detail and "View in Books" in detail and "Download PDF" in detail
    status = admin_client.get(created["Location"] + "?fragment=status").content.decode()
    assert "Draft" in status
    sent = admin_client.post(f"/o/acme/invoices/{invoice.pk}/send/", {"to": ""})
    assert sent.status_code == 302
    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.SENT
    paid = admin_client.post(f"/o/acme/invoices/{invoice.pk}/payment/", {"amount": "50", "mode": "cash"})
    assert paid.status_code == 302
    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.PARTIALLY_PAID
    pdf = admin_client.get(f"/o/acme/invoices/{invoice.pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    listing = admin_client.get("/o/acme/invoices/?state=partially_paid").content.decode()
    assert invoice.number in listing
    reports = admin_client.get("/o/acme/reports/").content.decode()
    assert "Bowman and Co" in reports and "50.00" in reports


def test_refusals_are_shown_with_the_reason(us_org, admin_user, books, admin_client):
    order = work_order(us_org, admin_user, taxable_company(us_org), is_billable=False)
    page = admin_client.get(f"/o/acme/invoices/from-work-order/{order.pk}/").content.decode()
    assert "non-billable" in page
    other = work_order(us_org, admin_user, taxable_company(us_org, name="Other Co"))
    FinanceConnection.objects.filter(organization=us_org).update(status=FinanceConnection.State.REVOKED)
    refused = admin_client.post(f"/o/acme/invoices/from-work-order/{other.pk}/", {"lines": [other.lines.first().pk]})
    assert refused.status_code == 400 and "revoked" in refused.content.decode()
    assert not Invoice.objects.exists()


def test_mapping_page_requires_mandatory_fields(us_org, admin_user, books, admin_client):
    connection = FinanceConnection.objects.get(organization=us_org)
    field = books.control.http.post(f"/orgs/{connection.finance_org_id}/customfields",
                                    json={"entity": "invoice", "label": "PO", "is_mandatory": True}).json()  # fmt: skip
    page = admin_client.get("/o/acme/invoices/mapping/")
    assert page.status_code == 200 and "PO" in page.content.decode()
    refused = admin_client.post("/o/acme/invoices/mapping/", {})
    assert refused.status_code == 400 and "mandatory" in refused.content.decode()
    saved = admin_client.post("/o/acme/invoices/mapping/", {f"map_{field['customfield_id']}": "summary"})
    assert saved.status_code == 302
    assert InvoiceMapping.objects.get().work_order_field == "summary"


def test_taxes_page_and_admin_edit(us_org, admin_user, books, admin_client):
    from fsmbilling.models import Tax

    tax = Tax.objects.get(organization=us_org)
    assert "CA Sales Tax" in admin_client.get("/o/acme/taxes/").content.decode()
    admin_client.post("/o/acme/taxes/", {"tax": tax.pk, "rate": "8.5", "is_active": "on"})
    tax.refresh_from_db()
    assert tax.rate == Decimal("8.5")
    technician = login(member(us_org, role="Technician", username="tech@acme.test"))
    assert technician.get("/o/acme/taxes/").status_code == 403


def test_estimate_pages(us_org, admin_user, books, admin_client):
    company = taxable_company(us_org)
    item = ServicePartFactory(organization=us_org, name="Inspection", rate=Decimal("80"))
    assert admin_client.get("/o/acme/estimates/new/").status_code == 200
    created = admin_client.post("/o/acme/estimates/new/", {"company": company.pk, "item_0": item.pk, "quantity_0": "2"})
    estimate = Estimate.objects.get()
    assert created.status_code == 302 and estimate.total == Decimal("173.20")
    for action in ("sent", "accepted"):
        admin_client.post(f"/o/acme/estimates/{estimate.pk}/", {"action": action})
    converted = admin_client.post(f"/o/acme/estimates/{estimate.pk}/", {"action": "convert"})
    estimate.refresh_from_db()
    assert converted["Location"] == estimate.work_order.get_absolute_url()
    assert estimate.number in admin_client.get("/o/acme/estimates/").content.decode()


def test_receivables_panel_and_books_search(us_org, admin_user, books, admin_client):
    from invoicing.books import books as books_of
    from invoicing.services import invoice_from_work_order, invoice_send

    company = taxable_company(us_org)
    invoice = invoice_from_work_order(organization=us_org, actor=admin_user,
                                      work_order=work_order(us_org, admin_user, company))  # fmt: skip
    invoice_send(invoice=invoice, actor=admin_user)
    panel = admin_client.get(f"/o/acme/invoices/receivables/company/{company.pk}/").content.decode()
    assert f"{invoice.total:.2f}" in panel
    technician = login(member(us_org, role="Technician", username="tech@acme.test"))
    assert technician.get(f"/o/acme/invoices/receivables/company/{company.pk}/").status_code == 403

    with books_of(us_org) as client:
        name = "Only In Books Inc"
        found = client.create_contact(
            remote.Customer(contact_name=name, company_name=name, customer_sub_type="business", contact_type="customer")
        )
    results = admin_client.get("/o/acme/invoices/books-search/?kind=customer&q=Only").content.decode()
    assert "Only In Books Inc" in results and "Bowman" not in results
    for _ in range(2):
        fetched = admin_client.post(
            "/o/acme/invoices/books-search/", {"kind": "customer", "remote_id": found.contact_id}
        )
        assert "Fetched Only In Books Inc" in fetched.content.decode()
    from fsmbilling.models import Company

    assert Company.objects.filter(organization=us_org, name="Only In Books Inc").count() == 1
    assert (
        "Only In Books Inc"
        not in admin_client.get("/o/acme/invoices/books-search/?kind=customer&q=Only").content.decode()
    )


def test_dispatcher_cannot_invoice_and_other_org_gets_404(us_org, admin_user, other_org, other_admin, books):
    order = work_order(us_org, admin_user, taxable_company(us_org))
    dispatcher = login(member(us_org, role="Dispatcher", username="dis@acme.test"))
    url = f"/o/acme/invoices/from-work-order/{order.pk}/"
    assert dispatcher.get(url).status_code == 403
    assert dispatcher.post(url, {"lines": [order.lines.first().pk]}).status_code == 403
    assert not Invoice.objects.exists()
    from invoicing.services import invoice_from_work_order

    invoice = invoice_from_work_order(organization=us_org, actor=admin_user, work_order=order)
    assert dispatcher.get(f"/o/acme/invoices/{invoice.pk}/").status_code == 200
    assert dispatcher.post(f"/o/acme/invoices/{invoice.pk}/void/").status_code == 403
    globex = login(other_admin)
    for path in (f"/o/globex/invoices/{invoice.pk}/", f"/o/globex/invoices/{invoice.pk}/pdf/",
                 f"/o/globex/invoices/from-work-order/{order.pk}/"):  # fmt: skip
        assert globex.get(path).status_code == 404, path
    assert globex.post(f"/o/globex/invoices/{invoice.pk}/void/").status_code == 404
    assert invoice.number not in globex.get("/o/globex/invoices/").content.decode()
    assert globex.get(f"/o/acme/invoices/{invoice.pk}/").status_code == 404
    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.DRAFT
