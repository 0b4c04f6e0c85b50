"""Services and parts API (REC-3, API-2): ``/api/v1/orgs/<slug>/services-and-parts/``."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers

from fsmbilling.api.base import OrgPrimaryKeyRelatedField, OrgScopedViewSet
from fsmbilling.api.serializers import BooksBlockField, ServiceSerializer
from fsmbilling.api.views import LIST_PARAMETERS, SelectorListMixin, ServiceDestroyMixin
from fsmbilling.models import ServicePart, Status, Tax, TaxExemption
from fsmbilling.selectors.catalog import service_part_list
from fsmbilling.services.catalog import service_part_create, service_part_delete, service_part_update

INDIA_ONLY_HELP = "India only (organizations whose country is IN); must be empty elsewhere."


class ServicePartSerializer(ServiceSerializer):
    default_tax = OrgPrimaryKeyRelatedField(queryset=Tax.objects.all(), required=False, allow_null=True)
    intra_state_tax = OrgPrimaryKeyRelatedField(
        queryset=Tax.objects.all(), required=False, allow_null=True, help_text=INDIA_ONLY_HELP
    )
    inter_state_tax = OrgPrimaryKeyRelatedField(
        queryset=Tax.objects.all(), required=False, allow_null=True, help_text=INDIA_ONLY_HELP
    )
    tax_exemption = OrgPrimaryKeyRelatedField(queryset=TaxExemption.objects.all(), required=False, allow_null=True)
    custom_fields = serializers.JSONField(required=False, help_text="Object of custom field api_name: value.")
    books = BooksBlockField()

    create_service = staticmethod(service_part_create)
    update_service = staticmethod(service_part_update)

    class Meta:
        model = ServicePart
        fields = [
            "id", "kind", "name", "description", "unit", "rate", "cost", "sku", "tax_preference", "default_tax",
            "intra_state_tax", "inter_state_tax", "hsn_sac", "tax_exemption", "status", "custom_fields",
            "created_at", "updated_at", "books",
        ]  # fmt: skip
        read_only_fields = ["id", "created_at", "updated_at", "books"]
        extra_kwargs = {"hsn_sac": {"help_text": INDIA_ONLY_HELP}}


SERVICE_PART_PARAMETERS = [
    *LIST_PARAMETERS,
    OpenApiParameter("kind", OpenApiTypes.STR, enum=ServicePart.Kind.values),
    OpenApiParameter("tax_preference", OpenApiTypes.STR, enum=ServicePart.TaxPreference.values),
]


@extend_schema_view(list=extend_schema(parameters=SERVICE_PART_PARAMETERS))
class ServicePartViewSet(SelectorListMixin, ServiceDestroyMixin, OrgScopedViewSet):
    module = "services_and_parts"
    base_queryset = ServicePart.objects.all()
    serializer_class = ServicePartSerializer
    selector = staticmethod(service_part_list)
    delete_service = staticmethod(service_part_delete)
    allowed_filters = {
        "status": set(Status.values),
        "kind": set(ServicePart.Kind.values),
        "tax_preference": set(ServicePart.TaxPreference.values),
    }
    orderings = {"name", "sku", "rate", "kind", "status", "updated_at", "created_at"}


def register(router) -> None:
    router.register("services-and-parts", ServicePartViewSet, basename="service-part")
