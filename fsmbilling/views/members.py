"""Organization settings for people: members and invitations, roles with their permission matrix, and the member's
own API tokens (TEN-1, TEN-3, TEN-4). Mounted at /o/<org_slug>/settings/ (no app_name: the nav reverses ``members``
and ``api_tokens``).

Members and roles are for administrators only; anyone else gets a 403 page that says why. API tokens are personal:
every member manages their own, and nobody sees another person's tokens.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from fsmbilling.models import ApiToken, Invitation, Membership, Role
from fsmbilling.models.organizations import ACTIONS, MODULES, module_actions
from fsmbilling.services.api_tokens import NAME_MAX_LENGTH, api_token_create, api_token_list, api_token_revoke
from fsmbilling.services.members import (
    administrator_required,
    invitation_revoke,
    member_change_role,
    member_invite,
    member_label,
    member_set_active,
    role_create,
    role_delete,
    role_update,
)
from fsmbilling.tenancy import NOT_FOUND, OrgPageMixin, get_for_org

ACTION_LABELS = {
    "view": gettext_lazy("View"),
    "edit": gettext_lazy("Create and edit"),
    "delete": gettext_lazy("Delete"),
    "email": gettext_lazy("Email to customer"),
}


class ReasonedForbiddenMixin:
    """Answer PermissionDenied with a page that says why (UI-4), inside the organization's layout."""

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except PermissionDenied as exc:
            if getattr(request, "membership", None) is None:
                raise
            return render(request, "members/forbidden.html", {"reason": str(exc)}, status=403)


class AdministratorPageMixin(ReasonedForbiddenMixin, OrgPageMixin):
    def get_required_permission(self, request):
        administrator_required(self.membership)
        return None

    def redirect(self, url_name: str, **kwargs) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse(url_name, kwargs={"org_slug": self.organization.slug, **kwargs}))

    def refuse(self, exc: ValidationError, url_name: str) -> HttpResponseRedirect:
        for message in exc.messages:
            messages.error(self.request, message)
        return self.redirect(url_name)


def _role_queryset(organization):
    return Role.objects.filter(organization=organization)


# --- Members ----------------------------------------------------------------------------------------------------------


class InviteForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email"), max_length=254)
    role = forms.ModelChoiceField(label=gettext_lazy("Role"), queryset=Role.objects.none(), empty_label=None)

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        roles = _role_queryset(organization)
        self.fields["role"].queryset = roles
        default = roles.filter(is_administrator=False).order_by("name").first()
        self.fields["role"].initial = default.pk if default else None


class MembersView(AdministratorPageMixin, View):
    template_name = "members/members.html"

    def context(self, invite_form=None) -> dict:
        organization = self.organization
        memberships = (
            Membership.objects.filter(organization=organization)
            .select_related("user", "role")
            .order_by("-is_active", "user__first_name", "user__last_name", "user__email")
        )
        invitations = (
            Invitation.objects.filter(organization=organization, accepted_at__isnull=True)
            .select_related("role", "invited_by")
            .order_by("email")
        )
        return {
            "memberships": memberships,
            "invitations": invitations,
            "roles": list(_role_queryset(organization)),
            "invite_form": invite_form or InviteForm(organization=organization),
            "now": timezone.now(),
        }

    def get(self, request, **kwargs):
        return render(request, self.template_name, self.context())


class MemberInviteView(MembersView):
    def post(self, request, **kwargs):
        form = InviteForm(request.POST, organization=self.organization)
        if form.is_valid():
            try:
                invitation, _raw = member_invite(
                    organization=self.organization,
                    actor=request.user,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    accept_url_base=request.build_absolute_uri(reverse("invitation_accept", args=["x"]))[: -len("x/")],
                )
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                messages.success(
                    request,
                    _("Invited %(email)s as %(role)s. The link in the email works for 7 days.")
                    % {"email": invitation.email, "role": invitation.role.name},
                )
                return self.redirect("members")
        return render(request, self.template_name, self.context(invite_form=form))


