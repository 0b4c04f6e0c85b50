"""Onboarding and the finance connection's life (FIN-1..3, FIN-8, FIN-10, TAX-6). docs/onboarding.md tells the story.

Steps of a browser onboarding:

1. ``authorization_start`` prepares the organization's ``FinanceConnection`` (provider, data centre, OAuth client)
   and returns the consent URL with a signed ``state``; the view keeps the state's nonce in the session.
2. The accounts server sends the browser back to ``/billing/oauth/callback/``; ``state_read`` checks the state
   (signature, age, user, session nonce) and ``authorization_finish`` exchanges the code through the connector.
3. ``finance_organizations`` lists the signed-in identity's organizations (both editions), each selectable or not
   with the reason (FIN-2), and ``onboard`` finishes: new Invoice organization or an existing one, default mappings,
   sync type, taxes pushed or pulled, reference data pulled (FIN-3, FIN-5).

``onboard_sandbox_demo`` does the same without a browser for the sandbox (control API client and grant).

Services that call the connector do not hold a database transaction around those calls (docs/connector.md); each
write is a short statement of its own, and every step can be run again.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
import secrets
from dataclasses import dataclass, field
from typing import Any

import httpx
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fsmbilling.models import Organization, Tax
from sync.connectors import AuthError, FinanceError, OrganizationGone, connector_for, oauth
from sync.connectors.base import OrganizationInfo
from sync.connectors.zoho import new_http_client
from sync.engine.mapping import default_mapping, mapping_save
from sync.engine_models import FieldMapping, SupportNote, SyncLink, SyncRun, SyncSettings, SyncType
from sync.models import FinanceConnection
from sync.reference import ReferenceSummary, forget_books_ids, pull_reference_data, push_taxes

logger = logging.getLogger(__name__)

CHOICES = ("new_invoice", "existing_invoice", "existing_books")
CHOICE_EDITION = {"new_invoice": "invoice", "existing_invoice": "invoice", "existing_books": "books"}
STATE_SALT = "sync.onboarding.oauth-state"
STATE_MAX_AGE = 15 * 60
SESSION_NONCE_KEY = "finance_oauth_nonce"
MAPPED_MODULES = [m.value for m in FieldMapping.Module]
# Both products' scopes: the identity's Books and Invoice organizations are listed after one consent (FIN-2).
SCOPES = [*oauth.scopes_for("books"), *oauth.scopes_for("invoice")]
DEMO_IDENTITY = "owner@sandbox.test"


class OnboardingRefused(Exception):
    """A refused onboarding or connection action: ``code`` for the API, ``message`` says why and what to do."""

    def __init__(self, code: str, message: str, status: int = 409, fields: dict | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.fields = fields or {}


@dataclass(frozen=True)
class FinanceOrgChoice:
    """One finance organization of the signed-in identity, as the onboarding wizard shows it (FIN-2)."""

    organization_id: str
    name: str
    edition: str
    country: str = ""
    currency_code: str = ""
    selectable: bool = True
    reason: str = ""
    crm_sync_type: str | None = None
    is_current: bool = False


@dataclass
class OnboardingResult:
    connection: FinanceConnection
    created_finance_org: bool
    sync_type: str
    pushed: ReferenceSummary | None = None
    pulled: ReferenceSummary | None = None
    notes: list[str] = field(default_factory=list)


# --- Provider and connection ----------------------------------------------------------------------------------------


def default_provider() -> str:
    provider = getattr(settings, "FINANCE_DEFAULT_PROVIDER", "sandbox") or "sandbox"
    return provider if provider in FinanceConnection.Provider.values else FinanceConnection.Provider.SANDBOX


def finance_connection(organization: Organization) -> FinanceConnection | None:
    return FinanceConnection.objects.filter(organization=organization).first()


def is_signed_in(connection: FinanceConnection | None) -> bool:
    return bool(connection and connection.refresh_token_encrypted)


def is_onboarded(connection: FinanceConnection | None) -> bool:
    return bool(connection and connection.finance_org_id)


def _control(method: str, path: str, *, transport=None, json: Any = None) -> dict:
    """A call to the sandbox's control API (sandbox provider only; never in production settings)."""
    if not getattr(settings, "SANDBOX_CONTROL_ENABLED", False):
        raise OnboardingRefused(
            "sandbox_control_disabled",
            _(
                "This needs the Books sandbox's control API, which is switched off here (SANDBOX_CONTROL_ENABLED). "
                "Choose an existing sandbox organization instead, or turn the control API on for a local demo."
            ),
        )
    with new_http_client(transport) as client:
        try:
            response = client.request(method, f"{oauth.sandbox_base()}/_control{path}", json=json)
        except httpx.TransportError as exc:
            raise OnboardingRefused(
                "sandbox_unreachable",
                _("The Books sandbox could not be reached at %(url)s; check SANDBOX_BASE_URL.")
                % {"url": oauth.sandbox_base()},
                status=503,
            ) from exc
    if response.status_code >= 400:
        raise OnboardingRefused(
            "sandbox_refused",
            _("The Books sandbox refused the request (HTTP %(status)s): %(body)s")
            % {"status": response.status_code, "body": response.text[:300]},
            status=502,
        )
    return response.json() if response.content else {}


