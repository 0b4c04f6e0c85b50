"""The Zoho Books / Zoho Invoice v3 connector: one httpx client for every data centre, both editions and the sandbox.

Only base URLs and credentials differ between them (zoho-books-v3.md §12.1): the connector builds
``{api_domain}/books/v3/…`` or ``{api_domain}/invoice/v3/…`` and never asks whether it talks to the sandbox.

What it takes care of, so that callers do not have to:

- tokens: refreshed when less than five minutes remain, one refresh at a time per connection, at most ten per ten
  minutes, a 401 answered by one refresh and one retry (§12.2);
- pace: about 90 calls a minute and five in flight per finance organization, shared by every worker through the
  ``sync.ApiPacer`` row; code 44 waits for the next minute window, 1070 backs off, 45 stops (§12.4);
- retries: idempotent calls (GET, PUT) after a 5xx or a dropped connection, with exponential backoff and jitter;
  creates look the record up by its key before posting again (§12.11), so calling a create twice is safe;
- paging, change reads with an overlap window, and de-duplication within a read (§12.5).

All waiting goes through a :class:`~sync.connectors.clock.Clock`.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from django.conf import settings

from sync.connectors import oauth, pacing, wire
from sync.connectors.base import (
    AuthError,
    CapacityReached,
    ConcurrencyLimited,
    ContactPerson,
    Currency,
    Customer,
    CustomFieldDef,
    DuplicateName,
    Edition,
    Estimate,
    FinanceError,
    FinanceUser,
    Invoice,
    Item,
    LookupKey,
    NotFound,
    OrganizationGone,
    OrganizationInfo,
    Page,
    Payment,
    PaymentTerm,
    QuotaExhausted,
    RateLimited,
    Salesperson,
    ServerError,
    Tax,
    TaxExemption,
    TaxGroup,
    TokenRefreshBlocked,
    TransportError,
    ValidationFailed,
)
from sync.connectors.clock import SYSTEM_CLOCK, Clock
from sync.models import FinanceConnection

logger = logging.getLogger(__name__)

T = TypeVar("T")

API_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
PER_PAGE = 200
# Refresh the shared access token when less than this remains (§12.2).
REFRESH_MARGIN = dt.timedelta(minutes=5)
# Change reads ask for records modified since the cursor minus this (§12.5).
DEFAULT_OVERLAP = dt.timedelta(minutes=5)
# A 401 right after a refresh is not answered by another refresh.
JUST_REFRESHED_SECONDS = 30.0
MAX_SERVER_RETRIES = 4
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 30.0
MAX_RATE_LIMIT_WAITS = 5
MAX_CONCURRENCY_WAITS = 5
ITEM_DETAILS_BATCH = 100

_default_transport: httpx.BaseTransport | None = None


def set_default_transport(transport: httpx.BaseTransport | None) -> None:
    """Make every connector built afterwards use ``transport`` (tests: ``httpx.WSGITransport``); None resets."""
    global _default_transport
    _default_transport = transport


def get_default_transport() -> httpx.BaseTransport | None:
    return _default_transport


def new_http_client(transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """An httpx client with explicit timeouts, on the given or the default transport."""
    return httpx.Client(
        transport=transport or _default_transport,
        timeout=API_TIMEOUT,
        follow_redirects=False,
        headers={"Accept": "application/json", "User-Agent": "fsmbilling-connector/1"},
    )


def _int_header(headers: httpx.Headers, name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(float(value))
    except ValueError:
        return None


def classify(http_status: int, payload: Any, headers: httpx.Headers | None = None) -> FinanceError:
    """The error for a refused call, decided by HTTP status and Zoho's ``code`` (never by the message text)."""
    code = payload.get("code") if isinstance(payload, Mapping) else None
    try:
        code = int(code) if code is not None else None
    except (TypeError, ValueError):
        code = None
    message = str(payload.get("message") or "") if isinstance(payload, Mapping) else ""
    message = message or f"The finance service answered HTTP {http_status}."
    headers = headers or httpx.Headers()
    kwargs: dict[str, Any] = {"zoho_code": code, "http_status": http_status}
    if code == 6041:
        return OrganizationGone(message, **kwargs)
    if http_status == 429 or code in (44, 45, 1070):
        if code == 45:
            reset = _int_header(headers, "X-Rate-Limit-Reset")
            if reset is None:
                reset = _int_header(headers, "Retry-After")
            return QuotaExhausted(message, reset_seconds=reset, **kwargs)
        if code == 1070:
            return ConcurrencyLimited(message, **kwargs)
        return RateLimited(message, retry_after=_int_header(headers, "Retry-After"), **kwargs)
    if http_status == 401 or code in (14, 57):
        return AuthError(message, **kwargs)
    if code == 3062:
        return DuplicateName(message, **kwargs)
    if code == 1009:
        return CapacityReached(message, **kwargs)
    if code == 1002 or http_status == 404:
        return NotFound(message, **kwargs)
    if http_status >= 500 or code == 1000:
        return ServerError(message, **kwargs)
    return ValidationFailed(message, **kwargs)


def _same_text(left: str | None, right: str | None) -> bool:
    return (left or "").strip().casefold() == (right or "").strip().casefold()


