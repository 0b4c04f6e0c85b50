"""Writes on an organization's people: invitations, memberships and roles (TEN-1, TEN-3).

Rules kept here, for pages and API alike:
- only administrators manage members and roles (``administrator_required``);
- an organization always keeps at least one active administrator: changes that would remove the last one are refused.
  Such changes lock the organization row first, so two administrators demoting each other at once cannot both win;
- an invitation link carries a random token of which only the hash is stored; it is valid for seven days and once.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from fsmbilling.models import ApiToken, Invitation, Membership, Organization, Role
from fsmbilling.models.organizations import MODULES, module_actions
from fsmbilling.services.accounts import normalize_email, user_create, user_for_email

INVITATION_VALID_FOR = timedelta(days=7)


def administrator_required(membership: Membership) -> None:
    """Refuse (PermissionDenied with the reason) unless the member is an administrator of the organization."""
    if not (membership.is_active and membership.role.is_administrator):
        raise PermissionDenied(
            _(
                "Only administrators can manage users, roles and invitations. Your role is %(role)s; "
                "ask an administrator of %(organization)s."
            )
            % {"role": membership.role.name, "organization": membership.organization.name}
        )


def _lock_organization(organization: Organization) -> None:
    Organization.objects.select_for_update().filter(pk=organization.pk).first()


def _keeps_an_administrator(*, organization: Organization, without: Membership) -> None:
    others = (
        Membership.objects.filter(organization=organization, is_active=True, role__is_administrator=True)
        .exclude(pk=without.pk)
        .exists()
    )
    if not others:
        raise ValidationError(
            _(
                "%(user)s is the last active administrator of %(organization)s. Make another member an "
                "administrator first, then change or deactivate %(user)s."
            )
            % {"user": member_label(without), "organization": organization.name},
            code="last_administrator",
        )


def member_label(membership: Membership) -> str:
    user = membership.user
    return user.get_full_name() or user.email or user.username


def _role_of(organization: Organization, role: Role) -> Role:
    if role is None or role.organization_id != organization.pk:
        raise ValidationError({"role": _("Choose one of this organization's roles.")})
    return role


# --- Invitations ------------------------------------------------------------------------------------------------------


@transaction.atomic
def member_invite(
    *, organization: Organization, actor, email: str, role: Role, accept_url_base: str
) -> tuple[Invitation, str]:
    """Invite an email with a role; returns the invitation and the raw token (emailed as a link, never stored).

    ``accept_url_base`` is the absolute URL the token is appended to (``https://host/invitations/``). An open
    invitation to the same email is replaced, so inviting again is also how an invitation is re-sent.
    """
    email = normalize_email(email)
    role = _role_of(organization, role)
    existing_user = user_for_email(email)
    if existing_user is not None:
        membership = Membership.objects.filter(organization=organization, user=existing_user).first()
        if membership is not None and membership.is_active:
            raise ValidationError(
                {"email": _("%(email)s is already a member of this organization.") % {"email": email}}
            )
        if membership is not None:
            raise ValidationError(
                {
                    "email": _(
                        "%(email)s is a deactivated member of this organization. Reactivate them in the member list "
                        "instead of inviting them."
                    )
                    % {"email": email}
                }
            )
    Invitation.objects.filter(organization=organization, email=email, accepted_at__isnull=True).delete()
    raw = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                organization=organization,
                email=email,
                role=role,
                token_hash=Invitation.hash_token(raw),
                invited_by=actor,
                expires_at=timezone.now() + INVITATION_VALID_FOR,
            )
    except IntegrityError as exc:  # someone invited the same email at the same moment
        raise ValidationError(
            {"email": _("%(email)s was just invited by someone else. Reload the page.") % {"email": email}}
        ) from exc
    accept_url = accept_url_base.rstrip("/") + f"/{raw}/"
    transaction.on_commit(lambda: _send_invitation_email(invitation, accept_url))
    return invitation, raw


def _send_invitation_email(invitation: Invitation, accept_url: str) -> None:
    inviter = invitation.invited_by
    context = {
        "organization": invitation.organization,
        "role": invitation.role,
        "inviter": (inviter.get_full_name() or inviter.email) if inviter else "",
        "accept_url": accept_url,
        "expires_at": invitation.expires_at,
    }
    subject = render_to_string("members/invitation_email_subject.txt", context).strip()
    body = render_to_string("members/invitation_email.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])


@transaction.atomic
def invitation_revoke(*, organization: Organization, actor, invitation: Invitation) -> None:
    if invitation.organization_id != organization.pk or invitation.accepted_at is not None:
        raise ValidationError(_("This invitation was already accepted or withdrawn."))
    invitation.delete()


def invitation_for_token(raw_token: str) -> Invitation | None:
    """The invitation of a link's token (open, expired or accepted), or None for an unknown token."""
    if not raw_token or len(raw_token) > 200:
        return None
    return (
        Invitation.objects.select_related("organization", "role", "invited_by")
        .filter(token_hash=Invitation.hash_token(raw_token))
        .first()
    )


def invitation_refusal(invitation: Invitation | None) -> str | None:
    """Why the invitation cannot be accepted, or None when it can."""
    if invitation is None:
        return _(
            "This invitation link is not valid. Check that you opened the whole link from the email, or ask the "
            "administrator to invite you again."
        )
    if invitation.accepted_at is not None:
        return _("This invitation was already accepted. Log in to open %(organization)s.") % {
            "organization": invitation.organization.name
        }
    if invitation.expires_at <= timezone.now():
        return _(
            "This invitation expired on %(date)s. Ask an administrator of %(organization)s to invite you again."
        ) % {"date": invitation.expires_at.strftime("%Y-%m-%d"), "organization": invitation.organization.name}
    return None


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user) -> Membership:
    """Make the user a member with the invitation's role. The user's email must be the invited one."""
    invitation = Invitation.objects.select_for_update().select_related("organization", "role").get(pk=invitation.pk)
    refusal = invitation_refusal(invitation)
    if refusal:
        raise ValidationError(refusal, code="invitation_closed")
    if normalize_email(user.email or user.username) != invitation.email:
        raise ValidationError(
            _("This invitation is for %(email)s. Log out, then open the link again and log in as %(email)s.")
            % {"email": invitation.email},
            code="wrong_user",
        )
    membership, created = Membership.objects.get_or_create(
        user=user, organization=invitation.organization, defaults={"role": invitation.role}
    )
    if not created:
        membership.role = invitation.role
        membership.is_active = True
        membership.save(update_fields=["role", "is_active"])
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return membership


