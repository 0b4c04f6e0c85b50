"""Organizations (tenants), roles, memberships, invitations and API tokens (TEN-1..4)."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The modules a role grants permissions on (TEN-3). Finance modules also have "email".
MODULES = {
    "companies": _("Companies"),
    "contacts": _("Contacts"),
    "services_and_parts": _("Services and Parts"),
    "work_orders": _("Work Orders"),
    "estimates": _("Estimates"),
    "invoices": _("Invoices"),
    "payments": _("Payments"),
    "billing_setup": _("Billing Setup"),
    "sync_logs": _("Sync Logs"),
}
FINANCE_MODULES = ("estimates", "invoices", "payments")
ACTIONS = ("view", "edit", "delete", "email")


def module_actions(module: str) -> tuple[str, ...]:
    return ACTIONS if module in FINANCE_MODULES else ("view", "edit", "delete")


class Organization(models.Model):
    """The tenant (TEN-1). The country decides the tax edition (TAX-1)."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    country = models.CharField(max_length=2, default="US", help_text=_("ISO 3166-1 alpha-2 country code"))
    state = models.CharField(max_length=10, blank=True, help_text=_("State or province code, for place of supply"))
    base_currency = models.CharField(max_length=3, default="USD")
    time_zone = models.CharField(max_length=64, default="UTC")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.Model):
    """A role grants per-module actions (TEN-3). Built-in roles are created with every organization."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="roles")
    name = models.CharField(max_length=80)
    is_administrator = models.BooleanField(default=False, help_text=_("Administrators may do everything."))
    # {"companies": ["view", "edit"], "invoices": ["view", "edit", "email"], ...}
    permissions = models.JSONField(default=dict, blank=True)
    receivables_summary = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="role_unique_name_per_org")]

    def __str__(self) -> str:
        return self.name

    def allows(self, module: str, action: str) -> bool:
        if self.is_administrator:
            return True
        if module == "receivables_summary":
            return self.receivables_summary
        return action in self.permissions.get(module, [])


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="memberships")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique_user_org"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization}"


def _hash_secret(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class Invitation(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "email"],
                condition=models.Q(accepted_at__isnull=True),
                name="invitation_one_open_per_email",
            )
        ]

    @staticmethod
    def hash_token(raw: str) -> str:
        return _hash_secret(raw)

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.expires_at > timezone.now()


class ApiToken(models.Model):
    """A token belongs to one user in one organization (API-1); only its hash is stored (REL-5)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="api_tokens")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(raw: str) -> str:
        return _hash_secret(raw)

    @classmethod
    def generate_key(cls) -> str:
        return "fsm_" + secrets.token_urlsafe(32)


class DocumentSequence(models.Model):
    """Per-organization counters for gap-free document numbers (work orders, estimates, invoices)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30)
    next_value = models.PositiveBigIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "kind"], name="sequence_unique_kind_per_org")]
