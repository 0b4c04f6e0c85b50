"""Invoices from work orders, payments, estimates and the invoice mapping (INV-1..7, PAY-1..4, REC-6).

An invoice is a row first and a push to Books second (STYLE 3): it is created as ``pending_push`` and becomes
``draft`` (or whatever Books says) once Books holds it. Its number comes from the organization's ``invoice``
sequence and is sent to Books as ``invoice_number`` (``ignore_auto_number_generation``), which is also the key the
connector looks the invoice up by after a lost answer, so it is never created twice.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fsmbilling.models.base import TenantModel

ZERO = Decimal("0")


def money_field(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=16, decimal_places=4, default=ZERO, **kwargs)


class Invoice(TenantModel):
    class State(models.TextChoices):
        PENDING_PUSH = "pending_push", _("Pending push to Books")
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        PARTIALLY_PAID = "partially_paid", _("Partially paid")
        PAID = "paid", _("Paid")
        OVERDUE = "overdue", _("Overdue")
        VOID = "void", _("Void")

    OPEN_STATES = (State.SENT, State.PARTIALLY_PAID, State.OVERDUE, State.DRAFT)

    number = models.CharField(max_length=30)
    work_order = models.ForeignKey(
        "fsmbilling.WorkOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    # The billed customer: a company, or a contact without a company (SYN-3). ``contact`` may also name the person
    # the work was done for when the company is billed.
    company = models.ForeignKey(
        "fsmbilling.Company", null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    contact = models.ForeignKey(
        "fsmbilling.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    date = models.DateField()
    due_date = models.DateField()
    payment_term = models.ForeignKey(
        "fsmbilling.PaymentTerm", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    payment_terms_days = models.PositiveSmallIntegerField(default=0)
    payment_terms_label = models.CharField(max_length=200, blank=True)
    salesperson_name = models.CharField(max_length=200, blank=True)
    currency = models.ForeignKey(
        "fsmbilling.Currency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    billing_address = models.JSONField(default=dict, blank=True)
    # "Share with": the Books contact person who receives the invoice (INV-2).
    share_with_person_id = models.CharField(max_length=40, blank=True)
    share_with_name = models.CharField(max_length=200, blank=True)
    share_with_email = models.EmailField(blank=True)
    payment_gateways = models.JSONField(default=list, blank=True)
    notes = models.TextField(blank=True)
    # {books customfield_id: value} sent to Books (INV-3); labels kept for display.
    custom_fields = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING_PUSH)
    books_id = models.CharField(max_length=40, blank=True)
    books_number = models.CharField(max_length=100, blank=True)
    books_user = models.CharField(max_length=200, blank=True, help_text=_("The Books identity the push ran as"))
    sub_total = money_field()
    tax_total = money_field()
    total = money_field()
    balance = money_field()
    amount_paid = money_field()
    # Push bookkeeping (STYLE 3, 4): a lease so one worker pushes at a time, the attempts and the last error.
    push_attempts = models.PositiveIntegerField(default=0)
    push_error = models.TextField(blank=True)
    push_claimed_until = models.DateTimeField(null=True, blank=True)
    pushed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    # Part of the payment link's signed payload: changing it revokes every link handed out (PAY-1).
    link_nonce = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["organization", "-id"], name="invoice_org_id_desc"),
            models.Index(fields=["organization", "state"], name="invoice_org_state"),
            models.Index(fields=["organization", "date"], name="invoice_org_date"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="invoice_unique_number_per_org"),
            models.UniqueConstraint(
                fields=["organization", "books_id"], condition=~models.Q(books_id=""), name="invoice_unique_books_id"
            ),
            models.CheckConstraint(
                condition=models.Q(company__isnull=False) | models.Q(contact__isnull=False),
                name="invoice_has_customer",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("invoices:detail", kwargs={"org_slug": self.organization.slug, "pk": self.pk})

    books_link_kind = "invoice"

    @property
    def customer(self):
        return self.company or self.contact

    @property
    def customer_name(self) -> str:
        return str(self.customer) if self.customer else ""

    @property
    def is_pushed(self) -> bool:
        return bool(self.books_id)

    @property
    def is_open(self) -> bool:
        return self.state in (self.State.SENT, self.State.PARTIALLY_PAID, self.State.OVERDUE)

    @property
    def accepts_payment(self) -> bool:
        return self.is_pushed and self.state in self.OPEN_STATES and self.balance > 0


class InvoiceLine(TenantModel):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    # A work-order line is invoiced once (INV-1): the database refuses a second invoice line for it.
    work_order_line = models.OneToOneField(
        "fsmbilling.WorkOrderLine", null=True, blank=True, on_delete=models.PROTECT, related_name="invoice_line"
    )
    item = models.ForeignKey("fsmbilling.ServicePart", on_delete=models.PROTECT, related_name="+")
    description = models.TextField(blank=True)
    quantity = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal("1"))
    rate = models.DecimalField(max_digits=14, decimal_places=4, default=ZERO)
    discount_percent = models.DecimalField(max_digits=7, decimal_places=4, default=ZERO)
    tax = models.ForeignKey("fsmbilling.Tax", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField(default=0)
    amount = money_field()
    tax_amount = money_field()
    books_line_id = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.item} × {self.quantity}"


class InvoiceTaxLine(TenantModel):
    """One entry of the invoice's tax summary: per tax (or per component of a tax group), summed over lines."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="tax_lines")
    tax = models.ForeignKey("fsmbilling.Tax", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(max_length=200)
    amount = money_field()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]


