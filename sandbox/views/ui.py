"""The sandbox's small web UI (SBX-5): pick an identity and an organization, list and edit customers and items,
look at invoices and estimates, mark invoices sent or void, record payments.

It is what "View record in Books" opens for sandbox organizations: ``/sandbox/ui/orgs/<org_id>/<module>/<id>/``.
Sign-in is choosing a sandbox identity (no password: the sandbox is a stand-in service). Writes go through the same
services as the API, so they stamp ``last_modified_time`` the same way.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from sandbox import clock
from sandbox.api import serializers
from sandbox.errors import ApiError
from sandbox.models import Contact, Estimate, Invoice, Item, Membership, Organization, SandboxUser
from sandbox.permissions import role_allows
from sandbox.services import documents, records
from sandbox.views.oauth import listed_identities

SESSION_KEY = "sandbox_user_email"
PAGE_SIZE = 50


def _user(request: HttpRequest) -> SandboxUser | None:
    email = request.session.get(SESSION_KEY)
    return SandboxUser.objects.filter(email=email).first() if email else None


def _membership(request: HttpRequest, org_id: str) -> Membership:
    """The signed-in identity's membership of ``org_id``; another organization is a 404 like a missing one."""
    user = _user(request)
    pk = Organization.pk_from_zoho_id(org_id)
    membership = (
        Membership.objects.select_related("organization", "user").filter(user=user, organization_id=pk).first()
        if user and pk
        else None
    )
    if membership is None:
        raise Http404("No such organization for this identity.")
    return membership


def _record(model, membership: Membership, record_id: str):
    pk = model.pk_from_zoho_id(record_id)
    record = model.objects.filter(organization=membership.organization, pk=pk).first() if pk else None
    if record is None:
        raise Http404("No such record.")
    return record


def _allowed(request: HttpRequest, membership: Membership, module: str, operation: str) -> bool:
    if role_allows(membership, module=module, operation=operation):
        return True
    messages.error(request, f"Your role ({membership.role}) does not allow this action. Ask an administrator.")
    return False


def _base(membership: Membership, **context) -> dict:
    return {"membership": membership, "org": membership.organization, "org_id": membership.organization.zoho_id,
            **context}  # fmt: skip


@require_http_methods(["GET"])
def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    memberships = (
        Membership.objects.filter(user=user).select_related("organization").order_by("organization_id") if user else []
    )
    return render(
        request,
        "sandbox/ui/home.html",
        {"user": user, "memberships": memberships, "identities": listed_identities()},
    )


