"""Base classes shared by every tenant-owned table."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class TenantQuerySet(models.QuerySet):
    def for_org(self, organization) -> TenantQuerySet:
        return self.filter(organization=organization)


class TenantModel(models.Model):
    """A row that belongs to one organization.

    Every query of such a table is scoped by organization (fsmbilling/tenancy.py). ``updated_at`` keeps microseconds
    and drives sync (REC-9); ``created_by`` / ``updated_by`` say who did it (empty for changes made by sync).
    """

    organization = models.ForeignKey("fsmbilling.Organization", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True


class Status(models.TextChoices):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"
