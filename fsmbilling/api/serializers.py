"""Serializers of the core records. They never accept ``organization``; relations resolve inside the organization."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from fsmbilling.api.base import OrgModelSerializer, OrgPrimaryKeyRelatedField
from fsmbilling.models import Company, Currency, PaymentTerm, Tax, TaxExemption
from fsmbilling.services.companies import company_create, company_update

ADDRESS_HELP = "Object with attention, address, street2, city, state, state_code, zip, country, phone, fax."


@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "properties": {
            "id": {"type": "string", "nullable": True},
            "last_sync_id": {"type": "string", "nullable": True},
            "last_sync_time": {"type": "string", "format": "date-time", "nullable": True},
            "state": {"type": "string"},
            "error": {"type": "string"},
            "web_url": {"type": "string"},
        },
    }
)
class BooksBlockField(serializers.Field):
    """The ``books`` block of a synced record (API-2): Books id, last sync id and time, state, error, web URL."""

    def __init__(self, **kwargs):
        kwargs["source"] = "*"
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, obj):
        try:
            from sync.selectors import books_blocks, record_kind
        except ImportError:
            return None
        kind = record_kind(obj)
        if kind is None:
            return None
        # In a list, the blocks of the whole page are read at once (two queries, not two per record).
        cache = self.context.setdefault("_books_blocks", {})
        if (kind, obj.pk) not in cache:
            list_serializer = getattr(self.parent, "parent", None)
            page = getattr(list_serializer, "instance", None)
            records = list(page) if isinstance(page, list | tuple) else [obj]
            if obj not in records:
                records.append(obj)
            cache.update(books_blocks(records))
        return cache.get((kind, obj.pk))


class ServiceSerializer(OrgModelSerializer):
    """Writes go through the module's services so pages and API share one set of rules."""

    create_service = None
    update_service = None

    def create(self, validated_data):
        return self._call(type(self).create_service, organization=self.organization, data=validated_data)

    def update(self, instance, validated_data):
        return self._call(type(self).update_service, instance=instance, data=validated_data)

    def _call(self, service, **kwargs):
        try:
            return service(actor=self.context["request"].user, **kwargs)
        except DjangoValidationError as exc:
            detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
            raise serializers.ValidationError(detail) from exc


class CompanySerializer(ServiceSerializer):
    currency = OrgPrimaryKeyRelatedField(queryset=Currency.objects.all(), required=False, allow_null=True)
    payment_term = OrgPrimaryKeyRelatedField(queryset=PaymentTerm.objects.all(), required=False, allow_null=True)
    default_tax = OrgPrimaryKeyRelatedField(queryset=Tax.objects.all(), required=False, allow_null=True)
    tax_exemption = OrgPrimaryKeyRelatedField(queryset=TaxExemption.objects.all(), required=False, allow_null=True)
    billing_address = serializers.JSONField(required=False, help_text=ADDRESS_HELP)
    service_address = serializers.JSONField(required=False, help_text=ADDRESS_HELP)
    custom_fields = serializers.JSONField(required=False, help_text="Object of custom field api_name: value.")
    books = BooksBlockField()
    create_service = staticmethod(company_create)
    update_service = staticmethod(company_update)

    class Meta:
        model = Company
        fields = [
            "id",
            "name",
            "email",
            "phone",
            "website",
            "currency",
            "payment_term",
            "is_taxable",
            "tax_treatment",
            "tax_number",
            "place_of_supply",
            "gst_registered",
            "default_tax",
            "tax_exemption",
            "billing_address",
            "service_address",
            "status",
            "notes",
            "custom_fields",
            "created_at",
            "updated_at",
            "books",
        ]
        read_only_fields = ["id", "created_at", "updated_at", "books"]