def _sandbox_client(redirect_uri: str, transport=None) -> tuple[str, str]:
    """OAuth client credentials for the sandbox: a client registered for this redirect URI when the control API is
    on, else the sandbox's demo client (created by ``manage.py sandbox_seed``) or the configured one."""
    if getattr(settings, "SANDBOX_CONTROL_ENABLED", False):
        client = _control(
            "POST", "/oauth/clients", transport=transport, json={"name": "fsmbilling", "redirect_uri": redirect_uri}
        )
        return client["client_id"], client["client_secret"]
    from sandbox.services.seed import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET

    return (
        getattr(settings, "SANDBOX_OAUTH_CLIENT_ID", "") or DEMO_CLIENT_ID,
        getattr(settings, "SANDBOX_OAUTH_CLIENT_SECRET", "") or DEMO_CLIENT_SECRET,
    )


def connection_prepare(
    *, organization: Organization, actor, redirect_uri: str, provider: str | None = None, transport=None
) -> FinanceConnection:
    """The organization's connection with the provider's data centre and OAuth client, ready for the consent step.

    A connection that is already onboarded keeps its finance organization and status until the new sign-in succeeds
    (reconnect); a new one waits as "disconnected" until then.
    """
    provider = provider or default_provider()
    connection = finance_connection(organization)
    if provider == FinanceConnection.Provider.ZOHO:
        if not (settings.ZOHO_CLIENT_ID and settings.ZOHO_CLIENT_SECRET):
            raise OnboardingRefused(
                "zoho_not_configured",
                _(
                    "Connecting to Zoho needs an OAuth client: set ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET and "
                    "ZOHO_REDIRECT_URI (see docs/onboarding.md), then try again."
                ),
            )
        data_centre = getattr(settings, "ZOHO_DEFAULT_DATA_CENTRE", "US") or "US"
        accounts_server, api_domain = oauth.data_centre_hosts(data_centre)
        client_id, client_secret = settings.ZOHO_CLIENT_ID, settings.ZOHO_CLIENT_SECRET
    else:
        data_centre = FinanceConnection.DataCentre.SANDBOX
        accounts_server, api_domain = oauth.data_centre_hosts(data_centre)
        client_id = client_secret = ""
        same_client = connection and connection.provider == provider and connection.client_id
        if same_client and connection.accounts_server == accounts_server:
            client_id, client_secret = connection.client_id, connection.client_secret
        else:
            client_id, client_secret = _sandbox_client(redirect_uri, transport)
    if connection is None:
        connection = FinanceConnection(organization=organization)
        connection.status = FinanceConnection.State.DISCONNECTED
        connection.status_reason = _("Onboarding: sign in to the finance service and choose a finance organization.")
        connection.status_changed_at = timezone.now()
    if connection.provider != provider or not connection.finance_org_id:
        connection.data_centre = data_centre
        connection.accounts_server = accounts_server
        connection.api_domain = api_domain
    connection.provider = provider
    connection.client_id = client_id
    connection.client_secret = client_secret
    connection.save()
    return connection


def authorization_start(
    *, organization: Organization, actor, redirect_uri: str, provider: str | None = None, transport=None
) -> tuple[str, str]:
    """(consent URL, nonce): the view keeps the nonce in the session; the callback must bring it back signed."""
    connection = connection_prepare(
        organization=organization, actor=actor, redirect_uri=redirect_uri, provider=provider, transport=transport
    )
    nonce = secrets.token_urlsafe(16)
    state = signing.dumps({"o": organization.pk, "u": actor.pk, "n": nonce, "r": redirect_uri}, salt=STATE_SALT)
    url = oauth.authorization_url(
        accounts_server=connection.accounts_server,
        client_id=connection.client_id,
        redirect_uri=redirect_uri,
        state=state,
        scopes=SCOPES,
    )
    return url, nonce


