"""The narrow, typed interface between the sync engine and a finance service (STYLE 5).

Everything that crosses it is a frozen dataclass or an error from this module: never a model instance, never raw
JSON. Money is ``Decimal`` (an empty string on the wire is ``None``), timestamps are aware datetimes, dates are
``datetime.date``. Records read from lists may be summaries (Zoho's list rows carry no addresses, persons or custom
fields); ``get_*`` returns the full record.

The same dataclass serves both directions: on a create the id is ``None``; on create and update a field left at
``None`` is not sent at all, so an update changes only what it names (send ``""`` to clear a text field).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Generic, Literal, Protocol, TypeVar, runtime_checkable

T = TypeVar("T")

Edition = Literal["books", "invoice"]


# --- Errors -----------------------------------------------------------------------------------------------------------


class FinanceError(Exception):
    """A call to the finance service failed.

    ``retryable`` says whether the same call may succeed later without anyone changing anything (network trouble,
    rate limits, server errors). ``zoho_code`` and ``message`` are the service's own ``code`` and text, kept so that
    logs and users see what Books said. Classification never looks at the text.
    """

    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        zoho_code: int | None = None,
        http_status: int | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.zoho_code = zoho_code
        self.http_status = http_status
        if retryable is not None:
            self.retryable = retryable

    def __str__(self) -> str:
        parts = [self.message]
        if self.zoho_code is not None:
            parts.append(f"code {self.zoho_code}")
        if self.http_status is not None:
            parts.append(f"HTTP {self.http_status}")
        return " — ".join(parts) if len(parts) == 1 else f"{parts[0]} ({', '.join(parts[1:])})"


class AuthError(FinanceError):
    """Access was refused for good (revoked, wrong client, missing scope or role): someone must reconnect."""


class TokenRefreshBlocked(FinanceError):
    """No new access token may be requested yet (Zoho's 10-per-10-minutes rule or its "Access Denied" answer).

    Temporary: try again after ``retry_after`` seconds. Never loop on it.
    """

    retryable = True

    def __init__(self, message: str, *, retry_after: float, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class OrganizationGone(FinanceError):
    """Code 6041: the finance organization was deleted, or this user no longer belongs to it."""


class RateLimited(FinanceError):
    """Code 44 (per-minute limit) that the connector could not absorb by waiting."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class QuotaExhausted(FinanceError):
    """Code 45, or the daily quota is about to run out: stop the run; resume after ``reset_seconds``."""

    retryable = True

    def __init__(self, message: str, *, reset_seconds: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.reset_seconds = reset_seconds


class ConcurrencyLimited(FinanceError):
    """Code 1070 (too many requests in flight) that persisted after backing off."""

    retryable = True


class DuplicateName(FinanceError):
    """Code 3062: another contact already uses this display name."""


class CapacityReached(FinanceError):
    """Code 1009: the organization's limit (e.g. 10,000 customers on Zoho Invoice) is reached."""


class NotFound(FinanceError):
    """Code 1002 or HTTP 404: the record (or the endpoint) does not exist."""


class ValidationFailed(FinanceError):
    """Any other 4xx: the request was refused as it stands."""


class ServerError(FinanceError):
    """HTTP 5xx or code 1000."""

    retryable = True


class TransportError(FinanceError):
    """Timeout, refused or dropped connection: the request may or may not have been carried out."""

    retryable = True


# --- Values -----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list read. ``has_more`` is False on the last page."""

    items: tuple[T, ...]
    has_more: bool
    page: int


@dataclass(frozen=True)
class TokenGrant:
    """A successful answer of the accounts server's token endpoint."""

    access_token: str
    expires_in: int
    api_domain: str | None = None
    refresh_token: str | None = None
    scope: str = ""


@dataclass(frozen=True)
class LookupKey:
    """How to find a record again when a create's answer was lost (zoho-books-v3.md §12.11).

    ``field`` is a list filter of the endpoint (``contact_name``, ``name``, ``sku``, ``invoice_number``,
    ``estimate_number``, ``reference_number``); ``value`` is compared exactly, ignoring case and surrounding space.
    """

    field: str
    value: str


@dataclass(frozen=True)
class OrganizationInfo:
    organization_id: str
    name: str
    edition: Edition
    country: str = ""
    country_code: str = ""
    currency_code: str = ""
    currency_id: str = ""
    time_zone: str = ""
    plan_name: str = ""
    version: str = ""
    is_default_org: bool = False
    is_active: bool = True
    # Project flags of zoho-books-v3.md §12.12; missing means False / None.
    is_trial_expired: bool = False
    is_avalara_integrated: bool = False
    is_tax_enabled: bool = False
    crm_sync_type: str | None = None
    crm_sync_in_progress: bool = False

    @property
    def is_usable(self) -> bool:
        """Whether FSM may connect to it (FIN-2: expired trials and Avalara orgs are shown but not selectable)."""
        return self.is_active and not self.is_trial_expired and not self.is_avalara_integrated


@dataclass(frozen=True)
class CustomFieldValue:
    value: Any
    customfield_id: str | None = None
    api_name: str | None = None
    label: str | None = None
    index: int | None = None


@dataclass(frozen=True)
class Address:
    attention: str | None = None
    address: str | None = None
    street2: str | None = None
    city: str | None = None
    state: str | None = None
    state_code: str | None = None
    zip: str | None = None
    country: str | None = None
    phone: str | None = None
    fax: str | None = None
    address_id: str | None = None


@dataclass(frozen=True)
class ContactPerson:
    contact_person_id: str | None = None
    contact_id: str | None = None
    salutation: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    mobile: str | None = None
    designation: str | None = None
    department: str | None = None
    is_primary_contact: bool | None = None
    enable_portal: bool | None = None


@dataclass(frozen=True)
class Customer:
    """A Books contact of type customer (or vendor, when read)."""

    contact_name: str
    contact_id: str | None = None
    company_name: str | None = None
    contact_type: str | None = None
    customer_sub_type: str | None = None
    status: str | None = None
    email: str | None = None
    phone: str | None = None
    mobile: str | None = None
    website: str | None = None
    notes: str | None = None
    currency_id: str | None = None
    currency_code: str | None = None
    payment_terms: int | None = None
    payment_terms_label: str | None = None
    payment_terms_id: str | None = None
    credit_limit: Decimal | None = None
    billing_address: Address | None = None
    shipping_address: Address | None = None
    contact_persons: tuple[ContactPerson, ...] = ()
    custom_fields: tuple[CustomFieldValue, ...] = ()
    is_taxable: bool | None = None
    tax_id: str | None = None
    tax_exemption_id: str | None = None
    # Edition-specific tax fields, sent and read as they are: gst_treatment, gst_no, place_of_contact,
    # vat_treatment, tax_treatment, vat_reg_no, tax_reg_no, tax_authority_id, tax_exemption_code, avatax_* …
    regional: Mapping[str, Any] = field(default_factory=dict)
    primary_contact_id: str | None = None
    outstanding_receivable_amount: Decimal | None = None
    unused_credits_receivable_amount: Decimal | None = None
    created_time: dt.datetime | None = None
    last_modified_time: dt.datetime | None = None


@dataclass(frozen=True)
class Item:
    name: str
    rate: Decimal | None = None
    item_id: str | None = None
    description: str | None = None
    sku: str | None = None
    unit: str | None = None
    status: str | None = None
    product_type: str | None = None
    item_type: str | None = None
    tax_id: str | None = None
    tax_name: str | None = None
    tax_percentage: Decimal | None = None
    is_taxable: bool | None = None
    tax_exemption_id: str | None = None
    account_id: str | None = None
    custom_fields: tuple[CustomFieldValue, ...] = ()
    # hsn_or_sac, item_tax_preferences, avatax_tax_code, sat_item_key_code …
    regional: Mapping[str, Any] = field(default_factory=dict)
    created_time: dt.datetime | None = None
    last_modified_time: dt.datetime | None = None


@dataclass(frozen=True)
class InvoiceLine:
    """A line of an invoice or an estimate."""

    line_item_id: str | None = None
    item_id: str | None = None
    name: str | None = None
    description: str | None = None
    item_order: int | None = None
    rate: Decimal | None = None
    quantity: Decimal | None = None
    unit: str | None = None
    discount: Decimal | None = None
    discount_amount: Decimal | None = None
    tax_id: str | None = None
    tax_name: str | None = None
    tax_percentage: Decimal | None = None
    tax_exemption_id: str | None = None
    item_total: Decimal | None = None
    regional: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TaxLine:
    """One entry of a document's tax summary (``taxes[]``)."""

    tax_name: str
    tax_amount: Decimal | None
    tax_id: str | None = None


@dataclass(frozen=True)
class Invoice:
    customer_id: str
    line_items: tuple[InvoiceLine, ...] = ()
    invoice_id: str | None = None
    invoice_number: str | None = None
    customer_name: str | None = None
    status: str | None = None
    date: dt.date | None = None
    due_date: dt.date | None = None
    reference_number: str | None = None
    currency_id: str | None = None
    currency_code: str | None = None
    exchange_rate: Decimal | None = None
    payment_terms: int | None = None
    payment_terms_label: str | None = None
    salesperson_id: str | None = None
    salesperson_name: str | None = None
    contact_persons: tuple[str, ...] = ()
    discount: Decimal | None = None
    discount_type: str | None = None
    is_discount_before_tax: bool | None = None
    is_inclusive_tax: bool | None = None
    shipping_charge: Decimal | None = None
    adjustment: Decimal | None = None
    adjustment_description: str | None = None
    notes: str | None = None
    terms: str | None = None
    billing_address: Address | None = None
    shipping_address: Address | None = None
    custom_fields: tuple[CustomFieldValue, ...] = ()
    regional: Mapping[str, Any] = field(default_factory=dict)
    taxes: tuple[TaxLine, ...] = ()
    sub_total: Decimal | None = None
    tax_total: Decimal | None = None
    total: Decimal | None = None
    balance: Decimal | None = None
    payment_made: Decimal | None = None
    credits_applied: Decimal | None = None
    write_off_amount: Decimal | None = None
    is_emailed: bool | None = None
    invoice_url: str | None = None
    created_time: dt.datetime | None = None
    last_modified_time: dt.datetime | None = None


@dataclass(frozen=True)
class Estimate:
    customer_id: str
    line_items: tuple[InvoiceLine, ...] = ()
    estimate_id: str | None = None
    estimate_number: str | None = None
    customer_name: str | None = None
    status: str | None = None
    date: dt.date | None = None
    expiry_date: dt.date | None = None
    reference_number: str | None = None
    currency_id: str | None = None
    currency_code: str | None = None
    exchange_rate: Decimal | None = None
    salesperson_id: str | None = None
    salesperson_name: str | None = None
    contact_persons: tuple[str, ...] = ()
    discount: Decimal | None = None
    discount_type: str | None = None
    is_discount_before_tax: bool | None = None
    is_inclusive_tax: bool | None = None
    shipping_charge: Decimal | None = None
    adjustment: Decimal | None = None
    adjustment_description: str | None = None
    notes: str | None = None
    terms: str | None = None
    billing_address: Address | None = None
    shipping_address: Address | None = None
    custom_fields: tuple[CustomFieldValue, ...] = ()
    regional: Mapping[str, Any] = field(default_factory=dict)
    taxes: tuple[TaxLine, ...] = ()
    sub_total: Decimal | None = None
    tax_total: Decimal | None = None
    total: Decimal | None = None
    accepted_date: dt.date | None = None
    declined_date: dt.date | None = None
    created_time: dt.datetime | None = None
    last_modified_time: dt.datetime | None = None


@dataclass(frozen=True)
class PaymentApplication:
    invoice_id: str
    amount_applied: Decimal
    invoice_number: str | None = None


@dataclass(frozen=True)
class Payment:
    """A customer payment."""

    customer_id: str
    amount: Decimal
    date: dt.date
    payment_mode: str
    invoices: tuple[PaymentApplication, ...] = ()
    payment_id: str | None = None
    payment_number: str | None = None
    customer_name: str | None = None
    reference_number: str | None = None
    description: str | None = None
    exchange_rate: Decimal | None = None
    bank_charges: Decimal | None = None
    account_id: str | None = None
    unused_amount: Decimal | None = None
    currency_code: str | None = None
    custom_fields: tuple[CustomFieldValue, ...] = ()
    created_time: dt.datetime | None = None
    last_modified_time: dt.datetime | None = None


@dataclass(frozen=True)
class Tax:
    tax_name: str
    tax_percentage: Decimal
    tax_id: str | None = None
    tax_type: str | None = None
    tax_specific_type: str | None = None
    tax_authority_id: str | None = None
    tax_authority_name: str | None = None
    is_default_tax: bool | None = None
    is_editable: bool | None = None
    is_value_added: bool | None = None
    country_code: str | None = None


@dataclass(frozen=True)
class TaxGroup:
    tax_group_name: str
    tax_group_id: str | None = None
    tax_group_percentage: Decimal | None = None
    taxes: tuple[Tax, ...] = ()


@dataclass(frozen=True)
class TaxExemption:
    tax_exemption_code: str
    tax_exemption_id: str | None = None
    description: str | None = None
    type: str | None = None  # customer | item
    is_active: bool | None = None


@dataclass(frozen=True)
class Currency:
    currency_code: str
    currency_id: str | None = None
    currency_name: str | None = None
    currency_symbol: str | None = None
    price_precision: int | None = None
    currency_format: str | None = None
    is_base_currency: bool | None = None
    exchange_rate: Decimal | None = None
    effective_date: dt.date | None = None


@dataclass(frozen=True)
class PaymentTerm:
    payment_terms: int
    payment_terms_label: str
    payment_terms_id: str | None = None
    is_default: bool = False


@dataclass(frozen=True)
class Salesperson:
    salesperson_name: str
    salesperson_id: str | None = None
    salesperson_email: str | None = None
    is_active: bool = True


@dataclass(frozen=True)
class FinanceUser:
    user_id: str
    name: str
    email: str = ""
    role_id: str | None = None
    user_role: str | None = None
    role_name: str | None = None
    status: str | None = None
    is_current_user: bool = False


@dataclass(frozen=True)
class CustomFieldDef:
    entity: str
    api_name: str
    label: str
    data_type: str
    is_mandatory: bool = False
    customfield_id: str | None = None
    is_active: bool = True


# --- The interface ---------------------------------------------------------------------------------------------------


@runtime_checkable
class FinanceConnector(Protocol):
    """What the sync engine, onboarding and invoicing may ask of a finance service.

    List reads yield pages (so callers can checkpoint after each); ``changed_since`` asks only for records modified
    since then (the connector subtracts its overlap window). Creates take an optional ``lookup_key`` (a default is
    derived from the record): if the answer to a create is lost, the connector looks the record up by it before
    posting again, so calling a create twice never makes two records.
    """

    edition: Edition

    # Organizations
    def list_organizations(self) -> list[OrganizationInfo]: ...
    def get_organization(self, organization_id: str | None = None) -> OrganizationInfo: ...

    # Contacts (customers) and contact persons
    def list_contacts(self, *, changed_since: dt.datetime | None = None) -> Iterator[Page[Customer]]: ...
    def get_contact(self, contact_id: str) -> Customer: ...
    def find_contacts(self, *, contact_name: str) -> list[Customer]: ...
    def search_customers(self, text: str, *, limit: int = 25) -> list[Customer]: ...
    def create_contact(self, customer: Customer, *, lookup_key: LookupKey | None = None) -> Customer: ...
    def update_contact(self, contact_id: str, customer: Customer) -> Customer: ...
    def mark_contact_active(self, contact_id: str) -> None: ...
    def mark_contact_inactive(self, contact_id: str) -> None: ...
    def list_contact_persons(self, contact_id: str) -> list[ContactPerson]: ...
    def create_contact_person(self, contact_id: str, person: ContactPerson) -> ContactPerson: ...
    def update_contact_person(self, contact_person_id: str, person: ContactPerson) -> ContactPerson: ...
    def mark_contact_person_primary(self, contact_person_id: str) -> None: ...
    def count_customers(self) -> int: ...

    # Items
    def list_items(self) -> Iterator[Page[Item]]: ...
    def get_item(self, item_id: str) -> Item: ...
    def get_item_details(self, item_ids: Sequence[str]) -> list[Item]: ...
    def find_items(self, *, name: str | None = None, sku: str | None = None) -> list[Item]: ...
    def search_items(self, text: str, *, limit: int = 25) -> list[Item]: ...
    def create_item(self, item: Item, *, lookup_key: LookupKey | None = None) -> Item: ...
    def update_item(self, item_id: str, item: Item) -> Item: ...
    def mark_item_active(self, item_id: str) -> None: ...
    def mark_item_inactive(self, item_id: str) -> None: ...
    def count_items(self) -> int: ...

    # Invoices
    def list_invoices(self, *, changed_since: dt.datetime | None = None) -> Iterator[Page[Invoice]]: ...
    def get_invoice(self, invoice_id: str) -> Invoice: ...
    def find_invoices(self, *, invoice_number: str) -> list[Invoice]: ...
    def create_invoice(self, invoice: Invoice, *, lookup_key: LookupKey | None = None) -> Invoice: ...
    def update_invoice(self, invoice_id: str, invoice: Invoice) -> Invoice: ...
    def mark_invoice_sent(self, invoice_id: str) -> None: ...
    def void_invoice(self, invoice_id: str) -> None: ...
    def mark_invoice_draft(self, invoice_id: str) -> None: ...
    def email_invoice(
        self,
        invoice_id: str,
        *,
        to: Sequence[str],
        cc: Sequence[str] = (),
        subject: str | None = None,
        body: str | None = None,
    ) -> None: ...
    def get_invoice_pdf(self, invoice_id: str) -> bytes: ...

    # Estimates
    def list_estimates(self, *, changed_since: dt.datetime | None = None) -> Iterator[Page[Estimate]]: ...
    def get_estimate(self, estimate_id: str) -> Estimate: ...
    def create_estimate(self, estimate: Estimate, *, lookup_key: LookupKey | None = None) -> Estimate: ...
    def update_estimate(self, estimate_id: str, estimate: Estimate) -> Estimate: ...
    def mark_estimate_sent(self, estimate_id: str) -> None: ...
    def mark_estimate_accepted(self, estimate_id: str) -> None: ...
    def mark_estimate_declined(self, estimate_id: str) -> None: ...

    # Customer payments
    def list_payments(self, *, changed_since: dt.datetime | None = None) -> Iterator[Page[Payment]]: ...
    def get_payment(self, payment_id: str) -> Payment: ...
    def create_payment(self, payment: Payment, *, lookup_key: LookupKey | None = None) -> Payment: ...

    # Reference data (FIN-5)
    def list_taxes(self) -> list[Tax]: ...
    def create_tax(self, tax: Tax) -> Tax: ...
    def list_tax_groups(self) -> list[TaxGroup]: ...
    def create_tax_group(self, name: str, tax_ids: Sequence[str]) -> TaxGroup: ...
    def list_tax_exemptions(self) -> list[TaxExemption]: ...
    def create_tax_exemption(self, exemption: TaxExemption) -> TaxExemption: ...
    def list_currencies(self) -> list[Currency]: ...
    def create_currency(self, currency: Currency) -> Currency: ...
    def list_payment_terms(self) -> list[PaymentTerm]: ...
    def list_salespersons(self) -> list[Salesperson]: ...
    def list_users(self) -> list[FinanceUser]: ...
    def list_custom_fields(self, entity: str) -> list[CustomFieldDef]: ...