class MemberRoleView(AdministratorPageMixin, View):
    def post(self, request, pk, **kwargs):
        membership = get_for_org(Membership.objects.select_related("user", "role"), self.organization, pk)
        try:
            role = get_for_org(Role, self.organization, request.POST.get("role"))
        except Http404:
            messages.error(request, _("Choose one of this organization's roles."))
            return self.redirect("members")
        try:
            membership = member_change_role(
                organization=self.organization, actor=request.user, membership=membership, role=role
            )
        except ValidationError as exc:
            return self.refuse(exc, "members")
        messages.success(
            request, _("%(user)s is now %(role)s.") % {"user": member_label(membership), "role": membership.role.name}
        )
        return self.redirect("members")


class MemberActiveView(AdministratorPageMixin, View):
    active: bool = False

    def post(self, request, pk, **kwargs):
        membership = get_for_org(Membership.objects.select_related("user", "role"), self.organization, pk)
        try:
            membership = member_set_active(
                organization=self.organization, actor=request.user, membership=membership, active=self.active
            )
        except ValidationError as exc:
            return self.refuse(exc, "members")
        if self.active:
            message = _("%(user)s can use %(organization)s again.")
        else:
            message = _(
                "%(user)s was deactivated: they no longer see %(organization)s and their API tokens here are revoked."
            )
        messages.success(request, message % {"user": member_label(membership), "organization": self.organization.name})
        return self.redirect("members")


class InvitationRevokeView(AdministratorPageMixin, View):
    def post(self, request, pk, **kwargs):
        invitation = get_for_org(Invitation, self.organization, pk)
        try:
            invitation_revoke(organization=self.organization, actor=request.user, invitation=invitation)
        except ValidationError as exc:
            return self.refuse(exc, "members")
        messages.success(request, _("Withdrew the invitation to %(email)s.") % {"email": invitation.email})
        return self.redirect("members")


# --- Roles ------------------------------------------------------------------------------------------------------------


def _permission_field_name(module: str, action: str) -> str:
    return f"perm__{module}__{action}"


