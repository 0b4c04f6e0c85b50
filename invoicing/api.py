"""API of invoices, payments and estimates (API-2, API-3), and the command ``POST work-orders/<id>/invoice``.

Writes call the services, like the pages. Refusals because of state (non-billable, unmapped Books fields, finance
organization gone, overpayment …) answer 409 ``{code, message, fields}``; bad input answers 400 with per-field
messages. Another organization's ids answer 404 like missing ones.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import re_path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from fsmbilling.api.base import ModulePermission, OrgMixin, OrgPrimaryKeyRelatedField, OrgScopedViewSet
from fsmbilling.api.errors import ApiError
from fsmbilling.api.views import LIST_PARAMETERS, SelectorListMixin
from fsmbilling.models import Company, Contact, PaymentTerm, ServicePart, Tax, WorkOrder
from fsmbilling.services.guards import Conflict
from fsmbilling.tenancy import NOT_FOUND
from invoicing import selectors, services
from invoicing.models import Estimate, EstimateLine, Invoice, InvoiceLine, InvoiceTaxLine, Payment
from invoicing.taxes.money import quantize

NOT_FOUND_MESSAGES = {"does_not_exist": NOT_FOUND, "incorrect_type": "Send the record's numeric id."}


def related(model, **kwargs):
    return OrgPrimaryKeyRelatedField(queryset=model.objects.all(), error_messages=NOT_FOUND_MESSAGES, **kwargs)


def call(service, **kwargs):
    """A service call: state refusals → 409 with code (and the missing items in ``fields``), validation → 400."""
    try:
        return service(**kwargs)
    except Conflict as exc:
        details = getattr(exc, "details", None)
        fields = {"details": details} if details else None
        raise ApiError(exc.error_code, exc.message_text, status_code=409, fields=fields) from exc
    except DjangoValidationError as exc:
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        raise serializers.ValidationError(detail) from exc


@extend_schema_field(OpenApiTypes.DECIMAL)
class Money(serializers.Field):
    """An amount at the document currency's decimal places, e.g. "108.25"."""

    def __init__(self, attribute: str, **kwargs):
        self.attribute_name = attribute
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, obj):
        document = getattr(obj, "invoice", None) or getattr(obj, "estimate", None) or obj
        currency = getattr(document, "currency", None)
        return str(quantize(getattr(obj, self.attribute_name), currency.decimal_places if currency else 2))


