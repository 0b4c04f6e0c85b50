"""Tables of the Books sandbox: an emulated Zoho accounts server and Books v3 organizations.

These rows belong to the stand-in finance service, not to the product (SBX-6): nothing outside ``sandbox`` reads
them. Every record exposed over the wire gets a Zoho-looking numeric string id derived from its primary key
(``zoho_id``), so no extra column or sequence is needed and an id of another table never matches.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models

# A 19-digit id: base + table code * 10**13 + primary key (fits in a signed 64-bit integer).
ID_BASE = 4_600_000_000_000_000_000
ID_TABLE_FACTOR = 10**13


def make_zoho_id(table_code: int, pk: int) -> str:
    return str(ID_BASE + table_code * ID_TABLE_FACTOR + pk)


def parse_zoho_id(table_code: int, value) -> int | None:
    """The primary key behind ``value`` if it is an id of the table ``table_code``, else None."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    pk = number - ID_BASE - table_code * ID_TABLE_FACTOR
    if 0 < pk < ID_TABLE_FACTOR:
        return pk
    return None


class ZohoIdMixin:
    ID_CODE = 0

    @property
    def zoho_id(self) -> str:
        return make_zoho_id(self.ID_CODE, self.pk)

    @classmethod
    def pk_from_zoho_id(cls, value) -> int | None:
        return parse_zoho_id(cls.ID_CODE, value)


MONEY = {"max_digits": 20, "decimal_places": 6, "default": Decimal("0")}


class Edition(models.TextChoices):
    BOOKS = "books", "Zoho Books"
    INVOICE = "invoice", "Zoho Invoice"


class Plan(models.TextChoices):
    FREE = "FREE", "Free"
    STANDARD = "STANDARD", "Standard"
    PROFESSIONAL = "PROFESSIONAL", "Professional"
    PREMIUM = "PREMIUM", "Premium"
    ELITE = "ELITE", "Elite"
    ULTIMATE = "ULTIMATE", "Ultimate"


class SandboxClock(models.Model):
    """The single row of the sandbox clock (sandbox/clock.py): an offset from real time, or a frozen instant."""

    offset_seconds = models.FloatField(default=0)
    frozen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "sandbox clock"


class FaultConfig(models.Model):
    """The single row of fault injection (sandbox/faults.py), shared by every process through the database."""

    rate = models.FloatField(default=0)
    kinds = models.JSONField(default=list)
    seed = models.BigIntegerField(default=0)
    slow_seconds = models.FloatField(default=2.0)
    calls = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "fault configuration"


class SandboxUser(ZohoIdMixin, models.Model):
    """An identity of the emulated Zoho accounts server (an email that can consent and own grants)."""

    ID_CODE = 2

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=200)
    created_time = models.DateTimeField()

    def __str__(self) -> str:
        return self.email


class Organization(ZohoIdMixin, models.Model):
    """A finance organization of the sandbox (SBX-2)."""

    ID_CODE = 1

    name = models.CharField(max_length=200)
    seed_key = models.CharField(max_length=50, null=True, blank=True, unique=True)
    edition = models.CharField(max_length=10, choices=Edition.choices, default=Edition.BOOKS)
    country = models.CharField(max_length=100, default="United States")
    country_code = models.CharField(max_length=2, default="US")
    currency_code = models.CharField(max_length=3, default="USD")
    plan = models.CharField(max_length=20, choices=Plan.choices, default=Plan.FREE)
    time_zone = models.CharField(max_length=64, default="UTC")
    contact_name = models.CharField(max_length=200, blank=True)
    email = models.CharField(max_length=200, blank=True)
    language_code = models.CharField(max_length=10, default="en")
    fiscal_year_start_month = models.PositiveSmallIntegerField(default=0)
    is_tax_enabled = models.BooleanField(default=True)
    trial_expired = models.BooleanField(default=False)
    avalara_integrated = models.BooleanField(default=False)
    crm_sync_type = models.CharField(max_length=3, null=True, blank=True)
    crm_sync_in_progress = models.BooleanField(default=False)
    allow_duplicate_names = models.BooleanField(default=False)
    is_org_active = models.BooleanField(default=True)
    next_contact_number = models.PositiveIntegerField(default=1)
    next_invoice_number = models.PositiveIntegerField(default=1)
    next_estimate_number = models.PositiveIntegerField(default=1)
    next_payment_number = models.PositiveIntegerField(default=1)
    created_time = models.DateTimeField()
    last_modified_time = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} ({self.zoho_id})"