@require_http_methods(["POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    email = request.POST.get("email", "").strip().lower()
    if request.POST.get("sign_out"):
        request.session.pop(SESSION_KEY, None)
    elif SandboxUser.objects.filter(email=email).exists():
        request.session[SESSION_KEY] = email
    else:
        messages.error(request, "Pick one of the sandbox identities listed.")
    next_url = request.POST.get("next", "")
    if next_url.startswith("/sandbox/ui/"):
        return HttpResponseRedirect(next_url)
    return HttpResponseRedirect(reverse("sandbox:ui-home"))


def _signed_in(view):
    def wrapper(request: HttpRequest, *args, **kwargs):
        if _user(request) is None:
            messages.info(request, "Choose the sandbox identity to act as.")
            return render(
                request,
                "sandbox/ui/home.html",
                {"user": None, "identities": listed_identities(), "next": request.get_full_path()},
            )
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@_signed_in
def org_home(request: HttpRequest, org_id: str) -> HttpResponse:
    membership = _membership(request, org_id)
    return render(
        request, "sandbox/ui/org.html", _base(membership, today=clock.org_today(membership.organization.time_zone))
    )


# --- Customers -----------------------------------------------------------------------------------------------------


class ContactForm(forms.Form):
    contact_name = forms.CharField(label="Display name", max_length=200)
    company_name = forms.CharField(label="Company name", max_length=200, required=False)
    customer_sub_type = forms.ChoiceField(
        label="Type", choices=[("business", "Business"), ("individual", "Individual")]
    )
    status = forms.ChoiceField(choices=[("active", "Active"), ("inactive", "Inactive")])
    payment_terms = forms.IntegerField(label="Payment terms (days)", min_value=0, max_value=999, initial=0)
    payment_terms_label = forms.CharField(label="Payment terms label", max_length=200, required=False)
    email = forms.EmailField(label="Primary contact email", required=False)
    billing_street = forms.CharField(label="Billing street", max_length=500, required=False)
    billing_city = forms.CharField(label="Billing city", max_length=100, required=False)
    billing_state = forms.CharField(label="Billing state", max_length=100, required=False)
    billing_zip = forms.CharField(label="Billing ZIP", max_length=20, required=False)
    billing_country = forms.CharField(label="Billing country", max_length=100, required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


@_signed_in
def contact_list(request: HttpRequest, org_id: str) -> HttpResponse:
    membership = _membership(request, org_id)
    queryset = Contact.objects.filter(organization=membership.organization).order_by("contact_name", "id")
    query = request.GET.get("q", "").strip()
    if query:
        queryset = queryset.filter(Q(contact_name__icontains=query) | Q(company_name__icontains=query))
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "sandbox/ui/contacts.html", _base(membership, page=page, q=query))


@_signed_in
@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, org_id: str, record_id: str | None = None) -> HttpResponse:
    membership = _membership(request, org_id)
    contact = _record(Contact, membership, record_id) if record_id else None
    primary = contact.persons.filter(is_primary_contact=True).first() if contact else None
    initial = {}
    if contact:
        address = contact.billing_address or {}
        initial = {
            "contact_name": contact.contact_name,
            "company_name": contact.company_name,
            "customer_sub_type": contact.customer_sub_type,
            "status": contact.status,
            "payment_terms": contact.payment_terms,
            "payment_terms_label": contact.payment_terms_label,
            "email": primary.email if primary else "",
            "billing_street": address.get("address", ""),
            "billing_city": address.get("city", ""),
            "billing_state": address.get("state", ""),
            "billing_zip": address.get("zip", ""),
            "billing_country": address.get("country", ""),
            "notes": (contact.extra or {}).get("notes", ""),
        }
    form = ContactForm(request.POST or None, initial=initial)
    operation = "UPDATE" if contact else "CREATE"
    if request.method == "POST" and form.is_valid() and _allowed(request, membership, "contacts", operation):
        data = form.cleaned_data
        payload = {
            "contact_name": data["contact_name"],
            "company_name": data["company_name"],
            "customer_sub_type": data["customer_sub_type"],
            "payment_terms": data["payment_terms"],
            "payment_terms_label": data["payment_terms_label"],
            "notes": data["notes"],
            "billing_address": {
                **((contact.billing_address or {}) if contact else {}),
                "address": data["billing_street"],
                "city": data["billing_city"],
                "state": data["billing_state"],
                "zip": data["billing_zip"],
                "country": data["billing_country"],
            },
        }
        try:
            if contact is None:
                if data["email"]:
                    payload["contact_persons"] = [{"first_name": data["contact_name"], "email": data["email"]}]
                contact = records.contact_create(membership.organization, data=payload)
            else:
                contact = records.contact_update(contact, data=payload)
                if data["email"] and primary and primary.email != data["email"]:
                    records.person_update(primary, data={"email": data["email"]})
                elif data["email"] and primary is None:
                    records.person_create(
                        membership.organization,
                        data={
                            "contact_id": contact.zoho_id,
                            "first_name": data["contact_name"],
                            "email": data["email"],
                        },
                    )
            if contact.status != data["status"]:
                records.contact_set_status(contact, status=data["status"])
        except ApiError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Customer saved.")
            return HttpResponseRedirect(reverse("sandbox:ui-contact", args=[org_id, contact.zoho_id]))
    detail = (
        serializers.contact(contact, serializers.Context(membership.organization), detail=True) if contact else None
    )
    return render(request, "sandbox/ui/contact_edit.html", _base(membership, form=form, contact=contact, detail=detail))


# --- Items ---------------------------------------------------------------------------------------------------------


class ItemForm(forms.Form):
    name = forms.CharField(max_length=100)
    rate = forms.DecimalField(max_digits=20, decimal_places=6, min_value=0)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000)
    unit = forms.CharField(max_length=50, required=False)
    sku = forms.CharField(label="SKU", max_length=100, required=False)
    product_type = forms.ChoiceField(label="Type", choices=[("service", "Service"), ("goods", "Goods")])
    status = forms.ChoiceField(choices=[("active", "Active"), ("inactive", "Inactive")])


@_signed_in
def item_list(request: HttpRequest, org_id: str) -> HttpResponse:
    membership = _membership(request, org_id)
    queryset = Item.objects.filter(organization=membership.organization).order_by("name", "id")
    query = request.GET.get("q", "").strip()
    if query:
        queryset = queryset.filter(Q(name__icontains=query) | Q(sku__icontains=query))
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "sandbox/ui/items.html", _base(membership, page=page, q=query))


@_signed_in
@require_http_methods(["GET", "POST"])
def item_edit(request: HttpRequest, org_id: str, record_id: str | None = None) -> HttpResponse:
    membership = _membership(request, org_id)
    item = _record(Item, membership, record_id) if record_id else None
    initial = (
        {key: getattr(item, key) for key in ("name", "rate", "description", "unit", "sku", "product_type", "status")}
        if item
        else {}
    )
    form = ItemForm(request.POST or None, initial=initial)
    operation = "UPDATE" if item else "CREATE"
    if request.method == "POST" and form.is_valid() and _allowed(request, membership, "items", operation):
        data = dict(form.cleaned_data)
        status = data.pop("status")
        data["rate"] = str(data["rate"])
        try:
            item = (
                records.item_create(membership.organization, data=data)
                if item is None
                else records.item_update(item, data=data)
            )
            if item.status != status:
                records.item_set_status(item, status=status)
        except ApiError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Item saved.")
            return HttpResponseRedirect(reverse("sandbox:ui-item", args=[org_id, item.zoho_id]))
    return render(request, "sandbox/ui/item_edit.html", _base(membership, form=form, item=item))