@extend_schema_field(OpenApiTypes.OBJECT)
class BooksBlock(serializers.Field):
    """Books id, last sync id and time, state, error, web URL (API-2)."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, obj):
        from sync.selectors import web_url

        pushed_at = getattr(obj, "pushed_at", None) or getattr(obj, "updated_at", None)
        return {
            "id": obj.books_id or None,
            "number": getattr(obj, "books_number", "") or None,
            "last_sync_id": None,
            "last_sync_time": pushed_at.isoformat() if obj.books_id and pushed_at else None,
            "state": "linked" if obj.books_id else ("failed" if obj.push_error else "pending_push"),
            "error": obj.push_error,
            "web_url": web_url(obj.organization, obj.books_link_kind, obj.books_id) if obj.books_id else "",
        }


class InvoiceLineSerializer(serializers.ModelSerializer):
    amount = Money("amount")
    tax_amount = Money("tax_amount")

    class Meta:
        model = InvoiceLine
        fields = ["id", "work_order_line", "item", "description", "quantity", "rate", "discount_percent", "tax",
                  "position", "amount", "tax_amount"]  # fmt: skip
        read_only_fields = fields


class TaxLineSerializer(serializers.ModelSerializer):
    amount = Money("amount")

    class Meta:
        model = InvoiceTaxLine
        fields = ["name", "tax", "amount"]
        read_only_fields = fields


class InvoiceSerializer(serializers.ModelSerializer):
    lines = InvoiceLineSerializer(many=True, read_only=True)
    taxes = TaxLineSerializer(source="tax_lines", many=True, read_only=True)
    currency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    sub_total = Money("sub_total")
    tax_total = Money("tax_total")
    total = Money("total")
    balance = Money("balance")
    amount_paid = Money("amount_paid")
    books = BooksBlock()
    payment_link = serializers.SerializerMethodField()

    class Meta:
        model = Invoice
        fields = ["id", "number", "state", "work_order", "company", "contact", "date", "due_date", "payment_term",
                  "payment_terms_days", "payment_terms_label", "salesperson_name", "currency", "billing_address",
                  "share_with_person_id", "share_with_name", "share_with_email", "payment_gateways", "notes",
                  "custom_fields", "lines", "taxes", "sub_total", "tax_total", "total", "amount_paid", "balance",
                  "books", "payment_link", "sent_at", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = fields

    def get_payment_link(self, obj) -> str | None:
        from invoicing.payment_links import payment_url

        return payment_url(obj) if obj.books_id and obj.state not in (Invoice.State.DRAFT, Invoice.State.VOID) else None


class InvoiceUpdateSerializer(serializers.Serializer):
    date = serializers.DateField(required=False)
    due_date = serializers.DateField(required=False)
    payment_term = related(PaymentTerm, required=False, allow_null=True)
    salesperson_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    notes = serializers.CharField(required=False, allow_blank=True)


class InvoiceCommandSerializer(serializers.Serializer):
    lines = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, help_text="Work-order line ids; all when left out."
    )
    date = serializers.DateField(required=False)
    due_date = serializers.DateField(required=False)
    payment_term = related(PaymentTerm, required=False, allow_null=True)
    salesperson_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    share_with_person_id = serializers.CharField(required=False, allow_blank=True, max_length=40)
    notes = serializers.CharField(required=False, allow_blank=True)


class SendSerializer(serializers.Serializer):
    to = serializers.ListField(child=serializers.EmailField(), required=False, help_text="Default: the contact person.")


class AllocationSerializer(serializers.Serializer):
    invoice = related(Invoice)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)


class PaymentCreateSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    date = serializers.DateField(required=False)
    mode = serializers.ChoiceField(choices=Payment.Mode.choices, default=Payment.Mode.CASH)
    reference = serializers.CharField(required=False, allow_blank=True, max_length=80)
    company = related(Company, required=False, allow_null=True)
    contact = related(Contact, required=False, allow_null=True)
    allocations = AllocationSerializer(many=True, required=False)
    surplus_as_credit = serializers.BooleanField(default=False)
    idempotency_key = serializers.CharField(required=False, max_length=100)


class PaymentSerializer(serializers.ModelSerializer):
    allocations = serializers.SerializerMethodField()
    books = BooksBlock()

    class Meta:
        model = Payment
        fields = ["id", "company", "contact", "amount", "unused_amount", "date", "mode", "reference", "source",
                  "state", "allocations", "books", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = fields

    def get_allocations(self, obj) -> list[dict]:
        return [{"invoice": a.invoice_id, "amount": str(a.amount)} for a in obj.allocations.all()]


def record_payment(request, organization, data, *, invoice=None) -> Payment:
    allocations = [(row["invoice"], row["amount"]) for row in data.get("allocations") or []]
    if invoice is not None and not allocations:
        allocations = [(invoice, data["amount"])]
    key = data.get("idempotency_key") or request.headers.get("Idempotency-Key")
    party = data.get("company") or data.get("contact")
    return call(
        services.payment_record,
        organization=organization,
        actor=request.user,
        party=party,
        amount=data["amount"],
        date=data.get("date"),
        mode=data["mode"],
        reference=data.get("reference", ""),
        allocations=allocations or None,
        surplus_as_credit=data["surplus_as_credit"],
        idempotency_key=f"api:{request.user.pk}:{key}" if key else None,
    )


@extend_schema_view(list=extend_schema(parameters=LIST_PARAMETERS))
class InvoiceViewSet(SelectorListMixin, OrgScopedViewSet):
    module = "invoices"
    base_queryset = Invoice.objects.select_related("currency", "organization").prefetch_related("lines", "tax_lines")
    serializer_class = InvoiceSerializer
    selector = staticmethod(selectors.invoice_list)
    allowed_filters = {"status": set(Invoice.State.values), "company": None, "contact": None, "work_order": None}
    orderings = {"number", "date", "due_date", "total", "balance", "created_at", "updated_at"}
    http_method_names = ["get", "patch", "post", "head", "options"]
    action_permissions = {"send": "email", "void": "edit", "payments": ("payments", "edit"), "refresh": "view"}

    def create(self, request, *args, **kwargs):
        raise ApiError(
            "use_work_order", "Invoices are created from work orders: POST work-orders/<id>/invoice.", status_code=405
        )

    def destroy(self, request, *args, **kwargs):  # pragma: no cover - not routed
        raise ApiError(
            "method_not_allowed", "Invoices are voided, not deleted: POST invoices/<id>/void.", status_code=405
        )

    @extend_schema(request=InvoiceUpdateSerializer, responses={200: InvoiceSerializer})
    def partial_update(self, request, *args, **kwargs):
        invoice = self.get_object()
        serializer = InvoiceUpdateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        invoice = call(services.invoice_update, invoice=invoice, actor=request.user, data=serializer.validated_data)
        return Response(InvoiceSerializer(invoice, context=self.get_serializer_context()).data)

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(request=SendSerializer, responses={200: InvoiceSerializer})
    @action(detail=True, methods=["post"])
    def send(self, request, *args, **kwargs):
        """Email the invoice through Books with its payment link; it becomes sent."""
        invoice = self.get_object()
        serializer = SendSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invoice = call(
            services.invoice_send, invoice=invoice, actor=request.user, to=serializer.validated_data.get("to")
        )
        return Response(InvoiceSerializer(invoice, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses={200: InvoiceSerializer})
    @action(detail=True, methods=["post"])
    def void(self, request, *args, **kwargs):
        invoice = self.get_object()
        invoice = call(services.invoice_void, invoice=invoice, actor=request.user)
        return Response(InvoiceSerializer(invoice, context=self.get_serializer_context()).data)

    @extend_schema(request=PaymentCreateSerializer, responses={201: PaymentSerializer})
    @action(detail=True, methods=["post"])
    def payments(self, request, *args, **kwargs):
        """Record a payment on this invoice (or allocated over several of the customer's open invoices)."""
        invoice = self.get_object()
        serializer = PaymentCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        payment = record_payment(request, self.organization, serializer.validated_data, invoice=invoice)
        return Response(PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: InvoiceSerializer})
    @action(detail=True, methods=["post"])
    def refresh(self, request, *args, **kwargs):
        """Read status, balance and payments from Books now (INV-5)."""
        invoice = self.get_object()
        try:
            invoice = services.invoice_refresh(invoice=invoice)
        except Exception as exc:
            from invoicing.books import describe

            raise ApiError("books_unavailable", describe(exc), status_code=409) from exc
        return Response(InvoiceSerializer(invoice, context=self.get_serializer_context()).data)


