"""API tokens: created per user and organization, shown once, stored hashed, revocable (TEN-4)."""

from __future__ import annotations

from django.utils import timezone

from fsmbilling.models import ApiToken, Organization


def api_token_create(*, organization: Organization, user, name: str) -> tuple[ApiToken, str]:
    """Return the token row and its raw key; the raw key is never stored and cannot be shown again."""
    raw = ApiToken.generate_key()
    token = ApiToken.objects.create(
        organization=organization,
        user=user,
        name=name.strip() or "API token",
        prefix=raw[:12],
        key_hash=ApiToken.hash_key(raw),
    )
    return token, raw


def api_token_revoke(*, organization: Organization, token_id: int, actor) -> ApiToken:
    token = ApiToken.objects.get(organization=organization, pk=token_id, revoked_at__isnull=True)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    return token
