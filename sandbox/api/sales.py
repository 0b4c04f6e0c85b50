"""``/invoices``, ``/estimates`` and ``/customerpayments`` (zoho-books-v3.md §5.5–§5.7)."""

from __future__ import annotations

from django.db.models import Q

from sandbox.api import serializers
from sandbox.api.base import (
    ApiRequest,
    created,
    get_record,
    last_modified_filter,
    ok,
    paginate,
    sort_params,
    text_filters,
)
from sandbox.errors import invalid_value
from sandbox.models import Contact, CustomerPayment, Estimate, Invoice, Item
from sandbox.services import documents
from sandbox.services.common import to_date

DOCUMENT_SORTS = {
    "customer_name": "customer__contact_name",
    "date": "date",
    "total": "total",
    "created_time": "created_time",
    "last_modified_time": "last_modified_time",
}


def _date_filters(api: ApiRequest, queryset, fields: tuple[str, ...]):
    for name in fields:
        for suffix, lookup in (("", "exact"), ("_start", "gte"), ("_end", "lte"), ("_before", "lt"), ("_after", "gt")):
            value = api.params.get(name + suffix)
            if value not in (None, ""):
                queryset = queryset.filter(**{f"{name}__{lookup}": to_date(value, name + suffix)})
    return queryset


def _status_filter(api: ApiRequest, resolver, today):
    """(label, Q) from ``filter_by=Status.X`` or ``status=x``."""
    if api.params.get("status"):
        condition = resolver(api.params["status"].lower(), today)
        if condition is None:
            raise invalid_value("status")
        return f"Status.{api.params['status']}", condition
    value = api.params.get("filter_by") or "Status.All"
    if not value.lower().startswith("status."):
        raise invalid_value("filter_by")
    condition = resolver(value.split(".", 1)[1].lower(), today)
    if condition is None:
        raise invalid_value("filter_by")
    return value, condition


def _customer_filter(api: ApiRequest, queryset):
    if api.params.get("customer_id"):
        pk = Contact.pk_from_zoho_id(api.params["customer_id"])
        queryset = queryset.filter(customer_id=pk or 0)
    return queryset


# --- Invoices ------------------------------------------------------------------------------------------------------


def _invoices():
    return Invoice.objects.select_related("customer", "currency", "salesperson")


def invoice_list(api: ApiRequest):
    ctx = api.ctx
    queryset = _invoices().filter(organization=api.organization)
    applied, condition = _status_filter(api, documents.invoice_status_filter, ctx.today)
    queryset = queryset.filter(condition)
    queryset = text_filters(
        api,
        queryset,
        {
            "invoice_number": "invoice_number",
            "reference_number": "reference_number",
            "customer_name": "customer__contact_name",
            "item_name": "lines__name",
        },
    )
    queryset = _customer_filter(api, queryset)
    if api.params.get("item_id"):
        queryset = queryset.filter(lines__item_id=Item.pk_from_zoho_id(api.params["item_id"]) or 0)
    queryset = _date_filters(api, queryset, ("date", "due_date"))
    queryset = last_modified_filter(api, queryset)
    search = (api.params.get("search_text") or "").strip()
    if search:
        queryset = queryset.filter(
            Q(invoice_number__icontains=search)
            | Q(reference_number__icontains=search)
            | Q(customer__contact_name__icontains=search)
        )
    column, order, ordering = sort_params(
        api,
        {**DOCUMENT_SORTS, "invoice_number": "invoice_number", "due_date": "due_date", "balance": "balance"},
        default_column="created_time",
        default_order="D",
    )
    return paginate(
        api,
        queryset.distinct().order_by(*ordering),
        key="invoices",
        report_name="Invoices",
        applied_filter=applied,
        sort_column=column,
        sort_order=order,
        serialize=lambda row: serializers.invoice(row, ctx, detail=False),
    )


def invoice_create(api: ApiRequest):
    invoice = documents.invoice_create(api.organization, data=api.body, query=api.params)
    return created("The invoice has been created.", invoice=serializers.invoice(invoice, api.ctx, detail=True))


