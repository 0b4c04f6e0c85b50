"""Zoho-shaped JSON of sandbox records (zoho-books-v3.md §5). Money stays Decimal until the JSON encoder."""

from __future__ import annotations

import datetime as dt
import zlib
from decimal import Decimal

from django.db.models import Sum

from sandbox import clock
from sandbox.models import (
    Contact,
    ContactPerson,
    Currency,
    CustomerPayment,
    CustomField,
    Estimate,
    Invoice,
    Item,
    LineItem,
    Membership,
    Organization,
    PaymentTerm,
    Salesperson,
    Tax,
    TaxAuthority,
    TaxExemption,
    TaxGroup,
    make_zoho_id,
)
from sandbox.permissions import membership_permissions
from sandbox.services.common import custom_field_output
from sandbox.services.documents import estimate_status, invoice_status
from sandbox.services.orgs import version_of
from sandbox.services.records import ADDRESS_KEYS, contact_has_transactions
from sandbox.services.settings import tax_lookup, tax_name, tax_percentage

ZERO = Decimal("0")
ADDRESS_ID_CODE = 19


class Context:
    """What serializers need about the organization: its time zone, today, and reference lookups."""

    def __init__(self, organization: Organization):
        self.organization = organization
        self.time_zone = organization.time_zone
        self.today = clock.org_today(organization.time_zone)

    def ts(self, value: dt.datetime | None) -> str:
        return clock.format_timestamp(value, self.time_zone)


def _address(value: dict, *, address_id: str = "", zip_key: str = "zip") -> dict:
    address = {key: (value or {}).get(key, "") for key in ADDRESS_KEYS}
    if zip_key != "zip":
        address[zip_key] = address.pop("zip")
    if address_id:
        address["address_id"] = address_id
    return address


def _tax_fields(organization: Organization, tax_id: str) -> dict:
    tax = tax_lookup(organization, tax_id) if tax_id else None
    if tax is None:
        return {"tax_id": tax_id or "", "tax_name": "", "tax_percentage": 0}
    return {"tax_id": tax_id, "tax_name": tax_name(tax), "tax_percentage": tax_percentage(tax)}


# --- Organizations and users ------------------------------------------------------------------------------------------


def organization(org: Organization, membership: Membership | None = None) -> dict:
    from sandbox.services.orgs import base_currency

    currency = base_currency(org)
    version, version_formatted = version_of(org)
    data = {
        "organization_id": org.zoho_id,
        "name": org.name,
        "contact_name": org.contact_name,
        "email": org.email,
        "is_default_org": bool(membership and membership.is_default_org),
        "is_org_active": org.is_org_active,
        "plan_type": {"FREE": 0, "STANDARD": 10, "PROFESSIONAL": 20}.get(org.plan, 30),
        "plan_name": org.plan,
        "plan_period": "Monthly",
        "language_code": org.language_code,
        "fiscal_year_start_month": org.fiscal_year_start_month,
        "time_zone": org.time_zone,
        "account_created_date": clock.org_today(org.time_zone, org.created_time).isoformat(),
        "currency_id": currency.zoho_id,
        "currency_code": currency.currency_code,
        "currency_symbol": currency.currency_symbol,
        "currency_format": "###,##0.00",
        "price_precision": currency.price_precision,
        "country": org.country,
        "country_code": org.country_code,
        "version": version,
        "version_formatted": version_formatted,
        "edition": org.edition,
        "tax_group_enabled": org.is_tax_enabled,
        "sales_tax_type": "sales_tax" if org.country_code == "US" else "",
        # Project fields (§12.12): not Zoho's.
        "is_trial_expired": org.trial_expired,
        "is_avalara_integrated": org.avalara_integrated,
        "is_tax_enabled": org.is_tax_enabled,
        "crm_integration": {"sync_type": org.crm_sync_type, "is_sync_in_progress": org.crm_sync_in_progress},
        "created_time": clock.format_timestamp(org.created_time, org.time_zone),
        "last_modified_time": clock.format_timestamp(org.last_modified_time, org.time_zone),
    }
    if membership is not None:
        data["user_role"] = membership.role
        data["user_status"] = membership.status
    return data


