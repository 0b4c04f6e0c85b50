"""Models of the sync app: the finance connection of each organization (FIN-1) and the shared API pacer (SYN-21)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fsmbilling import crypto


class FinanceConnection(models.Model):
    """The one link between an FSM organization and its Zoho Books / Zoho Invoice organization (FIN-1).

    Secrets (client secret, refresh token, access token) are encrypted at rest with ``fsmbilling.crypto``. The
    access token is shared by every worker and refreshed by one of them at a time (row lock, see
    ``sync/connectors/pacing.py``). The refresh bookkeeping keeps us under Zoho's 10 new access tokens per refresh
    token per 10 minutes (zoho-books-v3.md §2.3, §12.2).
    """

    class Provider(models.TextChoices):
        SANDBOX = "sandbox", _("Books sandbox")
        ZOHO = "zoho", _("Zoho")

    class Edition(models.TextChoices):
        BOOKS = "books", _("Zoho Books")
        INVOICE = "invoice", _("Zoho Invoice")

    class DataCentre(models.TextChoices):
        US = "US", _("United States")
        EU = "EU", _("Europe")
        IN = "IN", _("India")
        AU = "AU", _("Australia")
        JP = "JP", _("Japan")
        CA = "CA", _("Canada")
        SA = "SA", _("Saudi Arabia")
        CN = "CN", _("China")
        SANDBOX = "SANDBOX", _("Sandbox")

    class State(models.TextChoices):
        CONNECTED = "connected", _("Connected")
        NEEDS_ATTENTION = "needs_attention", _("Needs attention")
        REVOKED = "revoked", _("Access revoked")
        FINANCE_ORG_DELETED = "finance_org_deleted", _("Finance organization deleted")
        DISCONNECTED = "disconnected", _("Disconnected")
        PAUSED = "paused", _("Paused")

    organization = models.OneToOneField(
        "fsmbilling.Organization", on_delete=models.CASCADE, related_name="finance_connection"
    )
    provider = models.CharField(max_length=10, choices=Provider.choices, default=Provider.SANDBOX)
    edition = models.CharField(max_length=10, choices=Edition.choices, default=Edition.BOOKS)
    data_centre = models.CharField(max_length=10, choices=DataCentre.choices, default=DataCentre.SANDBOX)
    accounts_server = models.URLField(help_text=_("Zoho accounts server of the data centre, e.g. accounts.zoho.eu"))
    api_domain = models.URLField(help_text=_("API domain from the token response, e.g. https://www.zohoapis.eu"))
    finance_org_id = models.CharField(max_length=40, blank=True, db_index=True)
    finance_org_name = models.CharField(max_length=200, blank=True)
    finance_time_zone = models.CharField(
        max_length=64, blank=True, help_text=_("Time zone of the finance organization, for change filters")
    )
    client_id = models.CharField(max_length=200, blank=True)
    client_secret_encrypted = models.TextField(blank=True)
    refresh_token_encrypted = models.TextField(blank=True)
    access_token_encrypted = models.TextField(blank=True)
    access_token_expires_at = models.DateTimeField(null=True, blank=True)
    scope = models.TextField(blank=True, help_text=_("Scopes granted, as the accounts server reported them"))
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    connected_identity_email = models.EmailField(blank=True)
    connected_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=24, choices=State.choices, default=State.CONNECTED)
    status_reason = models.TextField(blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    sync_paused = models.BooleanField(default=False, help_text=_("Automatic sync paused by an administrator"))
    # Token refresh bookkeeping: at most 10 refreshes per refresh token in any 10 minutes; "Access Denied" blocks.
    refresh_window_started_at = models.DateTimeField(null=True, blank=True)
    refresh_count_in_window = models.PositiveSmallIntegerField(default=0)
    refresh_blocked_until = models.DateTimeField(null=True, blank=True)
    last_refreshed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("finance connection")

    def __str__(self) -> str:
        return f"{self.organization} → {self.get_edition_display()} {self.finance_org_id or '(no organization yet)'}"

    # Secrets: plain values are never stored.
    @property
    def client_secret(self) -> str:
        return crypto.decrypt(self.client_secret_encrypted)

    @client_secret.setter
    def client_secret(self, value: str) -> None:
        self.client_secret_encrypted = crypto.encrypt(value)

    @property
    def refresh_token(self) -> str:
        return crypto.decrypt(self.refresh_token_encrypted)

    @refresh_token.setter
    def refresh_token(self, value: str) -> None:
        self.refresh_token_encrypted = crypto.encrypt(value)

    @property
    def access_token(self) -> str:
        return crypto.decrypt(self.access_token_encrypted)

    @access_token.setter
    def access_token(self, value: str) -> None:
        self.access_token_encrypted = crypto.encrypt(value)

    @property
    def is_usable(self) -> bool:
        """Whether calls may be made (FIN-7 refuses finance writes otherwise)."""
        return self.status in (self.State.CONNECTED, self.State.PAUSED)


class ApiPacer(models.Model):
    """Per finance organization call pacing shared by every worker and process (zoho-books-v3.md §12.4).

    Only ``sync/connectors/pacing.py`` reads or writes it, under a row lock. ``leases`` maps a lease id to its
    expiry (ISO timestamp) for each request in flight, so a crashed worker's slot frees itself.
    """

    api_domain = models.CharField(max_length=200)
    finance_org_id = models.CharField(max_length=40)
    window_start = models.DateTimeField(null=True, blank=True, help_text=_("Start of the current minute window"))
    window_count = models.PositiveIntegerField(default=0, help_text=_("Calls started in the current minute"))
    leases = models.JSONField(default=dict, blank=True)
    in_flight_limit = models.PositiveSmallIntegerField(default=5)
    daily_limit = models.PositiveIntegerField(null=True, blank=True)
    daily_remaining = models.PositiveIntegerField(null=True, blank=True)
    daily_reset_at = models.DateTimeField(null=True, blank=True)
    blocked_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("API pacer")
        constraints = [
            models.UniqueConstraint(fields=["api_domain", "finance_org_id"], name="apipacer_unique_finance_org"),
        ]

    def __str__(self) -> str:
        return f"{self.finance_org_id} @ {self.api_domain}"

    @property
    def in_flight(self) -> int:
        return len(self.leases)


# The sync engine's tables live in their own module; importing them here registers them with the app.
from sync.engine_models import (  # noqa: E402
    FieldMapping,
    ManualRunDay,
    MatchDecision,
    SupportNote,
    SyncFailure,
    SyncLink,
    SyncRun,
    SyncSettings,
    SyncType,
)

__all__ = [
    "ApiPacer",
    "FieldMapping",
    "FinanceConnection",
    "ManualRunDay",
    "MatchDecision",
    "SupportNote",
    "SyncFailure",
    "SyncLink",
    "SyncRun",
    "SyncSettings",
    "SyncType",
]