def invoice_get(api: ApiRequest, invoice_id: str):
    invoice = get_record(Invoice, api, invoice_id, "Invoice", _invoices())
    return ok(invoice=serializers.invoice(invoice, api.ctx, detail=True))


def invoice_update(api: ApiRequest, invoice_id: str):
    invoice = documents.invoice_update(get_record(Invoice, api, invoice_id, "Invoice"), data=api.body, query=api.params)
    invoice = _invoices().get(pk=invoice.pk)
    return ok("Invoice information has been updated.", invoice=serializers.invoice(invoice, api.ctx, detail=True))


def invoice_delete(api: ApiRequest, invoice_id: str):
    documents.invoice_delete(get_record(Invoice, api, invoice_id, "Invoice"))
    return ok("The invoice has been deleted.")


def invoice_sent(api: ApiRequest, invoice_id: str):
    documents.invoice_mark_sent(get_record(Invoice, api, invoice_id, "Invoice"))
    return ok("Invoice status has been changed to Sent.")


def invoice_void(api: ApiRequest, invoice_id: str):
    documents.invoice_void(get_record(Invoice, api, invoice_id, "Invoice"))
    return ok("Invoice status has been changed to Void.")


def invoice_draft(api: ApiRequest, invoice_id: str):
    documents.invoice_mark_draft(get_record(Invoice, api, invoice_id, "Invoice"))
    return ok("Status of invoice changed from void to draft")


def invoice_email(api: ApiRequest, invoice_id: str):
    documents.invoice_email(get_record(Invoice, api, invoice_id, "Invoice"), data=api.body)
    return ok("Your invoice has been sent.")


# --- Estimates -----------------------------------------------------------------------------------------------------


def _estimates():
    return Estimate.objects.select_related("customer", "currency", "salesperson")


def estimate_list(api: ApiRequest):
    ctx = api.ctx
    queryset = _estimates().filter(organization=api.organization)
    applied, condition = _status_filter(api, documents.estimate_status_filter, ctx.today)
    queryset = queryset.filter(condition)
    queryset = text_filters(
        api,
        queryset,
        {
            "estimate_number": "estimate_number",
            "reference_number": "reference_number",
            "customer_name": "customer__contact_name",
        },
    )
    queryset = _customer_filter(api, queryset)
    queryset = _date_filters(api, queryset, ("date", "expiry_date"))
    queryset = last_modified_filter(api, queryset)
    search = (api.params.get("search_text") or "").strip()
    if search:
        queryset = queryset.filter(
            Q(estimate_number__icontains=search)
            | Q(reference_number__icontains=search)
            | Q(customer__contact_name__icontains=search)
        )
    column, order, ordering = sort_params(
        api, {**DOCUMENT_SORTS, "estimate_number": "estimate_number"}, default_column="created_time", default_order="D"
    )
    return paginate(
        api,
        queryset.order_by(*ordering),
        key="estimates",
        report_name="Estimates",
        applied_filter=applied,
        sort_column=column,
        sort_order=order,
        serialize=lambda row: serializers.estimate(row, ctx, detail=False),
    )


def estimate_create(api: ApiRequest):
    estimate = documents.estimate_create(api.organization, data=api.body, query=api.params)
    return created("The estimate has been created", estimate=serializers.estimate(estimate, api.ctx, detail=True))


def estimate_get(api: ApiRequest, estimate_id: str):
    estimate = get_record(Estimate, api, estimate_id, "Estimate", _estimates())
    return ok(estimate=serializers.estimate(estimate, api.ctx, detail=True))


def estimate_update(api: ApiRequest, estimate_id: str):
    estimate = get_record(Estimate, api, estimate_id, "Estimate")
    estimate = documents.estimate_update(estimate, data=api.body, query=api.params)
    estimate = _estimates().get(pk=estimate.pk)
    return ok("Estimate information has been updated.", estimate=serializers.estimate(estimate, api.ctx, detail=True))