def user(membership: Membership, ctx: Context, *, current: Membership | None = None) -> dict:
    return {
        "user_id": membership.zoho_id,
        "role_id": make_zoho_id(20, zlib.crc32(membership.role.encode()) % 10**6 + 1),
        "name": membership.user.name,
        "email": membership.user.email,
        "email_ids": [{"email": membership.user.email, "is_selected": True}],
        "user_role": membership.role,
        "role_name": membership.role,
        "status": membership.status,
        "is_current_user": current is not None and current.pk == membership.pk,
        "user_type": "zoho",
        "photo_url": "",
        "is_customer_segmented": False,
        "is_vendor_segmented": False,
        "permissions": membership_permissions(membership),
        "created_time": ctx.ts(membership.created_time),
    }


# --- Contacts ------------------------------------------------------------------------------------------------------


def contact_person(person: ContactPerson, ctx: Context) -> dict:
    return {
        "contact_person_id": person.zoho_id,
        "contact_id": person.contact.zoho_id,
        "salutation": person.salutation,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "phone": person.phone,
        "mobile": person.mobile,
        "designation": person.designation,
        "department": person.department,
        "skype": person.skype,
        "is_primary_contact": person.is_primary_contact,
        "is_added_in_portal": person.enable_portal,
        "communication_preference": {"is_sms_enabled": False, "is_whatsapp_enabled": False},
        "created_time": ctx.ts(person.created_time),
        "last_modified_time": ctx.ts(person.last_modified_time),
    }


def contact_amounts(contact_ids: list[int]) -> dict[int, tuple[Decimal, Decimal]]:
    """Outstanding receivables and unused credits per contact, in two queries for a whole page."""
    outstanding = dict(
        Invoice.objects.filter(customer_id__in=contact_ids, state="sent")
        .values_list("customer_id")
        .annotate(total=Sum("balance"))
    )
    credits = dict(
        CustomerPayment.objects.filter(customer_id__in=contact_ids)
        .values_list("customer_id")
        .annotate(total=Sum("unused_amount"))
    )
    return {pk: (outstanding.get(pk) or ZERO, credits.get(pk) or ZERO) for pk in contact_ids}


def contact(contact: Contact, ctx: Context, *, detail: bool, amounts=None, primary=None) -> dict:
    currency = contact.currency
    if primary is None:
        primary = next((p for p in contact.persons.all() if p.is_primary_contact), None)
    outstanding, credits = (amounts or contact_amounts([contact.pk]))[contact.pk]
    extra = contact.extra or {}
    data = {
        "contact_id": contact.zoho_id,
        "contact_name": contact.contact_name,
        "customer_name": contact.contact_name,
        "vendor_name": contact.contact_name if contact.contact_type == "vendor" else "",
        "company_name": contact.company_name,
        "contact_number": contact.contact_number,
        "contact_type": contact.contact_type,
        "customer_sub_type": contact.customer_sub_type,
        "status": contact.status,
        "source": "api",
        "first_name": primary.first_name if primary else "",
        "last_name": primary.last_name if primary else "",
        "email": primary.email if primary else "",
        "phone": primary.phone if primary else "",
        "mobile": primary.mobile if primary else "",
        "currency_id": currency.zoho_id if currency else "",
        "currency_code": currency.currency_code if currency else "",
        "currency_symbol": currency.currency_symbol if currency else "",
        "payment_terms": contact.payment_terms,
        "payment_terms_label": contact.payment_terms_label,
        "payment_terms_id": contact.payment_term.zoho_id if contact.payment_term_id else "",
        "outstanding_receivable_amount": outstanding,
        "outstanding_receivable_amount_bcy": outstanding,
        "unused_credits_receivable_amount": credits,
        "unused_credits_receivable_amount_bcy": credits,
        "is_linked_with_zohocrm": False,
        "portal_status": "disabled",
        "created_time": ctx.ts(contact.created_time),
        "last_modified_time": ctx.ts(contact.last_modified_time),
        **custom_field_output(contact.custom_fields),
    }
    for key in ("website", "notes", "gst_treatment", "gst_no", "place_of_contact", "vat_treatment", "tax_treatment"):
        if key in extra:
            data[key] = extra[key]
    if detail:
        data.update(extra)
        if extra.get("tax_id"):
            data.update(_tax_fields(ctx.organization, extra["tax_id"]))
        data["has_transaction"] = contact_has_transactions(contact)
        data["primary_contact_id"] = primary.zoho_id if primary else ""
        data["billing_address"] = _address(contact.billing_address, address_id=make_zoho_id(19, contact.pk * 2))
        data["shipping_address"] = _address(contact.shipping_address, address_id=make_zoho_id(19, contact.pk * 2 + 1))
        data["contact_persons"] = [contact_person(p, ctx) for p in contact.persons.all().order_by("id")]
        data["payment_reminder_enabled"] = False
    return data