@extend_schema_view(list=extend_schema(parameters=LIST_PARAMETERS))
class PaymentViewSet(SelectorListMixin, OrgScopedViewSet):
    module = "payments"
    base_queryset = Payment.objects.prefetch_related("allocations")
    serializer_class = PaymentSerializer
    selector = staticmethod(selectors.payment_list)
    allowed_filters = {"status": set(Payment.State.values), "invoice": None}
    orderings = {"date", "amount", "created_at", "updated_at"}
    http_method_names = ["get", "post", "head", "options"]

    @extend_schema(request=PaymentCreateSerializer, responses={201: PaymentSerializer})
    def create(self, request, *args, **kwargs):
        serializer = PaymentCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        payment = record_payment(request, self.organization, serializer.validated_data)
        return Response(PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)


class EstimateLineSerializer(serializers.ModelSerializer):
    item = related(ServicePart)
    tax = related(Tax, required=False, allow_null=True, help_text="Leave out to prefill from customer and item.")
    rate = serializers.DecimalField(max_digits=14, decimal_places=4, required=False, allow_null=True)
    quantity = serializers.DecimalField(max_digits=14, decimal_places=4, required=False)
    amount = Money("amount")
    tax_amount = Money("tax_amount")

    class Meta:
        model = EstimateLine
        fields = ["id", "item", "description", "quantity", "rate", "discount_percent", "tax", "amount", "tax_amount"]
        read_only_fields = ["id", "amount", "tax_amount"]
        extra_kwargs = {"description": {"required": False}}