class Membership(ZohoIdMixin, models.Model):
    """A user of a finance organization, with a role and per-module permissions (its id is the Books user_id)."""

    ID_CODE = 3

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(SandboxUser, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=50, default="admin")
    # {"invoices": ["READ", "CREATE"], ...}: overrides the role's defaults for the modules it names.
    permissions = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, default="active")
    is_default_org = models.BooleanField(default=False)
    created_time = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="sandbox_membership_unique_org_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization_id} as {self.role}"


class OrgRecord(ZohoIdMixin, models.Model):
    """A record of one finance organization, stamped on every create and update with the sandbox clock."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    created_time = models.DateTimeField()
    last_modified_time = models.DateTimeField(db_index=True)

    class Meta:
        abstract = True


class Currency(OrgRecord):
    ID_CODE = 4

    currency_code = models.CharField(max_length=3)
    currency_name = models.CharField(max_length=100, blank=True)
    currency_symbol = models.CharField(max_length=10, blank=True)
    price_precision = models.PositiveSmallIntegerField(default=2)
    currency_format = models.CharField(max_length=30, default="1,234,567.89")
    is_base_currency = models.BooleanField(default=False)
    exchange_rate = models.DecimalField(max_digits=20, decimal_places=6, default=Decimal("1"))
    effective_date = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "currency_code"], name="sandbox_currency_unique_code")
        ]

    def __str__(self) -> str:
        return self.currency_code


class TaxAuthority(OrgRecord):
    ID_CODE = 7

    tax_authority_name = models.CharField(max_length=200)
    description = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return self.tax_authority_name


class Tax(OrgRecord):
    ID_CODE = 5

    tax_name = models.CharField(max_length=100)
    tax_percentage = models.DecimalField(max_digits=9, decimal_places=4)
    tax_type = models.CharField(max_length=20, default="tax")
    tax_specific_type = models.CharField(max_length=30, blank=True)
    tax_authority = models.ForeignKey(TaxAuthority, null=True, blank=True, on_delete=models.SET_NULL)
    is_default_tax = models.BooleanField(default=False)
    is_value_added = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.tax_name} ({self.tax_percentage}%)"


class TaxGroup(OrgRecord):
    ID_CODE = 6

    tax_group_name = models.CharField(max_length=100)
    taxes = models.ManyToManyField(Tax, related_name="groups")

    def __str__(self) -> str:
        return self.tax_group_name


class TaxExemption(OrgRecord):
    ID_CODE = 8

    tax_exemption_code = models.CharField(max_length=50)
    description = models.CharField(max_length=500, blank=True)
    type = models.CharField(max_length=20, default="customer")

    def __str__(self) -> str:
        return self.tax_exemption_code


class PaymentTerm(OrgRecord):
    ID_CODE = 9

    payment_terms = models.PositiveIntegerField()
    payment_terms_label = models.CharField(max_length=200)
    is_default = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.payment_terms_label


class Salesperson(OrgRecord):
    ID_CODE = 10

    salesperson_name = models.CharField(max_length=200)
    salesperson_email = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.salesperson_name


class CustomField(OrgRecord):
    """A custom field definition of a module (project choice: GET /settings/customfields lists them)."""

    ID_CODE = 11

    entity = models.CharField(max_length=20)  # contact | item | invoice | estimate
    label = models.CharField(max_length=100)
    api_name = models.CharField(max_length=100)
    data_type = models.CharField(max_length=20, default="string")
    is_mandatory = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    index = models.PositiveSmallIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "entity", "api_name"], name="sandbox_customfield_unique_api_name"
            )
        ]

    def __str__(self) -> str:
        return f"{self.entity}.{self.api_name}"


class Contact(OrgRecord):
    ID_CODE = 12

    contact_name = models.CharField(max_length=200)
    company_name = models.CharField(max_length=200, blank=True)
    contact_number = models.CharField(max_length=50, blank=True)
    contact_type = models.CharField(max_length=20, default="customer")
    customer_sub_type = models.CharField(max_length=20, default="business")
    status = models.CharField(max_length=20, default="active")
    currency = models.ForeignKey(Currency, null=True, blank=True, on_delete=models.RESTRICT)
    payment_terms = models.PositiveIntegerField(default=0)
    payment_terms_label = models.CharField(max_length=200, default="Due on Receipt")
    payment_term = models.ForeignKey(PaymentTerm, null=True, blank=True, on_delete=models.SET_NULL)
    billing_address = models.JSONField(default=dict, blank=True)
    shipping_address = models.JSONField(default=dict, blank=True)
    custom_fields = models.JSONField(default=list, blank=True)
    # Other documented fields (website, notes, regional tax fields …), returned as sent.
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "contact_name"], name="sandbox_contact_org_name")]

    def __str__(self) -> str:
        return self.contact_name


class ContactPerson(ZohoIdMixin, models.Model):
    ID_CODE = 13

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="persons")
    salutation = models.CharField(max_length=25, blank=True)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    email = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=50, blank=True)
    mobile = models.CharField(max_length=50, blank=True)
    designation = models.CharField(max_length=100, blank=True)
    department = models.CharField(max_length=100, blank=True)
    skype = models.CharField(max_length=100, blank=True)
    is_primary_contact = models.BooleanField(default=False)
    enable_portal = models.BooleanField(default=False)
    created_time = models.DateTimeField()
    last_modified_time = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Item(OrgRecord):
    ID_CODE = 14

    name = models.CharField(max_length=100)
    description = models.CharField(max_length=2000, blank=True)
    rate = models.DecimalField(**MONEY)
    unit = models.CharField(max_length=50, blank=True)
    sku = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=20, default="active")
    product_type = models.CharField(max_length=30, default="service")
    item_type = models.CharField(max_length=30, default="sales")
    tax_id = models.CharField(max_length=30, blank=True)
    is_taxable = models.BooleanField(default=True)
    custom_fields = models.JSONField(default=list, blank=True)
    extra = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return self.name


class SalesDocument(OrgRecord):
    """Fields shared by invoices and estimates; amounts are computed by sandbox/services/documents.py."""

    customer = models.ForeignKey(Contact, on_delete=models.RESTRICT, related_name="+")
    currency = models.ForeignKey(Currency, on_delete=models.RESTRICT, related_name="+")
    exchange_rate = models.DecimalField(max_digits=20, decimal_places=6, default=Decimal("1"))
    date = models.DateField()
    reference_number = models.CharField(max_length=100, blank=True)
    salesperson = models.ForeignKey(Salesperson, null=True, blank=True, on_delete=models.SET_NULL)
    sub_total = models.DecimalField(**MONEY)
    tax_total = models.DecimalField(**MONEY)
    total = models.DecimalField(**MONEY)
    shipping_charge = models.DecimalField(**MONEY)
    adjustment = models.DecimalField(**MONEY)
    taxes = models.JSONField(default=list, blank=True)
    billing_address = models.JSONField(default=dict, blank=True)
    shipping_address = models.JSONField(default=dict, blank=True)
    notes = models.TextField(blank=True)
    terms = models.TextField(blank=True)
    custom_fields = models.JSONField(default=list, blank=True)
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True


class Invoice(SalesDocument):
    ID_CODE = 15

    invoice_number = models.CharField(max_length=100)
    # draft | sent | void; the reported status adds paid, partially_paid and overdue (sandbox/services/documents.py).
    state = models.CharField(max_length=20, default="draft")
    due_date = models.DateField()
    payment_terms = models.PositiveIntegerField(default=0)
    payment_terms_label = models.CharField(max_length=200, blank=True)
    payment_made = models.DecimalField(**MONEY)
    balance = models.DecimalField(**MONEY)
    is_emailed = models.BooleanField(default=False)
    last_payment_date = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "invoice_number"], name="sandbox_invoice_unique_number")
        ]

    def __str__(self) -> str:
        return self.invoice_number


class Estimate(SalesDocument):
    ID_CODE = 16

    estimate_number = models.CharField(max_length=100)
    # draft | sent | accepted | declined | invoiced; "expired" is reported when a sent estimate is past expiry.
    state = models.CharField(max_length=20, default="draft")
    expiry_date = models.DateField(null=True, blank=True)
    accepted_date = models.DateField(null=True, blank=True)
    declined_date = models.DateField(null=True, blank=True)
    is_emailed = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "estimate_number"], name="sandbox_estimate_unique_number")
        ]

    def __str__(self) -> str:
        return self.estimate_number


class LineItem(ZohoIdMixin, models.Model):
    ID_CODE = 18

    invoice = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.CASCADE, related_name="lines")
    estimate = models.ForeignKey(Estimate, null=True, blank=True, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, null=True, blank=True, on_delete=models.RESTRICT, related_name="+")
    item_order = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=100, blank=True)
    description = models.CharField(max_length=2000, blank=True)
    rate = models.DecimalField(**MONEY)
    quantity = models.DecimalField(max_digits=20, decimal_places=6, default=Decimal("1"))
    unit = models.CharField(max_length=50, blank=True)
    discount = models.DecimalField(max_digits=9, decimal_places=4, default=Decimal("0"))
    discount_amount = models.DecimalField(**MONEY)
    tax_id = models.CharField(max_length=30, blank=True)
    tax_name = models.CharField(max_length=100, blank=True)
    tax_type = models.CharField(max_length=20, blank=True)
    tax_percentage = models.DecimalField(max_digits=9, decimal_places=4, default=Decimal("0"))
    tax_amount = models.DecimalField(**MONEY)
    item_total = models.DecimalField(**MONEY)
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["item_order", "id"]


class CustomerPayment(OrgRecord):
    ID_CODE = 17

    customer = models.ForeignKey(Contact, on_delete=models.RESTRICT, related_name="+")
    payment_number = models.CharField(max_length=50)
    payment_mode = models.CharField(max_length=100)
    amount = models.DecimalField(**MONEY)
    unused_amount = models.DecimalField(**MONEY)
    bank_charges = models.DecimalField(**MONEY)
    date = models.DateField()
    reference_number = models.CharField(max_length=100, blank=True)
    description = models.CharField(max_length=500, blank=True)
    exchange_rate = models.DecimalField(max_digits=20, decimal_places=6, default=Decimal("1"))
    custom_fields = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return self.payment_number


class PaymentApplication(models.Model):
    payment = models.ForeignKey(CustomerPayment, on_delete=models.CASCADE, related_name="applications")
    invoice = models.ForeignKey(Invoice, on_delete=models.RESTRICT, related_name="applications")
    amount_applied = models.DecimalField(**MONEY)


# --- Accounts server --------------------------------------------------------------------------------------------------


class OAuthClient(models.Model):
    client_id = models.CharField(max_length=64, unique=True)
    client_secret = models.CharField(max_length=128)
    name = models.CharField(max_length=200, blank=True)
    redirect_uri = models.CharField(max_length=1000, blank=True)
    created_time = models.DateTimeField()

    def __str__(self) -> str:
        return self.name or self.client_id


class AuthorizationCode(models.Model):
    code_hash = models.CharField(max_length=64, unique=True)
    client = models.ForeignKey(OAuthClient, on_delete=models.CASCADE)
    user = models.ForeignKey(SandboxUser, on_delete=models.CASCADE)
    scope = models.CharField(max_length=2000)
    redirect_uri = models.CharField(max_length=1000, blank=True)
    access_type = models.CharField(max_length=10, default="online")
    expires_at = models.DateTimeField()
    used = models.BooleanField(default=False)


class RefreshToken(models.Model):
    """A grant: one consent of a user to a client. Only offline grants hand the token out."""

    token_hash = models.CharField(max_length=64, unique=True)
    client = models.ForeignKey(OAuthClient, on_delete=models.CASCADE)
    user = models.ForeignKey(SandboxUser, on_delete=models.CASCADE)
    scope = models.CharField(max_length=2000)
    created_time = models.DateTimeField()
    revoked = models.BooleanField(default=False)


class RefreshGrant(models.Model):
    """One successful refresh grant, kept ten minutes for the token-rate rule."""

    refresh_token = models.ForeignKey(RefreshToken, on_delete=models.CASCADE, related_name="grants")
    granted_at = models.DateTimeField(db_index=True)


class AccessToken(models.Model):
    token_hash = models.CharField(max_length=64, unique=True)
    refresh_token = models.ForeignKey(RefreshToken, on_delete=models.CASCADE, related_name="access_tokens")
    created_time = models.DateTimeField()
    expires_at = models.DateTimeField()


# --- Limits and the payment gateway ---------------------------------------------------------------------------------


class OrgUsage(models.Model):
    """Per-organization call counters (SBX-3), locked with select_for_update so every process shares them."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="usage")
    minute_window = models.CharField(max_length=20, blank=True)
    minute_count = models.PositiveIntegerField(default=0)
    day_window = models.DateField(null=True, blank=True)
    day_count = models.PositiveIntegerField(default=0)


class InFlightRequest(models.Model):
    """A request being answered (concurrency limit). Rows older than a minute are considered stale."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField()


class PaymentSession(models.Model):
    """A hosted payment of the sandbox gateway (PAY-2), paid on /sandbox/pay/<session_id>/."""

    session_id = models.CharField(max_length=64, unique=True)
    amount = models.DecimalField(max_digits=20, decimal_places=2)
    currency_code = models.CharField(max_length=3)
    description = models.CharField(max_length=500, blank=True)
    reference = models.CharField(max_length=200, blank=True)
    return_url = models.CharField(max_length=2000)
    # open | succeeded | declined | insufficient_funds | processing_error
    status = models.CharField(max_length=30, default="open")
    card_last4 = models.CharField(max_length=4, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    created_time = models.DateTimeField()
    completed_time = models.DateTimeField(null=True, blank=True)