# --- Items ---------------------------------------------------------------------------------------------------------


def item(item: Item, ctx: Context) -> dict:
    return {
        "item_id": item.zoho_id,
        "name": item.name,
        "item_name": item.name,
        "description": item.description,
        "rate": item.rate,
        "unit": item.unit,
        "sku": item.sku,
        "status": item.status,
        "product_type": item.product_type,
        "item_type": item.item_type,
        "is_taxable": item.is_taxable,
        **_tax_fields(ctx.organization, item.tax_id),
        "tax_type": "",
        "is_linked_with_zohocrm": False,
        "zcrm_product_id": "",
        "source": "api",
        **(item.extra or {}),
        **custom_field_output(item.custom_fields),
        "created_time": ctx.ts(item.created_time),
        "last_modified_time": ctx.ts(item.last_modified_time),
    }


# --- Invoices and estimates ---------------------------------------------------------------------------------------


def line_item(line: LineItem) -> dict:
    extra = {key: value for key, value in (line.extra or {}).items() if key != "line_taxes"}
    return {
        "line_item_id": line.zoho_id,
        "item_id": line.item.zoho_id if line.item_id else "",
        "name": line.name,
        "description": line.description,
        "item_order": line.item_order,
        "rate": line.rate,
        "bcy_rate": line.rate,
        "quantity": line.quantity,
        "unit": line.unit,
        "discount": line.discount,
        "discount_amount": line.discount_amount,
        "tax_id": line.tax_id,
        "tax_name": line.tax_name,
        "tax_type": line.tax_type,
        "tax_percentage": line.tax_percentage,
        "item_total": line.item_total,
        "line_item_taxes": [
            {"tax_id": tax_id, "tax_name": name, "tax_amount": Decimal(amount)}
            for tax_id, name, amount in (line.extra or {}).get("line_taxes", [])
        ],
        **extra,
    }


def _document_common(document, ctx: Context, *, detail: bool) -> dict:
    customer = document.customer
    currency = document.currency
    zip_key = "zip" if detail else "zipcode"
    data = {
        "customer_id": customer.zoho_id,
        "customer_name": customer.contact_name,
        "company_name": customer.company_name,
        "date": document.date,
        "reference_number": document.reference_number,
        "currency_id": currency.zoho_id,
        "currency_code": currency.currency_code,
        "currency_symbol": currency.currency_symbol,
        "exchange_rate": document.exchange_rate,
        "price_precision": currency.price_precision,
        "salesperson_id": document.salesperson.zoho_id if document.salesperson_id else "",
        "salesperson_name": document.salesperson.salesperson_name if document.salesperson_id else "",
        "sub_total": document.sub_total,
        "tax_total": document.tax_total,
        "total": document.total,
        "is_emailed": document.is_emailed,
        "billing_address": _address(document.billing_address, zip_key=zip_key),
        "shipping_address": _address(document.shipping_address, zip_key=zip_key),
        "created_time": ctx.ts(document.created_time),
        "last_modified_time": ctx.ts(document.last_modified_time),
        "updated_time": ctx.ts(document.last_modified_time),
        **custom_field_output(document.custom_fields),
    }
    if detail:
        data.update(document.extra or {})
        data.update(
            {
                "line_items": [line_item(line) for line in document.lines.all().select_related("item")],
                "taxes": [{**tax, "tax_amount": Decimal(tax["tax_amount"])} for tax in document.taxes],
                "shipping_charge": document.shipping_charge,
                "adjustment": document.adjustment,
                "notes": document.notes,
                "terms": document.terms,
                "contact_persons": (document.extra or {}).get("contact_persons", []),
                "discount": 0,
                "is_discount_before_tax": True,
                "is_inclusive_tax": False,
            }
        )
    return data