class RoleForm(forms.Form):
    """Name, the permission matrix (modules × actions) and "Receivables summary"."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=80)
    receivables_summary = forms.BooleanField(
        label=gettext_lazy("Receivables summary"),
        required=False,
        help_text=gettext_lazy("See outstanding receivables and unused credits from Books on companies and contacts."),
    )

    def __init__(self, *args, role: Role | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        granted = role.permissions if role else {}
        if role is not None:
            self.fields["name"].initial = role.name
            self.fields["receivables_summary"].initial = role.receivables_summary
        for module, label in MODULES.items():
            for action in module_actions(module):
                self.fields[_permission_field_name(module, action)] = forms.BooleanField(
                    label=f"{label}: {ACTION_LABELS[action]}",
                    required=False,
                    initial=action in granted.get(module, []),
                )

    def matrix(self) -> list[dict]:
        """Rows for the template: one per module, one cell per action (None where the module has no such action)."""
        rows = []
        for module, label in MODULES.items():
            cells = []
            for action in ACTIONS:
                name = _permission_field_name(module, action)
                cells.append(self[name] if name in self.fields else None)
            rows.append({"module": module, "label": label, "cells": cells})
        return rows

    def action_labels(self) -> list:
        return [ACTION_LABELS[action] for action in ACTIONS]

    def permissions(self) -> dict[str, list[str]]:
        data = self.cleaned_data
        return {
            module: [a for a in module_actions(module) if data.get(_permission_field_name(module, a))]
            for module in MODULES
            if any(data.get(_permission_field_name(module, a)) for a in module_actions(module))
        }


class RolesView(AdministratorPageMixin, View):
    def get(self, request, **kwargs):
        roles = _role_queryset(self.organization).annotate(
            member_count=Count("memberships", filter=Q(memberships__is_active=True), distinct=True)
        )
        rows = [
            {
                "role": role,
                "summary": [
                    (MODULES[module], [ACTION_LABELS[a] for a in actions])
                    for module, actions in role.permissions.items()
                    if module in MODULES and actions
                ],
            }
            for role in roles
        ]
        return render(request, "members/roles.html", {"rows": rows})


class RoleFormView(AdministratorPageMixin, View):
    template_name = "members/role_form.html"

    def get_role(self, pk) -> Role | None:
        if pk is None:
            return None
        role = get_for_org(Role, self.organization, pk)
        if role.is_administrator:
            raise PermissionDenied(
                _("The %(name)s role may do everything and cannot be changed. Create a custom role instead.")
                % {"name": role.name}
            )
        return role

    def render_form(self, request, form, role):
        title = _("Edit role %(name)s") % {"name": role.name} if role else _("New role")
        return render(request, self.template_name, {"form": form, "role": role, "title": title})

    def get(self, request, pk=None, **kwargs):
        role = self.get_role(pk)
        return self.render_form(request, RoleForm(role=role), role)

    def post(self, request, pk=None, **kwargs):
        role = self.get_role(pk)
        form = RoleForm(request.POST, role=role)
        if form.is_valid():
            values = {
                "name": form.cleaned_data["name"],
                "permissions": form.permissions(),
                "receivables_summary": form.cleaned_data["receivables_summary"],
            }
            try:
                if role is None:
                    role = role_create(organization=self.organization, actor=request.user, **values)
                else:
                    role = role_update(role=role, actor=request.user, **values)
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                messages.success(request, _("Saved the role %(name)s.") % {"name": role.name})
                return self.redirect("roles")
        return self.render_form(request, form, role)


class RoleDeleteView(AdministratorPageMixin, View):
    def post(self, request, pk, **kwargs):
        role = get_for_org(Role, self.organization, pk)
        try:
            role_delete(role=role, actor=request.user)
        except ValidationError as exc:
            return self.refuse(exc, "roles")
        messages.success(request, _("Deleted the role %(name)s.") % {"name": role.name})
        return self.redirect("roles")


# --- API tokens (every member, their own) -----------------------------------------------------------------------------


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Token name"),
        max_length=NAME_MAX_LENGTH,
        help_text=gettext_lazy("What uses it, e.g. “Accounting export” — so you know what breaks when you revoke it."),
    )


class ApiTokensView(ReasonedForbiddenMixin, OrgPageMixin, View):
    template_name = "members/api_tokens.html"

    def render_page(self, request, form, new_key: str | None = None, new_token: ApiToken | None = None):
        context = {
            "form": form,
            "tokens": api_token_list(organization=self.organization, user=request.user),
            "new_key": new_key,
            "new_token": new_token,
        }
        response = render(request, self.template_name, context)
        if new_key:
            response["Cache-Control"] = "no-store"  # the raw key is shown once and must not sit in any cache
        return response

    def get(self, request, **kwargs):
        return self.render_page(request, ApiTokenForm())

    def post(self, request, **kwargs):
        form = ApiTokenForm(request.POST)
        if form.is_valid():
            try:
                token, raw = api_token_create(
                    organization=self.organization, user=request.user, name=form.cleaned_data["name"]
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                return self.render_page(request, ApiTokenForm(), new_key=raw, new_token=token)
        return self.render_page(request, form)


class ApiTokenRevokeView(ReasonedForbiddenMixin, OrgPageMixin, View):
    def post(self, request, pk, **kwargs):
        try:
            token = api_token_revoke(organization=self.organization, token_id=int(pk), actor=request.user)
        except (ApiToken.DoesNotExist, ValueError, OverflowError) as exc:
            raise Http404(NOT_FOUND) from exc
        messages.success(
            request, _("Revoked the token %(name)s. Programs using it now get 401.") % {"name": token.name}
        )
        return HttpResponseRedirect(reverse("api_tokens", kwargs={"org_slug": self.organization.slug}))


urlpatterns = [
    path("members/", MembersView.as_view(), name="members"),
    path("members/invite/", MemberInviteView.as_view(), name="members_invite"),
    path("members/<int:pk>/role/", MemberRoleView.as_view(), name="members_change_role"),
    path("members/<int:pk>/deactivate/", MemberActiveView.as_view(active=False), name="members_deactivate"),
    path("members/<int:pk>/reactivate/", MemberActiveView.as_view(active=True), name="members_reactivate"),
    path("members/invitations/<int:pk>/withdraw/", InvitationRevokeView.as_view(), name="members_invitation_withdraw"),
    path("roles/", RolesView.as_view(), name="roles"),
    path("roles/new/", RoleFormView.as_view(), name="roles_create"),
    path("roles/<int:pk>/", RoleFormView.as_view(), name="roles_edit"),
    path("roles/<int:pk>/delete/", RoleDeleteView.as_view(), name="roles_delete"),
    path("api-tokens/", ApiTokensView.as_view(), name="api_tokens"),
    path("api-tokens/<int:pk>/revoke/", ApiTokenRevokeView.as_view(), name="api_tokens_revoke"),
]
