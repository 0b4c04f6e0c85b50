"""Reference data API (API-2): currencies, custom fields, taxes, payment terms, salespersons.

Any member may read currencies, taxes, payment terms and salespersons (lines and invoices need them); writes need the
Billing Setup module. Custom field definitions are Billing Setup both ways. Taxes and salespersons are read-only here:
they come from the finance organization (FIN-3, FIN-5).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import permissions, serializers

from fsmbilling.api.base import OrgScopedViewSet
from fsmbilling.api.errors import ApiError
from fsmbilling.api.serializers import ServiceSerializer
from fsmbilling.api.views import LIST_PARAMETERS, SelectorListMixin, ServiceDestroyMixin
from fsmbilling.models import Currency, CustomField, PaymentTerm, Salesperson, Tax
from fsmbilling.selectors.reference import (
    currency_list,
    custom_field_list,
    payment_term_list,
    salesperson_list,
    tax_list,
)
from fsmbilling.services.currencies import currency_create, currency_delete, currency_update
from fsmbilling.services.custom_fields import custom_field_create, custom_field_delete, custom_field_update
from fsmbilling.services.reference import payment_term_create, payment_term_delete, payment_term_update

SETUP = "billing_setup"
READ_ONLY = ["get", "head", "options"]
ACTIVE = {"active", "inactive"}


class MembersMayRead:
    """Reads need membership only; writes need the viewset's module permission."""

    def check_module_permission(self, request):
        if request.method in permissions.SAFE_METHODS:
            return
        super().check_module_permission(request)


class RefusingDestroyMixin(ServiceDestroyMixin):
    """A delete that the service refuses (e.g. the base currency) is a 409 with the reason."""

    def perform_destroy(self, instance):
        try:
            super().perform_destroy(instance)
        except DjangoValidationError as exc:
            raise ApiError("conflict", exc.messages[0], status_code=409) from exc


# --- Currencies ----------------------------------------------------------------------------------------------------