def state_read(state: str, *, user, session_nonce: str | None) -> tuple[Organization, str]:
    """(organization, redirect URI) of a callback's ``state``; anything forged, stale or foreign is refused."""
    refused = OnboardingRefused(
        "bad_state",
        _(
            "This sign-in answer is not valid for your session (it is forged, expired or was started by someone "
            "else). Start the connection again from Billing Setup."
        ),
        status=400,
    )
    try:
        data = signing.loads(state or "", salt=STATE_SALT, max_age=STATE_MAX_AGE)
    except signing.BadSignature as exc:
        raise refused from exc
    if not isinstance(data, dict) or not user.is_authenticated or data.get("u") != user.pk:
        raise refused
    if not session_nonce or not secrets.compare_digest(str(data.get("n", "")), session_nonce):
        raise refused
    organization = Organization.objects.filter(pk=data.get("o")).first()
    if organization is None:
        raise refused
    return organization, str(data.get("r") or "")


def authorization_finish(
    *,
    organization: Organization,
    actor,
    code: str,
    redirect_uri: str,
    accounts_server: str | None = None,
    location: str | None = None,
    transport=None,
    clock=None,
) -> FinanceConnection:
    """Exchange the code for tokens (stored encrypted by the connector); a reconnect re-checks the organization."""
    connection = finance_connection(organization)
    if connection is None or not connection.client_id:
        raise OnboardingRefused("not_started", _("Start the connection from Billing Setup first."), status=400)
    if not code:
        raise OnboardingRefused(
            "consent_refused", _("The sign-in was cancelled or refused. Start it again when you are ready."), 400
        )
    try:
        with connector_for(connection, transport=transport, clock=clock) as books:
            books.exchange_code(code, redirect_uri=redirect_uri, accounts_server=accounts_server, location=location)
    except FinanceError as exc:
        raise OnboardingRefused(
            "sign_in_failed", _("Signing in failed: %(reason)s Start it again.") % {"reason": exc.message}, 400
        ) from exc
    FinanceConnection.objects.filter(pk=connection.pk).update(connected_by=actor)
    connection.refresh_from_db()
    if connection.finance_org_id:
        connection_refresh(organization=organization, actor=actor, transport=transport, clock=clock)
        connection.refresh_from_db()
    return connection


def connect_with_grant(
    *, organization: Organization, actor, client_id: str, client_secret: str, grant: dict, identity_email: str = ""
) -> FinanceConnection:
    """Store tokens issued without a browser (the sandbox control API's grant), as a consent would have."""
    connection = finance_connection(organization) or FinanceConnection(organization=organization)
    connection.provider = FinanceConnection.Provider.SANDBOX
    connection.data_centre = FinanceConnection.DataCentre.SANDBOX
    connection.accounts_server = grant.get("accounts_server") or oauth.sandbox_base()
    connection.api_domain = grant.get("api_domain") or oauth.sandbox_base()
    if oauth.trusted_api_domain(connection.api_domain) is None:
        raise OnboardingRefused("untrusted_host", _("The grant names an API domain that is not the sandbox."))
    connection.client_id = client_id
    connection.client_secret = client_secret
    connection.refresh_token = grant["refresh_token"]
    connection.access_token = grant["access_token"]
    now = timezone.now()
    connection.access_token_expires_at = now + dt.timedelta(seconds=int(grant.get("expires_in") or 3600))
    connection.scope = grant.get("scope", "")
    connection.connected_by = actor
    connection.connected_identity_email = identity_email
    connection.status = FinanceConnection.State.CONNECTED
    connection.status_reason = ""
    connection.status_changed_at = now
    connection.save()
    return connection


def _signed_in(organization: Organization) -> FinanceConnection:
    connection = finance_connection(organization)
    if not is_signed_in(connection):
        raise OnboardingRefused(
            "not_signed_in",
            _("Sign in to the finance service first (Billing Setup → Onboarding → Sign in), then choose again."),
        )
    if connection.status in (FinanceConnection.State.DISCONNECTED, FinanceConnection.State.REVOKED):
        raise OnboardingRefused(
            "disconnected", _("The finance connection is disconnected. Sign in again from Billing Setup.")
        )
    return connection


