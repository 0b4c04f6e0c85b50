"""Invoice pages (UI-2, INV-1..6): list, detail with its actions, "Invoice" from a work order, Invoice Mapping,
the receivables panel (FIN-9) and the search in Books (FIN-6). Views parse input and call services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from fsmbilling.models import Company, Contact, PaymentTerm, WorkOrder
from fsmbilling.tenancy import OrgPageMixin, get_for_org
from fsmbilling.views.base import Column, Filter, OrgListView
from invoicing import books as booksmod
from invoicing import selectors, services
from invoicing.models import Invoice, InvoiceMapping, Payment

app_name = "invoices"


def _money(value, invoice) -> str:
    places = invoice.currency.decimal_places if invoice.currency_id else 2
    return f"{value:.{places}f}"


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError as exc:
        raise ValidationError({"date": [_("Enter a date as YYYY-MM-DD.")]}) from exc


def _decimal(value: str | None, name: str) -> Decimal:
    try:
        result = Decimal((value or "").strip())
    except InvalidOperation as exc:
        raise ValidationError({name: [_("Enter a number, e.g. 120.50.")]}) from exc
    if not result.is_finite():
        raise ValidationError({name: [_("Enter a number, e.g. 120.50.")]})
    return result


def _error_text(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return " ".join(message for messages_ in exc.message_dict.values() for message in messages_)
    return " ".join(exc.messages)


class InvoiceListView(OrgListView):
    module = "invoices"
    title = gettext_lazy("Invoices")
    selector = staticmethod(selectors.invoice_list)
    url_namespace = "invoices"
    default_ordering = "-id"
    columns = [
        Column("number", gettext_lazy("Number"), sort="number", link=True),
        Column("customer_name", gettext_lazy("Customer")),
        Column(
            "work_order", gettext_lazy("Work order"), accessor=lambda i: i.work_order.number if i.work_order_id else ""
        ),
        Column("date", gettext_lazy("Date"), sort="date"),
        Column("due_date", gettext_lazy("Due"), sort="due_date"),
        Column("state", gettext_lazy("Status")),
        Column("total", gettext_lazy("Total"), sort="total", numeric=True, accessor=lambda i: _money(i.total, i)),
        Column(
            "balance", gettext_lazy("Balance"), sort="balance", numeric=True, accessor=lambda i: _money(i.balance, i)
        ),
    ]

    @property
    def filters(self):
        companies = (
            Company.objects.filter(organization=self.organization, invoices__isnull=False)
            .distinct()
            .order_by("name")
            .values_list("pk", "name")[:200]
        )
        return [
            Filter("state", _("Status"), list(Invoice.State.choices)),
            Filter("company", _("Customer"), [(str(pk), name) for pk, name in companies]),
        ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("work_order", "organization")


class InvoiceCreateHint(OrgPageMixin, View):
    """Invoices are made from work orders: "New" leads there with a word of explanation."""

    module = "invoices"
    action = "edit"

    def get(self, request, **kwargs):
        messages.info(request, _('Open a work order and choose "Invoice" to invoice its lines.'))
        return HttpResponseRedirect(reverse("work_orders:list", kwargs={"org_slug": self.organization.slug}))


class InvoiceMixin(OrgPageMixin):
    module = "invoices"

    def get_invoice(self, pk) -> Invoice:
        return get_for_org(
            Invoice.objects.select_related("currency", "company", "contact", "work_order", "payment_term"),
            self.organization,
            pk,
        )

    def back(self, invoice) -> HttpResponseRedirect:
        return HttpResponseRedirect(invoice.get_absolute_url())


class InvoiceDetailView(InvoiceMixin, View):
    def get(self, request, pk, **kwargs):
        invoice = self.get_invoice(pk)
        if request.GET.get("fragment") == "status":
            try:
                invoice = services.invoice_refresh(invoice=invoice, min_age=dt.timedelta(seconds=60))
                note = ""
            except Exception as exc:  # noqa: BLE001 - the page shows FSM's last known state and why
                note = booksmod.describe(exc)
            return render(request, "invoicing/invoice_detail.html#status", self.context(invoice, refresh_note=note))
        return render(request, "invoicing/invoice_detail.html", self.context(invoice))

    def context(self, invoice, **extra) -> dict:
        from invoicing.payment_links import payment_url
        from sync.selectors import web_url

        role = self.membership.role
        return {
            "invoice": invoice,
            "lines": invoice.lines.select_related("item", "tax", "work_order_line"),
            "tax_lines": invoice.tax_lines.all(),
            "allocations": invoice.allocations.select_related("payment").order_by("payment__date", "pk"),
            "books_url": web_url(invoice.organization, "invoice", invoice.books_id) if invoice.books_id else "",
            "payment_link": payment_url(invoice) if invoice.books_id and invoice.state != Invoice.State.VOID else "",
            "can_edit": role.allows("invoices", "edit"),
            "can_email": role.allows("invoices", "email"),
            "can_pay": role.allows("payments", "edit"),
            "payment_modes": Payment.Mode.choices,
            "payment_terms": PaymentTerm.objects.filter(organization=self.organization),
            "today": booksmod.today(self.organization).isoformat(),
            **extra,
        }


class InvoiceActionView(InvoiceMixin, View):
    """POST actions of the invoice page: send, void, payment, push again, edit (draft)."""

    action = "edit"
    permissions = {"send": ("invoices", "email"), "payment": ("payments", "edit")}

    def get_required_permission(self, request):
        return self.permissions.get(self.kwargs.get("verb"), ("invoices", "edit"))

    def post(self, request, pk, verb, **kwargs):
        invoice = self.get_invoice(pk)
        try:
            if verb == "send":
                to = [a.strip() for a in request.POST.get("to", "").split(",") if a.strip()]
                services.invoice_send(invoice=invoice, actor=request.user, to=to or None)
                messages.success(request, _("%(number)s was sent with its payment link.") % {"number": invoice.number})
            elif verb == "void":
                services.invoice_void(invoice=invoice, actor=request.user)
                messages.success(request, _("%(number)s is void.") % {"number": invoice.number})
            elif verb == "payment":
                amount = _decimal(request.POST.get("amount"), "amount")
                payment = services.payment_record(
                    organization=self.organization,
                    actor=request.user,
                    amount=amount,
                    date=_date(request.POST.get("date")),
                    mode=request.POST.get("mode") or Payment.Mode.CASH,
                    reference=request.POST.get("reference", ""),
                    allocations=[(invoice, min(amount, invoice.balance))],
                    surplus_as_credit=request.POST.get("surplus_as_credit") == "on",
                    idempotency_key=f"page:{request.POST.get('form_key') or ''}"
                    if request.POST.get("form_key")
                    else None,
                )
                if payment.state == Payment.State.RECORDED:
                    messages.success(request, _("Payment recorded in FSM and Books."))
                else:
                    messages.error(request, payment.push_error or _("The payment waits for Books."))
            elif verb == "push":
                invoice = services.invoice_retry_push(invoice=invoice, actor=request.user)
                if invoice.books_id:
                    messages.success(request, _("%(number)s is in Books now.") % {"number": invoice.number})
                else:
                    messages.error(request, invoice.push_error)
            elif verb == "edit":
                data = {
                    "date": _date(request.POST.get("date")) or invoice.date,
                    "due_date": _date(request.POST.get("due_date")) or invoice.due_date,
                    "salesperson_name": request.POST.get("salesperson_name", invoice.salesperson_name),
                    "notes": request.POST.get("notes", invoice.notes),
                }
                if request.POST.get("payment_term"):
                    data["payment_term"] = get_for_org(PaymentTerm, self.organization, request.POST["payment_term"])
                services.invoice_update(invoice=invoice, actor=request.user, data=data)
                messages.success(request, _("Saved %(number)s.") % {"number": invoice.number})
            else:
                raise Http404
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        return self.back(invoice)


class InvoicePdfView(InvoiceMixin, View):
    def get(self, request, pk, **kwargs):
        invoice = self.get_invoice(pk)
        response = HttpResponse(services.invoice_pdf(invoice=invoice), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{invoice.number}.pdf"'
        return response


class InvoiceFromWorkOrderView(OrgPageMixin, View):
    """The "Invoice" action of a work order: choose lines (billed/unbilled shown), change the prefill, create."""

    module = "invoices"
    action = "edit"

    def get_work_order(self, pk) -> WorkOrder:
        return get_for_org(WorkOrder.objects.select_related("company", "contact", "currency"), self.organization, pk)

    def render_page(self, request, work_order, *, errors=None, status=200):
        prefill = services.invoice_prefill(organization=self.organization, actor=request.user, work_order=work_order)
        context = {
            "work_order": work_order,
            "prefill": prefill,
            "all_lines": work_order.lines.select_related("item", "tax").prefetch_related("invoice_line__invoice"),
            "eligible_ids": {line.pk for line in prefill.lines},
            "payment_terms": PaymentTerm.objects.filter(organization=self.organization),
            "errors": errors or [],
            "posted": request.POST if request.method == "POST" else None,
            "block_reason": self.block_reason(work_order),
        }
        return render(request, "invoicing/invoice_from_work_order.html", context, status=status)

    def block_reason(self, work_order) -> str:
        from fsmbilling.services.guards import finance_block_reason

        reason = finance_block_reason(self.organization)
        if reason:
            return reason
        if not work_order.is_billable:
            return _("%(number)s is marked non-billable, so it cannot be invoiced.") % {"number": work_order.number}
        return ""

    def get(self, request, work_order_pk, **kwargs):
        return self.render_page(request, self.get_work_order(work_order_pk))

    def post(self, request, work_order_pk, **kwargs):
        work_order = self.get_work_order(work_order_pk)
        line_ids = [int(v) for v in request.POST.getlist("lines") if v.isdigit()]
        if not line_ids:
            return self.render_page(request, work_order, errors=[_("Choose at least one line to invoice.")], status=400)
        try:
            options = {
                "date": _date(request.POST.get("date")),
                "due_date": _date(request.POST.get("due_date")),
                "salesperson_name": request.POST.get("salesperson_name", ""),
                "notes": request.POST.get("notes", ""),
            }
            if request.POST.get("share_with"):
                options["share_with_person_id"] = request.POST["share_with"]
            if request.POST.get("payment_term"):
                options["payment_term"] = get_for_org(PaymentTerm, self.organization, request.POST["payment_term"])
            invoice = services.invoice_from_work_order(
                organization=self.organization,
                actor=request.user,
                work_order=work_order,
                line_ids=line_ids,
                options={k: v for k, v in options.items() if v not in (None, "")},
            )
        except ValidationError as exc:
            return self.render_page(request, work_order, errors=[_error_text(exc)], status=400)
        if invoice.books_id:
            messages.success(request, _("%(number)s was created and pushed to Books.") % {"number": invoice.number})
        else:
            messages.warning(
                request,
                _("%(number)s was created but is not in Books yet: %(why)s")
                % {"number": invoice.number, "why": invoice.push_error},
            )
        return HttpResponseRedirect(invoice.get_absolute_url())


class MappingView(OrgPageMixin, View):
    """Billing Setup > Invoice Mapping (INV-3): work-order fields → Books invoice custom fields."""

    module = "billing_setup"

    def get_required_permission(self, request):
        return ("billing_setup", "edit" if request.method == "POST" else "view")

    def books_fields(self):
        with booksmod.books(self.organization) as client:
            try:
                return [f for f in client.list_custom_fields("invoice") if f.is_active]
            except Exception:
                raise

    def render_page(self, request, fields, *, errors=None, note="", status=200):
        current = dict(
            InvoiceMapping.objects.filter(organization=self.organization).values_list(
                "books_customfield_id", "work_order_field"
            )
        )
        rows = [
            {"field": f, "current": (request.POST.get(f"map_{f.customfield_id}") if request.method == "POST" else None)
             or current.get(f.customfield_id, ""), "errors": (errors or {}).get(f.customfield_id, [])}
            for f in fields
        ]  # fmt: skip
        return render(
            request,
            "invoicing/mapping.html",
            {
                "rows": rows,
                "choices": services.work_order_field_choices(self.organization),
                "note": note,
                "can_edit": self.allows("billing_setup", "edit"),
            },
            status=status,
        )

    def get(self, request, **kwargs):
        try:
            fields = self.books_fields()
        except Exception as exc:  # noqa: BLE001
            return self.render_page(request, [], note=booksmod.describe(exc))
        return self.render_page(request, fields)

    def post(self, request, **kwargs):
        try:
            fields = self.books_fields()
        except Exception as exc:  # noqa: BLE001
            return self.render_page(request, [], note=booksmod.describe(exc), status=409)
        values = {f.customfield_id: request.POST.get(f"map_{f.customfield_id}", "") for f in fields}
        try:
            services.invoice_mapping_save(
                organization=self.organization, actor=request.user, books_fields=fields, values=values
            )
        except ValidationError as exc:
            return self.render_page(request, fields, errors=exc.message_dict, status=400)
        messages.success(request, _("Invoice mapping saved."))
        return HttpResponseRedirect(reverse("invoices:mapping", kwargs={"org_slug": self.organization.slug}))


class ReceivablesView(OrgPageMixin, View):
    """The receivables panel's content (FIN-9), loaded by htmx so a slow Books never slows the record page."""

    def get(self, request, kind, pk, **kwargs):
        if not self.membership.role.allows("receivables_summary", "view"):
            raise PermissionDenied(_("Your role does not include the receivables summary. Ask an administrator."))
        model = {"company": Company, "contact": Contact}.get(kind)
        if model is None:
            raise Http404
        record = get_for_org(model, self.organization, pk)
        summary = selectors.receivables_summary(self.organization, record)
        return render(request, "invoicing/receivables_panel.html#summary", {"summary": summary, "record": record})