def invoice(invoice: Invoice, ctx: Context, *, detail: bool) -> dict:
    status = invoice_status(invoice, ctx.today)
    data = {
        "invoice_id": invoice.zoho_id,
        "invoice_number": invoice.invoice_number,
        "status": status,
        "current_sub_status": status,
        "due_date": invoice.due_date,
        "payment_terms": invoice.payment_terms,
        "payment_terms_label": invoice.payment_terms_label,
        "payment_made": invoice.payment_made,
        "balance": invoice.balance,
        "credits_applied": 0,
        "write_off_amount": 0,
        "last_payment_date": invoice.last_payment_date or "",
        "is_viewed_by_client": False,
        "transaction_type": "invoice",
        "invoice_url": f"/sandbox/ui/orgs/{ctx.organization.zoho_id}/invoices/{invoice.zoho_id}/",
        **_document_common(invoice, ctx, detail=detail),
    }
    if not detail:
        days = (invoice.due_date - ctx.today).days
        if status in ("paid", "void", "draft"):
            data["due_days"] = ""
        elif days >= 0:
            data["due_days"] = f"Due in {days} day(s)" if days else "Due Today"
        else:
            data["due_days"] = f"Overdue by {-days} day(s)"
    else:
        data["payments"] = [
            {
                "payment_id": application.payment.zoho_id,
                "payment_number": application.payment.payment_number,
                "date": application.payment.date,
                "payment_mode": application.payment.payment_mode,
                "amount": application.amount_applied,
            }
            for application in invoice.applications.select_related("payment").order_by("id")
        ]
    return data


def estimate(estimate: Estimate, ctx: Context, *, detail: bool) -> dict:
    return {
        "estimate_id": estimate.zoho_id,
        "estimate_number": estimate.estimate_number,
        "status": estimate_status(estimate, ctx.today),
        "expiry_date": estimate.expiry_date or "",
        "accepted_date": estimate.accepted_date or "",
        "declined_date": estimate.declined_date or "",
        **_document_common(estimate, ctx, detail=detail),
    }


def payment(payment: CustomerPayment, ctx: Context, *, detail: bool) -> dict:
    applications = list(payment.applications.select_related("invoice").order_by("id"))
    currency = payment.customer.currency
    data = {
        "payment_id": payment.zoho_id,
        "payment_number": payment.payment_number,
        "invoice_numbers": ",".join(a.invoice.invoice_number for a in applications),
        "date": payment.date,
        "payment_mode": payment.payment_mode,
        "amount": payment.amount,
        "bcy_amount": payment.amount * payment.exchange_rate,
        "unused_amount": payment.unused_amount,
        "bank_charges": payment.bank_charges,
        "exchange_rate": payment.exchange_rate,
        "customer_id": payment.customer.zoho_id,
        "customer_name": payment.customer.contact_name,
        "currency_code": currency.currency_code if currency else "",
        "reference_number": payment.reference_number,
        "description": payment.description,
        "custom_fields": payment.custom_fields,
        "created_time": ctx.ts(payment.created_time),
        "last_modified_time": ctx.ts(payment.last_modified_time),
    }
    if detail:
        data["invoices"] = [
            {
                "invoice_id": a.invoice.zoho_id,
                "invoice_number": a.invoice.invoice_number,
                "date": a.invoice.date,
                "total": a.invoice.total,
                "balance_amount": a.invoice.balance,
                "amount_applied": a.amount_applied,
            }
            for a in applications
        ]
    return data