# --- Finance organizations of the identity (FIN-2) ------------------------------------------------------------------


def refusal_reason(info: OrganizationInfo) -> str:
    if not info.is_active:
        return _("This organization is inactive in Zoho. Activate it there, or choose another one.")
    if info.is_trial_expired:
        return _("The trial of this organization has expired. Upgrade its plan in Zoho, or choose another one.")
    if info.is_avalara_integrated:
        return _(
            "This organization is integrated with Avalara, which cannot be used together with FSM's taxes. "
            "Choose another organization."
        )
    return ""


def identity_organizations(connection: FinanceConnection, *, transport=None, clock=None):
    """(choices, errors): the identity's organizations read through both editions' APIs, de-duplicated."""
    seen: dict[tuple[str, str], FinanceOrgChoice] = {}
    errors: list[FinanceError] = []
    for edition in ("books", "invoice"):
        probe = copy.copy(connection)
        probe.edition = edition
        try:
            with connector_for(probe, transport=transport, clock=clock) as books:
                infos = books.list_organizations()
        except FinanceError as exc:  # e.g. the identity has no access to this product
            errors.append(exc)
            continue
        for info in infos:
            key = (info.organization_id, info.edition)
            if not info.organization_id or key in seen:
                continue
            reason = refusal_reason(info)
            seen[key] = FinanceOrgChoice(
                organization_id=info.organization_id,
                name=info.name,
                edition=info.edition,
                country=info.country,
                currency_code=info.currency_code,
                selectable=not reason,
                reason=reason,
                crm_sync_type=info.crm_sync_type,
                is_current=info.organization_id == connection.finance_org_id,
            )
    choices = sorted(seen.values(), key=lambda c: (c.edition, c.name.casefold(), c.organization_id))
    return choices, errors


def finance_organizations(organization: Organization, *, transport=None, clock=None) -> list[FinanceOrgChoice]:
    """The signed-in identity's finance organizations of both editions, with whether each can be chosen."""
    connection = _signed_in(organization)
    choices, errors = identity_organizations(connection, transport=transport, clock=clock)
    if not choices and len(errors) == 2:
        raise OnboardingRefused(
            "finance_unreachable",
            _("The finance service did not list your organizations: %(reason)s") % {"reason": errors[0].message},
            status=502,
        )
    return choices


# --- Onboard ---------------------------------------------------------------------------------------------------------


def onboard(
    *,
    organization: Organization,
    actor,
    choice: str,
    finance_org_id: str | None = None,
    transport=None,
    clock=None,
) -> OnboardingResult:
    """Finish onboarding (FIN-2, FIN-3): pick or create the finance organization, then set everything up.

    Run again with the finance organization it connected to, it completes whatever an earlier attempt left undone.
    """
    if choice not in CHOICES:
        raise OnboardingRefused(
            "invalid", _("Choose new_invoice, existing_invoice or existing_books."), 400, {"choice": ["Unknown."]}
        )
    if choice != "new_invoice" and not finance_org_id:
        raise OnboardingRefused(
            "invalid", _("Choose the finance organization to connect."), 400, {"finance_org_id": ["Required."]}
        )
    connection = _signed_in(organization)
    if connection.finance_org_id and connection.finance_org_id != (finance_org_id or ""):
        raise OnboardingRefused(
            "already_onboarded",
            _(
                "This organization is already connected to the finance organization %(name)s (%(id)s). Switching to "
                "another one is a support action: ask platform support, your data stays as it is."
            )
            % {"name": connection.finance_org_name, "id": connection.finance_org_id},
        )
    lock = f"sync:onboard:{organization.pk}"
    if not cache.add(lock, "1", timeout=600):
        raise OnboardingRefused("onboarding_in_progress", _("Onboarding is already running; wait a moment."))
    try:
        return _onboard(
            organization=organization,
            actor=actor,
            connection=connection,
            choice=choice,
            finance_org_id=finance_org_id,
            transport=transport,
            clock=clock,
        )
    finally:
        cache.delete(lock)