class EstimateSerializer(serializers.ModelSerializer):
    company = related(Company, required=False, allow_null=True)
    contact = related(Contact, required=False, allow_null=True)
    lines = EstimateLineSerializer(many=True)
    currency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    sub_total = Money("sub_total")
    tax_total = Money("tax_total")
    total = Money("total")
    books = BooksBlock()

    class Meta:
        model = Estimate
        fields = ["id", "number", "company", "contact", "summary", "date", "expiry_date", "salesperson_name",
                  "currency", "notes", "status", "work_order", "lines", "sub_total", "tax_total", "total", "books",
                  "created_at", "updated_at"]  # fmt: skip
        read_only_fields = ["id", "number", "status", "work_order", "created_at", "updated_at"]
        extra_kwargs = {"date": {"required": False}, "expiry_date": {"required": False}}

    def create(self, validated_data):
        return call(
            services.estimate_create,
            organization=self.context["organization"],
            actor=self.context["request"].user,
            data=validated_data,
        )


class EstimateStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["sent", "accepted", "declined"])


@extend_schema_view(list=extend_schema(parameters=LIST_PARAMETERS))
class EstimateViewSet(SelectorListMixin, OrgScopedViewSet):
    module = "estimates"
    base_queryset = Estimate.objects.select_related("currency", "organization").prefetch_related("lines")
    serializer_class = EstimateSerializer
    selector = staticmethod(selectors.estimate_list)
    allowed_filters = {"status": set(Estimate.Status.values)}
    orderings = {"number", "date", "total", "created_at", "updated_at"}
    http_method_names = ["get", "post", "head", "options"]
    action_permissions = {"set_status": "edit", "convert": ("work_orders", "edit")}

    @extend_schema(request=EstimateStatusSerializer, responses={200: EstimateSerializer})
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, *args, **kwargs):
        estimate = self.get_object()
        serializer = EstimateStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        estimate = call(
            services.estimate_set_status,
            estimate=estimate,
            actor=request.user,
            status=serializer.validated_data["status"],
        )
        return Response(EstimateSerializer(estimate, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses={201: None})
    @action(detail=True, methods=["post"])
    def convert(self, request, *args, **kwargs):
        """An accepted estimate becomes a work order; answers the work order's id."""
        estimate = self.get_object()
        work_order = call(services.estimate_convert, estimate=estimate, actor=request.user)
        return Response({"work_order": work_order.pk, "number": work_order.number}, status=status.HTTP_201_CREATED)


class WorkOrderInvoiceView(OrgMixin, APIView):
    """``POST work-orders/<id>/invoice``: invoice lines of a work order (all billable ones when none are named)."""

    module = "invoices"
    action_permissions = {None: "edit"}
    permission_classes = [ModulePermission]

    def get_permissions(self):
        from rest_framework.permissions import IsAuthenticated

        return [IsAuthenticated(), ModulePermission()]

    @extend_schema(request=InvoiceCommandSerializer, responses={201: InvoiceSerializer})
    def post(self, request, org_slug, pk):
        work_order = WorkOrder.objects.filter(organization=self.organization, pk=pk).first()
        if work_order is None:
            raise ApiError("not_found", NOT_FOUND, status_code=404)
        serializer = InvoiceCommandSerializer(data=request.data, context={"organization": self.organization})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        line_ids = data.pop("lines", None)
        invoice = call(
            services.invoice_from_work_order,
            organization=self.organization,
            actor=request.user,
            work_order=work_order,
            line_ids=line_ids,
            options=data,
        )
        context = {"request": request, "organization": self.organization}
        return Response(InvoiceSerializer(invoice, context=context).data, status=status.HTTP_201_CREATED)


def register(router) -> None:
    router.register("invoices", InvoiceViewSet, basename="invoice")
    router.register("payments", PaymentViewSet, basename="payment")
    router.register("estimates", EstimateViewSet, basename="estimate")


urlpatterns = [
    re_path(r"^work-orders/(?P<pk>[0-9]+)/invoice/?$", WorkOrderInvoiceView.as_view(), name="work-order-invoice"),
]

__all__ = ["register", "urlpatterns"]
