"""List search (word prefixes through GIN indexes, identifier ends) and deep pages (REC-11, PERF-3).

See fsmbilling/search.py and fsmbilling/pagination.py.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.paginator import Paginator
from django.db import connection

from fsmbilling.models import Company, Contact, Currency, WorkOrder
from fsmbilling.pagination import DeferredJoinPaginator
from fsmbilling.search import words
from fsmbilling.selectors.catalog import service_part_list
from fsmbilling.selectors.customers import company_list, contact_list
from fsmbilling.selectors.work_orders import appointment_list, asset_list, work_order_list
from invoicing.models import Estimate, Invoice
from invoicing.selectors import estimate_list, invoice_list
from tests.factories import CompanyFactory, ContactFactory, ServicePartFactory
from tests.fsmbilling.factories_work_orders import AppointmentFactory, AssetFactory, WorkOrderFactory

ORG_API = "/api/v1/orgs/acme/"


def names(queryset, attribute="name") -> set:
    return {getattr(row, attribute) for row in queryset}


@pytest.fixture
def bowman(org):
    company = CompanyFactory(organization=org, name="Bowman and Co", email="ap@bowman.test", phone="+1-555-0100")
    CompanyFactory(organization=org, name="Archer Heating", email="office@archer.test", phone="+44 20 7946 0958")
    return company


def test_words_are_letters_and_digits():
    assert words("  Ap@Bow  +1-555 ") == ["ap", "bow", "1", "555"]
    assert words("Müller_&|!:*'") == ["müller"]
    assert words("&|!") == []


def test_company_search_by_word_prefix_of_name_email_and_phone(org, bowman):
    def found(text):
        return names(company_list(organization=org, search=text))

    assert found("bow") == {"Bowman and Co"}
    assert found("BOWMAN co") == {"Bowman and Co"}  # case-insensitive, every word must match
    assert found("ap@bow") == {"Bowman and Co"}  # the e-mail, by its words "ap" and "bow…"
    assert found("bowman.test") == {"Bowman and Co"}
    assert found("555-01") == {"Bowman and Co"}  # the phone, by its words
    assert found("7946") == {"Archer Heating"}
    assert found("bowman archer") == set()
    assert found("owma") == set()  # word starts only, not arbitrary infixes
    assert found("@@") == set()  # nothing searchable typed: nothing found


def test_company_search_pages_and_api(admin_client, api, org, bowman):
    assert admin_client.get("/o/acme/companies/?q=ap%40bow").content.decode().count(">Bowman and Co</a>") == 1
    body = api.get(f"{ORG_API}companies/?search=555%200100").json()
    assert [row["name"] for row in body["results"]] == ["Bowman and Co"]


def test_contact_search_by_own_fields_and_company(org, bowman):
    ContactFactory(
        organization=org, first_name="Ann", last_name="O'Neil", email="ann@example.test", mobile="07700 900123"
    )
    ContactFactory(
        organization=org,
        first_name="Bo",
        last_name="Brown",
        email="bo@brown.test",
        phone="+1 212 555 7788",
        company=bowman,
    )

    def found(text):
        return {c.full_name for c in contact_list(organization=org, search=text)}

    assert found("oneil") == set()  # "O'Neil" is the words "o" and "neil"
    assert found("o'neil") == found("neil") == found("an ne") == {"Ann O'Neil"}
    assert found("ann@example") == found("900123") == found("07700") == {"Ann O'Neil"}
    assert found("bowm") == found("212 555") == {"Bo Brown"}  # company name; own phone


def test_service_part_search_by_name_sku_start_and_end_description_and_hsn(org):
    ServicePartFactory(organization=org, name="Boiler service", sku="BOIL-1", description="Annual check")
    ServicePartFactory(organization=org, name="Valve", sku="VLV-20", hsn_sac="998719")

    def found(text):
        return names(service_part_list(organization=org, search=text))

    assert found("boil") == found("boil-1") == found("annual") == {"Boiler service"}
    assert found("L-1") == found("1") == {"Boiler service"}  # the SKU by its end
    assert found("9987") == found("vlv") == found("V-20") == {"Valve"}


@pytest.fixture
def orders(org, admin_user):
    bowman = CompanyFactory(organization=org, name="Bowman and Co", email="office@bowman.test", phone="+1 555 0100")
    person = ContactFactory(organization=org, first_name="Pat", last_name="Smith", email="pat@smith.test")
    first = WorkOrderFactory(organization=org, number="WO-000042", summary="Leaking valve", company=bowman)
    second = WorkOrderFactory(organization=org, number="WO-000420", summary="Boiler service", contact=person)
    third = WorkOrderFactory(organization=org, number="WO-001042", summary="Boiler repair", company=bowman)
    return first, second, third


def test_work_order_search_by_number_fragment_summary_and_customer(org, orders):
    first, second, third = orders

    def found(text):
        return names(work_order_list(organization=org, search=text), "number")

    assert found("0042") == {"WO-000042"}  # the end of the number
    assert found("42") == {"WO-000042", "WO-001042"}
    assert found("00042") == {"WO-000042", "WO-000420"}  # its end, or the start of its digits
    assert found("1042") == {"WO-001042"}
    assert found("wo-000042") == found("000042") == {"WO-000042"}  # the whole number, any case
    assert found("wo-0004") == {"WO-000420"}  # the start of the number's digits
    assert found("wo-00") == {"WO-000042", "WO-000420", "WO-001042"}
    assert found("boil") == {"WO-000420", "WO-001042"}  # summary
    assert found("bowman") == {"WO-000042", "WO-001042"}  # the company
    assert found("smith") == found("pat smi") == {"WO-000420"}  # the contact
    assert found("leak valve") == {"WO-000042"}


def test_work_order_search_pages_and_api(admin_client, api, org, orders):
    listing = admin_client.get("/o/acme/work-orders/?q=1042").content.decode()
    assert "WO-001042" in listing and "WO-000420" not in listing and "WO-000042" not in listing
    body = api.get(f"{ORG_API}work-orders/?search=bowman").json()
    assert [row["number"] for row in body["results"]] == ["WO-001042", "WO-000042"]  # newest first, as unsearched


def test_appointment_and_asset_search(org, orders):
    first, second, _ = orders
    AppointmentFactory(work_order=first)
    AppointmentFactory(work_order=second)
    assert [a.work_order.number for a in appointment_list(organization=org, search="0042")] == ["WO-000042"]
    assert [a.work_order.number for a in appointment_list(organization=org, search="boiler")] == ["WO-000420"]
    AssetFactory(organization=org, name="Boiler A", serial_number="B-0077", company=first.company)
    AssetFactory(organization=org, name="Chiller", serial_number="C-9", contact=second.contact)
    assert names(asset_list(organization=org, search="077")) == {"Boiler A"}  # serial number's end
    assert names(asset_list(organization=org, search="c-9")) == names(asset_list(organization=org, search="smith"))
    assert names(asset_list(organization=org, search="bowman")) == {"Boiler A"}


def test_invoice_and_estimate_search_by_number_fragment_customer_and_work_order(org, orders):
    first, second, _ = orders
    today = dt.date(2026, 3, 1)
    common = {"organization": org, "date": today}
    Invoice.objects.create(number="INV-000042", company=first.company, due_date=today, **common)
    Invoice.objects.create(
        number="INV-000043", contact=second.contact, work_order=second, books_number="BK-77", due_date=today, **common
    )
    Estimate.objects.create(number="EST-000107", company=first.company, **common)
    Estimate.objects.create(number="EST-000200", contact=second.contact, **common)

    def invoices(text):
        return names(invoice_list(organization=org, search=text), "number")

    assert invoices("0042") == invoices("inv-000042") == invoices("bowman") == {"INV-000042"}
    assert invoices("43") == invoices("smith") == invoices("bk-77") == invoices("000420") == {"INV-000043"}
    assert invoices("inv-00004") == {"INV-000042", "INV-000043"}
    estimates = {text: names(estimate_list(organization=org, search=text), "number") for text in ("107", "pat")}
    assert estimates == {"107": {"EST-000107"}, "pat": {"EST-000200"}}


def test_search_never_shows_another_organization(admin_client, api, org, other_org, orders):
    stranger = CompanyFactory(organization=other_org, name="Bowman Globex", email="ap@bowman.test")
    strange_person = ContactFactory(organization=other_org, last_name="Smith", company=stranger)
    WorkOrderFactory(organization=other_org, number="WO-000042", summary="Boiler", company=stranger)
    WorkOrderFactory(organization=other_org, number="WO-000043", summary="Boiler", contact=strange_person)
    ServicePartFactory(organization=other_org, name="Boiler service", sku="BOIL-1")
    assert names(company_list(organization=org, search="bowman")) == {"Bowman and Co"}
    assert {c.organization_id for c in contact_list(organization=org, search="smith")} == {org.pk}
    for text in ("00042", "bowman", "smith", "boiler", "42"):
        assert {w.organization_id for w in work_order_list(organization=org, search=text)} <= {org.pk}, text
    assert service_part_list(organization=org, search="boil").count() == 0
    body = api.get(f"{ORG_API}work-orders/?search=0042").json()
    assert [row["number"] for row in body["results"]] == ["WO-000042"] and body["count"] == 1
    assert "Bowman Globex" not in admin_client.get("/o/acme/companies/?q=bowman").content.decode()


def test_searches_use_the_indexes(org):
    """At 2,000 rows (analyzed), PostgreSQL answers the searches from the GIN and identifier indexes: the query
    expressions are the indexed ones (fsmbilling/migrations/0003_list_search_indexes.py)."""
    currency = Currency.objects.get(organization=org, is_base=True)
    companies = Company.objects.bulk_create(
        Company(organization=org, name=f"Company {n:05d} Boilers", email=f"office{n}@c{n}.test") for n in range(2000)
    )
    contacts = Contact.objects.bulk_create(
        Contact(organization=org, first_name="Pat", last_name=f"Person{n:05d}", company=c)
        for n, c in enumerate(companies)
    )
    WorkOrder.objects.bulk_create(
        WorkOrder(organization=org, number=f"WO-{n:06d}", summary=f"Job {n}", company=c, contact=p, currency=currency)
        for n, (c, p) in enumerate(zip(companies, contacts, strict=True))
    )
    with connection.cursor() as cursor:
        for table in ("fsmbilling_company", "fsmbilling_contact", "fsmbilling_workorder"):
            cursor.execute(f"ANALYZE {table}")
    plan = company_list(organization=org, search="01234").explain()
    assert "company_search" in plan, plan
    plan = work_order_list(organization=org, search="01234").explain()
    for index in ("workorder_search", "workorder_number_end", "company_search", "contact_search"):
        assert index in plan, plan
    # (The outer scan of 2,000 work orders for the ids found may be a Seq Scan at this size; at 100,000 rows it is a
    # BitmapOr of the primary key and foreign key indexes: docs/benchmarks.md.)
    assert names(work_order_list(organization=org, search="01234"), "number") == {"WO-001234"}


# --- Deep pages ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ordering", ["", "-name", "-updated_at", "email"])
def test_deferred_join_pages_equal_offset_pages(org, ordering):
    for n in range(23):
        CompanyFactory(organization=org, name=f"Company {n % 5}", email=f"x{n % 3}@example.test")
    queryset = company_list(organization=org, ordering=ordering).prefetch_related("contacts")
    plain, deferred = Paginator(queryset, 5, orphans=1), DeferredJoinPaginator(queryset, 5, orphans=1)
    assert deferred.num_pages == plain.num_pages == 5
    for number in plain.page_range:
        assert [c.pk for c in deferred.page(number)] == [c.pk for c in plain.page(number)], number
    assert list(DeferredJoinPaginator([1, 2, 3], 2).page(2)) == [3]


def test_deep_page_rows_order_and_query_count(admin_client, api, org, count_queries):
    created = WorkOrder.objects.bulk_create(
        WorkOrderFactory.build(organization=org, number=f"WO-{n:06d}", company=CompanyFactory(organization=org))
        for n in range(120)
    )
    newest_first = [w.number for w in sorted(created, key=lambda w: w.pk, reverse=True)]
    body = api.get(f"{ORG_API}work-orders/?page=3").json()
    assert [row["number"] for row in body["results"]] == newest_first[100:]
    body = api.get(f"{ORG_API}work-orders/?page=2&page_size=30&ordering=number").json()
    assert [row["number"] for row in body["results"]] == sorted(newest_first)[30:60]
    page = admin_client.get("/o/acme/work-orders/?page=3").content.decode()
    positions = [page.index(number) for number in newest_first[100:]]
    assert positions == sorted(positions) and newest_first[99] not in page
    first = count_queries(lambda: api.get(f"{ORG_API}work-orders/"))
    assert count_queries(lambda: api.get(f"{ORG_API}work-orders/?page=3")) == first
    first = count_queries(lambda: admin_client.get("/o/acme/work-orders/"))
    assert count_queries(lambda: admin_client.get("/o/acme/work-orders/?page=3")) == first
