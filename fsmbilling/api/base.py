"""Base of every organization API endpoint (``/api/v1/orgs/<org_slug>/…``).

``OrgScopedViewSet`` resolves the organization from the URL once, checks the role's module permission (TEN-3), and
owns ``get_queryset`` / ``get_object``: subclasses give ``base_queryset`` and never build their own unscoped queries.
A token only works in its own organization. Serializers get the organization in their context and never accept it as
input; ``OrgPrimaryKeyRelatedField`` only resolves rows of that organization.
"""

from __future__ import annotations

from django.http import Http404
from rest_framework import exceptions, permissions, serializers, viewsets

from fsmbilling.models import ApiToken
from fsmbilling.tenancy import NOT_FOUND, resolve_membership

METHOD_ACTIONS = {"GET": "view", "HEAD": "view", "OPTIONS": "view", "POST": "edit", "PUT": "edit", "PATCH": "edit"}


class ModulePermission(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        module = getattr(view, "module", None)
        if module is None:
            return True
        action = getattr(view, "action_permissions", {}).get(getattr(view, "action", None))
        if action is None:
            action = "delete" if request.method == "DELETE" else METHOD_ACTIONS.get(request.method, "edit")
        if isinstance(action, tuple):
            module, action = action
        if not request.membership.role.allows(module, action):
            raise exceptions.PermissionDenied(
                f"Your role ({request.membership.role.name}) does not allow you to {action} "
                f"{module.replace('_', ' ')}. Ask an administrator."
            )
        return True


class OrgMixin:
    """Resolves ``request.organization`` and ``request.membership`` from ``org_slug`` (404 for non-members)."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication first
        try:
            membership = resolve_membership(request.user, kwargs.get("org_slug", ""))
        except Http404 as exc:
            raise exceptions.NotFound(NOT_FOUND) from exc
        if isinstance(request.auth, ApiToken) and request.auth.organization_id != membership.organization_id:
            raise exceptions.NotFound(NOT_FOUND)
        request.organization = membership.organization
        request.membership = membership
        self.organization = membership.organization
        self.membership = membership
        self.check_module_permission(request)

    def check_permissions(self, request):
        # Module permissions need the organization, so they run in check_module_permission after it is resolved.
        for permission in self.get_permissions():
            if isinstance(permission, ModulePermission):
                continue
            if not permission.has_permission(request, self):
                self.permission_denied(request, message=getattr(permission, "message", None))

    def check_module_permission(self, request):
        ModulePermission().has_permission(request, self)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["organization"] = getattr(self, "organization", None)
        context["membership"] = getattr(self, "membership", None)
        return context


class OrgScopedViewSet(OrgMixin, viewsets.ModelViewSet):
    module: str | None = None
    base_queryset = None
    permission_classes = [permissions.IsAuthenticated, ModulePermission]
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.base_queryset.none()
        return self.base_queryset.filter(organization=self.organization)

    def get_object(self):
        queryset = self.filter_queryset(self.get_queryset())
        try:
            obj = queryset.get(pk=int(self.kwargs[self.lookup_url_kwarg or self.lookup_field]))
        except (ValueError, OverflowError, queryset.model.DoesNotExist) as exc:
            raise exceptions.NotFound(NOT_FOUND) from exc
        self.check_object_permissions(self.request, obj)
        return obj


class OrgPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A relation that only resolves rows of the request's organization (another tenant's id reads as missing)."""

    default_error_messages = {
        "does_not_exist": NOT_FOUND,
        "incorrect_type": "Use the numeric id of a record, not {data_type}.",
    }

    def get_queryset(self):
        organization = self.context.get("organization")
        queryset = super().get_queryset()
        if organization is None:
            return queryset.none()
        return queryset.filter(organization=organization)

    def to_internal_value(self, data):
        text = str(data)
        if isinstance(data, bool) or not isinstance(data, (int, str)) or not (text.isascii() and text.isdigit()):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if int(data) > 2**63 - 1:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class OrgModelSerializer(serializers.ModelSerializer):
    """Refuses ``organization`` in input and fills it from the context."""

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Send a JSON object."]})
        return super().to_internal_value(data)

    @property
    def organization(self):
        return self.context["organization"]