def _onboard(*, organization, actor, connection, choice, finance_org_id, transport, clock) -> OnboardingResult:
    created = False
    notes: list[str] = []
    if choice == "new_invoice":
        info = _create_invoice_organization(organization, connection, transport=transport, clock=clock)
        created = True
    else:
        wanted_edition = CHOICE_EDITION[choice]
        choices = finance_organizations(organization, transport=transport, clock=clock)
        match = next(
            (c for c in choices if c.organization_id == finance_org_id and c.edition == wanted_edition), None
        ) or next((c for c in choices if c.organization_id == finance_org_id), None)
        if match is None:
            raise OnboardingRefused(
                "unknown_finance_org",
                _("%(id)s is not one of the finance organizations of the signed-in identity. Choose one of the list.")
                % {"id": finance_org_id},
                400,
                {"finance_org_id": ["Not one of your finance organizations."]},
            )
        if not match.selectable:
            raise OnboardingRefused("finance_org_not_selectable", match.reason)
        if match.edition != wanted_edition:
            notes.append(
                _("%(name)s is a Zoho %(edition)s organization; it is connected as such.")
                % {"name": match.name, "edition": match.edition.title()}
            )
        connection.edition = match.edition
        connection.finance_org_id = match.organization_id
        connection.save(update_fields=["edition", "finance_org_id", "updated_at"])
        with connector_for(connection, transport=transport, clock=clock) as books:
            info = books.get_organization()
    now = timezone.now()
    connection.edition = info.edition
    connection.finance_org_id = info.organization_id
    connection.finance_org_name = info.name
    connection.finance_time_zone = info.time_zone if _is_zone(info.time_zone) else ""
    connection.connected_by = actor
    connection.connected_at = connection.connected_at or now
    connection.status = FinanceConnection.State.CONNECTED
    connection.status_reason = ""
    connection.status_changed_at = now
    connection.save()
    sync_type = SyncType.IV if created or not info.crm_sync_type else info.crm_sync_type
    if sync_type not in SyncType.values:
        sync_type = SyncType.IV
    _set_up_sync(organization, sync_type)
    pushed = None
    with connector_for(connection, transport=transport, clock=clock) as books:
        if created:
            pushed = push_taxes(organization, books)
            info = books.get_organization()
        pulled = pull_reference_data(organization, books, force=True, info=info)
    me = next((u for u in pulled.finance_users if u["is_current_user"]), None)
    if me and me["email"]:
        FinanceConnection.objects.filter(pk=connection.pk).update(connected_identity_email=me["email"])
        connection.connected_identity_email = me["email"]
    return OnboardingResult(connection, created, sync_type, pushed=pushed, pulled=pulled, notes=notes)


def _is_zone(name: str) -> bool:
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return bool(name)


@transaction.atomic
def _set_up_sync(organization: Organization, sync_type: str) -> None:
    """Sync type and default field mappings of every module pair (SYN-3, SYN-5), without marking a resync."""
    row, _created = SyncSettings.objects.select_for_update().get_or_create(organization=organization)
    if row.sync_type != sync_type:
        row.sync_type = sync_type
        row.save(update_fields=["sync_type", "updated_at"])
    for module in MAPPED_MODULES:
        mapping_save(
            organization=organization,
            module=module,
            pairs=default_mapping(module, organization.country, sync_type),
            mark_resync=False,
        )


def _create_invoice_organization(organization, connection, *, transport, clock) -> OrganizationInfo:
    """A new Zoho Invoice organization named like the FSM organization (FIN-2 a).

    Sandbox: created with the Zoho-shaped ``POST /organizations`` as the signed-in identity (no control API needed);
    its country and tax setting are then aligned through the control API when it is on. Real Zoho: refused with what
    to do, since this product does not create paid Zoho organizations on anyone's behalf (docs/onboarding.md).
    """
    if connection.provider == FinanceConnection.Provider.ZOHO:
        raise OnboardingRefused(
            "create_in_zoho",
            _(
                "A new Zoho Invoice organization cannot be created from here. Create it in Zoho Invoice "
                "(invoice.zoho.com, sign up with the same Zoho account), then come back and choose "
                '"Existing Invoice account".'
            ),
        )
    taxes_on = Tax.objects.filter(organization=organization, is_active=True).exists()
    creator = copy.copy(connection)
    creator.edition = FinanceConnection.Edition.INVOICE
    with connector_for(creator, transport=transport, clock=clock) as books:
        info = books.create_organization(
            name=organization.name,
            country=organization.country,
            currency_code=organization.base_currency,
            time_zone=organization.time_zone or "UTC",
            edition="invoice",
            is_tax_enabled=taxes_on,
        )
    if not info.organization_id:
        raise OnboardingRefused("create_failed", _("The finance service did not create the organization; try again."))
    if getattr(settings, "SANDBOX_CONTROL_ENABLED", False) and (
        info.country_code != organization.country or info.edition != "invoice" or info.is_tax_enabled != taxes_on
    ):
        _control(
            "PATCH",
            f"/orgs/{info.organization_id}",
            transport=transport,
            json={"country": organization.country, "edition": "invoice", "is_tax_enabled": taxes_on},
        )
    connection.edition = FinanceConnection.Edition.INVOICE
    connection.finance_org_id = info.organization_id
    connection.finance_org_name = info.name
    connection.save(update_fields=["edition", "finance_org_id", "finance_org_name", "updated_at"])
    with connector_for(connection, transport=transport, clock=clock) as books:
        return books.get_organization()


