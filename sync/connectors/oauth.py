"""Zoho Accounts OAuth 2: data centres, the authorization URL, code exchange, refresh and revoke.

zoho-books-v3.md §2 and §12.1–12.2. The sandbox is one more data centre whose accounts server and API domain are
both ``settings.SANDBOX_BASE_URL``; nothing here asks whether it is talking to the sandbox. A received
``accounts-server`` or ``api_domain`` is used only when it is one of the hosts of §2.4 or the configured sandbox
base, so a forged callback cannot send the client secret or the tokens elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from django.conf import settings

from sync.connectors.base import (
    AuthError,
    Edition,
    FinanceError,
    TokenGrant,
    TokenRefreshBlocked,
    TransportError,
    ValidationFailed,
)
from sync.connectors.wire import loads

# Data centre → (accounts server, API domain): zoho-books-v3.md §2.4.
ZOHO_DATA_CENTRES: dict[str, tuple[str, str]] = {
    "US": ("https://accounts.zoho.com", "https://www.zohoapis.com"),
    "EU": ("https://accounts.zoho.eu", "https://www.zohoapis.eu"),
    "IN": ("https://accounts.zoho.in", "https://www.zohoapis.in"),
    "AU": ("https://accounts.zoho.com.au", "https://www.zohoapis.com.au"),
    "JP": ("https://accounts.zoho.jp", "https://www.zohoapis.jp"),
    "CA": ("https://accounts.zohocloud.ca", "https://www.zohoapis.ca"),
    "SA": ("https://accounts.zoho.sa", "https://www.zohoapis.sa"),
    "CN": ("https://accounts.zoho.com.cn", "https://www.zohoapis.com.cn"),
}
# The ``location`` parameter of Zoho's callback.
LOCATIONS = {"us": "US", "eu": "EU", "in": "IN", "au": "AU", "jp": "JP", "ca": "CA", "sa": "SA", "cn": "CN"}
SANDBOX = "SANDBOX"

SCOPE_MODULES = ("contacts", "settings", "invoices", "estimates", "customerpayments")
# Zoho: 10 new access tokens per refresh token per 10 minutes; then "Access Denied" for the rest of the window.
REFRESH_WINDOW_SECONDS = 600
REFRESHES_PER_WINDOW = 10

TOKEN_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


def _normalise(url: str) -> str:
    return url.strip().rstrip("/")


def sandbox_base() -> str:
    return _normalise(settings.SANDBOX_BASE_URL)


def data_centre_hosts(data_centre: str) -> tuple[str, str]:
    """(accounts server, API domain) of a data centre."""
    if data_centre == SANDBOX:
        base = sandbox_base()
        return base, base
    try:
        return ZOHO_DATA_CENTRES[data_centre]
    except KeyError:
        raise ValueError(f"Unknown data centre {data_centre!r}.") from None


def _trusted_accounts_servers() -> dict[str, str]:
    trusted = {accounts: dc for dc, (accounts, _api) in ZOHO_DATA_CENTRES.items()}
    trusted[sandbox_base()] = SANDBOX
    return trusted


def _trusted_api_domains() -> dict[str, str]:
    trusted = {api: dc for dc, (_accounts, api) in ZOHO_DATA_CENTRES.items()}
    trusted[sandbox_base()] = SANDBOX
    return trusted


def trusted_accounts_server(url: str) -> str | None:
    """The data centre of an accounts server URL, or None if it is not one we trust."""
    return _trusted_accounts_servers().get(_normalise(url))


def trusted_api_domain(url: str) -> str | None:
    """The data centre of an API domain, or None if it is not one we trust."""
    return _trusted_api_domains().get(_normalise(url))


def resolve_callback_server(*, accounts_server: str | None, location: str | None, fallback: str) -> tuple[str, str]:
    """The (data centre, accounts server) to exchange a code with, from Zoho's callback parameters.

    Zoho adds ``accounts-server`` and ``location`` when the user's account lives in another data centre than the one
    the authorization started at. Anything not trusted is refused rather than followed.
    """
    if accounts_server:
        data_centre = trusted_accounts_server(accounts_server)
        if data_centre is None:
            raise AuthError(
                f"The sign-in answer named an unknown accounts server ({urlsplit(accounts_server).netloc or '?'}); "
                "start the connection again.",
            )
        return data_centre, _normalise(accounts_server)
    if location and location.lower() in LOCATIONS:
        data_centre = LOCATIONS[location.lower()]
        return data_centre, ZOHO_DATA_CENTRES[data_centre][0]
    data_centre = trusted_accounts_server(fallback)
    if data_centre is None:
        raise AuthError("The configured accounts server is not a known Zoho data centre.")
    return data_centre, _normalise(fallback)


def scopes_for(edition: Edition) -> list[str]:
    product = "ZohoInvoice" if edition == "invoice" else "ZohoBooks"
    return [f"{product}.{module}.ALL" for module in SCOPE_MODULES]


def authorization_url(
    *,
    accounts_server: str,
    client_id: str,
    redirect_uri: str,
    state: str,
    edition: Edition = "books",
    scopes: Sequence[str] | None = None,
) -> str:
    """Where to send the user's browser to consent (offline access: a refresh token comes back)."""
    if trusted_accounts_server(accounts_server) is None:
        raise ValueError("The accounts server is not a known Zoho data centre or the configured sandbox.")
    query = urlencode(
        {
            "scope": ",".join(scopes or scopes_for(edition)),
            "client_id": client_id,
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "access_type": "offline",
            "prompt": "consent",
            "state": state,
        }
    )
    return f"{_normalise(accounts_server)}/oauth/v2/auth?{query}"


