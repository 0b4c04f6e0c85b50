"""Work orders with service lines (REC-4), service appointments and assets (REC-5)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fsmbilling.models.base import TenantModel

ZERO = Decimal("0")


class WorkOrder(TenantModel):
    class State(models.TextChoices):
        NEW = "new", _("New")
        SCHEDULED = "scheduled", _("Scheduled")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    class Priority(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")
        CRITICAL = "critical", _("Critical")

    number = models.CharField(max_length=20)
    summary = models.CharField(max_length=255)
    company = models.ForeignKey(
        "fsmbilling.Company", null=True, blank=True, on_delete=models.PROTECT, related_name="work_orders"
    )
    contact = models.ForeignKey(
        "fsmbilling.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="work_orders"
    )
    service_address = models.JSONField(default=dict, blank=True)
    billing_address = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=State.choices, default=State.NEW)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.MEDIUM)
    technicians = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    scheduled_start = models.DateTimeField(null=True, blank=True)
    scheduled_end = models.DateTimeField(null=True, blank=True)
    currency = models.ForeignKey(
        "fsmbilling.Currency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_billable = models.BooleanField(default=True, help_text=_("Clear to mark the whole work order non-billable"))
    notes = models.TextField(blank=True)
    custom_fields = models.JSONField(default=dict, blank=True)
    # Totals, recomputed by work_order_recalculate whenever lines change (kept for fast lists and dashboards).
    sub_total = models.DecimalField(max_digits=16, decimal_places=4, default=ZERO)
    tax_total = models.DecimalField(max_digits=16, decimal_places=4, default=ZERO)
    total = models.DecimalField(max_digits=16, decimal_places=4, default=ZERO)
    billed_amount = models.DecimalField(max_digits=16, decimal_places=4, default=ZERO)
    unbilled_amount = models.DecimalField(max_digits=16, decimal_places=4, default=ZERO)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["organization", "-id"], name="workorder_org_id_desc"),
            models.Index(fields=["organization", "status", "-id"], name="workorder_org_status"),
            models.Index(fields=["organization", "updated_at"], name="workorder_org_updated"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="workorder_unique_number_per_org"),
            models.CheckConstraint(
                condition=models.Q(company__isnull=False) | models.Q(contact__isnull=False),
                name="workorder_has_customer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.summary}"

    def get_absolute_url(self) -> str:
        return reverse("work_orders:detail", kwargs={"org_slug": self.organization.slug, "pk": self.pk})


class WorkOrderLine(TenantModel):
    class WorkStatus(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")

    class BillingStatus(models.TextChoices):
        NOT_INVOICED = "not_invoiced", _("Not invoiced")
        INVOICED = "invoiced", _("Invoiced")
        VOID = "void", _("Void")
        NON_BILLABLE = "non_billable", _("Non-billable")

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey("fsmbilling.ServicePart", on_delete=models.PROTECT, related_name="+")
    description = models.TextField(blank=True)
    quantity = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal("1"))
    rate = models.DecimalField(max_digits=14, decimal_places=4, default=ZERO)
    discount_percent = models.DecimalField(max_digits=7, decimal_places=4, default=ZERO)
    tax = models.ForeignKey("fsmbilling.Tax", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    work_status = models.CharField(max_length=20, choices=WorkStatus.choices, default=WorkStatus.OPEN)
    billing_status = models.CharField(max_length=20, choices=BillingStatus.choices, default=BillingStatus.NOT_INVOICED)
    position = models.PositiveIntegerField(default=0)
    # Computed per line, rounded half-up to the currency's decimal places (TAX-7).
    amount = models.DecimalField(max_digits=16, decimal_places=4, default=ZERO)
    tax_amount = models.DecimalField(max_digits=16, decimal_places=4, default=ZERO)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["work_order", "position"], name="workorderline_wo_position")]

    def __str__(self) -> str:
        return f"{self.item} × {self.quantity}"


class ServiceAppointment(TenantModel):
    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        DISPATCHED = "dispatched", _("Dispatched")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="appointments")
    technicians = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    scheduled_start = models.DateTimeField()
    scheduled_end = models.DateTimeField()
    status = models.CharField(max_length=20, choices=State.choices, default=State.SCHEDULED)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["scheduled_start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scheduled_end__gte=models.F("scheduled_start")), name="appointment_window_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.work_order.number} @ {self.scheduled_start:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        # An appointment is shown on its work order's page.
        url = reverse("work_orders:detail", kwargs={"org_slug": self.organization.slug, "pk": self.work_order_id})
        return f"{url}#appointment-{self.pk}"


class Asset(TenantModel):
    name = models.CharField(max_length=200)
    serial_number = models.CharField(max_length=100, blank=True)
    company = models.ForeignKey(
        "fsmbilling.Company", null=True, blank=True, on_delete=models.PROTECT, related_name="assets"
    )
    contact = models.ForeignKey(
        "fsmbilling.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="assets"
    )
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "serial_number"],
                condition=~models.Q(serial_number=""),
                name="asset_unique_serial_per_org",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("assets:detail", kwargs={"org_slug": self.organization.slug, "pk": self.pk})
