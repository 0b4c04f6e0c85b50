"""API of work orders with their lines, service appointments and assets (API-2, API-4, REC-4, REC-5).

Writes go through the services, like the pages. Refusals because of state (an invoiced line, a cancelled work order)
and the finance guard (FIN-7) are 409 with their code; validation problems are 400 with per-field messages. None of
these records sync to Books (SYN-2), so they carry no ``books`` block.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from fsmbilling.api.base import OrgPrimaryKeyRelatedField, OrgScopedViewSet
from fsmbilling.api.errors import ApiError
from fsmbilling.api.serializers import ADDRESS_HELP, ServiceSerializer
from fsmbilling.api.views import LIST_PARAMETERS, SelectorListMixin, ServiceDestroyMixin
from fsmbilling.models import (
    Asset,
    Company,
    Contact,
    ServiceAppointment,
    ServicePart,
    Tax,
    WorkOrder,
    WorkOrderLine,
)
from fsmbilling.selectors.work_orders import appointment_list, asset_list, work_order_list
from fsmbilling.services import appointments as appointment_services
from fsmbilling.services import assets as asset_services
from fsmbilling.services import work_orders as work_order_services
from fsmbilling.services.guards import Conflict
from fsmbilling.services.work_orders import decimal_places
from invoicing.taxes.money import quantize

NOT_FOUND = {"does_not_exist": "Not found.", "incorrect_type": "Send the record's numeric id."}


def related(model, **kwargs) -> OrgPrimaryKeyRelatedField:
    """A relation inside the organization; another organization's id reads "Not found.", like a missing one."""
    return OrgPrimaryKeyRelatedField(queryset=model.objects.all(), error_messages=NOT_FOUND, **kwargs)


class MemberField(serializers.PrimaryKeyRelatedField):
    """A user who is an active member of the request's organization (technicians)."""

    default_error_messages = NOT_FOUND

    def get_queryset(self):
        organization = self.context.get("organization")
        users = get_user_model().objects.all()
        if organization is None:
            return users.none()
        return users.filter(memberships__organization=organization, memberships__is_active=True)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, str)) or not str(data).isdigit():
            self.fail("incorrect_type", data_type=type(data).__name__)
        if int(data) > 2**63 - 1:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


@extend_schema_field(OpenApiTypes.DECIMAL)
class MoneyField(serializers.Field):
    """A stored amount at its work order's currency decimal places, e.g. "108.25" (read-only)."""

    def __init__(self, attribute: str, **kwargs):
        self.attribute_name = attribute
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, obj):
        work_order = obj if isinstance(obj, WorkOrder) else obj.work_order
        return str(quantize(getattr(obj, self.attribute_name), decimal_places(work_order)))


def _conflicts_to_409(service, **kwargs):
    """Call a service; a refusal because of state answers 409 ``{code, message}``, validation errors 400."""
    try:
        return service(**kwargs)
    except Conflict as exc:
        raise ApiError(exc.error_code, exc.message_text, status_code=409) from exc
    except DjangoValidationError as exc:
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        raise serializers.ValidationError(detail) from exc


class RecordSerializer(ServiceSerializer):
    def _call(self, service, **kwargs):
        return _conflicts_to_409(service, actor=self.context["request"].user, **kwargs)


class LineSerializer(serializers.ModelSerializer):
    item = related(ServicePart)
    tax = related(Tax, required=False, allow_null=True, help_text="Leave out to prefill from customer and item.")
    rate = serializers.DecimalField(
        max_digits=14, decimal_places=4, required=False, allow_null=True, help_text="Leave out for the item's rate."
    )
    amount = MoneyField("amount")
    tax_amount = MoneyField("tax_amount")

    class Meta:
        model = WorkOrderLine
        fields = [
            "id",
            "item",
            "description",
            "quantity",
            "rate",
            "discount_percent",
            "tax",
            "work_status",
            "billing_status",
            "position",
            "amount",
            "tax_amount",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "billing_status", "position", "amount", "tax_amount", "created_at", "updated_at"]
        extra_kwargs = {"description": {"required": False}, "quantity": {"required": False}}


class LineUpdateSerializer(LineSerializer):
    item = related(ServicePart, required=False)


