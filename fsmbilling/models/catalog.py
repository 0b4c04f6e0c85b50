"""Services and parts (REC-3) with their tax properties (TAX-4)."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fsmbilling.models.base import Status, TenantModel


class ServicePart(TenantModel):
    class Kind(models.TextChoices):
        SERVICE = "service", _("Service")
        PART = "part", _("Part")

    class TaxPreference(models.TextChoices):
        TAXABLE = "taxable", _("Taxable")
        NON_TAXABLE = "non_taxable", _("Non-taxable")
        EXEMPT = "exempt", _("Exempt")
        NIL_RATED = "nil_rated", _("Nil rated")
        NON_GST = "non_gst", _("Non-GST supply")
        ZERO_RATED = "zero_rated", _("Zero rated")

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SERVICE)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    unit = models.CharField(max_length=30, blank=True)
    rate = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal("0"))
    cost = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    sku = models.CharField(max_length=100, blank=True)
    tax_preference = models.CharField(max_length=20, choices=TaxPreference.choices, default=TaxPreference.TAXABLE)
    default_tax = models.ForeignKey(
        "fsmbilling.Tax", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # India: the rate used within the organization's state (as CGST+SGST) and across states (IGST).
    intra_state_tax = models.ForeignKey(
        "fsmbilling.Tax", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    inter_state_tax = models.ForeignKey(
        "fsmbilling.Tax", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hsn_sac = models.CharField(max_length=12, blank=True, verbose_name=_("HSN/SAC code"))
    tax_exemption = models.ForeignKey(
        "fsmbilling.TaxExemption", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    custom_fields = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = "service or part"
        verbose_name_plural = "services and parts"
        indexes = [
            models.Index(fields=["organization", "name", "id"], name="servicepart_org_name"),
            models.Index(fields=["organization", "updated_at"], name="servicepart_org_updated"),
            models.Index(Lower("name"), "organization", name="servicepart_org_lower_name"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "sku"], condition=~models.Q(sku=""), name="servicepart_unique_sku"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_taxable(self) -> bool:
        return self.tax_preference == self.TaxPreference.TAXABLE

    def get_absolute_url(self) -> str:
        return reverse("services_and_parts:detail", kwargs={"org_slug": self.organization.slug, "pk": self.pk})