def onboard_sandbox_demo(organization: Organization, actor, base_url: str | None = None, transport=None):
    """Connect ``organization`` to the sandbox's seeded demo finance organization without a browser (run command).

    Seeds the sandbox (idempotent), registers an OAuth client and a grant for the demo identity through the control
    API, and onboards to the seeded organization of the same country (US otherwise), which holds customers, items,
    invoices, taxes and the rest.
    """
    if base_url:
        settings.SANDBOX_BASE_URL = base_url.rstrip("/")
    seeded = _control("POST", "/seed", transport=transport)
    key = {"US": "us", "IN": "india"}.get(organization.country, "global" if organization.country != "US" else "us")
    finance_org_id = seeded["organizations"].get(key) or seeded["organizations"]["us"]
    client = _control("POST", "/oauth/clients", transport=transport, json={"name": "fsmbilling demo"})
    grant = _control(
        "POST",
        "/oauth/grants",
        transport=transport,
        json={"client_id": client["client_id"], "user_email": DEMO_IDENTITY, "scope": " ".join(SCOPES)},
    )
    connection = finance_connection(organization)
    if is_onboarded(connection) and connection.finance_org_id == finance_org_id and connection.is_usable:
        return None
    connect_with_grant(
        organization=organization,
        actor=actor,
        client_id=client["client_id"],
        client_secret=client["client_secret"],
        grant=grant,
        identity_email=DEMO_IDENTITY,
    )
    return onboard(
        organization=organization,
        actor=actor,
        choice="existing_books",
        finance_org_id=finance_org_id,
        transport=transport,
    )


# --- Billing Setup actions (FIN-10) ----------------------------------------------------------------------------------


def _onboarded(organization: Organization) -> FinanceConnection:
    connection = finance_connection(organization)
    if not is_onboarded(connection):
        raise OnboardingRefused(
            "not_onboarded", _("No finance organization is connected yet. Finish onboarding in Billing Setup first.")
        )
    return connection


def sync_pause(*, organization: Organization, actor) -> FinanceConnection:
    """Pause automatic sync (FIN-10, SYN-8). Manual runs stay possible."""
    from sync.services import sync_auto_set

    connection = _onboarded(organization)
    FinanceConnection.objects.filter(pk=connection.pk).update(sync_paused=True)
    sync_auto_set(organization=organization, actor=actor, enabled=False)
    connection.sync_paused = True
    return connection


def sync_resume(*, organization: Organization, actor) -> FinanceConnection:
    from sync.services import sync_auto_set

    connection = _onboarded(organization)
    FinanceConnection.objects.filter(pk=connection.pk).update(sync_paused=False)
    sync_auto_set(organization=organization, actor=actor, enabled=True)
    connection.sync_paused = False
    return connection


def _refuse_while_running(organization: Organization, what: str) -> None:
    if SyncRun.objects.filter(organization=organization, state__in=SyncRun.ACTIVE_STATES).exists():
        raise OnboardingRefused(
            "run_in_progress",
            _("A sync run is in progress. Wait for it to finish (see Sync Logs), then %(what)s.") % {"what": what},
        )