class CurrencySerializer(ServiceSerializer):
    is_base = serializers.BooleanField(
        required=False, help_text="Read-only in effect: the base currency is chosen when the organization is created."
    )

    create_service = staticmethod(currency_create)
    update_service = staticmethod(currency_update)

    class Meta:
        model = Currency
        fields = [
            "id", "code", "name", "symbol", "decimal_places", "exchange_rate", "is_base", "books_id", "created_at",
            "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "books_id", "created_at", "updated_at"]
        extra_kwargs = {
            "code": {"help_text": "ISO 4217 code, three letters; cannot be changed once created."},
            "decimal_places": {"help_text": "0 to 3."},
            "exchange_rate": {"help_text": "Units of the base currency for one unit; greater than 0; 1 for the base."},
        }


@extend_schema_view(list=extend_schema(parameters=LIST_PARAMETERS))
class CurrencyViewSet(MembersMayRead, SelectorListMixin, RefusingDestroyMixin, OrgScopedViewSet):
    module = SETUP
    base_queryset = Currency.objects.all()
    serializer_class = CurrencySerializer
    selector = staticmethod(currency_list)
    delete_service = staticmethod(currency_delete)
    allowed_filters: dict = {}
    orderings = {"code", "name", "updated_at", "created_at"}


# --- Custom fields -------------------------------------------------------------------------------------------------


class CustomFieldSerializer(ServiceSerializer):
    choices = serializers.ListField(
        child=serializers.CharField(allow_blank=True), required=False, help_text="Allowed values of a choice field."
    )

    create_service = staticmethod(custom_field_create)
    update_service = staticmethod(custom_field_update)

    class Meta:
        model = CustomField
        fields = [
            "id", "module", "label", "api_name", "field_type", "choices", "is_required", "is_pii", "is_ephi",
            "position", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {
            "api_name": {
                "required": False,
                "help_text": "Starts with cf_ (lowercase letters, digits, underscores); made from the label when "
                "omitted; cannot be changed once created.",
            },
        }


CUSTOM_FIELD_PARAMETERS = [
    OpenApiParameter("search", OpenApiTypes.STR, description="Text to look for in the label or API name"),
    OpenApiParameter("module", OpenApiTypes.STR, enum=CustomField.Module.values),
    OpenApiParameter("field_type", OpenApiTypes.STR, enum=CustomField.FieldType.values),
    OpenApiParameter("ordering", OpenApiTypes.STR),
]


@extend_schema_view(list=extend_schema(parameters=CUSTOM_FIELD_PARAMETERS))
class CustomFieldViewSet(SelectorListMixin, ServiceDestroyMixin, OrgScopedViewSet):
    module = SETUP
    base_queryset = CustomField.objects.all()
    serializer_class = CustomFieldSerializer
    selector = staticmethod(custom_field_list)
    delete_service = staticmethod(custom_field_delete)
    allowed_filters = {"module": set(CustomField.Module.values), "field_type": set(CustomField.FieldType.values)}
    orderings = {"label", "module", "api_name", "position", "updated_at", "created_at"}


# --- Taxes (read-only) ---------------------------------------------------------------------------------------------


class TaxComponentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tax
        fields = ["id", "name", "rate", "kind", "tax_type"]
        read_only_fields = fields


class TaxSerializer(serializers.ModelSerializer):
    components = TaxComponentSerializer(many=True, read_only=True)

    class Meta:
        model = Tax
        fields = [
            "id", "name", "rate", "kind", "tax_type", "authority", "region", "components", "is_active", "is_default",
            "books_id", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


TAX_PARAMETERS = [*LIST_PARAMETERS, OpenApiParameter("kind", OpenApiTypes.STR, enum=Tax.Kind.values)]


@extend_schema_view(list=extend_schema(parameters=TAX_PARAMETERS))
class TaxViewSet(MembersMayRead, SelectorListMixin, OrgScopedViewSet):
    module = SETUP
    http_method_names = READ_ONLY
    base_queryset = Tax.objects.prefetch_related("components")
    serializer_class = TaxSerializer
    selector = staticmethod(tax_list)
    allowed_filters = {"status": ACTIVE, "kind": set(Tax.Kind.values)}
    orderings = {"name", "rate", "updated_at", "created_at"}


# --- Payment terms -------------------------------------------------------------------------------------------------


class PaymentTermSerializer(ServiceSerializer):
    create_service = staticmethod(payment_term_create)
    update_service = staticmethod(payment_term_update)

    class Meta:
        model = PaymentTerm
        fields = ["id", "label", "days", "is_default", "books_id", "created_at", "updated_at"]
        read_only_fields = ["id", "books_id", "created_at", "updated_at"]
        extra_kwargs = {
            "days": {"help_text": "Days after the invoice date that payment is due (0 = on receipt)."},
            "is_default": {"help_text": "Setting it unsets the previous default term."},
        }


@extend_schema_view(list=extend_schema(parameters=LIST_PARAMETERS))
class PaymentTermViewSet(MembersMayRead, SelectorListMixin, ServiceDestroyMixin, OrgScopedViewSet):
    module = SETUP
    base_queryset = PaymentTerm.objects.all()
    serializer_class = PaymentTermSerializer
    selector = staticmethod(payment_term_list)
    delete_service = staticmethod(payment_term_delete)
    allowed_filters: dict = {}
    orderings = {"label", "days", "updated_at", "created_at"}


# --- Salespersons (read-only) --------------------------------------------------------------------------------------


class SalespersonSerializer(serializers.ModelSerializer):
    class Meta:
        model = Salesperson
        fields = ["id", "name", "email", "is_active", "user", "books_id", "created_at", "updated_at"]
        read_only_fields = fields


@extend_schema_view(list=extend_schema(parameters=LIST_PARAMETERS))
class SalespersonViewSet(MembersMayRead, SelectorListMixin, OrgScopedViewSet):
    module = SETUP
    http_method_names = READ_ONLY
    base_queryset = Salesperson.objects.all()
    serializer_class = SalespersonSerializer
    selector = staticmethod(salesperson_list)
    allowed_filters = {"status": ACTIVE}
    orderings = {"name", "updated_at", "created_at"}


def register(router) -> None:
    router.register("currencies", CurrencyViewSet, basename="currency")
    router.register("custom-fields", CustomFieldViewSet, basename="custom-field")
    router.register("taxes", TaxViewSet, basename="tax")
    router.register("payment-terms", PaymentTermViewSet, basename="payment-term")
    router.register("salespersons", SalespersonViewSet, basename="salesperson")
