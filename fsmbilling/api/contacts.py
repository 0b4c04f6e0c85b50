"""Contacts API (REC-2, API-2): ``/api/v1/orgs/<slug>/contacts/``."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers

from fsmbilling.api.base import OrgPrimaryKeyRelatedField, OrgScopedViewSet
from fsmbilling.api.serializers import ADDRESS_HELP, BooksBlockField, ServiceSerializer
from fsmbilling.api.views import LIST_PARAMETERS, SelectorListMixin, ServiceDestroyMixin
from fsmbilling.models import Company, Contact, Currency, PaymentTerm, Status, Tax, TaxExemption
from fsmbilling.selectors.customers import contact_list
from fsmbilling.services.contacts import contact_create, contact_delete, contact_update


class ContactSerializer(ServiceSerializer):
    company = OrgPrimaryKeyRelatedField(queryset=Company.objects.all(), required=False, allow_null=True)
    company_name = serializers.CharField(source="company.name", read_only=True, default=None)
    currency = OrgPrimaryKeyRelatedField(queryset=Currency.objects.all(), required=False, allow_null=True)
    payment_term = OrgPrimaryKeyRelatedField(queryset=PaymentTerm.objects.all(), required=False, allow_null=True)
    default_tax = OrgPrimaryKeyRelatedField(queryset=Tax.objects.all(), required=False, allow_null=True)
    tax_exemption = OrgPrimaryKeyRelatedField(queryset=TaxExemption.objects.all(), required=False, allow_null=True)
    is_primary = serializers.BooleanField(
        required=False, help_text="Primary contact of its company; setting it unsets the company's previous primary."
    )
    billing_address = serializers.JSONField(required=False, help_text=ADDRESS_HELP)
    service_address = serializers.JSONField(required=False, help_text=ADDRESS_HELP)
    custom_fields = serializers.JSONField(required=False, help_text="Object of custom field api_name: value.")
    books = BooksBlockField()

    create_service = staticmethod(contact_create)
    update_service = staticmethod(contact_update)

    class Meta:
        model = Contact
        fields = [
            "id", "first_name", "last_name", "email", "phone", "mobile", "company", "company_name", "is_primary",
            "currency", "payment_term", "is_taxable", "tax_treatment", "tax_number", "place_of_supply",
            "gst_registered", "default_tax", "tax_exemption", "billing_address", "service_address", "status",
            "custom_fields", "created_at", "updated_at", "books",
        ]  # fmt: skip
        read_only_fields = ["id", "company_name", "created_at", "updated_at", "books"]


CONTACT_PARAMETERS = [
    *LIST_PARAMETERS,
    OpenApiParameter("company", OpenApiTypes.INT, description="Only contacts of this company"),
    OpenApiParameter("is_primary", OpenApiTypes.BOOL, description="Only primary (true) or other (false) contacts"),
]


@extend_schema_view(list=extend_schema(parameters=CONTACT_PARAMETERS))
class ContactViewSet(SelectorListMixin, ServiceDestroyMixin, OrgScopedViewSet):
    module = "contacts"
    base_queryset = Contact.objects.select_related("company")
    serializer_class = ContactSerializer
    selector = staticmethod(contact_list)
    delete_service = staticmethod(contact_delete)
    allowed_filters = {"status": set(Status.values), "company": None, "is_primary": {"true", "false"}}
    orderings = {"last_name", "first_name", "email", "status", "updated_at", "created_at", "company__name"}


def register(router) -> None:
    router.register("contacts", ContactViewSet, basename="contact")
