"""The emulated Zoho accounts server: clients, authorization codes, refresh and access tokens (§2, §12.2).

Tokens and codes are stored as SHA-256 hashes. Every expiry reads the sandbox clock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction

from sandbox import clock
from sandbox.models import AccessToken, AuthorizationCode, OAuthClient, RefreshGrant, RefreshToken, SandboxUser

CODE_LIFETIME_SECONDS = 60
ACCESS_TOKEN_LIFETIME_SECONDS = 3600
MAX_REFRESH_GRANTS = 10  # per refresh token …
REFRESH_GRANT_WINDOW_SECONDS = 600  # … in any ten minutes
MAX_ACCESS_TOKENS_PER_REFRESH_TOKEN = 30
MAX_REFRESH_TOKENS_PER_USER_CLIENT = 20

ACCESS_DENIED_BODY = {
    "error_description": "You have made too many requests continuously. Please try again after some time.",
    "error": "Access Denied",
    "status": "failure",
}


class TokenError(Exception):
    """A refusal of the token endpoint: ``body`` answered with ``status``."""

    def __init__(self, body: dict, status: int = 200):
        super().__init__(body.get("error"))
        self.body = body
        self.status = status


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _token() -> str:
    return f"1000.{secrets.token_hex(16)}.{secrets.token_hex(16)}"


def client_create(*, name: str = "", redirect_uri: str = "", client_id: str | None = None, secret: str | None = None):
    client = OAuthClient.objects.create(
        client_id=client_id or "1000." + secrets.token_hex(12).upper(),
        client_secret=secret or secrets.token_hex(21),
        name=name,
        redirect_uri=redirect_uri,
        created_time=clock.now(),
    )
    return client


def client_authenticate(client_id: str | None, client_secret: str | None) -> OAuthClient:
    client = OAuthClient.objects.filter(client_id=client_id or "").first()
    if client is None or not secrets.compare_digest(client.client_secret, client_secret or ""):
        raise TokenError({"error": "invalid_client"})
    return client


def user_get_or_create(*, email: str, name: str = "") -> SandboxUser:
    user, _ = SandboxUser.objects.get_or_create(
        email=email.strip().lower(),
        defaults={"name": name or email.split("@")[0], "created_time": clock.now()},
    )
    return user


def normalize_scope(scope: str) -> str:
    return " ".join(part for part in scope.replace(",", " ").split() if part)


def code_create(*, client: OAuthClient, user: SandboxUser, scope: str, redirect_uri: str, access_type: str) -> str:
    code = _token()
    AuthorizationCode.objects.create(
        code_hash=token_hash(code),
        client=client,
        user=user,
        scope=normalize_scope(scope),
        redirect_uri=redirect_uri,
        access_type="offline" if access_type == "offline" else "online",
        expires_at=clock.now() + dt.timedelta(seconds=CODE_LIFETIME_SECONDS),
    )
    return code


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    refresh_token: str | None
    scope: str
    expires_in: int = ACCESS_TOKEN_LIFETIME_SECONDS


def _access_token_create(refresh: RefreshToken) -> str:
    token = _token()
    now = clock.now()
    AccessToken.objects.create(
        token_hash=token_hash(token),
        refresh_token=refresh,
        created_time=now,
        expires_at=now + dt.timedelta(seconds=ACCESS_TOKEN_LIFETIME_SECONDS),
    )
    # At most 30 live access tokens per refresh token: the oldest go first.
    live = AccessToken.objects.filter(refresh_token=refresh, expires_at__gt=now).order_by("-created_time", "-id")
    stale_ids = list(live.values_list("id", flat=True)[MAX_ACCESS_TOKENS_PER_REFRESH_TOKEN:])
    AccessToken.objects.filter(id__in=stale_ids).delete()
    AccessToken.objects.filter(refresh_token=refresh, expires_at__lte=now - dt.timedelta(days=1)).delete()
    return token


@transaction.atomic
def grant_create(*, client: OAuthClient, user: SandboxUser, scope: str) -> tuple[str, str]:
    """A new grant (as after a consent): returns (refresh_token, access_token)."""
    refresh_token = _token()
    refresh = RefreshToken.objects.create(
        token_hash=token_hash(refresh_token),
        client=client,
        user=user,
        scope=normalize_scope(scope),
        created_time=clock.now(),
    )
    # At most 20 refresh tokens per user and client: the 21st silently deletes the oldest.
    grants = RefreshToken.objects.filter(client=client, user=user, revoked=False).order_by("-created_time", "-id")
    stale_ids = list(grants.values_list("id", flat=True)[MAX_REFRESH_TOKENS_PER_USER_CLIENT:])
    RefreshToken.objects.filter(id__in=stale_ids).delete()
    return refresh_token, _access_token_create(refresh)


@transaction.atomic
def exchange_code(*, client: OAuthClient, code: str, redirect_uri: str | None) -> IssuedTokens:
    row = (
        AuthorizationCode.objects.select_for_update()
        .select_related("user")
        .filter(code_hash=token_hash(code or ""), client=client)
        .first()
    )
    if row is None or row.used or row.expires_at <= clock.now():
        raise TokenError({"error": "invalid_code"})
    if redirect_uri and row.redirect_uri and redirect_uri != row.redirect_uri:
        raise TokenError({"error": "invalid_code"})
    row.used = True
    row.save(update_fields=["used"])
    refresh_token, access_token = grant_create(client=client, user=row.user, scope=row.scope)
    return IssuedTokens(
        access_token=access_token,
        refresh_token=refresh_token if row.access_type == "offline" else None,
        scope=row.scope,
    )


@transaction.atomic
def refresh(*, client: OAuthClient, refresh_token: str) -> IssuedTokens:
    row = (
        RefreshToken.objects.select_for_update()
        .filter(token_hash=token_hash(refresh_token or ""), client=client, revoked=False)
        .first()
    )
    if row is None:
        raise TokenError({"error": "invalid_code"})
    now = clock.now()
    window_start = now - dt.timedelta(seconds=REFRESH_GRANT_WINDOW_SECONDS)
    if RefreshGrant.objects.filter(refresh_token=row, granted_at__gt=window_start).count() >= MAX_REFRESH_GRANTS:
        raise TokenError(ACCESS_DENIED_BODY, status=400)
    RefreshGrant.objects.create(refresh_token=row, granted_at=now)
    RefreshGrant.objects.filter(refresh_token=row, granted_at__lte=window_start).delete()
    return IssuedTokens(access_token=_access_token_create(row), refresh_token=None, scope=row.scope)


@transaction.atomic
def revoke(*, token: str) -> None:
    """Revoke a refresh token (and every access token it issued), or a single access token."""
    hashed = token_hash(token or "")
    if RefreshToken.objects.filter(token_hash=hashed).update(revoked=True):
        AccessToken.objects.filter(refresh_token__token_hash=hashed).delete()
        return
    AccessToken.objects.filter(token_hash=hashed).delete()


@dataclass(frozen=True)
class TokenCheck:
    user: SandboxUser | None
    scopes: frozenset[str]
    problem: str | None  # the §12.2 reason when the token cannot be used


def access_token_check(token: str) -> TokenCheck:
    row = (
        AccessToken.objects.select_related("refresh_token__user")
        .filter(token_hash=token_hash(token), refresh_token__revoked=False)
        .first()
    )
    if row is None:
        return TokenCheck(None, frozenset(), "The OAuth token is invalid or has been revoked.")
    if row.expires_at <= clock.now():
        return TokenCheck(None, frozenset(), "The OAuth token has expired.")
    scopes = frozenset(part.lower() for part in row.refresh_token.scope.split())
    return TokenCheck(row.refresh_token.user, scopes, None)