def disconnect(*, organization: Organization, actor, transport=None, clock=None) -> FinanceConnection:
    """Revoke the refresh token at Zoho and forget the tokens (FIN-10). FSM data and links stay."""
    connection = _onboarded(organization)
    if connection.status == FinanceConnection.State.DISCONNECTED and not connection.refresh_token_encrypted:
        raise OnboardingRefused("already_disconnected", _("The integration is already disconnected."))
    _refuse_while_running(organization, _("disconnect"))
    reason = _("Disconnected by %(who)s. Reconnect in Billing Setup to sync again.") % {"who": actor}
    try:
        with connector_for(connection, transport=transport, clock=clock) as books:
            books.revoke()
    except FinanceError as exc:
        logger.warning("Revoking the refresh token of %s failed: %s", organization, exc)
        reason += " " + _(
            "Zoho could not be told to revoke the access (%(error)s); remove the app under Connected Apps in your "
            "Zoho account."
        ) % {"error": exc.message}
    FinanceConnection.objects.filter(pk=connection.pk).update(
        refresh_token_encrypted="",
        access_token_encrypted="",
        access_token_expires_at=None,
        status=FinanceConnection.State.DISCONNECTED,
        status_reason=reason,
        status_changed_at=timezone.now(),
    )
    connection.refresh_from_db()
    return connection


def connection_refresh(*, organization: Organization, actor, transport=None, clock=None) -> FinanceConnection:
    """Ask the finance service whether the organization and our access still exist, and record the answer."""
    connection = _onboarded(organization)
    if not connection.refresh_token_encrypted:
        raise OnboardingRefused("disconnected", _("The integration is disconnected. Reconnect it in Billing Setup."))
    probe = copy.copy(connection)
    if probe.status in (FinanceConnection.State.REVOKED, FinanceConnection.State.DISCONNECTED):
        probe.status = FinanceConnection.State.NEEDS_ATTENTION  # the connector refuses to call for these states
    now = timezone.now()
    try:
        with connector_for(probe, transport=transport, clock=clock) as books:
            info = books.get_organization()
    except OrganizationGone as exc:
        status, reason = (
            FinanceConnection.State.FINANCE_ORG_DELETED,
            _(
                "The finance organization was deleted or this connection lost access to it (%(error)s). Ask platform "
                "support to switch to another finance organization."
            )
            % {"error": exc.message},
        )
    except AuthError as exc:
        status, reason = (
            FinanceConnection.State.REVOKED,
            _("Access to the finance organization was revoked (%(error)s). Reconnect in Billing Setup.")
            % {"error": exc.message},
        )
    except FinanceError as exc:
        raise OnboardingRefused(
            "finance_unreachable",
            _("The finance service could not be reached (%(error)s); the state was not changed. Try again later.")
            % {"error": exc.message},
            status=503,
        ) from exc
    else:
        status, reason = FinanceConnection.State.CONNECTED, ""
        FinanceConnection.objects.filter(pk=connection.pk).update(finance_org_name=info.name)
    FinanceConnection.objects.filter(pk=connection.pk).update(
        status=status, status_reason=reason, status_changed_at=now
    )
    connection.refresh_from_db()
    return connection


# --- Support: switch the finance organization (FIN-8) ----------------------------------------------------------------

RELINKED_KINDS = [
    SyncLink.Kind.COMPANY,
    SyncLink.Kind.CONTACT,
    SyncLink.Kind.CONTACT_PERSON,
    SyncLink.Kind.ITEM,
]


