"""Data import from CSV (REC-10): the job row and the rows that failed.

A job is a database row first and a queue message second (STYLE 3): the service creates the row, the task locks it
and works through the file, one transaction per row, advancing the counters in the same transaction as the row it
wrote — so a redelivered or resumed task continues exactly where the last one stopped.

While a job of an organization is ``pending`` or ``running`` its sync engine skips runs (SYN-9,
``sync.engine.run._import_running``); a ``draft`` (uploaded, columns not yet matched) does not hold sync back.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fsmbilling.models.base import TenantModel


class ImportJob(TenantModel):
    class Module(models.TextChoices):
        COMPANIES = "companies", _("Companies")
        CONTACTS = "contacts", _("Contacts")
        SERVICES_AND_PARTS = "services_and_parts", _("Services and parts")

    class State(models.TextChoices):
        DRAFT = "draft", _("Waiting for column matching")
        PENDING = "pending", _("Waiting to start")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        PARTIALLY_FAILED = "partially_failed", _("Partially failed")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    ACTIVE_STATES = (State.PENDING, State.RUNNING)
    FINISHED_STATES = (State.SUCCEEDED, State.PARTIALLY_FAILED, State.FAILED, State.CANCELLED)

    module = models.CharField(max_length=30, choices=Module.choices)
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    file_name = models.CharField(max_length=255)
    file_size = models.PositiveIntegerField(default=0)
    # The decoded text of the uploaded file (at most settings.IMPORT_MAX_BYTES), kept in the database so that any
    # worker on any machine can read it.
    content = models.TextField()
    encoding = models.CharField(max_length=20)
    delimiter = models.CharField(max_length=1)
    headers = models.JSONField(default=list)
    # One import field key per column ("" = not imported), in the order of ``headers``.
    mapping = models.JSONField(default=list, blank=True)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    reason = models.TextField(blank=True, help_text=_("Why the job failed or was cancelled"))
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "-created_at"], name="importjob_org_created")]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(state__in=["pending", "running"]),
                name="importjob_one_active_per_org",
            )
        ]

    def __str__(self) -> str:
        return f"IMP-{self.pk:06d}" if self.pk else "IMP-new"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("imports:detail", kwargs={"org_slug": self.organization.slug, "pk": self.pk})

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.state in self.FINISHED_STATES else 0
        return min(100, int(self.processed_rows * 100 / self.total_rows))

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES

    @property
    def is_finished(self) -> bool:
        return self.state in self.FINISHED_STATES


class ImportRowError(TenantModel):
    """A row of the file that was not imported, with its values as read and why (the error file, REC-10)."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_errors")
    row_number = models.PositiveIntegerField(help_text=_("Line of the data row, the header being line 1"))
    values = models.JSONField(default=list)
    message = models.TextField()

    class Meta:
        ordering = ["job", "row_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "job", "row_number"], name="importrowerror_unique_row_per_job"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.job} line {self.row_number}: {self.message}"
