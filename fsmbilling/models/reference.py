"""Reference data: currencies, taxes, exemptions, payment terms, salespersons, custom fields (REC-7, REC-8, FIN-5)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fsmbilling.models.base import TenantModel


class Currency(TenantModel):
    code = models.CharField(max_length=3)
    name = models.CharField(max_length=100, blank=True)
    symbol = models.CharField(max_length=8, blank=True)
    decimal_places = models.PositiveSmallIntegerField(default=2)
    exchange_rate = models.DecimalField(
        max_digits=18, decimal_places=8, default=Decimal("1"), help_text=_("Units of base currency for one unit")
    )
    is_base = models.BooleanField(default=False)
    books_id = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "currencies"
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="currency_unique_code_per_org"),
            models.UniqueConstraint(
                fields=["organization"], condition=models.Q(is_base=True), name="currency_one_base_per_org"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("currencies:detail", kwargs={"org_slug": self.organization.slug, "pk": self.pk})


class Tax(TenantModel):
    """A tax, a compound tax, or a tax group (TAX-2). A group's rate is the sum of its components."""

    class Kind(models.TextChoices):
        TAX = "tax", _("Tax")
        COMPOUND = "compound_tax", _("Compound tax")
        GROUP = "tax_group", _("Tax group")

    name = models.CharField(max_length=100)
    rate = models.DecimalField(max_digits=7, decimal_places=4, default=Decimal("0"), help_text=_("Percent"))
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.TAX)
    # Edition-specific type: sales_tax, gst, hst, pst, qst, cgst, sgst, utgst, igst, cess, vat, ...
    tax_type = models.CharField(max_length=20, blank=True)
    authority = models.CharField(max_length=100, blank=True)
    # Region the tax applies to, e.g. a Canadian province (ON) or a US state; blank for the whole country.
    region = models.CharField(max_length=10, blank=True)
    components = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="groups")
    is_active = models.BooleanField(default=True)
    is_default = models.BooleanField(default=False)
    books_id = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="tax_unique_name_per_org")]

    def __str__(self) -> str:
        return f"{self.name} ({self.rate.normalize()}%)"


class TaxExemption(TenantModel):
    class AppliesTo(models.TextChoices):
        CUSTOMER = "customer", _("Customers")
        ITEM = "item", _("Items")

    code = models.CharField(max_length=40)
    reason = models.CharField(max_length=200)
    applies_to = models.CharField(max_length=10, choices=AppliesTo.choices, default=AppliesTo.CUSTOMER)
    books_id = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code", "applies_to"], name="exemption_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.reason}"


class PaymentTerm(TenantModel):
    label = models.CharField(max_length=200)
    days = models.PositiveSmallIntegerField(default=0)
    is_default = models.BooleanField(default=False)
    books_id = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["days", "label"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "label", "days"], name="payment_term_unique_per_org")
        ]

    def __str__(self) -> str:
        return self.label


class Salesperson(TenantModel):
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    is_active = models.BooleanField(default=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    books_id = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="salesperson_unique_name")]

    def __str__(self) -> str:
        return self.name


class CustomField(TenantModel):
    """An administrator-defined field of a module (REC-7). Values live in each record's ``custom_fields`` JSON."""

    class Module(models.TextChoices):
        COMPANIES = "companies", _("Companies")
        CONTACTS = "contacts", _("Contacts")
        SERVICES_AND_PARTS = "services_and_parts", _("Services and Parts")
        WORK_ORDERS = "work_orders", _("Work Orders")
        ESTIMATES = "estimates", _("Estimates")
        INVOICES = "invoices", _("Invoices")

    class FieldType(models.TextChoices):
        TEXT = "text", _("Text")
        NUMBER = "number", _("Number")
        DECIMAL = "decimal", _("Decimal")
        DATE = "date", _("Date")
        CHOICE = "choice", _("Choice")
        CHECKBOX = "checkbox", _("Checkbox")
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone")

    module = models.CharField(max_length=30, choices=Module.choices)
    label = models.CharField(max_length=100)
    api_name = models.SlugField(max_length=60, help_text=_("Key of the value, e.g. cf_contract_number"))
    field_type = models.CharField(max_length=20, choices=FieldType.choices, default=FieldType.TEXT)
    choices = models.JSONField(default=list, blank=True, help_text=_("Allowed values of a choice field"))
    is_required = models.BooleanField(default=False)
    is_pii = models.BooleanField(default=False, verbose_name=_("personal data (PII)"))
    is_ephi = models.BooleanField(default=False, verbose_name=_("health data (EPHI)"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["module", "position", "label"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "module", "api_name"], name="custom_field_unique_api_name")
        ]

    def __str__(self) -> str:
        return f"{self.get_module_display()}: {self.label}"

    def get_absolute_url(self) -> str:
        return reverse("custom_fields:detail", kwargs={"org_slug": self.organization.slug, "pk": self.pk})
