"""Translation between Zoho's JSON and the dataclasses of ``base.py``, in one place.

Reading is lenient (zoho-books-v3.md §12.11): ``""`` in a numeric field is ``None``, ``zipcode`` is read as ``zip``,
numbers arrive as ``Decimal`` because responses are parsed with ``parse_float=Decimal``. Timestamps carry ``±hhmm``
offsets. Writing drops every ``None`` so that updates change only the fields they name.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zoneinfo
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from sync.connectors.base import (
    Address,
    ContactPerson,
    Currency,
    Customer,
    CustomFieldDef,
    CustomFieldValue,
    Edition,
    Estimate,
    FinanceUser,
    Invoice,
    InvoiceLine,
    Item,
    OrganizationInfo,
    Payment,
    PaymentApplication,
    PaymentTerm,
    Salesperson,
    Tax,
    TaxExemption,
    TaxGroup,
    TaxLine,
)

# --- Scalars -------------------------------------------------------------------------------------------------------


def to_decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value).replace(",", ""))
    except InvalidOperation:
        return None


def to_int(value: Any) -> int | None:
    number = to_decimal(value)
    return int(number) if number is not None else None


def to_str(value: Any) -> str | None:
    if value is None:
        return None
    return str(value)


def to_bool(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


_OFFSET = re.compile(r"([+-])(\d{2}):?(\d{2})$")


def to_datetime(value: Any) -> dt.datetime | None:
    """Parse ``YYYY-MM-DDTHH:MM:SS±hhmm`` (or ``±hh:mm``, or ``Z``) into an aware datetime."""
    if not value or not isinstance(value, str):
        return None
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    match = _OFFSET.search(text)
    if match:
        text = text[: match.start()] + f"{match.group(1)}{match.group(2)}:{match.group(3)}"
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


def to_date(value: Any) -> dt.date | None:
    if not value or not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def format_timestamp(moment: dt.datetime, time_zone: str = "") -> str:
    """``YYYY-MM-DDTHH:MM:SS+hhmm`` in the finance organization's time zone (UTC when unknown)."""
    zone: dt.tzinfo = dt.UTC
    if time_zone:
        try:
            zone = zoneinfo.ZoneInfo(time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = dt.UTC
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S%z")


# --- JSON out -----------------------------------------------------------------------------------------------------

_DECIMAL_MARK = "@@fsmbilling-decimal@@"
_DECIMAL_PATTERN = re.compile(rf'"{_DECIMAL_MARK}(-?[0-9.]+(?:E[-+]?[0-9]+)?)"')


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{_DECIMAL_MARK}{value}"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(payload: Any) -> str:
    """JSON text in which Decimals are written as exact JSON numbers (never through float)."""
    return _DECIMAL_PATTERN.sub(r"\1", json.dumps(payload, default=_json_default, ensure_ascii=False))


def loads(content: bytes) -> Any:
    return json.loads(content, parse_float=Decimal)


def compact(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Drop ``None`` values (not sent), keep everything else."""
    return {key: value for key, value in payload.items() if value is not None}


# --- Shared pieces -------------------------------------------------------------------------------------------------


def _pick(data: Mapping[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    return {key: data[key] for key in keys if data.get(key) not in (None, "")}


def parse_address(data: Any) -> Address | None:
    if not isinstance(data, Mapping):
        return None
    zip_code = data.get("zip") if data.get("zip") not in (None, "") else data.get("zipcode")
    return Address(
        attention=to_str(data.get("attention")),
        address=to_str(data.get("address")),
        street2=to_str(data.get("street2")),
        city=to_str(data.get("city")),
        state=to_str(data.get("state")),
        state_code=to_str(data.get("state_code")),
        zip=to_str(zip_code),
        country=to_str(data.get("country")),
        phone=to_str(data.get("phone")),
        fax=to_str(data.get("fax")),
        address_id=to_str(data.get("address_id")),
    )


def dump_address(address: Address | None) -> dict[str, Any] | None:
    if address is None:
        return None
    return compact(
        {
            "attention": address.attention,
            "address": address.address,
            "street2": address.street2,
            "city": address.city,
            "state": address.state,
            "state_code": address.state_code,
            "zip": address.zip,
            "country": address.country,
            "phone": address.phone,
            "fax": address.fax,
        }
    )


def parse_custom_fields(data: Any) -> tuple[CustomFieldValue, ...]:
    if not isinstance(data, list):
        return ()
    return tuple(
        CustomFieldValue(
            value=row.get("value"),
            customfield_id=to_str(row.get("customfield_id")),
            api_name=to_str(row.get("api_name")),
            label=to_str(row.get("label")),
            index=to_int(row.get("index")),
        )
        for row in data
        if isinstance(row, Mapping)
    )


def dump_custom_fields(values: tuple[CustomFieldValue, ...]) -> list[dict[str, Any]] | None:
    if not values:
        return None
    rows = []
    for value in values:
        row: dict[str, Any] = {"value": value.value}
        if value.customfield_id:
            row["customfield_id"] = value.customfield_id
        elif value.api_name:
            row["api_name"] = value.api_name
        elif value.index is not None:
            row["index"] = value.index
        elif value.label:
            row["label"] = value.label
        rows.append(row)
    return rows


# --- Organizations -------------------------------------------------------------------------------------------------


def parse_organization(data: Mapping[str, Any], *, edition: Edition) -> OrganizationInfo:
    crm = data.get("crm_integration") if isinstance(data.get("crm_integration"), Mapping) else {}
    reported_edition = data.get("edition")
    return OrganizationInfo(
        organization_id=str(data.get("organization_id", "")),
        name=str(data.get("name", "")),
        edition=reported_edition if reported_edition in ("books", "invoice") else edition,
        country=str(data.get("country") or ""),
        country_code=str(data.get("country_code") or ""),
        currency_code=str(data.get("currency_code") or ""),
        currency_id=str(data.get("currency_id") or ""),
        time_zone=str(data.get("time_zone") or ""),
        plan_name=str(data.get("plan_name") or ""),
        version=str(data.get("version") or ""),
        is_default_org=bool(to_bool(data.get("is_default_org"))),
        is_active=to_bool(data.get("is_org_active")) is not False,
        is_trial_expired=bool(to_bool(data.get("is_trial_expired"))),
        is_avalara_integrated=bool(to_bool(data.get("is_avalara_integrated"))),
        is_tax_enabled=bool(to_bool(data.get("is_tax_enabled"))),
        crm_sync_type=to_str(crm.get("sync_type")) or None,
        crm_sync_in_progress=bool(to_bool(crm.get("is_sync_in_progress"))),
    )


# --- Contacts ------------------------------------------------------------------------------------------------------

CONTACT_REGIONAL_KEYS = (
    "gst_treatment",
    "gst_no",
    "place_of_contact",
    "vat_treatment",
    "tax_treatment",
    "vat_reg_no",
    "tax_reg_no",
    "country_code",
    "tax_regime",
    "legal_name",
    "is_tds_registered",
    "tax_authority_id",
    "tax_authority_name",
    "tax_exemption_code",
    "avatax_use_code",
    "avatax_exempt_no",
    "tax_name",
    "tax_percentage",
)
# Regional keys that are read-only in Zoho (shown on a record, refused or ignored on write).
_READ_ONLY_REGIONAL = frozenset({"tax_name", "tax_percentage", "tax_authority_name"})


def parse_contact_person(data: Mapping[str, Any], contact_id: str | None = None) -> ContactPerson:
    return ContactPerson(
        contact_person_id=to_str(data.get("contact_person_id")),
        contact_id=to_str(data.get("contact_id")) or contact_id,
        salutation=to_str(data.get("salutation")),
        first_name=to_str(data.get("first_name")),
        last_name=to_str(data.get("last_name")),
        email=to_str(data.get("email")),
        phone=to_str(data.get("phone")),
        mobile=to_str(data.get("mobile")),
        designation=to_str(data.get("designation")),
        department=to_str(data.get("department")),
        is_primary_contact=to_bool(data.get("is_primary_contact")),
        enable_portal=to_bool(data.get("is_added_in_portal", data.get("enable_portal"))),
    )


def dump_contact_person(person: ContactPerson) -> dict[str, Any]:
    return compact(
        {
            "salutation": person.salutation,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "email": person.email,
            "phone": person.phone,
            "mobile": person.mobile,
            "designation": person.designation,
            "department": person.department,
            "is_primary_contact": person.is_primary_contact,
            "enable_portal": person.enable_portal,
        }
    )


def _dump_nested_person(person: ContactPerson) -> dict[str, Any]:
    body = dump_contact_person(person)
    if person.contact_person_id:
        body["contact_person_id"] = person.contact_person_id
    return body


def parse_customer(data: Mapping[str, Any]) -> Customer:
    contact_id = to_str(data.get("contact_id"))
    persons = data.get("contact_persons") if isinstance(data.get("contact_persons"), list) else []
    return Customer(
        contact_name=str(data.get("contact_name") or ""),
        contact_id=contact_id,
        company_name=to_str(data.get("company_name")),
        contact_type=to_str(data.get("contact_type")),
        customer_sub_type=to_str(data.get("customer_sub_type")),
        status=to_str(data.get("status")),
        email=to_str(data.get("email")),
        phone=to_str(data.get("phone")),
        mobile=to_str(data.get("mobile")),
        website=to_str(data.get("website")),
        notes=to_str(data.get("notes")),
        currency_id=to_str(data.get("currency_id")),
        currency_code=to_str(data.get("currency_code")),
        payment_terms=to_int(data.get("payment_terms")),
        payment_terms_label=to_str(data.get("payment_terms_label")),
        payment_terms_id=to_str(data.get("payment_terms_id")),
        credit_limit=to_decimal(data.get("credit_limit")),
        billing_address=parse_address(data.get("billing_address")),
        shipping_address=parse_address(data.get("shipping_address")),
        contact_persons=tuple(parse_contact_person(p, contact_id) for p in persons if isinstance(p, Mapping)),
        custom_fields=parse_custom_fields(data.get("custom_fields")),
        is_taxable=to_bool(data.get("is_taxable")),
        tax_id=to_str(data.get("tax_id")) or None,
        tax_exemption_id=to_str(data.get("tax_exemption_id")) or None,
        regional=_pick(data, CONTACT_REGIONAL_KEYS),
        primary_contact_id=to_str(data.get("primary_contact_id")) or None,
        outstanding_receivable_amount=to_decimal(data.get("outstanding_receivable_amount")),
        unused_credits_receivable_amount=to_decimal(data.get("unused_credits_receivable_amount")),
        created_time=to_datetime(data.get("created_time")),
        last_modified_time=to_datetime(data.get("last_modified_time")),
    )


def dump_customer(customer: Customer, *, for_create: bool) -> dict[str, Any]:
    regional = {k: v for k, v in customer.regional.items() if k not in _READ_ONLY_REGIONAL}
    return compact(
        {
            "contact_name": customer.contact_name,
            "company_name": customer.company_name,
            "contact_type": customer.contact_type or ("customer" if for_create else None),
            "customer_sub_type": customer.customer_sub_type,
            "website": customer.website,
            "notes": customer.notes,
            "currency_id": customer.currency_id,
            "payment_terms": customer.payment_terms,
            "payment_terms_label": customer.payment_terms_label,
            "credit_limit": customer.credit_limit,
            "billing_address": dump_address(customer.billing_address),
            "shipping_address": dump_address(customer.shipping_address),
            "contact_persons": [_dump_nested_person(p) for p in customer.contact_persons] or None,
            "custom_fields": dump_custom_fields(customer.custom_fields),
            "is_taxable": customer.is_taxable,
            "tax_id": customer.tax_id,
            "tax_exemption_id": customer.tax_exemption_id,
            **regional,
        }
    )


# --- Items ---------------------------------------------------------------------------------------------------------

ITEM_REGIONAL_KEYS = (
    "hsn_or_sac",
    "item_tax_preferences",
    "avatax_tax_code",
    "avatax_use_code",
    "sat_item_key_code",
    "unitkey_code",
    "purchase_tax_rule_id",
    "sales_tax_rule_id",
    "tax_type",
)


def parse_item(data: Mapping[str, Any]) -> Item:
    return Item(
        name=str(data.get("name") or data.get("item_name") or ""),
        rate=to_decimal(data.get("rate")),
        item_id=to_str(data.get("item_id")),
        description=to_str(data.get("description")),
        sku=to_str(data.get("sku")),
        unit=to_str(data.get("unit")),
        status=to_str(data.get("status")),
        product_type=to_str(data.get("product_type")),
        item_type=to_str(data.get("item_type")),
        tax_id=to_str(data.get("tax_id")) or None,
        tax_name=to_str(data.get("tax_name")),
        tax_percentage=to_decimal(data.get("tax_percentage")),
        is_taxable=to_bool(data.get("is_taxable")),
        tax_exemption_id=to_str(data.get("tax_exemption_id")) or None,
        account_id=to_str(data.get("account_id")) or None,
        custom_fields=parse_custom_fields(data.get("custom_fields")),
        regional=_pick(data, ITEM_REGIONAL_KEYS),
        created_time=to_datetime(data.get("created_time")),
        last_modified_time=to_datetime(data.get("last_modified_time")),
    )


def dump_item(item: Item) -> dict[str, Any]:
    regional = {k: v for k, v in item.regional.items() if k != "tax_type"}
    return compact(
        {
            "name": item.name,
            "rate": item.rate,
            "description": item.description,
            "sku": item.sku,
            "unit": item.unit,
            "product_type": item.product_type,
            "item_type": item.item_type,
            "tax_id": item.tax_id,
            "is_taxable": item.is_taxable,
            "tax_exemption_id": item.tax_exemption_id,
            "account_id": item.account_id,
            "custom_fields": dump_custom_fields(item.custom_fields),
            **regional,
        }
    )


# --- Invoices and estimates ----------------------------------------------------------------------------------------

LINE_REGIONAL_KEYS = ("hsn_or_sac", "tax_treatment_code", "product_type", "tax_type", "location_id", "project_id")
DOCUMENT_REGIONAL_KEYS = (
    "place_of_supply",
    "gst_treatment",
    "gst_no",
    "vat_treatment",
    "tax_treatment",
    "is_reverse_charge_applied",
    "tax_authority_id",
    "tax_exemption_id",
    "avatax_use_code",
    "avatax_exempt_no",
    "cfdi_usage",
    "location_id",
    "template_id",
)


def parse_line(data: Mapping[str, Any]) -> InvoiceLine:
    return InvoiceLine(
        line_item_id=to_str(data.get("line_item_id")),
        item_id=to_str(data.get("item_id")) or None,
        name=to_str(data.get("name")),
        description=to_str(data.get("description")),
        item_order=to_int(data.get("item_order")),
        rate=to_decimal(data.get("rate")),
        quantity=to_decimal(data.get("quantity")),
        unit=to_str(data.get("unit")),
        discount=to_decimal(data.get("discount")),
        discount_amount=to_decimal(data.get("discount_amount")),
        tax_id=to_str(data.get("tax_id")) or None,
        tax_name=to_str(data.get("tax_name")),
        tax_percentage=to_decimal(data.get("tax_percentage")),
        tax_exemption_id=to_str(data.get("tax_exemption_id")) or None,
        item_total=to_decimal(data.get("item_total")),
        regional=_pick(data, LINE_REGIONAL_KEYS),
    )


def dump_line(line: InvoiceLine) -> dict[str, Any]:
    return compact(
        {
            "line_item_id": line.line_item_id,
            "item_id": line.item_id,
            "name": line.name,
            "description": line.description,
            "item_order": line.item_order,
            "rate": line.rate,
            "quantity": line.quantity,
            "unit": line.unit,
            "discount": line.discount,
            "tax_id": line.tax_id,
            "tax_exemption_id": line.tax_exemption_id,
            **line.regional,
        }
    )


def _tax_lines(data: Any) -> tuple[TaxLine, ...]:
    if not isinstance(data, list):
        return ()
    return tuple(
        TaxLine(
            tax_name=str(row.get("tax_name") or ""),
            tax_amount=to_decimal(row.get("tax_amount")),
            tax_id=to_str(row.get("tax_id")),
        )
        for row in data
        if isinstance(row, Mapping)
    )


def _contact_person_ids(data: Any) -> tuple[str, ...]:
    if not isinstance(data, list):
        return ()
    ids = []
    for entry in data:
        if isinstance(entry, Mapping):
            if entry.get("contact_person_id"):
                ids.append(str(entry["contact_person_id"]))
        elif entry not in (None, ""):
            ids.append(str(entry))
    return tuple(ids)


def _document_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """The fields invoices and estimates share."""
    lines = data.get("line_items") if isinstance(data.get("line_items"), list) else []
    return {
        "customer_id": str(data.get("customer_id") or ""),
        "line_items": tuple(parse_line(line) for line in lines if isinstance(line, Mapping)),
        "customer_name": to_str(data.get("customer_name")),
        "status": to_str(data.get("status")),
        "date": to_date(data.get("date")),
        "reference_number": to_str(data.get("reference_number")),
        "currency_id": to_str(data.get("currency_id")),
        "currency_code": to_str(data.get("currency_code")),
        "exchange_rate": to_decimal(data.get("exchange_rate")),
        "salesperson_id": to_str(data.get("salesperson_id")) or None,
        "salesperson_name": to_str(data.get("salesperson_name")) or None,
        "contact_persons": _contact_person_ids(data.get("contact_persons") or data.get("contact_persons_associated")),
        "discount": to_decimal(data.get("discount")),
        "discount_type": to_str(data.get("discount_type")),
        "is_discount_before_tax": to_bool(data.get("is_discount_before_tax")),
        "is_inclusive_tax": to_bool(data.get("is_inclusive_tax")),
        "shipping_charge": to_decimal(data.get("shipping_charge")),
        "adjustment": to_decimal(data.get("adjustment")),
        "adjustment_description": to_str(data.get("adjustment_description")),
        "notes": to_str(data.get("notes")),
        "terms": to_str(data.get("terms")),
        "billing_address": parse_address(data.get("billing_address")),
        "shipping_address": parse_address(data.get("shipping_address")),
        "custom_fields": parse_custom_fields(data.get("custom_fields")),
        "regional": _pick(data, DOCUMENT_REGIONAL_KEYS),
        "taxes": _tax_lines(data.get("taxes")),
        "sub_total": to_decimal(data.get("sub_total")),
        "tax_total": to_decimal(data.get("tax_total")),
        "total": to_decimal(data.get("total")),
        "created_time": to_datetime(data.get("created_time")),
        "last_modified_time": to_datetime(data.get("last_modified_time")),
    }


def parse_invoice(data: Mapping[str, Any]) -> Invoice:
    return Invoice(
        **_document_fields(data),
        invoice_id=to_str(data.get("invoice_id")),
        invoice_number=to_str(data.get("invoice_number")),
        due_date=to_date(data.get("due_date")),
        payment_terms=to_int(data.get("payment_terms")),
        payment_terms_label=to_str(data.get("payment_terms_label")),
        balance=to_decimal(data.get("balance")),
        payment_made=to_decimal(data.get("payment_made")),
        credits_applied=to_decimal(data.get("credits_applied")),
        write_off_amount=to_decimal(data.get("write_off_amount")),
        is_emailed=to_bool(data.get("is_emailed")),
        invoice_url=to_str(data.get("invoice_url")),
    )


def _dump_document(document: Invoice | Estimate) -> dict[str, Any]:
    return {
        "customer_id": document.customer_id or None,
        "date": document.date,
        "reference_number": document.reference_number,
        "currency_id": document.currency_id,
        "exchange_rate": document.exchange_rate,
        "salesperson_name": document.salesperson_name,
        "contact_persons": list(document.contact_persons) or None,
        "discount": document.discount,
        "discount_type": document.discount_type,
        "is_discount_before_tax": document.is_discount_before_tax,
        "is_inclusive_tax": document.is_inclusive_tax,
        "shipping_charge": document.shipping_charge,
        "adjustment": document.adjustment,
        "adjustment_description": document.adjustment_description,
        "notes": document.notes,
        "terms": document.terms,
        "billing_address_id": document.billing_address.address_id if document.billing_address else None,
        "shipping_address_id": document.shipping_address.address_id if document.shipping_address else None,
        "custom_fields": dump_custom_fields(document.custom_fields),
        "line_items": [dump_line(line) for line in document.line_items] or None,
        **document.regional,
    }


def dump_invoice(invoice: Invoice) -> dict[str, Any]:
    return compact(
        {
            **_dump_document(invoice),
            "invoice_number": invoice.invoice_number,
            "due_date": invoice.due_date,
            "payment_terms": invoice.payment_terms,
            "payment_terms_label": invoice.payment_terms_label,
        }
    )


def parse_estimate(data: Mapping[str, Any]) -> Estimate:
    return Estimate(
        **_document_fields(data),
        estimate_id=to_str(data.get("estimate_id")),
        estimate_number=to_str(data.get("estimate_number")),
        expiry_date=to_date(data.get("expiry_date")),
        accepted_date=to_date(data.get("accepted_date")),
        declined_date=to_date(data.get("declined_date")),
    )


def dump_estimate(estimate: Estimate) -> dict[str, Any]:
    return compact(
        {
            **_dump_document(estimate),
            "estimate_number": estimate.estimate_number,
            "expiry_date": estimate.expiry_date,
        }
    )


# --- Payments ------------------------------------------------------------------------------------------------------


def parse_payment(data: Mapping[str, Any]) -> Payment:
    applications = data.get("invoices") if isinstance(data.get("invoices"), list) else []
    return Payment(
        customer_id=str(data.get("customer_id") or ""),
        amount=to_decimal(data.get("amount")) or Decimal("0"),
        date=to_date(data.get("date")) or dt.date.min,
        payment_mode=str(data.get("payment_mode") or ""),
        invoices=tuple(
            PaymentApplication(
                invoice_id=str(row.get("invoice_id") or ""),
                amount_applied=to_decimal(row.get("amount_applied")) or Decimal("0"),
                invoice_number=to_str(row.get("invoice_number")),
            )
            for row in applications
            if isinstance(row, Mapping)
        ),
        payment_id=to_str(data.get("payment_id")),
        payment_number=to_str(data.get("payment_number")),
        customer_name=to_str(data.get("customer_name")),
        reference_number=to_str(data.get("reference_number")),
        description=to_str(data.get("description")),
        exchange_rate=to_decimal(data.get("exchange_rate")),
        bank_charges=to_decimal(data.get("bank_charges")),
        account_id=to_str(data.get("account_id")) or None,
        unused_amount=to_decimal(data.get("unused_amount")),
        currency_code=to_str(data.get("currency_code")),
        custom_fields=parse_custom_fields(data.get("custom_fields")),
        created_time=to_datetime(data.get("created_time")),
        last_modified_time=to_datetime(data.get("last_modified_time")),
    )


def dump_payment(payment: Payment) -> dict[str, Any]:
    return compact(
        {
            "customer_id": payment.customer_id,
            "payment_mode": payment.payment_mode,
            "amount": payment.amount,
            "date": payment.date,
            "reference_number": payment.reference_number,
            "description": payment.description,
            "exchange_rate": payment.exchange_rate,
            "bank_charges": payment.bank_charges,
            "account_id": payment.account_id,
            "invoices": [
                {"invoice_id": row.invoice_id, "amount_applied": row.amount_applied} for row in payment.invoices
            ],
            "custom_fields": dump_custom_fields(payment.custom_fields),
        }
    )


# --- Reference data ------------------------------------------------------------------------------------------------


def parse_tax(data: Mapping[str, Any]) -> Tax:
    return Tax(
        tax_name=str(data.get("tax_name") or ""),
        tax_percentage=to_decimal(data.get("tax_percentage")) or Decimal("0"),
        tax_id=to_str(data.get("tax_id")),
        tax_type=to_str(data.get("tax_type")),
        tax_specific_type=to_str(data.get("tax_specific_type")) or None,
        tax_authority_id=to_str(data.get("tax_authority_id")) or None,
        tax_authority_name=to_str(data.get("tax_authority_name")) or None,
        is_default_tax=to_bool(data.get("is_default_tax")),
        is_editable=to_bool(data.get("is_editable")),
        is_value_added=to_bool(data.get("is_value_added")),
        country_code=to_str(data.get("country_code")) or None,
    )


def dump_tax(tax: Tax) -> dict[str, Any]:
    return compact(
        {
            "tax_name": tax.tax_name,
            "tax_percentage": tax.tax_percentage,
            "tax_type": tax.tax_type,
            "tax_specific_type": tax.tax_specific_type,
            "tax_authority_id": tax.tax_authority_id,
            "tax_authority_name": tax.tax_authority_name if not tax.tax_authority_id else None,
            "is_value_added": tax.is_value_added,
            "country_code": tax.country_code,
        }
    )


def parse_tax_group(data: Mapping[str, Any]) -> TaxGroup:
    taxes = data.get("taxes") if isinstance(data.get("taxes"), list) else []
    return TaxGroup(
        tax_group_name=str(data.get("tax_group_name") or data.get("tax_name") or ""),
        tax_group_id=to_str(data.get("tax_group_id") or data.get("tax_id")),
        tax_group_percentage=to_decimal(data.get("tax_group_percentage", data.get("tax_percentage"))),
        taxes=tuple(parse_tax(tax) for tax in taxes if isinstance(tax, Mapping)),
    )


def parse_tax_exemption(data: Mapping[str, Any]) -> TaxExemption:
    return TaxExemption(
        tax_exemption_code=str(data.get("tax_exemption_code") or ""),
        tax_exemption_id=to_str(data.get("tax_exemption_id")),
        description=to_str(data.get("description")),
        type=to_str(data.get("type")),
        is_active=to_bool(data.get("is_active")),
    )


def dump_tax_exemption(exemption: TaxExemption) -> dict[str, Any]:
    return compact(
        {
            "tax_exemption_code": exemption.tax_exemption_code,
            "description": exemption.description,
            "type": exemption.type,
        }
    )


def parse_currency(data: Mapping[str, Any]) -> Currency:
    return Currency(
        currency_code=str(data.get("currency_code") or ""),
        currency_id=to_str(data.get("currency_id")),
        currency_name=to_str(data.get("currency_name")),
        currency_symbol=to_str(data.get("currency_symbol")),
        price_precision=to_int(data.get("price_precision")),
        currency_format=to_str(data.get("currency_format")),
        is_base_currency=to_bool(data.get("is_base_currency")),
        exchange_rate=to_decimal(data.get("exchange_rate")),
        effective_date=to_date(data.get("effective_date")),
    )


def dump_currency(currency: Currency) -> dict[str, Any]:
    return compact(
        {
            "currency_code": currency.currency_code,
            "currency_symbol": currency.currency_symbol,
            "currency_name": currency.currency_name,
            "price_precision": currency.price_precision,
            "currency_format": currency.currency_format or "1,234,567.89",
            "exchange_rate": currency.exchange_rate,
        }
    )


def parse_payment_term(data: Mapping[str, Any]) -> PaymentTerm:
    days = to_int(data.get("payment_terms"))
    return PaymentTerm(
        payment_terms=days if days is not None else 0,
        payment_terms_label=str(data.get("payment_terms_label") or ""),
        payment_terms_id=to_str(data.get("payment_terms_id")) or None,
        is_default=bool(to_bool(data.get("is_default"))),
    )


def parse_salesperson(data: Mapping[str, Any]) -> Salesperson:
    return Salesperson(
        salesperson_name=str(data.get("salesperson_name") or data.get("name") or ""),
        salesperson_id=to_str(data.get("salesperson_id")),
        salesperson_email=to_str(data.get("salesperson_email") or data.get("email")),
        is_active=to_bool(data.get("is_active")) is not False,
    )


def parse_user(data: Mapping[str, Any]) -> FinanceUser:
    emails = data.get("email_ids") if isinstance(data.get("email_ids"), list) else []
    email = data.get("email") or next(
        (entry.get("email") for entry in emails if isinstance(entry, Mapping) and entry.get("email")), ""
    )
    return FinanceUser(
        user_id=str(data.get("user_id") or ""),
        name=str(data.get("name") or ""),
        email=str(email or ""),
        role_id=to_str(data.get("role_id")) or None,
        user_role=to_str(data.get("user_role")),
        role_name=to_str(data.get("role_name")),
        status=to_str(data.get("status")),
        is_current_user=bool(to_bool(data.get("is_current_user"))),
    )


def parse_custom_field_def(data: Mapping[str, Any], *, entity: str) -> CustomFieldDef:
    return CustomFieldDef(
        entity=str(data.get("entity") or entity),
        api_name=str(data.get("api_name") or ""),
        label=str(data.get("label") or data.get("field_name_formatted") or ""),
        data_type=str(data.get("data_type") or "string"),
        is_mandatory=bool(to_bool(data.get("is_mandatory"))),
        customfield_id=to_str(data.get("customfield_id")),
        is_active=to_bool(data.get("is_active")) is not False,
    )