def _token_error(payload: Any, http_status: int) -> FinanceError:
    """Turn an accounts-server answer without ``access_token`` into the right error (§12.2)."""
    error = str(payload.get("error") or "") if isinstance(payload, dict) else ""
    description = str(payload.get("error_description") or "") if isinstance(payload, dict) else ""
    if error in ("invalid_code", "invalid_client", "invalid_grant", "unauthorized_client", "invalid_redirect_uri"):
        reasons = {
            "invalid_code": "The authorization was revoked, has expired or was already used",
            "invalid_client": "The OAuth client ID or secret is wrong",
        }
        reason = reasons.get(error, f"Zoho refused the authorization ({error})")
        return AuthError(f"{reason}; reconnect the finance organization.", http_status=http_status)
    if error == "Access Denied":
        return TokenRefreshBlocked(
            description or "Zoho refused new access tokens for now (too many requests).",
            http_status=http_status,
            retry_after=REFRESH_WINDOW_SECONDS,
        )
    if http_status >= 500:
        return TransportError(f"The accounts server failed (HTTP {http_status}).", http_status=http_status)
    # Anything else is temporary by rule: wait for the window rather than loop.
    return TokenRefreshBlocked(
        f"The accounts server did not issue a token ({error or description or f'HTTP {http_status}'}).",
        http_status=http_status,
        retry_after=REFRESH_WINDOW_SECONDS,
    )


def token_request(client: httpx.Client, accounts_server: str, form: dict[str, str]) -> TokenGrant:
    """POST to the token endpoint. Success only when ``access_token`` is present, whatever the HTTP status."""
    if trusted_accounts_server(accounts_server) is None:
        raise AuthError("Refusing to send credentials to an accounts server that is not a known Zoho data centre.")
    try:
        response = client.post(f"{_normalise(accounts_server)}/oauth/v2/token", data=form, timeout=TOKEN_TIMEOUT)
    except httpx.TransportError as exc:
        raise TransportError(f"Could not reach the accounts server: {exc.__class__.__name__}.") from exc
    try:
        payload = loads(response.content)
    except ValueError:
        payload = {}
    if isinstance(payload, dict) and payload.get("access_token"):
        api_domain = payload.get("api_domain")
        return TokenGrant(
            access_token=str(payload["access_token"]),
            expires_in=int(payload.get("expires_in") or payload.get("expires_in_sec") or 3600),
            api_domain=str(api_domain) if api_domain else None,
            refresh_token=str(payload["refresh_token"]) if payload.get("refresh_token") else None,
            scope=str(payload.get("scope") or ""),
        )
    raise _token_error(payload, response.status_code)


def exchange_code(
    client: httpx.Client, *, accounts_server: str, client_id: str, client_secret: str, redirect_uri: str, code: str
) -> TokenGrant:
    grant = token_request(
        client,
        accounts_server,
        {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": client_id,
            "client_secret": client_secret,
            "redirect_uri": redirect_uri,
        },
    )
    if not grant.refresh_token:
        raise ValidationFailed("Zoho issued no refresh token; the authorization must ask for offline access.")
    return grant


def refresh(
    client: httpx.Client, *, accounts_server: str, client_id: str, client_secret: str, refresh_token: str
) -> TokenGrant:
    return token_request(
        client,
        accounts_server,
        {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": client_id,
            "client_secret": client_secret,
        },
    )


def revoke(client: httpx.Client, *, accounts_server: str, refresh_token: str) -> None:
    """Revoke a refresh token (disconnect, FIN-10). Failures are reported, not hidden."""
    if trusted_accounts_server(accounts_server) is None:
        raise AuthError("Refusing to send a token to an accounts server that is not a known Zoho data centre.")
    try:
        response = client.post(
            f"{_normalise(accounts_server)}/oauth/v2/token/revoke",
            params={"token": refresh_token},
            timeout=TOKEN_TIMEOUT,
        )
    except httpx.TransportError as exc:
        raise TransportError(f"Could not reach the accounts server: {exc.__class__.__name__}.") from exc
    if response.status_code >= 400:
        raise ValidationFailed("Zoho did not revoke the token.", http_status=response.status_code)