class WorkOrderSerializer(RecordSerializer):
    company = related(Company, required=False, allow_null=True)
    contact = related(Contact, required=False, allow_null=True)
    technicians = MemberField(many=True, required=False)
    service_address = serializers.JSONField(required=False, help_text=ADDRESS_HELP + " Blank: the customer's.")
    billing_address = serializers.JSONField(required=False, help_text=ADDRESS_HELP + " Blank: the customer's.")
    custom_fields = serializers.JSONField(required=False, help_text="Object of custom field api_name: value.")
    currency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    lines = LineSerializer(many=True, required=False, help_text="Lines to create with the work order.")
    sub_total = MoneyField("sub_total")
    tax_total = MoneyField("tax_total")
    total = MoneyField("total")
    billed_amount = MoneyField("billed_amount")
    unbilled_amount = MoneyField("unbilled_amount")

    class Meta:
        model = WorkOrder
        fields = [
            "id",
            "number",
            "summary",
            "company",
            "contact",
            "service_address",
            "billing_address",
            "status",
            "priority",
            "technicians",
            "scheduled_start",
            "scheduled_end",
            "currency",
            "is_billable",
            "notes",
            "custom_fields",
            "lines",
            "sub_total",
            "tax_total",
            "total",
            "billed_amount",
            "unbilled_amount",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "number", "created_at", "updated_at"]

    def validate(self, attrs):
        if self.instance is not None and "lines" in self.initial_data:
            raise serializers.ValidationError(
                {"lines": ["Change lines through work-orders/<id>/lines/ (POST) and lines/<line_id>/ (PATCH, DELETE)."]}
            )
        if self.instance is None and attrs.get("status", WorkOrder.State.NEW) != WorkOrder.State.NEW:
            raise serializers.ValidationError({"status": ["A new work order starts as new; change it afterwards."]})
        return attrs


class AppointmentSerializer(RecordSerializer):
    work_order = related(WorkOrder)
    technicians = MemberField(many=True, required=False)

    class Meta:
        model = ServiceAppointment
        fields = [
            "id",
            "work_order",
            "technicians",
            "scheduled_start",
            "scheduled_end",
            "status",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]


