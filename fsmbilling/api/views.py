"""Viewsets of the core records (API-2)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view

from fsmbilling.api.base import OrgScopedViewSet
from fsmbilling.api.filters import list_params
from fsmbilling.api.serializers import CompanySerializer
from fsmbilling.models import Company, Status
from fsmbilling.selectors.customers import company_list
from fsmbilling.services.companies import company_delete

LIST_PARAMETERS = [
    OpenApiParameter("search", OpenApiTypes.STR, description="Text to look for"),
    OpenApiParameter("status", OpenApiTypes.STR),
    OpenApiParameter("modified_after", OpenApiTypes.DATETIME, description="Only records modified after this time"),
    OpenApiParameter("ordering", OpenApiTypes.STR, description="Field to sort by; prefix - for descending"),
]


class SelectorListMixin:
    """List through the module's selector (search, filters, ordering) so pages and API agree."""

    selector = None
    allowed_filters: dict = {}
    orderings: set[str] = set()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False) or self.action != "list":
            return super().get_queryset()
        params = list_params(self.request, allowed_filters=self.allowed_filters, orderings=self.orderings)
        return type(self).selector(organization=self.organization, **params)


class ServiceDestroyMixin:
    delete_service = None

    def perform_destroy(self, instance):
        from django.db.models import ProtectedError

        from fsmbilling.api.errors import ApiError

        try:
            type(self).delete_service(instance=instance, actor=self.request.user)
        except ProtectedError as exc:
            raise ApiError(
                "in_use",
                f"{instance} is used by other records, so it cannot be deleted. Mark it inactive instead.",
                status_code=409,
            ) from exc


@extend_schema_view(list=extend_schema(parameters=LIST_PARAMETERS))
class CompanyViewSet(SelectorListMixin, ServiceDestroyMixin, OrgScopedViewSet):
    module = "companies"
    base_queryset = Company.objects.select_related("currency")
    serializer_class = CompanySerializer
    selector = staticmethod(company_list)
    delete_service = staticmethod(company_delete)
    allowed_filters = {"status": set(Status.values)}
    orderings = {"name", "email", "status", "updated_at", "created_at"}


def register(router) -> None:
    router.register("companies", CompanyViewSet, basename="company")
