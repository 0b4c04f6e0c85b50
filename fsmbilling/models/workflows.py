"""Workflow rules (REC-12): on create or update of a record, send an email alert, set a field or call a webhook.

Rules fire from the record services only (``fsmbilling.services.workflows.fire_workflow_rules``); the sync engine
writes records directly and therefore never fires them (SYN-16). Every action carried out leaves a
``WorkflowDelivery`` row: the delivery log, with status, attempts and — for webhooks — the response code.
"""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fsmbilling.models.base import TenantModel


class WorkflowRule(TenantModel):
    class Module(models.TextChoices):
        COMPANIES = "companies", _("Companies")
        CONTACTS = "contacts", _("Contacts")
        SERVICES_AND_PARTS = "services_and_parts", _("Services and parts")
        WORK_ORDERS = "work_orders", _("Work orders")
        INVOICES = "invoices", _("Invoices")

    class Event(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Updated")
        CREATED_OR_UPDATED = "created_or_updated", _("Created or updated")

    class Action(models.TextChoices):
        EMAIL = "email", _("Send an email alert")
        SET_FIELD = "set_field", _("Set a field")
        WEBHOOK = "webhook", _("Call a webhook")

    name = models.CharField(max_length=100)
    module = models.CharField(max_length=30, choices=Module.choices)
    event = models.CharField(max_length=20, choices=Event.choices, default=Event.CREATED)
    is_active = models.BooleanField(default=True)
    # Optional condition: the rule fires only when the record's field equals the value (case-insensitive).
    condition_field = models.CharField(max_length=80, blank=True)
    condition_value = models.CharField(max_length=255, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    email_recipients = models.TextField(blank=True, help_text=_("Addresses, separated by commas or new lines"))
    email_to_record = models.BooleanField(default=False, help_text=_("Also send to the record's own email address"))
    set_field_name = models.CharField(max_length=80, blank=True)
    set_field_value = models.CharField(max_length=255, blank=True)
    webhook_url = models.URLField(max_length=500, blank=True)
    webhook_secret_encrypted = models.TextField(blank=True)

    class Meta:
        ordering = ["module", "name", "id"]
        indexes = [models.Index(fields=["organization", "module", "is_active"], name="workflowrule_org_module")]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="workflowrule_unique_name_per_org"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("workflows:detail", kwargs={"org_slug": self.organization.slug, "pk": self.pk})


class WorkflowDelivery(TenantModel):
    """One action of one rule for one record change: the delivery log."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RETRYING = "retrying", _("Failed, will retry")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    rule = models.ForeignKey(WorkflowRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries")
    rule_name = models.CharField(max_length=100)
    module = models.CharField(max_length=30)
    event = models.CharField(max_length=20)
    record_id = models.BigIntegerField()
    record_label = models.CharField(max_length=255, blank=True)
    action = models.CharField(max_length=20, choices=WorkflowRule.Action.choices)
    target = models.TextField(blank=True, help_text=_("Webhook URL, recipients or field"))
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "workflow deliveries"
        indexes = [models.Index(fields=["organization", "-created_at"], name="workflowdelivery_org_created")]

    def __str__(self) -> str:
        return f"{self.rule_name} → {self.get_action_display()} ({self.get_status_display()})"
