"""API tokens: created per user and organization, shown once, stored hashed, revocable (TEN-4, REL-5)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fsmbilling.models import ApiToken, Membership, Organization

NAME_MAX_LENGTH = ApiToken._meta.get_field("name").max_length


def api_token_create(*, organization: Organization, user, name: str) -> tuple[ApiToken, str]:
    """Return the token row and its raw key; the raw key is never stored and cannot be shown again.

    The user must be an active member of the organization: a token only ever acts as its user in its organization.
    """
    if not Membership.objects.filter(organization=organization, user=user, is_active=True).exists():
        raise ValidationError(
            _("%(user)s is not an active member of %(organization)s, so they cannot have a token there.")
            % {"user": user.get_username(), "organization": organization.name},
            code="not_a_member",
        )
    name = (name or "").strip()[:NAME_MAX_LENGTH] or "API token"
    raw = ApiToken.generate_key()
    token = ApiToken.objects.create(
        organization=organization,
        user=user,
        name=name,
        prefix=raw[:12],
        key_hash=ApiToken.hash_key(raw),
    )
    return token, raw


def api_token_list(*, organization: Organization, user):
    """The user's own tokens in the organization, newest first (revoked ones included, marked by ``revoked_at``)."""
    return ApiToken.objects.filter(organization=organization, user=user).order_by("-created_at", "-pk")


@transaction.atomic
def api_token_revoke(*, organization: Organization, token_id: int, actor) -> ApiToken:
    """Revoke one of the actor's tokens in the organization; revoking a revoked token changes nothing.

    Raises ``ApiToken.DoesNotExist`` for a token that is not the actor's in this organization (answered as 404).
    """
    token = ApiToken.objects.select_for_update().get(organization=organization, user=actor, pk=token_id)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