class Payment(TenantModel):
    """A customer payment (manual, PAY-4; online, PAY-3; or recorded in Books, PAY-5), allocated to invoices."""

    class State(models.TextChoices):
        PENDING_PUSH = "pending_push", _("Pending push to Books")
        RECORDED = "recorded", _("Recorded in Books")
        FAILED = "failed", _("Refused by Books")

    class Mode(models.TextChoices):
        CASH = "cash", _("Cash")
        CHECK = "check", _("Cheque")
        BANK_TRANSFER = "banktransfer", _("Bank transfer")
        CREDIT_CARD = "creditcard", _("Credit card")
        OTHERS = "others", _("Other")

    class Source(models.TextChoices):
        MANUAL = "manual", _("Recorded in FSM")
        GATEWAY = "gateway", _("Paid online")
        BOOKS = "books", _("Recorded in Books")

    company = models.ForeignKey("fsmbilling.Company", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    contact = models.ForeignKey("fsmbilling.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    amount = money_field()
    unused_amount = money_field(help_text=_("The part not applied to invoices: a credit of the customer"))
    date = models.DateField()
    mode = models.CharField(max_length=100, default=Mode.CASH)
    reference = models.CharField(max_length=100, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    # One payment per key, whoever asks how often (PAY-3): "manual:<uuid>", "sandbox:<session>", "books:<id>".
    idempotency_key = models.CharField(max_length=200)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING_PUSH)
    books_id = models.CharField(max_length=40, blank=True)
    push_attempts = models.PositiveIntegerField(default=0)
    push_error = models.TextField(blank=True)
    push_claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "idempotency_key"], name="payment_unique_key"),
            models.UniqueConstraint(
                fields=["organization", "books_id"], condition=~models.Q(books_id=""), name="payment_unique_books_id"
            ),
        ]

    def __str__(self) -> str:
        return f"Payment {self.pk} of {self.amount.normalize()}"

    books_link_kind = "payment"

    @property
    def customer(self):
        return self.company or self.contact

    @property
    def reference_for_books(self) -> str:
        """The payment's key in Books (its ``reference_number``), unique so a lost answer can be looked up."""
        base = f"FSM-PAY-{self.pk}"
        return f"{base} {self.reference}"[:100] if self.reference else base


class PaymentAllocation(TenantModel):
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="allocations")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations")
    amount = money_field()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["payment", "invoice"], name="allocation_unique_invoice_per_payment")
        ]


class GatewaySession(TenantModel):
    """A hosted payment page opened from an invoice's payment link (PAY-1, PAY-2)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="gateway_sessions")
    gateway = models.CharField(max_length=20, default="sandbox")
    session_id = models.CharField(max_length=100)
    amount = money_field()
    status = models.CharField(max_length=30, default="open")
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["gateway", "session_id"], name="gateway_session_unique"),
        ]


class Estimate(TenantModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        CONVERTED = "converted", _("Converted to a work order")

    number = models.CharField(max_length=30)
    company = models.ForeignKey(
        "fsmbilling.Company", null=True, blank=True, on_delete=models.PROTECT, related_name="estimates"
    )
    contact = models.ForeignKey(
        "fsmbilling.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="estimates"
    )
    summary = models.CharField(max_length=255, blank=True)
    date = models.DateField()
    expiry_date = models.DateField(null=True, blank=True)
    salesperson_name = models.CharField(max_length=200, blank=True)
    currency = models.ForeignKey(
        "fsmbilling.Currency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    billing_address = models.JSONField(default=dict, blank=True)
    service_address = models.JSONField(default=dict, blank=True)
    notes = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    work_order = models.ForeignKey(
        "fsmbilling.WorkOrder", null=True, blank=True, on_delete=models.SET_NULL, related_name="estimates"
    )
    books_id = models.CharField(max_length=40, blank=True)
    books_status = models.CharField(max_length=20, blank=True)
    push_attempts = models.PositiveIntegerField(default=0)
    push_error = models.TextField(blank=True)
    sub_total = money_field()
    tax_total = money_field()
    total = money_field()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="estimate_unique_number_per_org"),
            models.UniqueConstraint(
                fields=["organization", "books_id"], condition=~models.Q(books_id=""), name="estimate_unique_books_id"
            ),
            models.CheckConstraint(
                condition=models.Q(company__isnull=False) | models.Q(contact__isnull=False),
                name="estimate_has_customer",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("estimates:detail", kwargs={"org_slug": self.organization.slug, "pk": self.pk})

    books_link_kind = "estimate"

    @property
    def customer(self):
        return self.company or self.contact


class EstimateLine(TenantModel):
    estimate = models.ForeignKey(Estimate, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey("fsmbilling.ServicePart", on_delete=models.PROTECT, related_name="+")
    description = models.TextField(blank=True)
    quantity = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal("1"))
    rate = models.DecimalField(max_digits=14, decimal_places=4, default=ZERO)
    discount_percent = models.DecimalField(max_digits=7, decimal_places=4, default=ZERO)
    tax = models.ForeignKey("fsmbilling.Tax", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField(default=0)
    amount = money_field()
    tax_amount = money_field()

    class Meta:
        ordering = ["position", "id"]


class InvoiceMapping(TenantModel):
    """A work-order field → a Books invoice custom field (INV-3). ``work_order_field`` is a standard field name or
    ``cf:<api_name>`` of a work-order custom field."""

    work_order_field = models.CharField(max_length=80)
    books_customfield_id = models.CharField(max_length=40)
    books_api_name = models.CharField(max_length=100, blank=True)
    books_label = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["books_label", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "books_customfield_id"], name="invoicemapping_unique_books_field"
            )
        ]

    def __str__(self) -> str:
        return f"{self.work_order_field} → {self.books_label or self.books_api_name}"


__all__ = [
    "Estimate",
    "EstimateLine",
    "GatewaySession",
    "Invoice",
    "InvoiceLine",
    "InvoiceMapping",
    "InvoiceTaxLine",
    "Payment",
    "PaymentAllocation",
]
