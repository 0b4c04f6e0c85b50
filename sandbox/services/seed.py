"""Demo finance organizations of the sandbox (zoho-books-v3.md §10 "Seed data"). Idempotent: organizations are
keyed by ``seed_key`` and only created once; identities and the demo OAuth client are reused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from sandbox import clock
from sandbox.models import (
    AccessToken,
    AuthorizationCode,
    Contact,
    Currency,
    FaultConfig,
    InFlightRequest,
    Invoice,
    Item,
    OAuthClient,
    Organization,
    PaymentSession,
    RefreshToken,
    SandboxClock,
    SandboxUser,
)
from sandbox.services import documents, oauth, orgs, records, settings

DEMO_CLIENT_ID = "1000.SANDBOXDEMOCLIENT"
DEMO_CLIENT_SECRET = "sandbox-demo-client-secret"  # a stand-in service's demo credential, not a real secret
USERS = [
    ("owner@sandbox.test", "Olivia Owner"),
    ("staff@sandbox.test", "Sam Staff"),
    ("sales@sandbox.test", "Sally Sales"),
    ("viewer@sandbox.test", "Val Viewer"),
]
SALES_PERMISSIONS = {
    "contacts": ["READ", "CREATE", "UPDATE"],
    "items": ["READ"],
    "invoices": ["READ", "CREATE", "UPDATE"],
    "estimates": ["READ", "CREATE", "UPDATE"],
    "customerpayments": ["READ", "CREATE"],
    "settings": ["READ"],
}


def sandbox_reset() -> None:
    """Delete every sandbox row: for tests and for starting a demo over."""
    for model in (InFlightRequest, AccessToken, AuthorizationCode, RefreshToken, PaymentSession):
        model.objects.all().delete()
    for organization in Organization.objects.all():
        organization.delete()
    for model in (OAuthClient, SandboxUser, FaultConfig, SandboxClock):
        model.objects.all().delete()


@transaction.atomic
def sandbox_seed() -> dict:
    for email, name in USERS:
        oauth.user_get_or_create(email=email, name=name)
    client = OAuthClient.objects.filter(client_id=DEMO_CLIENT_ID).first() or oauth.client_create(
        name="fsmbilling demo", client_id=DEMO_CLIENT_ID, secret=DEMO_CLIENT_SECRET
    )
    created = []
    for key, builder in (("us", _us_org), ("india", _india_org), ("global", _global_org)):
        if not Organization.objects.filter(seed_key=key).exists():
            builder(key)
            created.append(key)
    return {
        "created": created,
        "organizations": {o.seed_key: o.zoho_id for o in Organization.objects.exclude(seed_key=None).order_by("id")},
        "client_id": client.client_id,
        "users": [email for email, _ in USERS],
    }


def _users(role_of_staff: bool = True) -> list[dict]:
    users = [{"email": "owner@sandbox.test", "name": "Olivia Owner", "role": "admin"}]
    if role_of_staff:
        users += [
            {"email": "staff@sandbox.test", "name": "Sam Staff", "role": "staff"},
            {"email": "sales@sandbox.test", "name": "Sally Sales", "role": "sales", "permissions": SALES_PERMISSIONS},
            {"email": "viewer@sandbox.test", "name": "Val Viewer", "role": "viewer"},
        ]
    return users


def _invoices(organization: Organization, customer: Contact, items: list[Item], tax_id: str = "") -> None:
    """One invoice in each status: draft, sent, partially paid, paid, overdue, void."""
    today = clock.org_today(organization.time_zone)

    def make(days_ago: int, terms: int, quantity: int = 1) -> Invoice:
        lines = [{"item_id": item.zoho_id, "quantity": quantity} for item in items]
        if tax_id:
            for line in lines:
                line["tax_id"] = tax_id
        return documents.invoice_create(
            organization,
            data={
                "customer_id": customer.zoho_id,
                "date": (today - dt.timedelta(days=days_ago)).isoformat(),
                "payment_terms": terms,
                "salesperson_name": "Will Smith",
                "line_items": lines,
            },
        )

    make(0, 15)  # draft
    documents.invoice_mark_sent(make(0, 15))  # sent
    partial = documents.invoice_mark_sent(make(5, 15, 2))
    paid = documents.invoice_mark_sent(make(10, 15))
    documents.invoice_mark_sent(make(40, 30))  # overdue
    documents.invoice_void(make(3, 15))
    for invoice, share in ((partial, Decimal("0.5")), (paid, Decimal("1"))):
        amount = (invoice.total * share).quantize(Decimal("0.01"))
        documents.payment_create(
            organization,
            data={
                "customer_id": customer.zoho_id,
                "payment_mode": "banktransfer",
                "amount": str(amount),
                "date": today.isoformat(),
                "invoices": [{"invoice_id": invoice.zoho_id, "amount_applied": str(amount)}],
            },
        )


def _estimates(organization: Organization, customer: Contact, item: Item) -> None:
    today = clock.org_today(organization.time_zone)
    for state in ("draft", "sent", "accepted", "declined"):
        estimate = documents.estimate_create(
            organization,
            data={
                "customer_id": customer.zoho_id,
                "expiry_date": (today + dt.timedelta(days=30)).isoformat(),
                "line_items": [{"item_id": item.zoho_id, "quantity": 2}],
            },
        )
        if state != "draft":
            documents.estimate_set_status(estimate, status="sent")
        if state in ("accepted", "declined"):
            documents.estimate_set_status(estimate, status=state)


def _us_org(key: str) -> None:
    organization = orgs.org_create(
        seed_key=key,
        data={
            "name": "Sandbox Field Services (US)",
            "edition": "books",
            "country": "US",
            "currency_code": "USD",
            "plan": "PROFESSIONAL",
            "time_zone": "America/Los_Angeles",
            "contact_name": "Olivia Owner",
            "email": "owner@sandbox.test",
            "crm_sync_type": "IV",
            "users": _users(),
        },
    )
    authority = settings.tax_authority_create(organization, data={"tax_authority_name": "California CDTFA"})
    state_tax = settings.tax_create(
        organization, data={"tax_name": "CA State Tax", "tax_percentage": "7.25", "tax_authority_id": authority.zoho_id}
    )
    city_tax = settings.tax_create(
        organization, data={"tax_name": "SF City Tax", "tax_percentage": "1.5", "tax_authority_id": authority.zoho_id}
    )
    group = settings.tax_group_create(
        organization, data={"tax_group_name": "San Francisco", "taxes": f"{state_tax.zoho_id},{city_tax.zoho_id}"}
    )
    settings.tax_exemption_create(organization, data={"tax_exemption_code": "RESALE", "description": "Resale"})
    euro = settings.currency_add(
        organization, data={"currency_code": "EUR", "currency_format": "1.234.567,89", "exchange_rate": "1.08"}
    )
    settings.payment_term_create(organization, data={"payment_terms": 60, "payment_terms_label": "Net 60"})
    orgs.salesperson_get_or_create(organization, name="Will Smith", email="will@sandbox.test")
    orgs.salesperson_get_or_create(organization, name="Ana Lopez", email="ana@sandbox.test")
    orgs.custom_field_create(
        organization, data={"entity": "contact", "label": "Account code", "api_name": "cf_account_code"}
    )
    orgs.custom_field_create(
        organization, data={"entity": "invoice", "label": "Work order", "api_name": "cf_work_order"}
    )
    orgs.custom_field_create(organization, data={"entity": "item", "label": "Warranty months", "data_type": "number"})
    service = records.item_create(
        organization,
        data={"name": "Service Call", "rate": "95.00", "product_type": "service", "unit": "visit",
              "tax_id": group.zoho_id},
    )  # fmt: skip
    labor = records.item_create(
        organization, data={"name": "Hourly Labor", "rate": "75.50", "product_type": "service", "unit": "hr"}
    )
    records.item_create(
        organization,
        data={"name": "Air Filter", "rate": "12.49", "product_type": "goods", "sku": "AF-16x25",
              "tax_id": state_tax.zoho_id, "custom_fields": [{"api_name": "cf_warranty_months", "value": 6}]},
    )  # fmt: skip
    legacy = records.item_create(
        organization, data={"name": "Legacy Thermostat", "rate": "40", "product_type": "goods"}
    )
    records.item_set_status(legacy, status="inactive")
    bowman = records.contact_create(
        organization,
        data={
            "contact_name": "Bowman and Co",
            "company_name": "Bowman and Co",
            "customer_sub_type": "business",
            "payment_terms": 15,
            "payment_terms_label": "Net 15",
            "tax_id": group.zoho_id,
            "billing_address": {"address": "1 Market St", "city": "San Francisco", "state": "CA", "zip": "94105",
                                "country": "U.S.A"},
            "shipping_address": {"address": "9 Mission St", "city": "San Francisco", "state": "CA", "zip": "94105",
                                 "country": "U.S.A"},
            "contact_persons": [
                {"first_name": "Will", "last_name": "Bowman", "email": "will@bowman.test", "is_primary_contact": True},
                {"first_name": "Ann", "last_name": "Lee", "email": "ann@bowman.test"},
            ],
            "custom_fields": [{"api_name": "cf_account_code", "value": "BOW-001"}],
        },
    )  # fmt: skip
    records.contact_create(
        organization,
        data={
            "contact_name": "Jane Doe",
            "customer_sub_type": "individual",
            "contact_persons": [{"first_name": "Jane", "last_name": "Doe", "email": "jane@doe.test"}],
            "is_taxable": False,
            "tax_exemption_id": "",
        },
    )
    old = records.contact_create(
        organization, data={"contact_name": "Old Customer Inc", "company_name": "Old Customer"}
    )
    records.contact_set_status(old, status="inactive")
    records.contact_create(
        organization, data={"contact_name": "Euro Client GmbH", "currency_id": euro.zoho_id, "payment_terms": 30}
    )
    _invoices(organization, bowman, [service, labor], tax_id=group.zoho_id)
    _estimates(organization, bowman, labor)


def _india_org(key: str) -> None:
    organization = orgs.org_create(
        seed_key=key,
        data={
            "name": "Sandbox Services India",
            "edition": "books",
            "country": "IN",
            "currency_code": "INR",
            "plan": "STANDARD",
            "time_zone": "Asia/Kolkata",
            "users": [
                *_users(role_of_staff=False),
                {"email": "staff@sandbox.test", "name": "Sam Staff", "role": "staff"},
            ],
        },
    )
    cgst = settings.tax_create(
        organization, data={"tax_name": "CGST", "tax_percentage": "9", "tax_specific_type": "cgst"}
    )
    sgst = settings.tax_create(
        organization, data={"tax_name": "SGST", "tax_percentage": "9", "tax_specific_type": "sgst"}
    )
    igst = settings.tax_create(
        organization, data={"tax_name": "IGST", "tax_percentage": "18", "tax_specific_type": "igst"}
    )
    gst18 = settings.tax_group_create(
        organization, data={"tax_group_name": "GST18", "taxes": [cgst.zoho_id, sgst.zoho_id]}
    )
    orgs.salesperson_get_or_create(organization, name="Will Smith")
    install = records.item_create(
        organization,
        data={"name": "AC Installation", "rate": "2500", "product_type": "service", "hsn_or_sac": "998719",
              "tax_id": gst18.zoho_id,
              "item_tax_preferences": [{"tax_id": gst18.zoho_id, "tax_specification": "intra"},
                                       {"tax_id": igst.zoho_id, "tax_specification": "inter"}]},
    )  # fmt: skip
    records.item_create(
        organization, data={"name": "Copper Pipe (m)", "rate": "180.50", "product_type": "goods", "hsn_or_sac": "7411"}
    )
    customer = records.contact_create(
        organization,
        data={
            "contact_name": "Mehta Traders",
            "company_name": "Mehta Traders Pvt Ltd",
            "gst_treatment": "business_gst",
            "gst_no": "29ABCDE1234F1Z5",
            "place_of_contact": "KA",
            "payment_terms": 30,
            "contact_persons": [{"first_name": "Ravi", "last_name": "Mehta", "email": "ravi@mehta.test"}],
        },
    )
    records.contact_create(
        organization,
        data={"contact_name": "Priya Sharma", "customer_sub_type": "individual", "gst_treatment": "consumer",
                            "place_of_contact": "MH"}
    )  # fmt: skip
    _invoices(organization, customer, [install], tax_id=gst18.zoho_id)


def _global_org(key: str) -> None:
    organization = orgs.org_create(
        seed_key=key,
        data={
            "name": "Sandbox Global (Invoice)",
            "edition": "invoice",
            "country": "Singapore",
            "currency_code": "SGD",
            "plan": "FREE",
            "time_zone": "Asia/Singapore",
            "is_tax_enabled": True,
            "users": _users(role_of_staff=False),
        },
    )
    vat = settings.tax_create(organization, data={"tax_name": "GST", "tax_percentage": "9"})
    Currency.objects.filter(organization=organization, currency_code="SGD").update(currency_symbol="S$")
    item = records.item_create(organization, data={"name": "Maintenance Visit", "rate": "120", "tax_id": vat.zoho_id})
    customer = records.contact_create(organization, data={"contact_name": "Lim Holdings", "payment_terms": 15})
    _invoices(organization, customer, [item], tax_id=vat.zoho_id)