# --- Settings ------------------------------------------------------------------------------------------------------


def tax(tax: Tax, ctx: Context) -> dict:
    return {
        "tax_id": tax.zoho_id,
        "tax_name": tax.tax_name,
        "tax_percentage": tax.tax_percentage,
        "tax_type": tax.tax_type,
        "tax_factor": "rate",
        "tax_specific_type": tax.tax_specific_type,
        "tax_authority_id": tax.tax_authority.zoho_id if tax.tax_authority_id else "",
        "tax_authority_name": tax.tax_authority.tax_authority_name if tax.tax_authority_id else "",
        "is_value_added": tax.is_value_added,
        "is_default_tax": tax.is_default_tax,
        "is_editable": True,
        "country_code": ctx.organization.country_code,
        "created_time": ctx.ts(tax.created_time),
        "last_modified_time": ctx.ts(tax.last_modified_time),
    }


def tax_group(group: TaxGroup, ctx: Context) -> dict:
    members = list(group.taxes.all().order_by("id"))
    return {
        "tax_group_id": group.zoho_id,
        "tax_group_name": group.tax_group_name,
        "tax_group_percentage": sum((t.tax_percentage for t in members), ZERO),
        "taxes": [tax(t, ctx) for t in members],
        "created_time": ctx.ts(group.created_time),
        "last_modified_time": ctx.ts(group.last_modified_time),
    }


def tax_group_as_tax_row(group: TaxGroup, ctx: Context) -> dict:
    """A tax group as a row of ``GET /settings/taxes`` (``tax_type: "tax_group"``; project choice, §5.8)."""
    members = list(group.taxes.all().order_by("id"))
    return {
        "tax_id": group.zoho_id,
        "tax_name": group.tax_group_name,
        "tax_percentage": sum((t.tax_percentage for t in members), ZERO),
        "tax_type": "tax_group",
        "tax_factor": "rate",
        "tax_specific_type": "",
        "is_value_added": False,
        "is_default_tax": False,
        "is_editable": True,
        "country_code": ctx.organization.country_code,
        "created_time": ctx.ts(group.created_time),
        "last_modified_time": ctx.ts(group.last_modified_time),
    }


def tax_authority(authority: TaxAuthority, ctx: Context) -> dict:
    return {
        "tax_authority_id": authority.zoho_id,
        "tax_authority_name": authority.tax_authority_name,
        "description": authority.description,
    }


def tax_exemption(exemption: TaxExemption, ctx: Context) -> dict:
    return {
        "tax_exemption_id": exemption.zoho_id,
        "tax_exemption_code": exemption.tax_exemption_code,
        "description": exemption.description,
        "type": exemption.type,
    }


def currency(currency: Currency, ctx: Context) -> dict:
    return {
        "currency_id": currency.zoho_id,
        "currency_code": currency.currency_code,
        "currency_name": currency.currency_name,
        "currency_symbol": currency.currency_symbol,
        "price_precision": currency.price_precision,
        "currency_format": currency.currency_format,
        "is_base_currency": currency.is_base_currency,
        "exchange_rate": currency.exchange_rate,
        "effective_date": currency.effective_date or "",
    }


def payment_term(term: PaymentTerm, ctx: Context) -> dict:
    return {
        "payment_terms_id": term.zoho_id,
        "payment_terms": term.payment_terms,
        "payment_terms_label": term.payment_terms_label,
        "is_default": term.is_default,
    }


def salesperson(person: Salesperson, ctx: Context) -> dict:
    return {
        "salesperson_id": person.zoho_id,
        "salesperson_name": person.salesperson_name,
        "salesperson_email": person.salesperson_email,
        "is_active": person.is_active,
    }


def custom_field(field: CustomField, ctx: Context) -> dict:
    return {
        "customfield_id": field.zoho_id,
        "entity": field.entity,
        "label": field.label,
        "api_name": field.api_name,
        "data_type": field.data_type,
        "is_mandatory": field.is_mandatory,
        "is_active": field.is_active,
        "index": field.index,
    }
