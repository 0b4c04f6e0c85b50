"""API of an organization's people (API-1, TEN-3, TEN-4).

- ``members``: administrators list members and change a member's role or active state;
- ``roles``: administrators list, create, change and delete roles;
- ``api-tokens``: every member lists their own tokens, creates one (the key is in the response, once) and revokes one
  with DELETE. A token cannot create further tokens: that takes a logged-in session, so a leaked key cannot mint
  replacements that outlive its revocation.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Q
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.response import Response

from fsmbilling.api.base import OrgMixin, OrgPrimaryKeyRelatedField, OrgScopedViewSet
from fsmbilling.api.errors import ApiError
from fsmbilling.models import ApiToken, Membership, Role
from fsmbilling.services.api_tokens import NAME_MAX_LENGTH, api_token_create, api_token_revoke
from fsmbilling.services.members import (
    administrator_required,
    member_change_role,
    member_set_active,
    role_create,
    role_delete,
    role_update,
)

STATE_CONFLICTS = {"last_administrator", "administrator_role", "role_in_use"}


def _raise_api_error(exc: DjangoValidationError):
    """Service refusals: conflicts of state are 409 with their code (API-5), bad input is 400."""
    code = getattr(exc, "code", None)
    if code in STATE_CONFLICTS:
        raise ApiError(code, " ".join(exc.messages), status_code=409) from exc
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
    raise serializers.ValidationError(detail) from exc


class AdministratorViewSetMixin:
    """Only administrators; anyone else gets 403 with the reason."""

    def check_module_permission(self, request):
        administrator_required(request.membership)


# --- Members ----------------------------------------------------------------------------------------------------------


class MemberUserSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(read_only=True)
    name = serializers.CharField(source="get_full_name", read_only=True)


class MemberSerializer(serializers.ModelSerializer):
    user = MemberUserSerializer(read_only=True)
    role = OrgPrimaryKeyRelatedField(queryset=Role.objects.all(), help_text="Id of one of the organization's roles.")
    role_name = serializers.CharField(source="role.name", read_only=True)
    is_active = serializers.BooleanField(
        required=False, help_text="false deactivates the member (their API tokens here are revoked)."
    )

    class Meta:
        model = Membership
        fields = ["id", "user", "role", "role_name", "is_active", "created_at"]
        read_only_fields = ["id", "user", "role_name", "created_at"]

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Send a JSON object."]})
        return super().to_internal_value(data)

    def update(self, instance, validated_data):
        organization = self.context["organization"]
        actor = self.context["request"].user
        try:
            if "role" in validated_data and validated_data["role"].pk != instance.role_id:
                instance = member_change_role(
                    organization=organization, actor=actor, membership=instance, role=validated_data["role"]
                )
            if "is_active" in validated_data and validated_data["is_active"] != instance.is_active:
                instance = member_set_active(
                    organization=organization, actor=actor, membership=instance, active=validated_data["is_active"]
                )
        except DjangoValidationError as exc:
            _raise_api_error(exc)
        return instance


class MemberViewSet(AdministratorViewSetMixin, OrgScopedViewSet):
    base_queryset = Membership.objects.select_related("user", "role").order_by("user__email", "pk")
    serializer_class = MemberSerializer
    http_method_names = ["get", "put", "patch", "head", "options"]


# --- Roles ------------------------------------------------------------------------------------------------------------


class RoleSerializer(serializers.ModelSerializer):
    permissions = serializers.JSONField(
        required=False,
        help_text='Object of module: [actions], e.g. {"invoices": ["view", "edit", "email"]}. Modules: companies, '
        "contacts, services_and_parts, work_orders, estimates, invoices, payments, billing_setup, sync_logs; "
        "actions view, edit, delete, and email for estimates, invoices and payments.",
    )
    member_count = serializers.IntegerField(read_only=True, help_text="Active members with this role.")

    class Meta:
        model = Role
        fields = ["id", "name", "is_administrator", "permissions", "receivables_summary", "member_count"]
        read_only_fields = ["id", "is_administrator", "member_count"]

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Send a JSON object."]})
        return super().to_internal_value(data)

    def get_validators(self):
        return []  # the model's unique (organization, name) is the service's to check: organization is not input

    def create(self, validated_data):
        try:
            return role_create(
                organization=self.context["organization"],
                actor=self.context["request"].user,
                name=validated_data.get("name", ""),
                permissions=validated_data.get("permissions", {}),
                receivables_summary=validated_data.get("receivables_summary", False),
            )
        except DjangoValidationError as exc:
            _raise_api_error(exc)

    def update(self, instance, validated_data):
        try:
            return role_update(
                role=instance,
                actor=self.context["request"].user,
                name=validated_data.get("name"),
                permissions=validated_data.get("permissions"),
                receivables_summary=validated_data.get("receivables_summary"),
            )
        except DjangoValidationError as exc:
            _raise_api_error(exc)


class RoleViewSet(AdministratorViewSetMixin, OrgScopedViewSet):
    base_queryset = Role.objects.annotate(
        member_count=Count("memberships", filter=Q(memberships__is_active=True), distinct=True)
    ).order_by("name")
    serializer_class = RoleSerializer

    def perform_destroy(self, instance):
        try:
            role_delete(role=instance, actor=self.request.user)
        except DjangoValidationError as exc:
            _raise_api_error(exc)

    def perform_update(self, serializer):
        serializer.save()
        # Re-read so member_count is current in the answer.
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    def perform_create(self, serializer):
        serializer.save()
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)


# --- API tokens -------------------------------------------------------------------------------------------------------


class ApiTokenSerializer(serializers.ModelSerializer):
    name = serializers.CharField(max_length=NAME_MAX_LENGTH, help_text="What uses the token.")

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
        read_only_fields = ["id", "prefix", "created_at", "last_used_at", "revoked_at"]

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Send a JSON object."]})
        return super().to_internal_value(data)


class NewApiTokenSerializer(ApiTokenSerializer):
    key = serializers.CharField(read_only=True, help_text="The raw key: shown in this answer only, never again.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "key"]


class ApiTokenViewSet(
    OrgMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The requesting user's own tokens in this organization (revoked ones included)."""

    serializer_class = ApiTokenSerializer
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return ApiToken.objects.filter(organization=self.organization, user=self.request.user).order_by(
            "-created_at", "-pk"
        )

    def get_object(self):
        try:
            return self.get_queryset().get(pk=int(self.kwargs["pk"]))
        except (ValueError, OverflowError, ApiToken.DoesNotExist) as exc:
            raise exceptions.NotFound("Not found.") from exc

    @extend_schema(request=ApiTokenSerializer, responses={201: NewApiTokenSerializer})
    def create(self, request, *args, **kwargs):
        if isinstance(request.auth, ApiToken):
            raise exceptions.PermissionDenied(
                "API tokens cannot create tokens. Log in and create one on the API tokens page (or with a session)."
            )
        serializer = ApiTokenSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        try:
            token, raw = api_token_create(
                organization=self.organization, user=request.user, name=serializer.validated_data["name"]
            )
        except DjangoValidationError as exc:
            _raise_api_error(exc)
        token.key = raw
        return Response(NewApiTokenSerializer(token).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None}, description="Revoke the token; it answers 401 from now on.")
    def destroy(self, request, *args, **kwargs):
        token = self.get_object()
        api_token_revoke(organization=self.organization, token_id=token.pk, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def register(router) -> None:
    router.register("members", MemberViewSet, basename="member")
    router.register("roles", RoleViewSet, basename="role")
    router.register("api-tokens", ApiTokenViewSet, basename="api-token")