class AssetSerializer(RecordSerializer):
    company = related(Company, required=False, allow_null=True)
    contact = related(Contact, required=False, allow_null=True)

    class Meta:
        model = Asset
        fields = ["id", "name", "serial_number", "company", "contact", "notes", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


WorkOrderSerializer.create_service = staticmethod(work_order_services.work_order_create)
WorkOrderSerializer.update_service = staticmethod(work_order_services.work_order_update)
AppointmentSerializer.create_service = staticmethod(appointment_services.appointment_create)
AppointmentSerializer.update_service = staticmethod(appointment_services.appointment_update)
AssetSerializer.create_service = staticmethod(asset_services.asset_create)
AssetSerializer.update_service = staticmethod(asset_services.asset_update)


class RecordDestroyMixin(ServiceDestroyMixin):
    def perform_destroy(self, instance):
        try:
            super().perform_destroy(instance)
        except Conflict as exc:
            raise ApiError(exc.error_code, exc.message_text, status_code=409) from exc


def _choices(model_choices) -> set[str]:
    return set(model_choices.values)


WORK_ORDER_PARAMETERS = [
    *LIST_PARAMETERS,
    OpenApiParameter("priority", OpenApiTypes.STR, enum=WorkOrder.Priority.values),
    OpenApiParameter("billing", OpenApiTypes.STR, enum=["unbilled"], description="unbilled: with unbilled amount"),
    OpenApiParameter("company", OpenApiTypes.INT),
    OpenApiParameter("contact", OpenApiTypes.INT),
]


def _work_order_queryset(queryset):
    return queryset.select_related("organization", "company", "contact", "currency").prefetch_related(
        "technicians", "lines"
    )


@extend_schema_view(list=extend_schema(parameters=WORK_ORDER_PARAMETERS))
class WorkOrderViewSet(SelectorListMixin, RecordDestroyMixin, OrgScopedViewSet):
    module = "work_orders"
    base_queryset = _work_order_queryset(WorkOrder.objects.all())
    serializer_class = WorkOrderSerializer
    selector = staticmethod(work_order_list)
    delete_service = staticmethod(work_order_services.work_order_delete)
    allowed_filters = {
        "status": _choices(WorkOrder.State),
        "priority": _choices(WorkOrder.Priority),
        "billing": {"unbilled"},
        "company": None,
        "contact": None,
    }
    orderings = {
        "number",
        "summary",
        "status",
        "priority",
        "scheduled_start",
        "total",
        "unbilled_amount",
        "created_at",
        "updated_at",
    }
    # Line changes are edits of the work order, even the removal of a line.
    action_permissions = {"lines": "edit", "line": "edit"}

    def get_queryset(self):
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False) or self.action != "list":
            return queryset
        return _work_order_queryset(queryset)

    def line_response(self, work_order, line=None, status_code=status.HTTP_200_OK):
        context = {**self.get_serializer_context(), "work_order": work_order}
        if line is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(LineSerializer(line, context=context).data, status=status_code)

    @extend_schema(request=LineSerializer, responses={201: LineSerializer})
    @action(detail=True, methods=["post"], url_path="lines")
    def lines(self, request, *args, **kwargs):
        """Add a line; rate, description and tax are filled from the item and customer when left out."""
        work_order = self.get_object()
        context = {**self.get_serializer_context(), "work_order": work_order}
        serializer = LineSerializer(data=request.data, context=context)
        serializer.is_valid(raise_exception=True)
        line = _conflicts_to_409(
            work_order_services.work_order_line_add,
            work_order=work_order,
            actor=request.user,
            data=serializer.validated_data,
        )
        work_order.refresh_from_db()
        return self.line_response(work_order, line, status.HTTP_201_CREATED)

    @extend_schema(request=LineUpdateSerializer, responses={200: LineSerializer, 204: None})
    @action(detail=True, methods=["patch", "delete"], url_path=r"lines/(?P<line_id>[0-9]+)")
    def line(self, request, line_id=None, *args, **kwargs):
        """Change (PATCH) or remove (DELETE) a line; invoiced lines are refused with 409 ``line_invoiced``."""
        work_order = self.get_object()
        try:
            line = work_order.lines.get(pk=int(line_id))
        except (ValueError, OverflowError, WorkOrderLine.DoesNotExist) as exc:
            raise ApiError("not_found", "Not found.", status_code=404) from exc
        if request.method == "DELETE":
            _conflicts_to_409(work_order_services.work_order_line_remove, line=line, actor=request.user)
            return self.line_response(work_order)
        context = {**self.get_serializer_context(), "work_order": work_order}
        serializer = LineUpdateSerializer(line, data=request.data, partial=True, context=context)
        serializer.is_valid(raise_exception=True)
        line = _conflicts_to_409(
            work_order_services.work_order_line_update, line=line, actor=request.user, data=serializer.validated_data
        )
        work_order.refresh_from_db()
        return self.line_response(work_order, line)


@extend_schema_view(list=extend_schema(parameters=[*LIST_PARAMETERS, OpenApiParameter("work_order", OpenApiTypes.INT)]))
class AppointmentViewSet(SelectorListMixin, RecordDestroyMixin, OrgScopedViewSet):
    module = "work_orders"
    base_queryset = ServiceAppointment.objects.select_related("work_order").prefetch_related("technicians")
    serializer_class = AppointmentSerializer
    selector = staticmethod(appointment_list)
    delete_service = staticmethod(appointment_services.appointment_delete)
    allowed_filters = {"status": _choices(ServiceAppointment.State), "work_order": None}
    orderings = {"scheduled_start", "scheduled_end", "status", "created_at", "updated_at"}


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("search", OpenApiTypes.STR, description="Text to look for"),
            OpenApiParameter("company", OpenApiTypes.INT),
            OpenApiParameter("contact", OpenApiTypes.INT),
            *LIST_PARAMETERS[2:],
        ]
    )
)
class AssetViewSet(SelectorListMixin, RecordDestroyMixin, OrgScopedViewSet):
    module = "work_orders"
    base_queryset = Asset.objects.select_related("company", "contact")
    serializer_class = AssetSerializer
    selector = staticmethod(asset_list)
    delete_service = staticmethod(asset_services.asset_delete)
    allowed_filters = {"company": None, "contact": None}
    orderings = {"name", "serial_number", "created_at", "updated_at"}


def register(router) -> None:
    router.register("work-orders", WorkOrderViewSet, basename="work-order")
    router.register("service-appointments", AppointmentViewSet, basename="service-appointment")
    router.register("assets", AssetViewSet, basename="asset")