# --- Invoices and estimates ----------------------------------------------------------------------------------------


class PaymentForm(forms.Form):
    amount = forms.DecimalField(max_digits=20, decimal_places=2, min_value=0.01)
    payment_mode = forms.ChoiceField(
        label="Mode", choices=[(m, m) for m in ("cash", "check", "banktransfer", "creditcard", "others")]
    )
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    reference_number = forms.CharField(label="Reference", max_length=100, required=False)


@_signed_in
def invoice_list(request: HttpRequest, org_id: str) -> HttpResponse:
    membership = _membership(request, org_id)
    today = clock.org_today(membership.organization.time_zone)
    queryset = (
        Invoice.objects.filter(organization=membership.organization)
        .select_related("customer", "currency")
        .order_by("-date", "-id")
    )
    status = request.GET.get("status", "all")
    condition = documents.invoice_status_filter(status, today)
    if condition is not None:
        queryset = queryset.filter(condition)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(invoice, documents.invoice_status(invoice, today)) for invoice in page]
    return render(request, "sandbox/ui/invoices.html", _base(membership, page=page, rows=rows, status=status))


@_signed_in
@require_http_methods(["GET", "POST"])
def invoice_detail(request: HttpRequest, org_id: str, record_id: str) -> HttpResponse:
    membership = _membership(request, org_id)
    invoice = _record(Invoice, membership, record_id)
    organization = membership.organization
    today = clock.org_today(organization.time_zone)
    form = PaymentForm(initial={"amount": invoice.balance, "date": today, "payment_mode": "banktransfer"})
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "sent" and _allowed(request, membership, "invoices", "CREATE"):
                documents.invoice_mark_sent(invoice)
                messages.success(request, "Invoice marked as sent.")
            elif action == "void" and _allowed(request, membership, "invoices", "CREATE"):
                documents.invoice_void(invoice)
                messages.success(request, "Invoice voided.")
            elif action == "draft" and _allowed(request, membership, "invoices", "CREATE"):
                documents.invoice_mark_draft(invoice)
                messages.success(request, "Invoice changed to draft.")
            elif action == "payment":
                form = PaymentForm(request.POST)
                if form.is_valid() and _allowed(request, membership, "customerpayments", "CREATE"):
                    data = form.cleaned_data
                    documents.payment_create(
                        organization,
                        data={
                            "customer_id": invoice.customer.zoho_id,
                            "payment_mode": data["payment_mode"],
                            "amount": str(data["amount"]),
                            "date": data["date"].isoformat(),
                            "reference_number": data["reference_number"],
                            "invoices": [{"invoice_id": invoice.zoho_id, "amount_applied": str(data["amount"])}],
                        },
                    )
                    messages.success(request, "Payment recorded.")
                else:
                    return render(request, "sandbox/ui/invoice.html", _invoice_context(membership, invoice, form))
        except ApiError as error:
            messages.error(request, error.message)
        return HttpResponseRedirect(reverse("sandbox:ui-invoice", args=[org_id, invoice.zoho_id]))
    return render(request, "sandbox/ui/invoice.html", _invoice_context(membership, invoice, form))


def _invoice_context(membership: Membership, invoice: Invoice, form: PaymentForm) -> dict:
    ctx = serializers.Context(membership.organization)
    invoice = Invoice.objects.select_related("customer", "currency", "salesperson").get(pk=invoice.pk)
    return _base(membership, invoice=invoice, detail=serializers.invoice(invoice, ctx, detail=True), form=form)


@_signed_in
def estimate_list(request: HttpRequest, org_id: str) -> HttpResponse:
    membership = _membership(request, org_id)
    today = clock.org_today(membership.organization.time_zone)
    queryset = (
        Estimate.objects.filter(organization=membership.organization)
        .select_related("customer", "currency")
        .order_by("-date", "-id")
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(estimate, documents.estimate_status(estimate, today)) for estimate in page]
    return render(request, "sandbox/ui/estimates.html", _base(membership, page=page, rows=rows))


@_signed_in
def estimate_detail(request: HttpRequest, org_id: str, record_id: str) -> HttpResponse:
    membership = _membership(request, org_id)
    estimate = _record(Estimate, membership, record_id)
    ctx = serializers.Context(membership.organization)
    estimate = Estimate.objects.select_related("customer", "currency", "salesperson").get(pk=estimate.pk)
    return render(
        request,
        "sandbox/ui/estimate.html",
        _base(membership, estimate=estimate, detail=serializers.estimate(estimate, ctx, detail=True)),
    )
