"""Work orders (REC-4): numbers, lines and totals (TAX-7), refusals, FIN-7, pages with htmx, API, permissions."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fsmbilling.models import Currency, Tax, WorkOrder, WorkOrderLine
from fsmbilling.services.guards import Conflict, FinanceUnavailable
from fsmbilling.services.work_orders import (
    work_order_create,
    work_order_delete,
    work_order_line_add,
    work_order_line_remove,
    work_order_line_update,
    work_order_lines_set_billing_status,
    work_order_mark_billable,
    work_order_mark_non_billable,
    work_order_set_status,
    work_order_update,
)
from tests.conftest import member
from tests.factories import PASSWORD, CompanyFactory, ContactFactory, ServicePartFactory, TaxFactory
from tests.fsmbilling.factories_work_orders import (
    REVOKED_WORDS,
    STILL_READABLE,
    WorkOrderFactory,
    WorkOrderLineFactory,
    revoke_finance_access,
)

D = Decimal
API = "/api/v1/orgs/acme/work-orders/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def company(org):
    return CompanyFactory(
        organization=org, name="Bowman and Co", service_address={"address": "9 Mill Rd", "city": "Austin"}
    )


@pytest.fixture
def item(org):
    return ServicePartFactory(organization=org, name="Boiler service", rate=D("120.00"), description="Annual check")


@pytest.fixture
def sales_tax(org):
    return TaxFactory(organization=org, name="Sales tax", rate=D("8.25"), tax_type="sales_tax")


def create(org, actor, **data):
    return work_order_create(organization=org, actor=actor, data={"summary": "Fix boiler", **data})


def client_for(org, role: str, username: str) -> Client:
    user = member(org, role=role, username=username)
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


# --- numbers -------------------------------------------------------------------------------------------------------


def test_numbers_are_per_organization_and_a_failed_create_gives_its_number_back(
    org, other_org, admin_user, company, item
):
    first = create(org, admin_user, company=company)
    with pytest.raises(ValidationError):  # the line is refused after the number was taken: all rolled back
        create(org, admin_user, company=company, lines=[{"item": item, "quantity": D("-1")}])
    second = create(org, admin_user, company=company)
    foreign = create(other_org, admin_user, company=CompanyFactory(organization=other_org))
    assert (first.number, second.number, foreign.number) == ("WO-00001", "WO-00002", "WO-00001")


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_get_gap_free_unique_numbers(org, admin_user):
    company = CompanyFactory(organization=org)
    count = 8
    barrier = threading.Barrier(count)
    numbers: list[str] = []
    errors: list[BaseException] = []

    def worker():
        try:
            barrier.wait(timeout=10)
            numbers.append(create(org, admin_user, company=company).number)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(numbers) == [f"WO-{n:05d}" for n in range(1, count + 1)]
    assert WorkOrder.objects.filter(organization=org).count() == count


# --- amounts (TAX-7) -----------------------------------------------------------------------------------------------


def test_line_amounts_round_half_up_per_line_and_totals_are_sums(org, admin_user, company, item, sales_tax):
    work_order = create(
        org,
        admin_user,
        company=company,
        lines=[
            # 3 × 33.335 = 100.005 → 100.01; tax 8.25% = 8.250825 → 8.25
            {"item": item, "quantity": D("3"), "rate": D("33.335"), "tax": sales_tax},
            # 1 × 2.675 = 2.675 → 2.68 (a float would give 2.67); tax 0.220688 → 0.22
            {"item": item, "quantity": D("1"), "rate": D("2.675"), "tax": sales_tax},
            # 2 × 10.125 × 0.9 = 18.225 → 18.23; tax 1.5039975 → 1.50
            {"item": item, "quantity": D("2"), "rate": D("10.125"), "discount_percent": D("10"), "tax": sales_tax},
            # no tax
            {"item": item, "quantity": D("0.5"), "rate": D("0.01"), "tax": None},  # 0.005 → 0.01
        ],
    )
    lines = list(work_order.lines.order_by("position"))
    assert [(line.amount, line.tax_amount) for line in lines] == [
        (D("100.01"), D("8.25")),
        (D("2.68"), D("0.22")),
        (D("18.23"), D("1.50")),
        (D("0.01"), D("0")),
    ]
    work_order.refresh_from_db()
    assert work_order.sub_total == D("120.93")
    assert work_order.tax_total == D("9.97")
    assert work_order.total == D("130.90")
    assert work_order.unbilled_amount == D("130.90") and work_order.billed_amount == D("0")


def test_tax_group_components_are_rounded_each_on_the_line(org, admin_user, company, item):
    cgst = TaxFactory(organization=org, name="CGST 9", rate=D("9"), tax_type="cgst")
    sgst = TaxFactory(organization=org, name="SGST 9", rate=D("9"), tax_type="sgst")
    group = TaxFactory(organization=org, name="GST 18", rate=D("18"), kind=Tax.Kind.GROUP)
    group.components.set([cgst, sgst])
    work_order = create(org, admin_user, company=company, lines=[{"item": item, "rate": D("100.05"), "tax": group}])
    # each 9% of 100.05 = 9.0045 → 9.00, so 18.00 (one 18% tax would give 18.01)
    assert work_order.tax_total == D("18.00") and work_order.total == D("118.05")


def test_amounts_use_the_currency_decimal_places(org, admin_user, item):
    yen = Currency.objects.create(organization=org, code="JPY", decimal_places=0, exchange_rate=D("0.0067"))
    company = CompanyFactory(organization=org, currency=yen)
    work_order = create(org, admin_user, company=company, lines=[{"item": item, "rate": D("1000.5"), "tax": None}])
    assert work_order.currency == yen and work_order.total == D("1001")


def test_billed_unbilled_non_billable_and_void(org, admin_user, company, item, sales_tax):
    work_order = create(
        org,
        admin_user,
        company=company,
        lines=[
            {"item": item, "rate": D("100"), "tax": sales_tax},
            {"item": item, "rate": D("50"), "tax": None},
            {"item": item, "rate": D("10"), "tax": None},
        ],
    )
    first, second, third = work_order.lines.order_by("position")
    work_order_lines_set_billing_status(
        work_order=work_order, line_ids=[first.pk], billing_status=WorkOrderLine.BillingStatus.INVOICED, actor=None
    )
    work_order_lines_set_billing_status(
        work_order=work_order, line_ids=[third.pk], billing_status=WorkOrderLine.BillingStatus.VOID, actor=None
    )
    work_order.refresh_from_db()
    assert (work_order.total, work_order.billed_amount, work_order.unbilled_amount) == (
        D("158.25"),
        D("108.25"),
        D("50.00"),
    )
    work_order_mark_non_billable(instance=work_order, actor=admin_user)
    work_order.refresh_from_db()
    assert not work_order.is_billable
    assert dict(work_order.lines.values_list("pk", "billing_status")) == {
        first.pk: "invoiced",
        second.pk: "non_billable",
        third.pk: "void",
    }
    assert (work_order.billed_amount, work_order.unbilled_amount) == (D("108.25"), D("0"))
    added = work_order_line_add(work_order=work_order, actor=admin_user, data={"item": item, "tax": None})
    assert added.billing_status == "non_billable"
    work_order_mark_billable(instance=work_order, actor=admin_user)
    work_order.refresh_from_db()
    assert work_order.unbilled_amount == D("170.00")


def test_line_prefill_from_item_and_customer(org, admin_user, item, sales_tax):
    taxed = CompanyFactory(organization=org, default_tax=sales_tax)
    exempt = CompanyFactory(organization=org, default_tax=sales_tax, is_taxable=False)
    line = work_order_line_add(work_order=create(org, admin_user, company=taxed), actor=admin_user, data={"item": item})
    assert (line.rate, line.description, line.tax_id, line.amount, line.tax_amount) == (
        D("120.00"),
        "Annual check",
        sales_tax.pk,
        D("120.00"),
        D("9.90"),
    )
    untaxed = work_order_line_add(
        work_order=create(org, admin_user, company=exempt), actor=admin_user, data={"item": item}
    )
    assert untaxed.tax_id is None


# --- validation and refusals ---------------------------------------------------------------------------------------


def test_customer_rules(org, admin_user, company):
    with pytest.raises(ValidationError) as missing:
        create(org, admin_user)
    assert missing.value.message_dict == {"company": ["Choose a company or a contact (at least one)."]}
    stranger = ContactFactory(organization=org, company=CompanyFactory(organization=org))
    with pytest.raises(ValidationError) as wrong:
        create(org, admin_user, company=company, contact=stranger)
    assert "does not belong to the chosen company" in wrong.value.message_dict["contact"][0]
    own = ContactFactory(organization=org, company=company)
    work_order = create(org, admin_user, company=company, contact=own)
    assert work_order.service_address == {"address": "9 Mill Rd", "city": "Austin"}  # prefilled from the company
    assert work_order.billing_address == company.billing_address
    only_contact = create(org, admin_user, contact=ContactFactory(organization=org))
    assert only_contact.company is None


def test_another_organizations_records_read_as_missing(org, other_org, admin_user, company, item):
    foreign_item = ServicePartFactory(organization=other_org)
    with pytest.raises(ValidationError) as exc:
        create(org, admin_user, company=CompanyFactory(organization=other_org))
    assert exc.value.message_dict == {"company": ["Not found."]}
    work_order = create(org, admin_user, company=company)
    with pytest.raises(ValidationError) as exc:
        work_order_line_add(work_order=work_order, actor=admin_user, data={"item": foreign_item})
    assert exc.value.message_dict == {"item": ["Not found."]}
    with pytest.raises(ValidationError) as exc:
        work_order_update(
            instance=work_order,
            actor=admin_user,
            data={"technicians": [member(other_org, role="Technician", username="tech@globex.test")]},
        )
    assert exc.value.message_dict == {"technicians": ["Not found."]}


def test_invoiced_lines_cannot_be_changed_or_removed(org, admin_user, company, item):
    work_order = create(org, admin_user, company=company, lines=[{"item": item}])
    line = work_order.lines.get()
    work_order_lines_set_billing_status(
        work_order=work_order, line_ids=[line.pk], billing_status="invoiced", actor=admin_user
    )
    with pytest.raises(Conflict) as exc:
        work_order_line_update(line=line, actor=admin_user, data={"quantity": D("2")})
    assert exc.value.error_code == "line_invoiced"
    assert "invoiced, so it cannot be changed" in exc.value.messages[0]
    with pytest.raises(Conflict):
        work_order_line_remove(line=line, actor=admin_user)
    with pytest.raises(Conflict):
        work_order_delete(instance=work_order, actor=admin_user)
    with pytest.raises(Conflict):
        work_order_set_status(instance=work_order, actor=admin_user, status="cancelled")
    line.refresh_from_db()
    assert line.quantity == D("1") and WorkOrder.objects.filter(pk=work_order.pk).exists()


def test_status_transitions(org, admin_user, company, item):
    work_order = create(org, admin_user, company=company)
    work_order_set_status(instance=work_order, actor=admin_user, status="in_progress")
    work_order_set_status(instance=work_order, actor=admin_user, status="completed")
    with pytest.raises(Conflict) as exc:
        work_order_set_status(instance=work_order, actor=admin_user, status="new")
    assert "it can be set to: In progress" in exc.value.messages[0]
    work_order_set_status(instance=work_order, actor=admin_user, status="in_progress")
    work_order_set_status(instance=work_order, actor=admin_user, status="cancelled")
    with pytest.raises(Conflict) as exc:
        work_order_line_add(work_order=work_order, actor=admin_user, data={"item": item})
    assert exc.value.error_code == "work_order_cancelled"


def test_scheduled_window_must_not_end_before_it_starts(org, admin_user, company):
    with pytest.raises(ValidationError) as exc:
        create(
            org,
            admin_user,
            company=company,
            scheduled_start=datetime(2026, 3, 2, 10, tzinfo=UTC),
            scheduled_end=datetime(2026, 3, 2, 9, tzinfo=UTC),
        )
    assert exc.value.message_dict == {"scheduled_end": ["The end of the window must not be before its start."]}


# --- FIN-7 ---------------------------------------------------------------------------------------------------------


def test_finance_unavailable_refuses_creating_but_not_reading(org, admin_user, admin_client, api, company, item):
    existing = create(org, admin_user, company=company)
    revoke_finance_access(org)
    with pytest.raises(FinanceUnavailable) as exc:
        create(org, admin_user, company=company)
    assert exc.value.error_code == "finance_unavailable"
    assert REVOKED_WORDS in exc.value.messages[0] and "reconnect in Billing Setup" in exc.value.messages[0]
    response = api.post(API, {"summary": "New", "company": company.pk}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "finance_unavailable" and REVOKED_WORDS in response.json()["message"]
    page = admin_client.post("/o/acme/work-orders/new/", {"summary": "New", "company": company.pk, "priority": "low"})
    assert page.status_code == 200 and STILL_READABLE in page.content.decode()
    assert WorkOrder.objects.filter(organization=org).count() == 1
    # reading and changing existing work orders keep working
    assert api.get(f"{API}{existing.pk}/").status_code == 200
    assert admin_client.get(f"/o/acme/work-orders/{existing.pk}/").status_code == 200
    assert api.post(f"{API}{existing.pk}/lines/", {"item": item.pk}, format="json").status_code == 201


# --- pages ---------------------------------------------------------------------------------------------------------


def test_pages_create_list_detail(admin_client, org, company):
    response = admin_client.post(
        "/o/acme/work-orders/new/",
        {
            "summary": "Leaking valve",
            "company": company.pk,
            "priority": "high",
            "scheduled_start": "2026-03-02T09:00",
            "scheduled_end": "2026-03-02T11:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    work_order = WorkOrder.objects.get(organization=org)
    assert work_order.number == "WO-00001" and work_order.service_address["city"] == "Austin"
    listing = admin_client.get("/o/acme/work-orders/?q=valve&priority=high&sort=-number").content.decode()
    assert "WO-00001" in listing and 'class="responsive"' in listing
    assert "WO-00001" not in admin_client.get("/o/acme/work-orders/?billing=unbilled").content.decode()
    assert "Bowman" in admin_client.get("/o/acme/work-orders/?q=bowman").content.decode()
    detail = admin_client.get(f"/o/acme/work-orders/{work_order.pk}/").content.decode()
    assert "Leaking valve" in detail and 'data-testid="add-line"' in detail


def test_page_form_names_the_problem(admin_client, org, company):
    response = admin_client.post("/o/acme/work-orders/new/", {"summary": "No customer", "priority": "low"})
    body = response.content.decode()
    assert response.status_code == 200 and "Choose a company or a contact (at least one)." in body
    stranger = ContactFactory(organization=org)
    response = admin_client.post(
        "/o/acme/work-orders/new/", {"summary": "X", "company": company.pk, "contact": stranger.pk, "priority": "low"}
    )
    assert "does not belong to the chosen company" in response.content.decode()
    assert not WorkOrder.objects.filter(organization=org).exists()


def test_htmx_line_editing_refreshes_lines_and_totals(admin_client, org, admin_user, company, item, sales_tax):
    work_order = create(org, admin_user, company=company)
    url = f"/o/acme/work-orders/{work_order.pk}/"
    added = admin_client.post(
        f"{url}lines/",
        {"new-item": item.pk, "new-quantity": "3", "new-rate": "33.335", "new-tax": sales_tax.pk},
        **HTMX,
    )
    body = added.content.decode()
    assert added.status_code == 200 and "<html" not in body and 'id="lines"' in body
    assert "100.01" in body and "108.26" in body  # amount and total, refreshed in the fragment
    line = work_order.lines.get()
    editing = admin_client.get(f"{url}?edit_line={line.pk}", **HTMX).content.decode()
    assert "<html" not in editing and f'name="line-{line.pk}-quantity"' in editing
    saved = admin_client.post(
        f"{url}lines/{line.pk}/",
        {
            f"line-{line.pk}-item": item.pk,
            f"line-{line.pk}-quantity": "1",
            f"line-{line.pk}-rate": "10",
            f"line-{line.pk}-tax": "",
            f"line-{line.pk}-work_status": "completed",
        },
        **HTMX,
    ).content.decode()
    assert 'data-testid="total"><strong>10.00' in saved
    bad = admin_client.post(
        f"{url}lines/", {"new-item": item.pk, "new-quantity": "-1", "new-discount_percent": "150"}, **HTMX
    ).content.decode()
    assert "Quantity cannot be negative" in bad and "Discount must be between 0 and 100 percent." in bad
    work_order_lines_set_billing_status(
        work_order=work_order, line_ids=[line.pk], billing_status="invoiced", actor=admin_user
    )
    refused = admin_client.post(f"{url}lines/{line.pk}/remove/", **HTMX).content.decode()
    assert "This line is invoiced, so it cannot be removed." in refused
    assert work_order.lines.count() == 1
    # without htmx the same endpoints redirect back to the page
    assert admin_client.post(f"{url}lines/", {"new-item": item.pk}).status_code == 302


def test_status_buttons_and_non_billable(admin_client, org, admin_user, company, item):
    work_order = create(org, admin_user, company=company, lines=[{"item": item, "tax": None}])
    url = f"/o/acme/work-orders/{work_order.pk}/"
    assert admin_client.post(f"{url}status/", {"status": "completed"}).status_code == 302
    work_order.refresh_from_db()
    assert work_order.status == "completed"
    admin_client.post(f"{url}status/", {"status": "new"})
    work_order.refresh_from_db()
    assert work_order.status == "completed"  # refused with a message
    admin_client.post(f"{url}billable/", {"billable": "no"})
    work_order.refresh_from_db()
    assert not work_order.is_billable and work_order.unbilled_amount == 0


# --- API -----------------------------------------------------------------------------------------------------------


def test_api_create_with_lines_patch_and_line_endpoints(api, org, company, item, sales_tax, admin_user):
    response = api.post(
        API,
        {
            "summary": "Install",
            "company": company.pk,
            "technicians": [admin_user.pk],
            "lines": [
                {"item": item.pk, "quantity": "3", "rate": "33.335", "tax": sales_tax.pk},
                {"item": item.pk, "description": "Parts", "quantity": "1"},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"] == "WO-00001" and body["currency"] == "USD" and body["technicians"] == [admin_user.pk]
    assert [line["amount"] for line in body["lines"]] == ["100.01", "120.00"]
    assert body["lines"][1]["tax"] is None  # the company has no sales tax (US prefill)
    assert (body["sub_total"], body["tax_total"], body["total"]) == ("220.01", "8.25", "228.26")
    url = f"{API}{body['id']}/"
    patched = api.patch(url, {"priority": "critical", "status": "in_progress"}, format="json")
    assert patched.status_code == 200 and patched.json()["status"] == "in_progress"
    assert api.patch(url, {"lines": []}, format="json").status_code == 400
    added = api.post(f"{url}lines/", {"item": item.pk, "quantity": "2", "discount_percent": "50"}, format="json")
    assert added.status_code == 201 and added.json()["amount"] == "120.00"
    line_id = added.json()["id"]
    changed = api.patch(f"{url}lines/{line_id}/", {"quantity": "1"}, format="json")
    assert changed.status_code == 200 and changed.json()["amount"] == "60.00"
    assert api.get(url).json()["total"] == "288.26"
    assert api.delete(f"{url}lines/{line_id}/").status_code == 204
    assert api.get(url).json()["total"] == "228.26"
    assert api.get(f"{API}?search=install&status=in_progress").json()["count"] == 1
    assert api.get(f"{API}?modified_after=2999-01-01T00:00:00Z").json()["count"] == 0
    assert api.get(f"{API}?status=bogus").status_code == 400


def test_api_validation_messages(api, org, other_org, company, item):
    foreign_item = ServicePartFactory(organization=other_org)
    response = api.post(
        API,
        {
            "summary": "X",
            "company": company.pk,
            "lines": [{"item": foreign_item.pk}, {"item": item.pk, "quantity": "-1"}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["fields"]["lines[0].item"] == ["Not found."]
    response = api.post(
        API,
        {
            "summary": "X",
            "company": company.pk,
            "lines": [{"item": item.pk, "quantity": "-1", "discount_percent": "101"}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "lines[0].quantity": ["Quantity cannot be negative. Enter 0 or more."],
        "lines[0].discount_percent": ["Discount must be between 0 and 100 percent."],
    }
    response = api.post(API, {"summary": "X"}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"company": ["Choose a company or a contact (at least one)."]}
    assert api.post(API, {"summary": "X", "company": CompanyFactory(organization=other_org).pk}, format="json").json()[
        "fields"
    ] == {"company": ["Not found."]}
    assert not WorkOrder.objects.filter(organization=org).exists()


def test_api_refuses_changing_an_invoiced_line_with_409(api, org, admin_user, company, item):
    work_order = create(org, admin_user, company=company, lines=[{"item": item}])
    line = work_order.lines.get()
    work_order_lines_set_billing_status(
        work_order=work_order, line_ids=[line.pk], billing_status="invoiced", actor=admin_user
    )
    response = api.patch(f"{API}{work_order.pk}/lines/{line.pk}/", {"quantity": "5"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "line_invoiced"
    assert api.delete(f"{API}{work_order.pk}/lines/{line.pk}/").status_code == 409
    assert api.delete(f"{API}{work_order.pk}/").json()["code"] == "has_invoiced_lines"


# --- permissions and isolation -------------------------------------------------------------------------------------


def test_technician_edits_but_cannot_delete(org, admin_user, company, item):
    client = client_for(org, "Technician", "tech@acme.test")
    response = client.post("/o/acme/work-orders/new/", {"summary": "By tech", "company": company.pk, "priority": "low"})
    assert response.status_code == 302
    work_order = WorkOrder.objects.get(organization=org, summary="By tech")
    assert client.post(f"/o/acme/work-orders/{work_order.pk}/lines/", {"new-item": item.pk}).status_code == 302
    line = work_order.lines.get()
    assert client.post(f"/o/acme/work-orders/{work_order.pk}/lines/{line.pk}/remove/").status_code == 302
    assert client.post(f"/o/acme/work-orders/{work_order.pk}/delete/").status_code == 403
    assert WorkOrder.objects.filter(pk=work_order.pk).exists()
    assert (
        client.patch(f"{API}{work_order.pk}/", {"summary": "Renamed"}, content_type="application/json").status_code
        == 200
    )
    assert client.delete(f"{API}{work_order.pk}/").status_code == 403


def test_billing_can_only_view(org, admin_user, company, item):
    work_order = create(org, admin_user, company=company, lines=[{"item": item}])
    line = work_order.lines.get()
    client = client_for(org, "Billing", "billing@acme.test")
    assert client.get("/o/acme/work-orders/").status_code == 200
    assert client.get(f"/o/acme/work-orders/{work_order.pk}/").status_code == 200
    assert 'data-testid="add-line"' not in client.get(f"/o/acme/work-orders/{work_order.pk}/").content.decode()
    refusals = [
        client.post("/o/acme/work-orders/new/", {"summary": "No", "company": company.pk, "priority": "low"}),
        client.post(f"/o/acme/work-orders/{work_order.pk}/lines/", {"new-item": item.pk}),
        client.post(f"/o/acme/work-orders/{work_order.pk}/lines/{line.pk}/remove/"),
        client.post(f"/o/acme/work-orders/{work_order.pk}/status/", {"status": "cancelled"}),
        client.post(f"{API}{work_order.pk}/lines/", {"item": item.pk}, content_type="application/json"),
        client.patch(f"{API}{work_order.pk}/", {"summary": "No"}, content_type="application/json"),
    ]
    assert [response.status_code for response in refusals] == [403] * len(refusals)
    work_order.refresh_from_db()
    assert work_order.status == "new" and work_order.lines.count() == 1 and WorkOrder.objects.count() == 1


def test_another_organizations_work_order_is_404_everywhere(
    api, admin_client, org, other_org, admin_user, company, item
):
    foreign = create(
        other_org,
        admin_user,
        company=CompanyFactory(organization=other_org),
        lines=[{"item": ServicePartFactory(organization=other_org)}],
    )
    line = foreign.lines.get()
    own = create(org, admin_user, company=company)
    for url in (f"/o/acme/work-orders/{foreign.pk}/", f"/o/acme/work-orders/{foreign.pk}/edit/"):
        assert admin_client.get(url).status_code == 404
    for url in (
        f"/o/acme/work-orders/{foreign.pk}/delete/",
        f"/o/acme/work-orders/{foreign.pk}/status/",
        f"/o/acme/work-orders/{foreign.pk}/lines/",
        f"/o/acme/work-orders/{foreign.pk}/lines/{line.pk}/remove/",
        f"/o/acme/work-orders/{own.pk}/lines/{line.pk}/remove/",
        f"/o/acme/work-orders/{foreign.pk}/billable/",
    ):
        assert admin_client.post(url, {"status": "cancelled", "new-item": item.pk}).status_code == 404, url
    assert api.get(f"{API}{foreign.pk}/").status_code == 404
    assert api.patch(f"{API}{foreign.pk}/", {"summary": "x"}, format="json").status_code == 404
    assert api.post(f"{API}{foreign.pk}/lines/", {"item": item.pk}, format="json").status_code == 404
    assert api.patch(f"{API}{own.pk}/lines/{line.pk}/", {"quantity": "2"}, format="json").status_code == 404
    assert api.delete(f"{API}{own.pk}/lines/{line.pk}/").status_code == 404
    assert api.get("/api/v1/orgs/globex/work-orders/").status_code == 404
    assert [row["id"] for row in api.get(API).json()["results"]] == [own.pk]
    foreign.refresh_from_db()
    assert foreign.summary == "Fix boiler" and foreign.status == "new" and foreign.lines.count() == 1


# --- query counts --------------------------------------------------------------------------------------------------


def _rows(org, count):
    for _ in range(count):
        work_order = WorkOrderFactory(organization=org)
        WorkOrderLineFactory(work_order=work_order, item__organization=org)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_list_query_counts_do_not_grow_with_rows(api, admin_client, org):
    api.get(API)  # the token's first use records its last-used time once; not part of the list's cost
    _rows(org, 30)
    counts_30 = (_queries(admin_client, "/o/acme/work-orders/"), _queries(api, f"{API}?page_size=100"))
    _rows(org, 30)
    counts_60 = (_queries(admin_client, "/o/acme/work-orders/"), _queries(api, f"{API}?page_size=100"))
    assert counts_30 == counts_60
    assert api.get(f"{API}?page_size=100").json()["count"] == 60