class ZohoConnector:
    """A connection's client for Zoho Books or Zoho Invoice (implements ``base.FinanceConnector``)."""

    def __init__(
        self,
        connection: FinanceConnection,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Clock | None = None,
        overlap: dt.timedelta = DEFAULT_OVERLAP,
        per_minute: int = pacing.DEFAULT_PER_MINUTE,
        max_in_flight: int = pacing.DEFAULT_IN_FLIGHT,
        daily_reserve: int = 0,
        rng: random.Random | None = None,
    ) -> None:
        self.connection = connection
        self.edition: Edition = "invoice" if connection.edition == FinanceConnection.Edition.INVOICE else "books"
        self.clock = clock or SYSTEM_CLOCK
        self.overlap = overlap
        self.per_minute = per_minute
        self.max_in_flight = max_in_flight
        self.daily_reserve = daily_reserve
        self._random = rng or random.Random()  # jitter only; not security-relevant
        self._http = new_http_client(transport)
        self._access_token: str | None = None
        self._access_expires_at: dt.datetime | None = None
        self._refreshed_at: float | None = None
        form_editions = getattr(settings, "ZOHO_FORM_BODY_EDITIONS", ())
        self.send_form_bodies = self.edition in form_editions

    # --- Lifecycle ------------------------------------------------------------------------------------------------

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ZohoConnector:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def api_domain(self) -> str:
        """The API domain: the one Zoho named for this connection, or the configured sandbox base.

        The sandbox is one more data centre in configuration (zoho-books-v3.md §12.1), so a sandbox connection
        follows the site's current address (a different port, a new host) instead of the one stored when it
        connected.
        """
        if self.connection.data_centre == FinanceConnection.DataCentre.SANDBOX:
            return oauth.sandbox_base()
        return self.connection.api_domain.rstrip("/")

    @property
    def accounts_server(self) -> str:
        if self.connection.data_centre == FinanceConnection.DataCentre.SANDBOX:
            return oauth.sandbox_base()
        return self.connection.accounts_server

    @property
    def base_url(self) -> str:
        api_domain = self.api_domain
        if oauth.trusted_api_domain(api_domain) is None:
            raise AuthError("The connection's API domain is not a known Zoho data centre; reconnect.")
        return f"{api_domain}/{'invoice' if self.edition == 'invoice' else 'books'}/v3"

    @property
    def organization_id(self) -> str:
        if not self.connection.finance_org_id:
            raise ValidationFailed("No finance organization has been chosen for this connection yet.")
        return self.connection.finance_org_id

    # --- OAuth ------------------------------------------------------------------------------------------------------

    def authorization_url(self, *, state: str, redirect_uri: str | None = None) -> str:
        """The consent page URL for this connection's client, data centre and edition."""
        return oauth.authorization_url(
            accounts_server=self.accounts_server,
            client_id=self.connection.client_id,
            redirect_uri=redirect_uri or settings.ZOHO_REDIRECT_URI,
            state=state,
            edition=self.edition,
        )

    def exchange_code(
        self,
        code: str,
        *,
        redirect_uri: str | None = None,
        accounts_server: str | None = None,
        location: str | None = None,
    ) -> None:
        """Finish the consent flow: trade the code for tokens and store them (encrypted) on the connection.

        ``accounts_server`` and ``location`` are the callback's parameters; they are followed only to trusted hosts.
        """
        data_centre, server = oauth.resolve_callback_server(
            accounts_server=accounts_server, location=location, fallback=self.connection.accounts_server
        )
        grant = oauth.exchange_code(
            self._http,
            accounts_server=server,
            client_id=self.connection.client_id,
            client_secret=self.connection.client_secret,
            redirect_uri=redirect_uri or settings.ZOHO_REDIRECT_URI,
            code=code,
        )
        api_domain = self.connection.api_domain
        if grant.api_domain:
            if oauth.trusted_api_domain(grant.api_domain) is None:
                raise AuthError("Zoho named an API domain that is not a known data centre; connection refused.")
            api_domain = grant.api_domain.rstrip("/")
        now = self.clock.now()
        connection = self.connection
        connection.data_centre = data_centre
        connection.accounts_server = server
        connection.api_domain = api_domain
        connection.refresh_token = grant.refresh_token or ""
        connection.access_token = grant.access_token
        connection.access_token_expires_at = now + dt.timedelta(seconds=grant.expires_in)
        connection.scope = grant.scope
        connection.connected_at = now
        connection.status = FinanceConnection.State.CONNECTED
        connection.status_reason = ""
        connection.status_changed_at = now
        connection.refresh_blocked_until = None
        connection.refresh_window_started_at = None
        connection.refresh_count_in_window = 0
        connection.save()
        self._access_token = grant.access_token
        self._access_expires_at = connection.access_token_expires_at

    def revoke(self) -> None:
        """Revoke the refresh token at Zoho and forget the tokens (disconnect, FIN-10)."""
        refresh_token = self.connection.refresh_token
        if refresh_token:
            oauth.revoke(self._http, accounts_server=self.accounts_server, refresh_token=refresh_token)
        FinanceConnection.objects.filter(pk=self.connection.pk).update(
            refresh_token_encrypted="", access_token_encrypted="", access_token_expires_at=None
        )
        self.connection.refresh_token_encrypted = ""
        self.connection.access_token_encrypted = ""
        self.connection.access_token_expires_at = None
        self._access_token = None
        self._set_status(FinanceConnection.State.DISCONNECTED, "Disconnected by an administrator.")

    def _set_status(self, status: str, reason: str) -> None:
        now = self.clock.now()
        FinanceConnection.objects.filter(pk=self.connection.pk).update(
            status=status, status_reason=reason, status_changed_at=now
        )
        self.connection.status = status
        self.connection.status_reason = reason
        self.connection.status_changed_at = now

    def _token_is_fresh(self, expires_at: dt.datetime | None, now: dt.datetime) -> bool:
        return expires_at is not None and expires_at - now > REFRESH_MARGIN

    def _access(self) -> str:
        """A valid access token: the cached one, the one another worker stored, or a new one."""
        now = self.clock.now()
        if self._access_token and self._token_is_fresh(self._access_expires_at, now):
            return self._access_token
        stored = FinanceConnection.objects.filter(pk=self.connection.pk).values(
            "access_token_encrypted", "access_token_expires_at"
        )[0]
        if stored["access_token_encrypted"] and self._token_is_fresh(stored["access_token_expires_at"], now):
            self.connection.access_token_encrypted = stored["access_token_encrypted"]
            self.connection.access_token_expires_at = stored["access_token_expires_at"]
            self._access_token = self.connection.access_token
            self._access_expires_at = stored["access_token_expires_at"]
            return self._access_token
        return self._refresh(stale_token=None)

    def _refresh(self, *, stale_token: str | None) -> str:
        """Get a new access token under the connection's row lock (one refresh in flight per connection).

        ``stale_token`` is the token a 401 refused: a stored token different from it is adopted without a refresh.
        Errors are recorded on the row inside the lock and raised after it is released.
        """
        error: FinanceError | None = None
        token = ""
        refreshed = False
        with pacing.locked_connection(self.connection.pk) as row:
            now = self.clock.now()
            stored = row.access_token if row.access_token_encrypted else ""
            expires_at = row.access_token_expires_at
            if stored and self._token_is_fresh(expires_at, now) and stored != stale_token:
                token = stored  # another worker refreshed while we waited for the lock
            elif not row.refresh_token_encrypted:
                error = AuthError("The finance connection has no refresh token; connect it again.")
            elif row.refresh_blocked_until and row.refresh_blocked_until > now:
                if stored and expires_at and expires_at > now and stored != stale_token:
                    token = stored
                else:
                    error = TokenRefreshBlocked(
                        "Zoho does not allow a new access token yet; sync resumes automatically.",
                        retry_after=(row.refresh_blocked_until - now).total_seconds(),
                    )
            else:
                window_start = row.refresh_window_started_at
                if window_start is None or (now - window_start).total_seconds() >= oauth.REFRESH_WINDOW_SECONDS:
                    row.refresh_window_started_at = window_start = now
                    row.refresh_count_in_window = 0
                if row.refresh_count_in_window >= oauth.REFRESHES_PER_WINDOW:
                    row.refresh_blocked_until = window_start + dt.timedelta(seconds=oauth.REFRESH_WINDOW_SECONDS)
                    error = TokenRefreshBlocked(
                        "Ten access tokens were already requested in the last ten minutes; waiting for the window.",
                        retry_after=(row.refresh_blocked_until - now).total_seconds(),
                    )
                else:
                    row.refresh_count_in_window += 1
                    try:
                        grant = oauth.refresh(
                            self._http,
                            accounts_server=self.accounts_server,
                            client_id=row.client_id,
                            client_secret=row.client_secret,
                            refresh_token=row.refresh_token,
                        )
                    except TokenRefreshBlocked as exc:
                        row.refresh_blocked_until = now + dt.timedelta(seconds=exc.retry_after)
                        error = exc
                    except AuthError as exc:
                        row.status = FinanceConnection.State.NEEDS_ATTENTION
                        row.status_reason = exc.message
                        row.status_changed_at = now
                        error = exc
                    except FinanceError as exc:
                        error = exc
                    else:
                        token = grant.access_token
                        row.access_token = token
                        row.access_token_expires_at = now + dt.timedelta(seconds=grant.expires_in)
                        row.last_refreshed_at = now
                        if grant.api_domain and oauth.trusted_api_domain(grant.api_domain):
                            row.api_domain = grant.api_domain.rstrip("/")
                        refreshed = True
                row.save()
                # A refusal that is only temporary still leaves the current token usable until it expires.
                still_valid = bool(stored) and expires_at is not None and expires_at > now and stored != stale_token
                if error is not None and not isinstance(error, AuthError) and still_valid:
                    logger.warning("Token refresh deferred (%s); using the current token until it expires.", error)
                    token, error = stored, None
            self._adopt_row(row)
        if error is not None:
            raise error
        self._access_token = token
        self._access_expires_at = self.connection.access_token_expires_at
        if refreshed:
            self._refreshed_at = self.clock.monotonic()
        return token

    def _adopt_row(self, row: FinanceConnection) -> None:
        for name in (
            "access_token_encrypted",
            "access_token_expires_at",
            "api_domain",
            "status",
            "status_reason",
            "status_changed_at",
            "refresh_window_started_at",
            "refresh_count_in_window",
            "refresh_blocked_until",
            "last_refreshed_at",
        ):
            setattr(self.connection, name, getattr(row, name))

    # --- The request loop -------------------------------------------------------------------------------------------

    def _backoff(self, attempt: int) -> None:
        delay = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2**attempt)
        self.clock.sleep(delay / 2 + self._random.uniform(0, delay / 2))

    def _seconds_to_next_minute(self) -> float:
        now = self.clock.now()
        return max(1.0, 60.0 - now.second - now.microsecond / 1_000_000)

    def _encode(self, body: Any) -> dict[str, Any]:
        if body is None:
            return {}
        text = wire.dumps(body)
        if self.send_form_bodies:
            return {"data": {"JSONString": text}}
        return {"content": text.encode(), "headers": {"Content-Type": "application/json"}}

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        idempotent: bool | None = None,
        organization_scoped: bool = True,
        raw: bool = False,
    ) -> Any:
        """Make one logical call: pacing, token, retries and error classification included.

        Returns the parsed JSON envelope (or the response body when ``raw``). Raises a ``FinanceError``.
        """
        if self.connection.status in (FinanceConnection.State.DISCONNECTED, FinanceConnection.State.REVOKED):
            raise AuthError("The finance connection is disconnected; connect it again.")
        if idempotent is None:
            idempotent = method in ("GET", "PUT")
        query = {key: value for key, value in (params or {}).items() if value is not None}
        headers: dict[str, str] = {}
        key: pacing.PacerKey | None = None
        if organization_scoped:
            query["organization_id"] = self.organization_id
            if self.edition == "invoice":
                headers["X-com-zoho-invoice-organizationid"] = self.organization_id
            key = pacing.PacerKey(api_domain=self.api_domain, finance_org_id=self.organization_id)
        encoded = self._encode(body)
        headers.update(encoded.pop("headers", {}))
        url = self.base_url + path
        refreshed_for_401 = False
        server_retries = rate_waits = concurrency_waits = 0
        while True:
            token = self._access()
            slot = (
                pacing.acquire(
                    key,
                    clock=self.clock,
                    per_minute=self.per_minute,
                    max_in_flight=self.max_in_flight,
                    daily_reserve=self.daily_reserve,
                )
                if key
                else None
            )
            release: dict[str, Any] = {}
            try:
                try:
                    response = self._http.request(
                        method,
                        url,
                        params=query,
                        headers={**headers, "Authorization": f"Zoho-oauthtoken {token}"},
                        **encoded,
                    )
                except httpx.TransportError as exc:
                    error: FinanceError = TransportError(
                        f"The finance service could not be reached or hung up ({exc.__class__.__name__}).",
                    )
                    if idempotent and server_retries < MAX_SERVER_RETRIES:
                        self._backoff(server_retries)
                        server_retries += 1
                        continue
                    raise error from exc
                # Quota headers are trusted on successes only: a refusal made before the service knew the
                # organization (auth, unknown path, injected faults) may describe no organization at all.
                if response.status_code < 300:
                    release = self._rate_headers(response.headers)
                payload: Any = None
                is_json = "json" in response.headers.get("content-type", "")
                if is_json or not raw:
                    try:
                        payload = wire.loads(response.content)
                    except ValueError:
                        payload = None
                code = payload.get("code") if isinstance(payload, Mapping) else None
                if response.status_code < 400 and code in (0, "0", None):
                    if raw:
                        return response.content
                    if not isinstance(payload, Mapping):
                        raise ServerError("The finance service sent an answer that is not JSON.")
                    return payload
                error = classify(response.status_code, payload, response.headers)
                if isinstance(error, RateLimited):
                    wait = error.retry_after if error.retry_after else self._seconds_to_next_minute()
                    release["blocked_for_seconds"] = min(float(wait), 60.0)
                elif isinstance(error, ConcurrencyLimited):
                    release["concurrency_limited"] = True
                elif isinstance(error, QuotaExhausted):
                    release.update(self._rate_headers(response.headers))
                    release["daily_remaining"] = 0
                    if error.reset_seconds is not None:
                        release["daily_reset_seconds"] = error.reset_seconds
            finally:
                if slot is not None:
                    pacing.release(slot, now=self.clock.now(), **release)

            # Decide what to do about the error.
            if isinstance(error, AuthError) and error.http_status == 401:
                just_refreshed = (
                    self._refreshed_at is not None
                    and self.clock.monotonic() - self._refreshed_at < JUST_REFRESHED_SECONDS
                    and self._access_token == token
                )
                if not refreshed_for_401 and not just_refreshed:
                    refreshed_for_401 = True
                    self._refresh(stale_token=token)
                    continue
                self._set_status(
                    FinanceConnection.State.NEEDS_ATTENTION,
                    "Zoho refused access: it was revoked, or a scope or permission is missing. "
                    f"Reconnect the finance organization. (Zoho said: {error.message})",
                )
                raise error
            if isinstance(error, RateLimited) and rate_waits < MAX_RATE_LIMIT_WAITS:
                rate_waits += 1  # the pacer holds every worker until the next minute window
                continue
            if isinstance(error, ConcurrencyLimited) and concurrency_waits < MAX_CONCURRENCY_WAITS:
                concurrency_waits += 1
                self.clock.sleep(self._random.uniform(1.0, 5.0))
                continue
            if isinstance(error, ServerError) and idempotent and server_retries < MAX_SERVER_RETRIES:
                self._backoff(server_retries)
                server_retries += 1
                continue
            if isinstance(error, OrganizationGone):
                self._set_status(
                    FinanceConnection.State.FINANCE_ORG_DELETED,
                    "The finance organization was deleted or this connection lost access to it. "
                    f"(Zoho said: {error.message})",
                )
            raise error

    @staticmethod
    def _rate_headers(headers: httpx.Headers) -> dict[str, Any]:
        info: dict[str, Any] = {}
        limit = _int_header(headers, "X-Rate-Limit-Limit")
        remaining = _int_header(headers, "X-Rate-Limit-Remaining")
        reset = _int_header(headers, "X-Rate-Limit-Reset")
        if limit is not None:
            info["daily_limit"] = limit
        if remaining is not None:
            info["daily_remaining"] = remaining
        if reset is not None:
            info["daily_reset_seconds"] = reset
        return info

    # --- Reading lists ----------------------------------------------------------------------------------------------

    @staticmethod
    def _page_context(payload: Mapping[str, Any]) -> Mapping[str, Any]:
        context = payload.get("page_context")
        if isinstance(context, list):
            context = context[0] if context else {}
        return context if isinstance(context, Mapping) else {}

    @staticmethod
    def _rows(payload: Mapping[str, Any], *keys: str) -> list[Mapping[str, Any]]:
        for key in keys:
            rows = payload.get(key)
            if isinstance(rows, list):
                return [row for row in rows if isinstance(row, Mapping)]
        return []

    def _pages(
        self,
        path: str,
        keys: tuple[str, ...],
        id_key: str,
        parse: Callable[[Mapping[str, Any]], T],
        params: Mapping[str, Any] | None = None,
        *,
        seen: set[str] | None = None,
    ) -> Iterator[Page[T]]:
        """Every page of a list, 200 rows a page, each record once (the real lists can repeat rows)."""
        seen = set() if seen is None else seen
        page = 1
        while True:
            payload = self.request("GET", path, params={**(params or {}), "page": page, "per_page": PER_PAGE})
            rows = self._rows(payload, *keys)
            items = []
            for row in rows:
                record_id = str(row.get(id_key) or "")
                if record_id and record_id in seen:
                    continue
                seen.add(record_id)
                items.append(parse(row))
            has_more = bool(rows) and bool(self._page_context(payload).get("has_more_page"))
            yield Page(items=tuple(items), has_more=has_more, page=page)
            if not has_more:
                return
            page += 1

    def _all(self, *args: Any, **kwargs: Any) -> list[Any]:
        return [item for page in self._pages(*args, **kwargs) for item in page.items]

    def _changed_params(self, changed_since: dt.datetime | None) -> dict[str, str]:
        if changed_since is None:
            return {}
        return {
            "last_modified_time": wire.format_timestamp(changed_since - self.overlap, self.connection.finance_time_zone)
        }

    # --- Organizations ----------------------------------------------------------------------------------------------

    def list_organizations(self) -> list[OrganizationInfo]:
        """The finance organizations the connected identity belongs to (FIN-2)."""
        payload = self.request("GET", "/organizations", organization_scoped=False)
        return [wire.parse_organization(row, edition=self.edition) for row in self._rows(payload, "organizations")]

    def get_organization(self, organization_id: str | None = None) -> OrganizationInfo:
        """One finance organization (this connection's by default) with the flags of §12.12."""
        own = organization_id is None or organization_id == self.connection.finance_org_id
        organization_id = organization_id or self.organization_id
        payload = self.request(
            "GET",
            f"/organizations/{quote(organization_id)}",
            params=None if own else {"organization_id": organization_id},
            organization_scoped=own,
        )
        return wire.parse_organization(payload.get("organization") or {}, edition=self.edition)

    def create_organization(
        self, *, name: str, country: str, currency_code: str, time_zone: str, **extra: Any
    ) -> OrganizationInfo:
        """Create a finance organization for the connected identity (FIN-2 "new account")."""
        body = wire.compact(
            {"name": name, "country_code": country, "currency_code": currency_code, "time_zone": time_zone, **extra}
        )
        payload = self.request("POST", "/organizations", body=body, organization_scoped=False)
        return wire.parse_organization(payload.get("organization") or {}, edition=self.edition)

    # --- Contacts -------------------------------------------------------------------------------------------------

    def list_contacts(self, *, changed_since: dt.datetime | None = None) -> Iterator[Page[Customer]]:
        """Contacts, newest first down to ``changed_since − overlap``; a full read without it (§12.5).

        When the list does not say it is sorted by ``last_modified_time`` descending, or its rows are not, the read
        falls back to a full scan (records already yielded are not repeated).
        """
        full = {"filter_by": "Status.All"}
        if changed_since is None:
            yield from self._pages("/contacts", ("contacts",), "contact_id", wire.parse_customer, full)
            return
        cutoff = changed_since - self.overlap
        params = {**full, "sort_column": "last_modified_time", "sort_order": "D"}
        seen: set[str] = set()
        previous: dt.datetime | None = None
        page = 1
        while True:
            payload = self.request("GET", "/contacts", params={**params, "page": page, "per_page": PER_PAGE})
            rows = self._rows(payload, "contacts")
            context = self._page_context(payload)
            ordered = context.get("sort_column") == "last_modified_time" and context.get("sort_order") == "D"
            items: list[Customer] = []
            reached_cutoff = False
            for row in rows:
                modified = wire.to_datetime(row.get("last_modified_time"))
                if modified is None or (previous is not None and modified > previous):
                    ordered = False
                    break
                previous = modified
                if modified < cutoff:
                    reached_cutoff = True
                    break
                record_id = str(row.get("contact_id") or "")
                if record_id in seen:
                    continue
                seen.add(record_id)
                items.append(wire.parse_customer(row))
            if not ordered:
                logger.info("Contacts are not listed newest first; reading them all.")
                if items:
                    yield Page(items=tuple(items), has_more=True, page=page)
                yield from self._pages("/contacts", ("contacts",), "contact_id", wire.parse_customer, full, seen=seen)
                return
            has_more = bool(rows) and not reached_cutoff and bool(context.get("has_more_page"))
            yield Page(items=tuple(items), has_more=has_more, page=page)
            if not has_more:
                return
            page += 1

    def get_contact(self, contact_id: str) -> Customer:
        payload = self.request("GET", f"/contacts/{quote(contact_id)}")
        return wire.parse_customer(payload.get("contact") or {})

    def find_contacts(self, *, contact_name: str) -> list[Customer]:
        """Contacts whose display name is exactly ``contact_name`` (ignoring case and surrounding space).

        Asks Books to filter by name first; if that finds nothing, reads every contact (Books compares names
        ignoring case for code 3062, its filter may not).
        """
        for query in ({"contact_name": contact_name.strip(), "filter_by": "Status.All"}, {"filter_by": "Status.All"}):
            found = [
                customer
                for customer in self._all("/contacts", ("contacts",), "contact_id", wire.parse_customer, query)
                if _same_text(customer.contact_name, contact_name)
            ]
            if found:
                return found
        return []

    def search_customers(self, text: str, *, limit: int = 25) -> list[Customer]:
        """Active contacts matching ``text`` (FIN-6): one page, at most ``limit`` rows."""
        payload = self.request(
            "GET",
            "/contacts",
            params={"search_text": text, "filter_by": "Status.Active", "page": 1, "per_page": min(limit, PER_PAGE)},
        )
        return [wire.parse_customer(row) for row in self._rows(payload, "contacts")][:limit]

    def count_customers(self) -> int:
        """How many contacts the organization holds (no count endpoint exists; Zoho Invoice caps it, §12.10)."""
        return sum(len(page.items) for page in self._pages("/contacts", ("contacts",), "contact_id", lambda r: r))

    def _create(
        self,
        path: str,
        key: str,
        body: Mapping[str, Any],
        parse: Callable[[Mapping[str, Any]], T],
        *,
        lookup: Callable[[], T | None] | None,
        params: Mapping[str, Any] | None = None,
    ) -> T:
        """POST a create; after a lost answer, look the record up by its key before posting again."""
        attempt = 0
        while True:
            try:
                payload = self.request("POST", path, params=params, body=body, idempotent=False)
                return parse(payload.get(key) or {})
            except (TransportError, ServerError) as exc:
                if lookup is None or attempt >= MAX_SERVER_RETRIES:
                    raise
                logger.info("Create at %s got no clear answer (%s); looking the record up first.", path, exc)
                self._backoff(attempt)
                attempt += 1
                existing = lookup()
                if existing is not None:
                    return existing

    def create_contact(self, customer: Customer, *, lookup_key: LookupKey | None = None) -> Customer:
        """Create a customer. Raises DuplicateName (3062) if the display name is taken."""
        key = lookup_key or LookupKey("contact_name", customer.contact_name)

        def lookup() -> Customer | None:
            if key.field != "contact_name":
                raise ValidationFailed(f"Contacts cannot be looked up by {key.field}.")
            found = self.find_contacts(contact_name=key.value)
            return self.get_contact(found[0].contact_id) if found and found[0].contact_id else None

        return self._create(
            "/contacts", "contact", wire.dump_customer(customer, for_create=True), wire.parse_customer, lookup=lookup
        )

    def update_contact(self, contact_id: str, customer: Customer) -> Customer:
        payload = self.request(
            "PUT", f"/contacts/{quote(contact_id)}", body=wire.dump_customer(customer, for_create=False)
        )
        return wire.parse_customer(payload.get("contact") or {})

    def mark_contact_active(self, contact_id: str) -> None:
        self.request("POST", f"/contacts/{quote(contact_id)}/active", idempotent=True)

    def mark_contact_inactive(self, contact_id: str) -> None:
        self.request("POST", f"/contacts/{quote(contact_id)}/inactive", idempotent=True)

    def list_contact_persons(self, contact_id: str) -> list[ContactPerson]:
        return self._all(
            f"/contacts/{quote(contact_id)}/contactpersons",
            ("contact_persons",),
            "contact_person_id",
            lambda row: wire.parse_contact_person(row, contact_id),
        )

    def create_contact_person(self, contact_id: str, person: ContactPerson) -> ContactPerson:
        def lookup() -> ContactPerson | None:
            for existing in self.list_contact_persons(contact_id):
                if (
                    _same_text(existing.first_name, person.first_name)
                    and _same_text(existing.last_name, person.last_name)
                    and _same_text(existing.email, person.email)
                ):
                    return existing
            return None

        return self._create(
            "/contacts/contactpersons",
            "contact_person",
            {**wire.dump_contact_person(person), "contact_id": contact_id},
            lambda row: wire.parse_contact_person(row, contact_id),
            lookup=lookup,
        )

    def update_contact_person(self, contact_person_id: str, person: ContactPerson) -> ContactPerson:
        body = wire.dump_contact_person(person)
        if person.contact_id:
            body["contact_id"] = person.contact_id
        payload = self.request("PUT", f"/contacts/contactpersons/{quote(contact_person_id)}", body=body)
        return wire.parse_contact_person(payload.get("contact_person") or {}, person.contact_id)

    def mark_contact_person_primary(self, contact_person_id: str) -> None:
        self.request("POST", f"/contacts/contactpersons/{quote(contact_person_id)}/primary", idempotent=True)

    # --- Items ----------------------------------------------------------------------------------------------------

    def list_items(self) -> Iterator[Page[Item]]:
        """Every item, active and inactive (items have no reliable change filter, §12.5)."""
        return self._pages("/items", ("items",), "item_id", wire.parse_item, {"filter_by": "Status.All"})

    def get_item(self, item_id: str) -> Item:
        payload = self.request("GET", f"/items/{quote(item_id)}")
        return wire.parse_item(payload.get("item") or {})

    def get_item_details(self, item_ids: Sequence[str]) -> list[Item]:
        """Full records of several items, 100 per call (``GET /itemdetails``)."""
        items: list[Item] = []
        for start in range(0, len(item_ids), ITEM_DETAILS_BATCH):
            batch = item_ids[start : start + ITEM_DETAILS_BATCH]
            payload = self.request("GET", "/itemdetails", params={"item_ids": ",".join(batch)})
            items.extend(wire.parse_item(row) for row in self._rows(payload, "items"))
        return items

    def find_items(self, *, name: str | None = None, sku: str | None = None) -> list[Item]:
        """Items whose name (or SKU) is exactly the given one, ignoring case and surrounding space.

        Asks Books to filter first; if that finds nothing, reads every item, so a filter the service ignores or
        applies differently cannot hide a record.
        """
        if sku:
            params = {"search_text": sku.strip(), "filter_by": "Status.All"}
            wanted, field = sku, "sku"
        elif name:
            params = {"name": name.strip(), "filter_by": "Status.All"}
            wanted, field = name, "name"
        else:
            raise ValueError("find_items needs a name or a sku.")
        for query in (params, {"filter_by": "Status.All"}):
            found = [
                item
                for item in self._all("/items", ("items",), "item_id", wire.parse_item, query)
                if _same_text(getattr(item, field), wanted)
            ]
            if found:
                return found
        return []

    def search_items(self, text: str, *, limit: int = 25) -> list[Item]:
        """Active items matching ``text`` (FIN-6): one page, at most ``limit`` rows."""
        payload = self.request(
            "GET",
            "/items",
            params={"search_text": text, "filter_by": "Status.Active", "page": 1, "per_page": min(limit, PER_PAGE)},
        )
        return [wire.parse_item(row) for row in self._rows(payload, "items")][:limit]

    def count_items(self) -> int:
        return sum(
            len(page.items)
            for page in self._pages("/items", ("items",), "item_id", lambda r: r, {"filter_by": "Status.All"})
        )

    def create_item(self, item: Item, *, lookup_key: LookupKey | None = None) -> Item:
        key = lookup_key or (LookupKey("sku", item.sku) if item.sku else LookupKey("name", item.name))

        def lookup() -> Item | None:
            if key.field not in ("sku", "name"):
                raise ValidationFailed(f"Items cannot be looked up by {key.field}.")
            found = self.find_items(**{key.field: key.value})
            return found[0] if found else None

        return self._create("/items", "item", wire.dump_item(item), wire.parse_item, lookup=lookup)

    def update_item(self, item_id: str, item: Item) -> Item:
        payload = self.request("PUT", f"/items/{quote(item_id)}", body=wire.dump_item(item))
        return wire.parse_item(payload.get("item") or {})

    def mark_item_active(self, item_id: str) -> None:
        self.request("POST", f"/items/{quote(item_id)}/active", idempotent=True)

    def mark_item_inactive(self, item_id: str) -> None:
        self.request("POST", f"/items/{quote(item_id)}/inactive", idempotent=True)

    # --- Invoices ---------------------------------------------------------------------------------------------------

    def list_invoices(self, *, changed_since: dt.datetime | None = None) -> Iterator[Page[Invoice]]:
        """Invoices modified at or after ``changed_since − overlap`` (all of them without it)."""
        return self._pages(
            "/invoices", ("invoices",), "invoice_id", wire.parse_invoice, self._changed_params(changed_since)
        )

    def get_invoice(self, invoice_id: str) -> Invoice:
        payload = self.request("GET", f"/invoices/{quote(invoice_id)}")
        return wire.parse_invoice(payload.get("invoice") or {})

    def find_invoices(self, *, invoice_number: str | None = None, reference_number: str | None = None) -> list[Invoice]:
        if invoice_number:
            params, field, value = {"invoice_number": invoice_number.strip()}, "invoice_number", invoice_number
        elif reference_number:
            params, field, value = {"reference_number": reference_number.strip()}, "reference_number", reference_number
        else:
            raise ValueError("find_invoices needs an invoice number or a reference number.")
        return [
            invoice
            for invoice in self._all("/invoices", ("invoices",), "invoice_id", wire.parse_invoice, params)
            if _same_text(getattr(invoice, field), value)
        ]

    def create_invoice(self, invoice: Invoice, *, lookup_key: LookupKey | None = None) -> Invoice:
        """Create an invoice. With ``invoice_number`` set, Books' automatic numbering is bypassed for it.

        Without an invoice or reference number there is no key to look the invoice up by, so a lost answer is
        raised (TransportError) rather than risking a second invoice.
        """
        key = lookup_key
        if key is None and invoice.invoice_number:
            key = LookupKey("invoice_number", invoice.invoice_number)
        elif key is None and invoice.reference_number:
            key = LookupKey("reference_number", invoice.reference_number)

        def lookup() -> Invoice | None:
            if key is None or key.field not in ("invoice_number", "reference_number"):
                raise ValidationFailed(f"Invoices cannot be looked up by {key.field if key else 'nothing'}.")
            found = self.find_invoices(**{key.field: key.value})
            return self.get_invoice(found[0].invoice_id) if found and found[0].invoice_id else None

        params = {"ignore_auto_number_generation": "true"} if invoice.invoice_number else None
        return self._create(
            "/invoices",
            "invoice",
            wire.dump_invoice(invoice),
            wire.parse_invoice,
            lookup=lookup if key else None,
            params=params,
        )

    def update_invoice(self, invoice_id: str, invoice: Invoice) -> Invoice:
        params = {"ignore_auto_number_generation": "true"} if invoice.invoice_number else None
        payload = self.request("PUT", f"/invoices/{quote(invoice_id)}", params=params, body=wire.dump_invoice(invoice))
        return wire.parse_invoice(payload.get("invoice") or {})

    def mark_invoice_sent(self, invoice_id: str) -> None:
        self.request("POST", f"/invoices/{quote(invoice_id)}/status/sent")

    def void_invoice(self, invoice_id: str) -> None:
        self.request("POST", f"/invoices/{quote(invoice_id)}/status/void")

    def mark_invoice_draft(self, invoice_id: str) -> None:
        self.request("POST", f"/invoices/{quote(invoice_id)}/status/draft")

    def email_invoice(
        self,
        invoice_id: str,
        *,
        to: Sequence[str],
        cc: Sequence[str] = (),
        subject: str | None = None,
        body: str | None = None,
    ) -> None:
        """Have Books email the invoice (it becomes sent). Never retried automatically: a retry could email twice."""
        message = wire.compact(
            {"to_mail_ids": list(to), "cc_mail_ids": list(cc) or None, "subject": subject, "body": body}
        )
        self.request("POST", f"/invoices/{quote(invoice_id)}/email", body=message)

    def get_invoice_pdf(self, invoice_id: str) -> bytes:
        """The invoice as Books renders it (``accept=pdf``); the bytes are passed through as they come."""
        return self.request("GET", f"/invoices/{quote(invoice_id)}", params={"accept": "pdf"}, raw=True)

    # --- Estimates --------------------------------------------------------------------------------------------------

    def list_estimates(self, *, changed_since: dt.datetime | None = None) -> Iterator[Page[Estimate]]:
        return self._pages(
            "/estimates", ("estimates",), "estimate_id", wire.parse_estimate, self._changed_params(changed_since)
        )

    def get_estimate(self, estimate_id: str) -> Estimate:
        payload = self.request("GET", f"/estimates/{quote(estimate_id)}")
        return wire.parse_estimate(payload.get("estimate") or {})

    def find_estimates(
        self, *, estimate_number: str | None = None, reference_number: str | None = None
    ) -> list[Estimate]:
        if estimate_number:
            params, field, value = {"estimate_number": estimate_number.strip()}, "estimate_number", estimate_number
        elif reference_number:
            params, field, value = {"reference_number": reference_number.strip()}, "reference_number", reference_number
        else:
            raise ValueError("find_estimates needs an estimate number or a reference number.")
        return [
            estimate
            for estimate in self._all("/estimates", ("estimates",), "estimate_id", wire.parse_estimate, params)
            if _same_text(getattr(estimate, field), value)
        ]

    def create_estimate(self, estimate: Estimate, *, lookup_key: LookupKey | None = None) -> Estimate:
        key = lookup_key
        if key is None and estimate.estimate_number:
            key = LookupKey("estimate_number", estimate.estimate_number)
        elif key is None and estimate.reference_number:
            key = LookupKey("reference_number", estimate.reference_number)

        def lookup() -> Estimate | None:
            if key is None or key.field not in ("estimate_number", "reference_number"):
                raise ValidationFailed(f"Estimates cannot be looked up by {key.field if key else 'nothing'}.")
            found = self.find_estimates(**{key.field: key.value})
            return self.get_estimate(found[0].estimate_id) if found and found[0].estimate_id else None

        params = {"ignore_auto_number_generation": "true"} if estimate.estimate_number else None
        return self._create(
            "/estimates",
            "estimate",
            wire.dump_estimate(estimate),
            wire.parse_estimate,
            lookup=lookup if key else None,
            params=params,
        )

    def update_estimate(self, estimate_id: str, estimate: Estimate) -> Estimate:
        params = {"ignore_auto_number_generation": "true"} if estimate.estimate_number else None
        payload = self.request(
            "PUT", f"/estimates/{quote(estimate_id)}", params=params, body=wire.dump_estimate(estimate)
        )
        return wire.parse_estimate(payload.get("estimate") or {})

    def mark_estimate_sent(self, estimate_id: str) -> None:
        self.request("POST", f"/estimates/{quote(estimate_id)}/status/sent")

    def mark_estimate_accepted(self, estimate_id: str) -> None:
        self.request("POST", f"/estimates/{quote(estimate_id)}/status/accepted")

    def mark_estimate_declined(self, estimate_id: str) -> None:
        self.request("POST", f"/estimates/{quote(estimate_id)}/status/declined")

    # --- Customer payments ------------------------------------------------------------------------------------------

    def list_payments(self, *, changed_since: dt.datetime | None = None) -> Iterator[Page[Payment]]:
        return self._pages(
            "/customerpayments",
            ("customerpayments", "customer_payments"),
            "payment_id",
            wire.parse_payment,
            self._changed_params(changed_since),
        )

    def get_payment(self, payment_id: str) -> Payment:
        payload = self.request("GET", f"/customerpayments/{quote(payment_id)}")
        return wire.parse_payment(payload.get("payment") or {})

    def create_payment(self, payment: Payment, *, lookup_key: LookupKey | None = None) -> Payment:
        """Record a customer payment. A lost answer is looked up by ``reference_number`` (and customer) if given."""
        key = lookup_key
        if key is None and payment.reference_number:
            key = LookupKey("reference_number", payment.reference_number)

        def lookup() -> Payment | None:
            assert key is not None
            params = {key.field: key.value, "customer_id": payment.customer_id}
            for found in self._all(
                "/customerpayments", ("customerpayments", "customer_payments"), "payment_id", wire.parse_payment, params
            ):
                if _same_text(getattr(found, key.field, None), key.value) and found.customer_id == payment.customer_id:
                    return self.get_payment(found.payment_id) if found.payment_id else found
            return None

        return self._create(
            "/customerpayments",
            "payment",
            wire.dump_payment(payment),
            wire.parse_payment,
            lookup=lookup if key else None,
        )

    # --- Reference data ---------------------------------------------------------------------------------------------

    def list_taxes(self) -> list[Tax]:
        """Taxes and compound taxes (tax groups are listed by ``list_tax_groups``)."""
        return [
            tax
            for tax in self._all("/settings/taxes", ("taxes",), "tax_id", wire.parse_tax)
            if tax.tax_type != "tax_group"
        ]

    def create_tax(self, tax: Tax) -> Tax:
        def lookup() -> Tax | None:
            return next((t for t in self.list_taxes() if _same_text(t.tax_name, tax.tax_name)), None)

        return self._create("/settings/taxes", "tax", wire.dump_tax(tax), wire.parse_tax, lookup=lookup)

    def list_tax_groups(self) -> list[TaxGroup]:
        """Tax groups with their component taxes: from ``/settings/taxgroups`` or, failing that, the tax list."""
        try:
            return self._all("/settings/taxgroups", ("tax_groups", "taxgroups"), "tax_group_id", wire.parse_tax_group)
        except (NotFound, ValidationFailed):
            pass
        rows = self._all("/settings/taxes", ("taxes",), "tax_id", lambda row: row)
        groups = []
        for row in rows:
            if row.get("tax_type") == "tax_group" and row.get("tax_id"):
                payload = self.request("GET", f"/settings/taxgroups/{quote(str(row['tax_id']))}")
                groups.append(wire.parse_tax_group(payload.get("tax_group") or row))
        return groups

    def create_tax_group(self, name: str, tax_ids: Sequence[str]) -> TaxGroup:
        def lookup() -> TaxGroup | None:
            return next((g for g in self.list_tax_groups() if _same_text(g.tax_group_name, name)), None)

        return self._create(
            "/settings/taxgroups",
            "tax_group",
            {"tax_group_name": name, "taxes": ",".join(tax_ids)},
            wire.parse_tax_group,
            lookup=lookup,
        )

    def list_tax_exemptions(self) -> list[TaxExemption]:
        """Tax exemptions (US and a few other editions); none where the edition has no such endpoint."""
        try:
            return self._all(
                "/settings/taxexemptions",
                ("tax_exemptions", "taxexemptions"),
                "tax_exemption_id",
                wire.parse_tax_exemption,
            )
        except NotFound:
            return []

    def create_tax_exemption(self, exemption: TaxExemption) -> TaxExemption:
        def lookup() -> TaxExemption | None:
            code = exemption.tax_exemption_code
            return next((e for e in self.list_tax_exemptions() if _same_text(e.tax_exemption_code, code)), None)

        return self._create(
            "/settings/taxexemptions",
            "tax_exemption",
            wire.dump_tax_exemption(exemption),
            wire.parse_tax_exemption,
            lookup=lookup,
        )

    def list_currencies(self) -> list[Currency]:
        return self._all("/settings/currencies", ("currencies",), "currency_id", wire.parse_currency)

    def create_currency(self, currency: Currency) -> Currency:
        def lookup() -> Currency | None:
            code = currency.currency_code
            return next((c for c in self.list_currencies() if _same_text(c.currency_code, code)), None)

        return self._create(
            "/settings/currencies", "currency", wire.dump_currency(currency), wire.parse_currency, lookup=lookup
        )

    def list_payment_terms(self) -> list[PaymentTerm]:
        """Payment terms from ``/settings/paymentterms`` (a project endpoint, §12.8), else from the contacts."""
        try:
            return self._all(
                "/settings/paymentterms",
                ("payment_terms", "paymentterms", "data"),
                "payment_terms_id",
                wire.parse_payment_term,
            )
        except (NotFound, ValidationFailed):
            logger.info("No payment terms list; collecting the terms used on contacts.")
        terms: dict[tuple[int, str], PaymentTerm] = {}
        for page in self._pages("/contacts", ("contacts",), "contact_id", lambda row: row, {"filter_by": "Status.All"}):
            for row in page.items:
                days = wire.to_int(row.get("payment_terms"))
                label = str(row.get("payment_terms_label") or "")
                if days is None or (days, label) in terms:
                    continue
                terms[(days, label)] = PaymentTerm(
                    payment_terms=days,
                    payment_terms_label=label,
                    payment_terms_id=wire.to_str(row.get("payment_terms_id")) or None,
                )
        return sorted(terms.values(), key=lambda term: (term.payment_terms, term.payment_terms_label))

    def list_salespersons(self) -> list[Salesperson]:
        """Salespersons (undocumented ``/salespersons``, §12.7); on 404, active users whose role says "sales"."""
        try:
            payload = self.request("GET", "/salespersons")
        except NotFound:
            logger.info("No salespersons endpoint; using users with a sales role.")
            users = self._all("/users", ("users",), "user_id", wire.parse_user, {"filter_by": "Status.Active"})
            return [
                Salesperson(salesperson_name=user.name, salesperson_id=None, salesperson_email=user.email)
                for user in users
                if "sales" in (user.role_name or user.user_role or "").casefold()
            ]
        return [wire.parse_salesperson(row) for row in self._rows(payload, "salespersons", "data")]

    def list_users(self) -> list[FinanceUser]:
        return self._all("/users", ("users",), "user_id", wire.parse_user, {"filter_by": "Status.All"})

    def list_custom_fields(self, entity: str) -> list[CustomFieldDef]:
        """Custom field definitions of one module (contact, item, invoice, …); none when the endpoint is missing."""
        try:
            payload = self.request("GET", "/settings/customfields", params={"entity": entity})
        except NotFound:
            return []
        rows = self._rows(payload, "customfields", "custom_fields", "data")
        return [wire.parse_custom_field_def(row, entity=entity) for row in rows]


def connector_for(
    connection: FinanceConnection,
    *,
    transport: httpx.BaseTransport | None = None,
    clock: Clock | None = None,
    **options: Any,
) -> ZohoConnector:
    """The connector for a finance connection, whatever its provider, edition or data centre."""
    return ZohoConnector(connection, transport=transport, clock=clock, **options)
