"""Workflow rules API (REC-12): ``workflow-rules`` CRUD and the read-only ``workflow-deliveries`` log.

Both need the Billing Setup permission (administrators). ``webhook_secret`` is write-only: when a webhook rule is
created without one, a secret is made and returned once, in the answer to that request.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from fsmbilling.api.base import OrgModelSerializer, OrgScopedViewSet
from fsmbilling.api.serializers import ServiceSerializer
from fsmbilling.api.views import ServiceDestroyMixin
from fsmbilling.models import WorkflowDelivery, WorkflowRule
from fsmbilling.services.workflows import workflow_rule_create, workflow_rule_delete, workflow_rule_update

MODULE = "billing_setup"


class WorkflowRuleSerializer(ServiceSerializer):
    webhook_secret = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        help_text="Signs webhooks (HMAC-SHA256), at least 16 characters; omitted on create: one is made and returned "
        "once.",
    )
    has_webhook_secret = serializers.SerializerMethodField()

    create_service = staticmethod(workflow_rule_create)
    update_service = staticmethod(workflow_rule_update)

    class Meta:
        model = WorkflowRule
        fields = [
            "id", "name", "module", "event", "is_active", "condition_field", "condition_value", "action",
            "email_recipients", "email_to_record", "set_field_name", "set_field_value", "webhook_url",
            "webhook_secret", "has_webhook_secret", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "created_at", "updated_at", "has_webhook_secret"]

    @extend_schema_field(serializers.BooleanField())
    def get_has_webhook_secret(self, rule) -> bool:
        return bool(rule.webhook_secret_encrypted)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        secret = getattr(instance, "new_secret", None)
        if secret:
            data["webhook_secret"] = secret  # only in the answer to the request that made it
        return data


class WorkflowRuleViewSet(ServiceDestroyMixin, OrgScopedViewSet):
    module = MODULE
    base_queryset = WorkflowRule.objects.all()
    serializer_class = WorkflowRuleSerializer
    delete_service = staticmethod(workflow_rule_delete)

    def get_queryset(self):
        return super().get_queryset().order_by("module", "name", "id")


class WorkflowDeliverySerializer(OrgModelSerializer):
    class Meta:
        model = WorkflowDelivery
        fields = [
            "id", "rule", "rule_name", "module", "event", "record_id", "record_label", "action", "target", "status",
            "attempts", "response_code", "error", "next_attempt_at", "finished_at", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class WorkflowDeliveryViewSet(OrgScopedViewSet):
    module = MODULE
    base_queryset = WorkflowDelivery.objects.all()
    serializer_class = WorkflowDeliverySerializer
    http_method_names = ["get", "head", "options"]

    def get_queryset(self):
        queryset = super().get_queryset().order_by("-created_at", "-id")
        rule = self.request.query_params.get("rule", "")
        if rule.isascii() and rule.isdigit():
            queryset = queryset.filter(rule_id=int(rule))
        return queryset


def register(router) -> None:
    router.register("workflow-rules", WorkflowRuleViewSet, basename="workflow-rule")
    router.register("workflow-deliveries", WorkflowDeliveryViewSet, basename="workflow-delivery")