def estimate_delete(api: ApiRequest, estimate_id: str):
    get_record(Estimate, api, estimate_id, "Estimate").delete()
    return ok("The estimate has been deleted.")


def _estimate_status(status: str, message: str):
    def handler(api: ApiRequest, estimate_id: str):
        documents.estimate_set_status(get_record(Estimate, api, estimate_id, "Estimate"), status=status)
        return ok(message)

    return handler


estimate_sent = _estimate_status("sent", "Estimate status has been changed to Sent.")
estimate_accepted = _estimate_status("accepted", "Estimate status has been changed to Accepted.")
estimate_declined = _estimate_status("declined", "Estimate status has been changed to Declined.")


def estimate_email(api: ApiRequest, estimate_id: str):
    estimate = get_record(Estimate, api, estimate_id, "Estimate")
    if estimate.state == "draft":
        documents.estimate_set_status(estimate, status="sent")
    Estimate.objects.filter(pk=estimate.pk).update(is_emailed=True)
    return ok("Your estimate has been sent.")


# --- Customer payments -----------------------------------------------------------------------------------------------

PAYMENT_MODES = ("All", "Check", "Cash", "BankTransfer", "Paypal", "CreditCard", "BankRemittance", "AutoTransaction",
                 "Others")  # fmt: skip


def _payments():
    return CustomerPayment.objects.select_related("customer__currency")


def payment_list(api: ApiRequest):
    ctx = api.ctx
    queryset = _payments().filter(organization=api.organization)
    applied = api.params.get("filter_by") or "PaymentMode.All"
    mode = applied.split(".", 1)[1] if applied.lower().startswith("paymentmode.") else None
    matched = next((m for m in PAYMENT_MODES if mode and m.lower() == mode.lower()), None)
    if matched is None:
        raise invalid_value("filter_by")
    if matched != "All":
        queryset = queryset.filter(payment_mode__iexact=matched)
    queryset = text_filters(
        api,
        queryset,
        {
            "reference_number": "reference_number",
            "customer_name": "customer__contact_name",
            "payment_mode": "payment_mode",
            "notes": "description",
        },
    )
    queryset = _customer_filter(api, queryset)
    queryset = _date_filters(api, queryset, ("date",))
    queryset = last_modified_filter(api, queryset)
    search = (api.params.get("search_text") or "").strip()
    if search:
        queryset = queryset.filter(
            Q(payment_number__icontains=search)
            | Q(reference_number__icontains=search)
            | Q(customer__contact_name__icontains=search)
        )
    column, order, ordering = sort_params(
        api,
        {
            "customer_name": "customer__contact_name",
            "date": "date",
            "amount": "amount",
            "payment_number": "payment_number",
            "created_time": "created_time",
            "last_modified_time": "last_modified_time",
        },
        default_column="created_time",
        default_order="D",
    )
    return paginate(
        api,
        queryset.order_by(*ordering),
        key="customerpayments",
        report_name="Customer Payments",
        applied_filter=f"PaymentMode.{matched}",
        sort_column=column,
        sort_order=order,
        serialize=lambda row: serializers.payment(row, ctx, detail=False),
    )


def payment_create(api: ApiRequest):
    payment = documents.payment_create(api.organization, data=api.body)
    return created("The payment has been created.", payment=serializers.payment(payment, api.ctx, detail=True))


def payment_get(api: ApiRequest, payment_id: str):
    payment = get_record(CustomerPayment, api, payment_id, "Payment", _payments())
    return ok(payment=serializers.payment(payment, api.ctx, detail=True))


def payment_update(api: ApiRequest, payment_id: str):
    payment = documents.payment_update(get_record(CustomerPayment, api, payment_id, "Payment"), data=api.body)
    return ok("The payment details have been updated.", payment=serializers.payment(payment, api.ctx, detail=True))


def payment_delete(api: ApiRequest, payment_id: str):
    documents.payment_delete(get_record(CustomerPayment, api, payment_id, "Payment"))
    return ok("The payment has been deleted.")