def finance_org_switch(
    *, organization: Organization, actor, finance_org_id: str, note: str, transport=None, clock=None
) -> FinanceConnection:
    """Point the connection to another finance organization of the same identity, keeping every FSM record.

    Customer and item links are dropped (they name the old organization's records); the next run matches records
    again by their keys (SYN-7) as a first run does. Reference data is matched again. A support note records it.
    """
    if not getattr(actor, "is_staff", False):
        raise OnboardingRefused("support_only", _("Only platform support can switch the finance organization."), 403)
    if not (note or "").strip():
        raise OnboardingRefused("invalid", _("Say why the organization is switched."), 400, {"note": ["Required."]})
    connection = finance_connection(organization)
    if not is_signed_in(connection):
        raise OnboardingRefused(
            "not_signed_in", _("The organization has no signed-in finance identity; an administrator must reconnect.")
        )
    if finance_org_id == connection.finance_org_id:
        raise OnboardingRefused("same_finance_org", _("That is already the connected finance organization."))
    _refuse_while_running(organization, _("switch"))
    probe = copy.copy(connection)
    probe.status = FinanceConnection.State.CONNECTED  # list the identity's organizations whatever the old one's state
    choices, _errors = identity_organizations(probe, transport=transport, clock=clock)
    target = next((c for c in choices if c.organization_id == finance_org_id), None)
    if target is None:
        raise OnboardingRefused(
            "unknown_finance_org",
            _("%(id)s is not a finance organization of the connected identity.") % {"id": finance_org_id},
            400,
        )
    if not target.selectable:
        raise OnboardingRefused("finance_org_not_selectable", target.reason)
    old = f"{connection.finance_org_name} ({connection.finance_org_id})"
    now = timezone.now()
    with transaction.atomic():
        locked = FinanceConnection.objects.select_for_update().get(pk=connection.pk)
        locked.edition = target.edition
        locked.finance_org_id = target.organization_id
        locked.finance_org_name = target.name
        locked.status = FinanceConnection.State.CONNECTED
        locked.status_reason = ""
        locked.status_changed_at = now
        locked.save()
        SyncLink.objects.filter(organization=organization, kind__in=RELINKED_KINDS).delete()
        row, _created = SyncSettings.objects.select_for_update().get_or_create(organization=organization)
        row.cursors = {}
        row.resync_modules = list(MAPPED_MODULES)
        if target.crm_sync_type in SyncType.values:
            row.sync_type = target.crm_sync_type
        row.save()
        SupportNote.objects.create(
            organization=organization,
            author=actor,
            action="switch finance organization",
            note=f"{note.strip()}\n\nFrom {old} to {target.name} ({target.organization_id}).",
        )
    forget_books_ids(organization)
    connection.refresh_from_db()
    with connector_for(connection, transport=transport, clock=clock) as books:
        info = books.get_organization()
        FinanceConnection.objects.filter(pk=connection.pk).update(
            finance_time_zone=info.time_zone if _is_zone(info.time_zone) else ""
        )
        pull_reference_data(organization, books, force=True, info=info)
    connection.refresh_from_db()
    return connection


# --- State of the connection (Billing Setup, API) --------------------------------------------------------------------


def finance_org_url(connection: FinanceConnection | None) -> str:
    """Where the finance organization opens: the sandbox UI, or the Books / Invoice web app of its data centre."""
    if connection is None or not connection.finance_org_id:
        return ""
    if connection.provider == FinanceConnection.Provider.SANDBOX:
        return f"{oauth.sandbox_base()}/ui/orgs/{connection.finance_org_id}/"
    product = "invoice" if connection.edition == FinanceConnection.Edition.INVOICE else "books"
    api_domain = (connection.api_domain or "https://www.zohoapis.com").rstrip("/")
    domain = api_domain.replace("www.zohoapis", f"{product}.zoho")
    return f"{domain}/app/{connection.finance_org_id}"


def connection_state(organization: Organization) -> dict:
    """What Billing Setup and ``GET billing/connection`` show (FIN-1, FIN-4)."""
    connection = finance_connection(organization)
    row = SyncSettings.objects.filter(organization=organization).first()
    sync = {
        "sync_type": row.sync_type if row else None,
        "sync_enabled": bool(row and row.is_enabled),
        "auto_sync": bool(row and row.auto_sync),
        "disabled_by_error": bool(row and row.disabled_by_error),
        "disabled_reason": row.disabled_reason if row else "",
    }
    if connection is None:
        return {
            "provider": default_provider(),
            "edition": None,
            "data_centre": None,
            "finance_org_id": "",
            "finance_org_name": "",
            "finance_org_url": "",
            "status": "not_connected",
            "status_label": str(_("Not connected")),
            "status_reason": str(_("Onboarding has not been done yet.")),
            "signed_in": False,
            "onboarded": False,
            "sync_paused": False,
            "connected_at": None,
            "connected_identity_email": "",
            **sync,
        }
    onboarded = is_onboarded(connection)
    status, label, reason = connection.status, connection.get_status_display(), connection.status_reason
    if not onboarded and is_signed_in(connection) and status == FinanceConnection.State.CONNECTED:
        status, label = "choose_organization", str(_("Signed in: choose a finance organization"))
        reason = str(_("Finish onboarding by choosing or creating the finance organization."))
    return {
        "provider": connection.provider,
        "edition": connection.edition,
        "data_centre": connection.data_centre,
        "finance_org_id": connection.finance_org_id,
        "finance_org_name": connection.finance_org_name,
        "finance_org_url": finance_org_url(connection) if onboarded else "",
        "status": status,
        "status_label": str(label),
        "status_reason": reason,
        "signed_in": is_signed_in(connection),
        "onboarded": onboarded,
        "sync_paused": connection.sync_paused,
        "connected_at": connection.connected_at.isoformat() if connection.connected_at else None,
        "connected_identity_email": connection.connected_identity_email,
        **sync,
    }
