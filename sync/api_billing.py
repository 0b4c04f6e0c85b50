"""Billing commands of the API (API-3): finance organizations, onboard, connection state, pause, resume, disconnect.

Paths are relative to ``/api/v1/orgs/<org_slug>/``. Reads need Billing Setup "view", commands "edit". Refusals are
``{code, message, fields}`` with 409 (state), 400 (input) or 5xx-free 502/503 when the finance service fails.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from fsmbilling.api.base import ModulePermission, OrgMixin
from fsmbilling.api.errors import ApiError
from sync import onboarding


class FinanceOrganizationSerializer(serializers.Serializer):
    organization_id = serializers.CharField()
    name = serializers.CharField()
    edition = serializers.ChoiceField(choices=["books", "invoice"])
    country = serializers.CharField()
    currency_code = serializers.CharField()
    selectable = serializers.BooleanField()
    reason = serializers.CharField(
        help_text="Why it cannot be chosen (trial expired, Avalara, inactive); empty if it can"
    )
    crm_sync_type = serializers.CharField(allow_null=True)
    is_current = serializers.BooleanField()


class FinanceOrganizationsSerializer(serializers.Serializer):
    provider = serializers.CharField()
    default_choice = serializers.CharField()
    choices = serializers.ListField(child=serializers.CharField())
    organizations = FinanceOrganizationSerializer(many=True)


class OnboardRequestSerializer(serializers.Serializer):
    choice = serializers.ChoiceField(choices=list(onboarding.CHOICES))
    finance_org_id = serializers.CharField(required=False, allow_blank=True, max_length=40)


class ConnectionStateSerializer(serializers.Serializer):
    provider = serializers.CharField()
    edition = serializers.CharField(allow_null=True)
    data_centre = serializers.CharField(allow_null=True)
    finance_org_id = serializers.CharField()
    finance_org_name = serializers.CharField()
    finance_org_url = serializers.CharField()
    status = serializers.CharField(
        help_text="not_connected, choose_organization, connected, needs_attention, revoked, finance_org_deleted, "
        "disconnected"
    )
    status_label = serializers.CharField()
    status_reason = serializers.CharField()
    signed_in = serializers.BooleanField()
    onboarded = serializers.BooleanField()
    sync_paused = serializers.BooleanField()
    connected_at = serializers.DateTimeField(allow_null=True)
    connected_identity_email = serializers.CharField()
    sync_type = serializers.CharField(allow_null=True)
    sync_enabled = serializers.BooleanField()
    auto_sync = serializers.BooleanField()
    disabled_by_error = serializers.BooleanField()
    disabled_reason = serializers.CharField()


class OnboardResultSerializer(serializers.Serializer):
    connection = ConnectionStateSerializer()
    created_finance_org = serializers.BooleanField()
    sync_type = serializers.CharField()
    pushed = serializers.DictField(allow_null=True)
    pulled = serializers.DictField(allow_null=True)
    notes = serializers.ListField(child=serializers.CharField())


def _refused(exc: onboarding.OnboardingRefused) -> ApiError:
    return ApiError(exc.code, exc.message, status_code=exc.status, fields=exc.fields)


class BillingView(OrgMixin, APIView):
    module = "billing_setup"
    permission_classes = [permissions.IsAuthenticated, ModulePermission]


@extend_schema(tags=["billing"])
class FinanceOrganizationsView(BillingView):
    @extend_schema(
        operation_id="billing_finance_organizations",
        summary="The signed-in identity's finance organizations, with whether each can be chosen (FIN-2)",
        responses={200: FinanceOrganizationsSerializer},
    )
    def get(self, request, org_slug):
        try:
            choices = onboarding.finance_organizations(self.organization)
        except onboarding.OnboardingRefused as exc:
            raise _refused(exc) from exc
        connection = onboarding.finance_connection(self.organization)
        body = {
            "provider": connection.provider if connection else onboarding.default_provider(),
            "default_choice": "new_invoice",
            "choices": list(onboarding.CHOICES),
            "organizations": [choice.__dict__ for choice in choices],
        }
        return Response(FinanceOrganizationsSerializer(body).data)


@extend_schema(tags=["billing"])
class OnboardView(BillingView):
    @extend_schema(
        operation_id="billing_onboard",
        summary="Finish onboarding: a new Invoice organization or an existing one (FIN-2, FIN-3)",
        request=OnboardRequestSerializer,
        responses={200: OnboardResultSerializer},
    )
    def post(self, request, org_slug):
        serializer = OnboardRequestSerializer(data=request.data if isinstance(request.data, dict) else {})
        serializer.is_valid(raise_exception=True)
        try:
            result = onboarding.onboard(
                organization=self.organization,
                actor=request.user,
                choice=serializer.validated_data["choice"],
                finance_org_id=serializer.validated_data.get("finance_org_id") or None,
            )
        except onboarding.OnboardingRefused as exc:
            raise _refused(exc) from exc
        body = {
            "connection": onboarding.connection_state(self.organization),
            "created_finance_org": result.created_finance_org,
            "sync_type": result.sync_type,
            "pushed": result.pushed.as_dict() if result.pushed else None,
            "pulled": result.pulled.as_dict() if result.pulled else None,
            "notes": [str(note) for note in result.notes],
        }
        return Response(OnboardResultSerializer(body).data, status=status.HTTP_200_OK)


@extend_schema(tags=["billing"])
class ConnectionView(BillingView):
    @extend_schema(
        operation_id="billing_connection",
        summary="State of the finance connection (FIN-1, FIN-4)",
        responses={200: ConnectionStateSerializer},
    )
    def get(self, request, org_slug):
        return Response(ConnectionStateSerializer(onboarding.connection_state(self.organization)).data)


class ConnectionCommandView(BillingView):
    operation = ""

    def post(self, request, org_slug):
        services = {
            "pause": onboarding.sync_pause,
            "resume": onboarding.sync_resume,
            "disconnect": onboarding.disconnect,
            "refresh": onboarding.connection_refresh,
        }
        try:
            services[self.operation](organization=self.organization, actor=request.user)
        except onboarding.OnboardingRefused as exc:
            raise _refused(exc) from exc
        return Response(ConnectionStateSerializer(onboarding.connection_state(self.organization)).data)


def _command(operation: str, summary: str) -> type[ConnectionCommandView]:
    @extend_schema(
        operation_id=f"billing_{operation}",
        summary=summary,
        request=None,
        responses={200: ConnectionStateSerializer},
        tags=["billing"],
    )
    def post(self, request, org_slug):
        return ConnectionCommandView.post(self, request, org_slug)

    return type(f"Billing{operation.title()}View", (ConnectionCommandView,), {"operation": operation, "post": post})


urlpatterns = [
    path("billing/finance-organizations", FinanceOrganizationsView.as_view(), name="api-billing-finance-orgs"),
    path("billing/onboard", OnboardView.as_view(), name="api-billing-onboard"),
    path("billing/connection", ConnectionView.as_view(), name="api-billing-connection"),
    path(
        "billing/pause",
        _command("pause", "Pause automatic sync (FIN-10)").as_view(),
        name="api-billing-pause",
    ),
    path(
        "billing/resume",
        _command("resume", "Resume automatic sync (FIN-10)").as_view(),
        name="api-billing-resume",
    ),
    path(
        "billing/disconnect",
        _command("disconnect", "Disconnect the finance organization; refused while a run is in progress").as_view(),
        name="api-billing-disconnect",
    ),
    path(
        "billing/refresh",
        _command("refresh", "Check the finance organization and access, and record the state").as_view(),
        name="api-billing-refresh",
    ),
]
