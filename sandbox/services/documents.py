"""Invoices, estimates and customer payments, with Books' arithmetic as this project fixes it.

Arithmetic (TAX-7; zoho-books-v3.md leaves the details open, so this is the project's rule, written once here):

- per line: ``item_total = round_half_up(rate × quantity × (100 − discount) / 100)``; ``discount`` is a percentage
  (a number, or a string such as ``"10%"``); ``discount_amount = round_half_up(rate × quantity) − item_total``;
- per line and per component tax of the line's tax or tax group:
  ``tax = round_half_up(item_total × tax_percentage / 100)``;
- ``sub_total = Σ item_total``; ``tax_total = Σ line taxes``; ``taxes[]`` sums per tax name;
  ``total = sub_total + tax_total + shipping_charge + adjustment``; ``balance = total − payments`` (0 when void);

rounding half-up to the document currency's ``price_precision``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum

from sandbox import clock
from sandbox.errors import ApiError, business_rule, invalid_reference, invalid_value, missing_value
from sandbox.models import (
    Contact,
    ContactPerson,
    Currency,
    CustomerPayment,
    Estimate,
    Invoice,
    Item,
    LineItem,
    Organization,
    PaymentApplication,
    Salesperson,
)
from sandbox.services.common import (
    custom_fields_apply,
    round_half_up,
    text,
    to_bool,
    to_date,
    to_decimal,
    to_int,
    to_percentage,
)
from sandbox.services.orgs import salesperson_get_or_create
from sandbox.services.records import _payment_terms, lock_organization
from sandbox.services.settings import tax_components, tax_lookup, tax_name, tax_percentage

DOCUMENT_EXTRA_KEYS = (
    "place_of_supply", "gst_treatment", "gst_no", "vat_treatment", "tax_treatment", "is_reverse_charge_applied",
    "tax_authority_id", "tax_exemption_id", "template_id", "location_id", "allow_partial_payments",
    "payment_options", "adjustment_description", "reason", "custom_body", "custom_subject", "discount_type",
    "is_discount_before_tax", "is_inclusive_tax", "recurring_invoice_id", "invoiced_estimate_id",
)  # fmt: skip
LINE_EXTRA_KEYS = ("tax_exemption_id", "hsn_or_sac", "product_type", "header_name", "project_id", "location_id")
ZERO = Decimal("0")


# --- Status -----------------------------------------------------------------------------------------------------------


def invoice_status(invoice: Invoice, today: dt.date) -> str:
    if invoice.state in ("draft", "void"):
        return invoice.state
    if invoice.balance <= 0:
        return "paid"
    if invoice.due_date < today:
        return "overdue"
    if invoice.payment_made > 0:
        return "partially_paid"
    return "sent"


def invoice_status_filter(status: str, today: dt.date) -> Q | None:
    """The queryset filter of a reported status (``status=`` / ``filter_by=Status.*``); None when unknown."""
    unpaid = Q(state="sent", balance__gt=0)
    return {
        "all": Q(),
        "draft": Q(state="draft"),
        "void": Q(state="void"),
        "paid": Q(state="sent", balance__lte=0),
        "overdue": unpaid & Q(due_date__lt=today),
        "partially_paid": unpaid & Q(due_date__gte=today, payment_made__gt=0),
        "partiallypaid": unpaid & Q(due_date__gte=today, payment_made__gt=0),
        "sent": unpaid & Q(due_date__gte=today, payment_made=0),
        "unpaid": unpaid,
        "viewed": Q(pk__in=[]),
    }.get(status)


def estimate_status(estimate: Estimate, today: dt.date) -> str:
    if estimate.state == "sent" and estimate.expiry_date and estimate.expiry_date < today:
        return "expired"
    return estimate.state


def estimate_status_filter(status: str, today: dt.date) -> Q | None:
    expired = Q(state="sent", expiry_date__lt=today)
    return {
        "all": Q(),
        "draft": Q(state="draft"),
        "sent": Q(state="sent") & ~expired,
        "accepted": Q(state="accepted"),
        "declined": Q(state="declined"),
        "invoiced": Q(state="invoiced"),
        "expired": expired,
    }.get(status)


# --- Documents -------------------------------------------------------------------------------------------------------


def _customer(organization: Organization, customer_id) -> Contact:
    pk = Contact.pk_from_zoho_id(customer_id)
    customer = Contact.objects.filter(organization=organization, pk=pk).first() if pk else None
    if customer is None:
        raise invalid_reference("customer_id")
    return customer


def _lines_apply(document, lines_data, *, precision: int, now) -> list[LineItem]:
    """Validate and compute the lines of a document (not yet saved)."""
    organization = document.organization
    if not isinstance(lines_data, list) or not lines_data:
        raise business_rule("Add at least one line item to the transaction.")
    existing = {line.zoho_id: line for line in document.lines.all()} if document.pk else {}
    lines = []
    for position, entry in enumerate(lines_data, start=1):
        if not isinstance(entry, dict):
            raise invalid_value("line_items")
        line = existing.pop(str(entry.get("line_item_id") or ""), None)
        if line is None and entry.get("line_item_id"):
            raise invalid_reference("line_item_id")
        line = line or LineItem()
        item = line.item
        if entry.get("item_id"):
            pk = Item.pk_from_zoho_id(entry["item_id"])
            item = Item.objects.filter(organization=organization, pk=pk).first() if pk else None
            if item is None:
                raise invalid_reference("item_id")
            line.item = item
        line.item_order = to_int(entry.get("item_order"), "item_order", default=position)
        line.name = text(entry["name"], "name", max_length=100) if "name" in entry else (item.name if item else "")
        if "description" in entry:
            line.description = text(entry["description"], "description", max_length=2000)
        elif item and not line.pk:
            line.description = item.description
        if "rate" in entry:
            line.rate = to_decimal(entry["rate"], "rate")
        elif item and not line.pk:
            line.rate = item.rate
        elif not line.pk:
            raise missing_value("line_items.rate", "the rate of every line item")
        line.quantity = to_decimal(entry.get("quantity"), "quantity", default=line.quantity if line.pk else Decimal(1))
        if "unit" in entry:
            line.unit = text(entry["unit"], "unit", max_length=50)
        elif item and not line.pk:
            line.unit = item.unit
        if "discount" in entry:
            line.discount = to_percentage(entry["discount"], "discount")
        if "tax_id" in entry:
            line.tax_id = str(entry["tax_id"] or "")
        elif item and not line.pk and item.is_taxable:
            line.tax_id = item.tax_id
        line.extra = {**(line.extra or {}), **{key: entry[key] for key in LINE_EXTRA_KEYS if key in entry}}
        if "item_custom_fields" in entry:
            line.extra["item_custom_fields"] = entry["item_custom_fields"]
        _line_compute(organization, line, precision)
        lines.append(line)
    return lines


def _line_compute(organization: Organization, line: LineItem, precision: int) -> list[tuple[str, str, Decimal]]:
    gross = line.rate * line.quantity
    line.item_total = round_half_up(gross * (Decimal(100) - line.discount) / Decimal(100), precision)
    line.discount_amount = round_half_up(gross, precision) - line.item_total
    parts: list[tuple[str, str, Decimal]] = []
    line.tax_name, line.tax_type, line.tax_percentage, line.tax_amount = "", "", ZERO, ZERO
    if line.tax_id:
        tax = tax_lookup(organization, line.tax_id)
        if tax is None:
            raise invalid_reference("tax_id")
        line.tax_name = tax_name(tax)
        line.tax_type = "tax_group" if hasattr(tax, "tax_group_name") else tax.tax_type
        line.tax_percentage = tax_percentage(tax)
        for component in tax_components(tax):
            amount = round_half_up(line.item_total * component.tax_percentage / Decimal(100), precision)
            parts.append((component.zoho_id, f"{component.tax_name} ({_percent(component.tax_percentage)}%)", amount))
        line.tax_amount = sum((amount for _, _, amount in parts), ZERO)
    line.extra = {**(line.extra or {}), "line_taxes": [[tax_id, name, str(amount)] for tax_id, name, amount in parts]}
    return parts


def _percent(value: Decimal) -> str:
    normalized = value.normalize()
    return f"{normalized:f}"


def _totals(document, lines: list[LineItem], precision: int) -> None:
    taxes: dict[str, dict] = {}
    for line in lines:
        for tax_id, name, amount in line.extra.get("line_taxes", []):
            entry = taxes.setdefault(name, {"tax_id": tax_id, "tax_name": name, "tax_amount": ZERO})
            entry["tax_amount"] += Decimal(amount)
    document.sub_total = sum((line.item_total for line in lines), ZERO)
    document.tax_total = sum((line.tax_amount for line in lines), ZERO)
    document.taxes = [{**entry, "tax_amount": str(entry["tax_amount"])} for entry in taxes.values()]
    document.total = round_half_up(
        document.sub_total + document.tax_total + document.shipping_charge + document.adjustment, precision
    )


def _document_fields(document, data: dict, *, creating: bool, query: dict) -> list[LineItem] | None:
    organization = document.organization
    if creating or "customer_id" in data:
        if not data.get("customer_id"):
            raise missing_value("customer_id", "a customer")
        document.customer = _customer(organization, data["customer_id"])
    customer = document.customer
    if data.get("currency_id"):
        pk = Currency.pk_from_zoho_id(data["currency_id"])
        currency = Currency.objects.filter(organization=organization, pk=pk).first() if pk else None
        if currency is None:
            raise invalid_reference("currency_id")
        document.currency = currency
    elif creating:
        document.currency = customer.currency or Currency.objects.get(organization=organization, is_base_currency=True)
    if "exchange_rate" in data and data["exchange_rate"] not in (None, ""):
        document.exchange_rate = to_decimal(data["exchange_rate"], "exchange_rate")
        if document.exchange_rate <= 0:
            raise invalid_value("exchange_rate")
    elif creating or data.get("currency_id"):
        document.exchange_rate = Decimal(1) if document.currency.is_base_currency else document.currency.exchange_rate
    today = clock.org_today(organization.time_zone)
    if creating or "date" in data:
        document.date = to_date(data.get("date"), "date", default=document.date if not creating else today)
    for key, length in (("reference_number", 100),):
        if key in data:
            setattr(document, key, text(data[key], key, max_length=length))
    for key in ("notes", "terms"):
        if key in data:
            setattr(document, key, text(data[key], key, max_length=5000))
    for key in ("shipping_charge", "adjustment"):
        if key in data:
            setattr(document, key, to_decimal(data[key], key, default=ZERO))
    if data.get("salesperson_id"):
        pk = Salesperson.pk_from_zoho_id(data["salesperson_id"])
        salesperson = Salesperson.objects.filter(organization=organization, pk=pk).first() if pk else None
        if salesperson is None:
            raise invalid_reference("salesperson_id")
        document.salesperson = salesperson
    elif data.get("salesperson_name"):
        name = text(data["salesperson_name"], "salesperson_name")
        document.salesperson = salesperson_get_or_create(organization, name=name)
    elif "salesperson_name" in data:
        document.salesperson = None
    if creating or "billing_address" in data:
        document.billing_address = (
            data["billing_address"] if isinstance(data.get("billing_address"), dict) else customer.billing_address
        )
    if creating or "shipping_address" in data:
        document.shipping_address = (
            data["shipping_address"] if isinstance(data.get("shipping_address"), dict) else customer.shipping_address
        )
    if "contact_persons" in data:
        persons = data["contact_persons"] or []
        if not isinstance(persons, list):
            raise invalid_value("contact_persons")
        for person_id in persons:
            pk = ContactPerson.pk_from_zoho_id(person_id)
            if not pk or not ContactPerson.objects.filter(contact=customer, pk=pk).exists():
                raise invalid_reference("contact_persons")
        document.extra = {**(document.extra or {}), "contact_persons": [str(p) for p in persons]}
    document.extra = {**(document.extra or {}), **{key: data[key] for key in DOCUMENT_EXTRA_KEYS if key in data}}
    entity = "invoice" if isinstance(document, Invoice) else "estimate"
    document.custom_fields = custom_fields_apply(
        organization, entity, data.get("custom_fields"), document.custom_fields, creating=creating
    )
    if creating or "line_items" in data:
        return _lines_apply(document, data.get("line_items"), precision=document.currency.price_precision, now=None)
    return None


def _number(document, data: dict, query: dict, *, prefix: str, field: str, counter: str, model) -> None:
    organization = document.organization
    if document.pk:
        if not data.get(field):
            return
        number = text(data[field], field, max_length=100)
    elif to_bool(query.get("ignore_auto_number_generation", False)):
        number = text(data.get(field), field, max_length=100)
        if not number:
            raise missing_value(field)
    else:
        sequence = getattr(organization, counter)
        number = f"{prefix}-{sequence:05d}"
        while model.objects.filter(organization=organization, **{field: number}).exists():
            sequence += 1
            number = f"{prefix}-{sequence:05d}"
        setattr(organization, counter, sequence + 1)
        organization.save(update_fields=[counter])
    clash = model.objects.filter(organization=organization, **{field: number})
    if document.pk:
        clash = clash.exclude(pk=document.pk)
    if clash.exists():
        noun = "Invoice" if model is Invoice else "Estimate"
        raise ApiError(400, 4, f"{noun} number {number} has already been used. Enter a different number.")
    setattr(document, field, number)


def _save_lines(document, lines: list[LineItem] | None) -> None:
    if lines is None:
        return
    keep = []
    for line in lines:
        if isinstance(document, Invoice):
            line.invoice = document
        else:
            line.estimate = document
        line.save()
        keep.append(line.pk)
    document.lines.exclude(pk__in=keep).delete()


def _recompute(document) -> None:
    """Totals from the stored lines (after a tax rate change, or to refresh the balance)."""
    lines = list(document.lines.all())
    _totals(document, lines, document.currency.price_precision)


def _invoice_due_date(invoice: Invoice, data: dict, *, creating: bool) -> None:
    customer = invoice.customer
    if creating:
        invoice.payment_terms, invoice.payment_terms_label = customer.payment_terms, customer.payment_terms_label
    _payment_terms(invoice.organization, data, invoice)
    if invoice.payment_terms > 999:
        raise invalid_value("payment_terms")
    if data.get("due_date"):
        invoice.due_date = to_date(data["due_date"], "due_date")
    elif creating or any(key in data for key in ("date", "payment_terms", "payment_terms_id")):
        invoice.due_date = invoice.date + dt.timedelta(days=invoice.payment_terms)
    if invoice.due_date < invoice.date:
        raise invalid_value("due_date")


def _balance(invoice: Invoice) -> None:
    invoice.balance = ZERO if invoice.state == "void" else invoice.total - invoice.payment_made


@transaction.atomic
def invoice_create(organization: Organization, *, data: dict, query: dict | None = None) -> Invoice:
    query = query or {}
    organization = lock_organization(organization)
    now = clock.now_seconds()
    invoice = Invoice(organization=organization, created_time=now, last_modified_time=now)
    lines = _document_fields(invoice, data, creating=True, query=query)
    _invoice_due_date(invoice, data, creating=True)
    _number(invoice, data, query, prefix="INV", field="invoice_number", counter="next_invoice_number", model=Invoice)
    _totals(invoice, lines, invoice.currency.price_precision)
    if to_bool(query.get("send", False)):
        invoice.state, invoice.is_emailed = "sent", True
    _balance(invoice)
    invoice.save()
    _save_lines(invoice, lines)
    return invoice


@transaction.atomic
def invoice_update(invoice: Invoice, *, data: dict, query: dict | None = None) -> Invoice:
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    lines = _document_fields(invoice, data, creating=False, query=query or {})
    _invoice_due_date(invoice, data, creating=False)
    _number(invoice, data, query or {}, prefix="INV", field="invoice_number", counter="", model=Invoice)
    if lines is not None:
        _totals(invoice, lines, invoice.currency.price_precision)
    else:
        _recompute(invoice)
    if invoice.state != "void" and invoice.total < invoice.payment_made:
        raise business_rule("The invoice total cannot be less than the payments already recorded against it.")
    _balance(invoice)
    invoice.last_modified_time = clock.now_seconds()
    invoice.save()
    _save_lines(invoice, lines)
    return invoice


def _invoice_touch(invoice: Invoice, **fields) -> Invoice:
    for key, value in fields.items():
        setattr(invoice, key, value)
    _balance(invoice)
    invoice.last_modified_time = clock.now_seconds()
    invoice.save()
    return invoice


@transaction.atomic
def invoice_mark_sent(invoice: Invoice) -> Invoice:
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.state == "void":
        raise business_rule("A void invoice cannot be marked as sent. Change it to draft first.")
    return _invoice_touch(invoice, state="sent")


@transaction.atomic
def invoice_email(invoice: Invoice, *, data: dict) -> Invoice:
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.state == "void":
        raise business_rule("A void invoice cannot be emailed. Change it to draft first.")
    recipients = data.get("to_mail_ids")
    if recipients is not None and not isinstance(recipients, list):
        raise invalid_value("to_mail_ids")
    return _invoice_touch(invoice, state="sent", is_emailed=True)


@transaction.atomic
def invoice_void(invoice: Invoice) -> Invoice:
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.payment_made > 0:
        raise business_rule("The invoice has payments recorded. Delete the payments before voiding it.")
    return _invoice_touch(invoice, state="void")


@transaction.atomic
def invoice_mark_draft(invoice: Invoice) -> Invoice:
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.payment_made > 0:
        raise business_rule("The invoice has payments recorded and cannot go back to draft.")
    return _invoice_touch(invoice, state="draft")


@transaction.atomic
def invoice_delete(invoice: Invoice) -> None:
    if PaymentApplication.objects.filter(invoice=invoice).exists():
        raise business_rule("The invoice has payments recorded. Delete the payments before deleting it.")
    invoice.delete()


@transaction.atomic
def estimate_create(organization: Organization, *, data: dict, query: dict | None = None) -> Estimate:
    query = query or {}
    organization = lock_organization(organization)
    now = clock.now_seconds()
    estimate = Estimate(organization=organization, created_time=now, last_modified_time=now)
    lines = _document_fields(estimate, data, creating=True, query=query)
    if data.get("expiry_date"):
        estimate.expiry_date = to_date(data["expiry_date"], "expiry_date")
    _number(estimate, data, query, prefix="EST", field="estimate_number", counter="next_estimate_number",
            model=Estimate)  # fmt: skip
    _totals(estimate, lines, estimate.currency.price_precision)
    if to_bool(query.get("send", False)):
        estimate.state, estimate.is_emailed = "sent", True
    estimate.save()
    _save_lines(estimate, lines)
    return estimate


@transaction.atomic
def estimate_update(estimate: Estimate, *, data: dict, query: dict | None = None) -> Estimate:
    estimate = Estimate.objects.select_for_update().get(pk=estimate.pk)
    lines = _document_fields(estimate, data, creating=False, query=query or {})
    if "expiry_date" in data:
        estimate.expiry_date = to_date(data["expiry_date"], "expiry_date") if data["expiry_date"] else None
    _number(estimate, data, query or {}, prefix="EST", field="estimate_number", counter="", model=Estimate)
    if lines is not None:
        _totals(estimate, lines, estimate.currency.price_precision)
    else:
        _recompute(estimate)
    estimate.last_modified_time = clock.now_seconds()
    estimate.save()
    _save_lines(estimate, lines)
    return estimate


@transaction.atomic
def estimate_set_status(estimate: Estimate, *, status: str) -> Estimate:
    estimate = Estimate.objects.select_for_update().get(pk=estimate.pk)
    today = clock.org_today(estimate.organization.time_zone)
    if status == "sent":
        if estimate.state not in ("draft", "sent"):
            raise business_rule(f"An estimate that is {estimate.state} cannot be marked as sent.")
    elif estimate.state == "draft":
        raise business_rule("Send the estimate before marking it as accepted or declined.")
    estimate.state = status
    if status == "accepted":
        estimate.accepted_date = today
    if status == "declined":
        estimate.declined_date = today
    estimate.last_modified_time = clock.now_seconds()
    estimate.save()
    return estimate


# --- Customer payments ---------------------------------------------------------------------------------------------


def _applications(payment: CustomerPayment, data) -> list[tuple[Invoice, Decimal]]:
    if data in (None, ""):
        return []
    if not isinstance(data, list):
        raise invalid_value("invoices")
    result, seen = [], set()
    for entry in data:
        if not isinstance(entry, dict):
            raise invalid_value("invoices")
        pk = Invoice.pk_from_zoho_id(entry.get("invoice_id"))
        invoice = (
            Invoice.objects.select_for_update().filter(organization=payment.organization, pk=pk).first() if pk else None
        )
        if invoice is None or pk in seen:
            raise invalid_reference("invoices.invoice_id")
        seen.add(pk)
        if invoice.customer_id != payment.customer_id:
            raise business_rule(f"Invoice {invoice.invoice_number} belongs to another customer.")
        if invoice.state == "void":
            raise business_rule(f"Invoice {invoice.invoice_number} is void; payments cannot be applied to it.")
        amount = to_decimal(entry.get("amount_applied"), "amount_applied")
        if amount <= 0:
            raise invalid_value("amount_applied")
        result.append((invoice, amount))
    return result


def _apply(payment: CustomerPayment, applications: list[tuple[Invoice, Decimal]], now) -> None:
    applied = sum((amount for _, amount in applications), ZERO)
    if applied > payment.amount:
        raise business_rule(
            f"The amount applied to invoices ({applied}) is more than the payment amount ({payment.amount})."
        )
    for invoice, amount in applications:
        balance = invoice.total - invoice.payment_made
        if amount > balance:
            raise business_rule(
                f"The amount applied to invoice {invoice.invoice_number} ({amount}) is more than its balance due "
                f"({balance})."
            )
        PaymentApplication.objects.create(payment=payment, invoice=invoice, amount_applied=amount)
        _invoice_payments_changed(invoice, now)
    payment.unused_amount = payment.amount - applied


def _invoice_payments_changed(invoice: Invoice, now) -> None:
    applications = PaymentApplication.objects.filter(invoice=invoice)
    invoice.payment_made = applications.aggregate(total=Sum("amount_applied"))["total"] or ZERO
    last = (
        CustomerPayment.objects.filter(applications__invoice=invoice).order_by("-date").values_list("date", flat=True)
    ).first()
    invoice.last_payment_date = last
    if invoice.state == "draft" and invoice.payment_made > 0:
        invoice.state = "sent"
    _balance(invoice)
    invoice.last_modified_time = now
    invoice.save()


def _unapply(payment: CustomerPayment, now) -> None:
    invoice_ids = set(payment.applications.values_list("invoice_id", flat=True))
    invoices = list(Invoice.objects.select_for_update().filter(pk__in=invoice_ids).order_by("pk"))
    payment.applications.all().delete()
    for invoice in invoices:
        _invoice_payments_changed(invoice, now)


def _payment_fields(payment: CustomerPayment, data: dict, *, creating: bool) -> None:
    organization = payment.organization
    if creating or "customer_id" in data:
        if not data.get("customer_id"):
            raise missing_value("customer_id", "a customer")
        payment.customer = _customer(organization, data["customer_id"])
    if creating or "payment_mode" in data:
        payment.payment_mode = text(data.get("payment_mode"), "payment_mode", max_length=100)
        if not payment.payment_mode:
            raise missing_value("payment_mode")
    if creating or "amount" in data:
        payment.amount = to_decimal(data.get("amount"), "amount")
        if payment.amount <= 0:
            raise invalid_value("amount")
    if creating or "date" in data:
        payment.date = to_date(data.get("date"), "date")
    for key, length in (("reference_number", 100), ("description", 500)):
        if key in data:
            setattr(payment, key, text(data[key], key, max_length=length))
    if "bank_charges" in data:
        payment.bank_charges = to_decimal(data["bank_charges"], "bank_charges", default=ZERO)
    if "exchange_rate" in data and data["exchange_rate"] not in (None, ""):
        payment.exchange_rate = to_decimal(data["exchange_rate"], "exchange_rate")
    if "custom_fields" in data:
        payment.custom_fields = data["custom_fields"] if isinstance(data["custom_fields"], list) else []


@transaction.atomic
def payment_create(organization: Organization, *, data: dict) -> CustomerPayment:
    organization = lock_organization(organization)
    now = clock.now_seconds()
    payment = CustomerPayment(organization=organization, created_time=now, last_modified_time=now)
    _payment_fields(payment, data, creating=True)
    applications = _applications(payment, data.get("invoices"))
    payment.payment_number = str(organization.next_payment_number)
    organization.next_payment_number += 1
    organization.save(update_fields=["next_payment_number"])
    payment.unused_amount = payment.amount
    payment.save()
    _apply(payment, applications, now)
    payment.save()
    return payment


@transaction.atomic
def payment_update(payment: CustomerPayment, *, data: dict) -> CustomerPayment:
    payment = CustomerPayment.objects.select_for_update().get(pk=payment.pk)
    now = clock.now_seconds()
    _payment_fields(payment, data, creating=False)
    if "invoices" in data:
        _unapply(payment, now)
        _apply(payment, _applications(payment, data["invoices"]), now)
    else:
        applied = payment.applications.aggregate(total=Sum("amount_applied"))["total"] or ZERO
        if applied > payment.amount:
            raise business_rule("The payment amount cannot be less than the amount applied to invoices.")
        payment.unused_amount = payment.amount - applied
    payment.last_modified_time = now
    payment.save()
    return payment


@transaction.atomic
def payment_delete(payment: CustomerPayment) -> None:
    _unapply(payment, clock.now_seconds())
    payment.delete()
