"""Companies and contacts (REC-1, REC-2) with their tax properties (TAX-3)."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fsmbilling.models.base import Status, TenantModel

ADDRESS_KEYS = ("attention", "address", "street2", "city", "state", "state_code", "zip", "country", "phone", "fax")


class CustomerTaxProperties(models.Model):
    """Tax properties of a customer, read according to the organization's edition (TAX-3).

    ``tax_treatment`` holds the edition's value (US/Global: taxable/exempt; India: business_gst, consumer, …;
    UK: uk, eu_vat_registered, overseas; GCC: vat_registered, non_gcc, …). ``tax_number`` is the GSTIN, ABN, VAT
    number or TRN, validated by the edition (invoicing/taxes). ``place_of_supply`` is a state, province or emirate.
    """

    is_taxable = models.BooleanField(default=True)
    tax_treatment = models.CharField(max_length=40, blank=True)
    tax_number = models.CharField(max_length=40, blank=True)
    place_of_supply = models.CharField(max_length=10, blank=True)
    gst_registered = models.BooleanField(default=False, help_text=_("Australia: registered for GST"))
    default_tax = models.ForeignKey(
        "fsmbilling.Tax", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tax_exemption = models.ForeignKey(
        "fsmbilling.TaxExemption", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True


class Company(CustomerTaxProperties, TenantModel):
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    website = models.URLField(blank=True)
    currency = models.ForeignKey(
        "fsmbilling.Currency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    payment_term = models.ForeignKey(
        "fsmbilling.PaymentTerm", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    billing_address = models.JSONField(default=dict, blank=True)
    service_address = models.JSONField(default=dict, blank=True)
    other_addresses = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    notes = models.TextField(blank=True)
    custom_fields = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "companies"
        indexes = [
            models.Index(fields=["organization", "name", "id"], name="company_org_name"),
            models.Index(fields=["organization", "updated_at"], name="company_org_updated"),
            models.Index(Lower("name"), "organization", name="company_org_lower_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("companies:detail", kwargs={"org_slug": self.organization.slug, "pk": self.pk})


class Contact(CustomerTaxProperties, TenantModel):
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    mobile = models.CharField(max_length=40, blank=True)
    company = models.ForeignKey(Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts")
    is_primary = models.BooleanField(default=False, help_text=_("Primary contact of its company"))
    currency = models.ForeignKey(
        "fsmbilling.Currency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    payment_term = models.ForeignKey(
        "fsmbilling.PaymentTerm", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    billing_address = models.JSONField(default=dict, blank=True)
    service_address = models.JSONField(default=dict, blank=True)
    other_addresses = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    custom_fields = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(fields=["organization", "last_name", "first_name", "id"], name="contact_org_name"),
            models.Index(fields=["organization", "updated_at"], name="contact_org_updated"),
            models.Index(Lower("email"), "organization", name="contact_org_lower_email"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["company"], condition=models.Q(is_primary=True), name="contact_one_primary_per_company"
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("contacts:detail", kwargs={"org_slug": self.organization.slug, "pk": self.pk})

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