@transaction.atomic
def invitation_accept_new_user(*, invitation: Invitation, full_name: str, password: str) -> Membership:
    """Create the invited person's account (username = the invited email) and accept the invitation."""
    user = user_create(email=invitation.email, password=password, full_name=full_name)
    return invitation_accept(invitation=invitation, user=user)


# --- Memberships ------------------------------------------------------------------------------------------------------


@transaction.atomic
def member_change_role(*, organization: Organization, actor, membership: Membership, role: Role) -> Membership:
    role = _role_of(organization, role)
    _lock_organization(organization)
    membership = Membership.objects.select_related("user", "role").get(pk=membership.pk, organization=organization)
    if membership.role.is_administrator and not role.is_administrator and membership.is_active:
        _keeps_an_administrator(organization=organization, without=membership)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def member_set_active(*, organization: Organization, actor, membership: Membership, active: bool) -> Membership:
    """Deactivate (the person loses access and their API tokens here are revoked) or reactivate a member."""
    _lock_organization(organization)
    membership = Membership.objects.select_related("user", "role").get(pk=membership.pk, organization=organization)
    if membership.is_active == active:
        return membership
    if not active:
        if membership.role.is_administrator:
            _keeps_an_administrator(organization=organization, without=membership)
        ApiToken.objects.filter(organization=organization, user=membership.user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    membership.is_active = active
    membership.save(update_fields=["is_active"])
    return membership


# --- Roles ------------------------------------------------------------------------------------------------------------


def clean_permissions(permissions: dict) -> dict[str, list[str]]:
    """Known modules and actions only, in a stable order; any other action implies "view"."""
    if not isinstance(permissions, dict):
        raise ValidationError({"permissions": _("Send an object of module: [actions].")})
    cleaned: dict[str, list[str]] = {}
    for module, actions in permissions.items():
        if module not in MODULES:
            raise ValidationError(
                {
                    "permissions": _("Unknown module %(module)s. Use one of: %(modules)s.")
                    % {"module": module, "modules": ", ".join(MODULES)}
                }
            )
        if not isinstance(actions, (list, tuple)) or not all(isinstance(a, str) for a in actions):
            raise ValidationError({"permissions": _("%(module)s: send a list of actions.") % {"module": module}})
        allowed = module_actions(module)
        unknown = [a for a in actions if a not in allowed]
        if unknown:
            raise ValidationError(
                {
                    "permissions": _("%(module)s allows only %(actions)s.")
                    % {"module": module, "actions": ", ".join(allowed)}
                }
            )
        granted = set(actions)
        if granted:
            granted.add("view")
            cleaned[module] = [a for a in allowed if a in granted]
    return cleaned


def _check_role_name(organization: Organization, name: str, *, exclude: Role | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the role a name.")})
    clash = Role.objects.filter(organization=organization, name__iexact=name)
    if exclude is not None:
        clash = clash.exclude(pk=exclude.pk)
    if clash.exists():
        raise ValidationError(
            {"name": _("A role named %(name)s already exists. Choose another name.") % {"name": name}}
        )
    return name


def _save_role(role: Role) -> Role:
    try:
        with transaction.atomic():
            role.save()
    except IntegrityError as exc:
        raise ValidationError({"name": _("A role with this name already exists. Choose another name.")}) from exc
    return role


@transaction.atomic
def role_create(
    *, organization: Organization, actor, name: str, permissions: dict, receivables_summary: bool = False
) -> Role:
    role = Role(
        organization=organization,
        name=_check_role_name(organization, name),
        permissions=clean_permissions(permissions),
        receivables_summary=bool(receivables_summary),
    )
    return _save_role(role)


def _refuse_administrator_role(role: Role) -> None:
    if role.is_administrator:
        raise ValidationError(
            _("The %(name)s role may do everything and cannot be changed or deleted.") % {"name": role.name},
            code="administrator_role",
        )


@transaction.atomic
def role_update(
    *,
    role: Role,
    actor,
    name: str | None = None,
    permissions: dict | None = None,
    receivables_summary: bool | None = None,
) -> Role:
    _refuse_administrator_role(role)
    if name is not None:
        role.name = _check_role_name(role.organization, name, exclude=role)
    if permissions is not None:
        role.permissions = clean_permissions(permissions)
    if receivables_summary is not None:
        role.receivables_summary = bool(receivables_summary)
    return _save_role(role)


@transaction.atomic
def role_delete(*, role: Role, actor) -> None:
    _refuse_administrator_role(role)
    members = Membership.objects.filter(role=role).count()
    invitations = Invitation.objects.filter(role=role, accepted_at__isnull=True).count()
    if members or invitations:
        raise ValidationError(
            _(
                "The %(name)s role is in use (%(members)d members, %(invitations)d open invitations). Give them "
                "another role, or withdraw the invitations, then delete it."
            )
            % {"name": role.name, "members": members, "invitations": invitations},
            code="role_in_use",
        )
    role.delete()