class BooksSearchView(OrgPageMixin, View):
    """FIN-6: Books customers or items not in FSM yet (htmx fragment), and "fetch" to create them here, linked."""

    def get_required_permission(self, request):
        kind = request.GET.get("kind") or request.POST.get("kind")
        module = "services_and_parts" if kind == "item" else "companies"
        return (module, "edit" if request.method == "POST" else "view")

    def get(self, request, **kwargs):
        kind = "item" if request.GET.get("kind") == "item" else "customer"
        try:
            results = selectors.books_search(organization=self.organization, kind=kind, text=request.GET.get("q", ""))
            note = ""
        except Exception as exc:  # noqa: BLE001
            results, note = [], booksmod.describe(exc)
        return render(request, "invoicing/books_search.html#results", {"results": results, "kind": kind, "note": note})

    def post(self, request, **kwargs):
        kind = "item" if request.POST.get("kind") == "item" else "customer"
        remote_id = request.POST.get("remote_id", "")[:40]
        try:
            if kind == "item":
                record = services.books_fetch_item(
                    organization=self.organization, actor=request.user, remote_id=remote_id
                )
            else:
                record = services.books_fetch_customer(
                    organization=self.organization, actor=request.user, remote_id=remote_id
                )
            note = ""
        except Exception as exc:  # noqa: BLE001
            record, note = None, booksmod.describe(exc)
        return render(request, "invoicing/books_search.html#fetched", {"record": record, "note": note, "kind": kind})


urlpatterns = [
    path("", InvoiceListView.as_view(), name="list"),
    path("new/", InvoiceCreateHint.as_view(), name="create"),
    path("mapping/", MappingView.as_view(), name="mapping"),
    path("books-search/", BooksSearchView.as_view(), name="books_search"),
    path("receivables/<str:kind>/<int:pk>/", ReceivablesView.as_view(), name="receivables"),
    path("from-work-order/<int:work_order_pk>/", InvoiceFromWorkOrderView.as_view(), name="from_work_order"),
    path("<int:pk>/", InvoiceDetailView.as_view(), name="detail"),
    path("<int:pk>/pdf/", InvoicePdfView.as_view(), name="pdf"),
    path("<int:pk>/<str:verb>/", InvoiceActionView.as_view(), name="action"),
]
