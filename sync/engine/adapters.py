"""Turn FSM records and Books records into the canonical form, and canonical changes back into writes.

One adapter per kind of link (company, individual contact, contact person, item). The engine only ever sees
canonical dicts (Books field names → normalized values); the adapters are the only code that knows both models.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from fsmbilling.models import Company, Contact, Currency, PaymentTerm, ServicePart, Status, Tax
from sync.connectors import base as remote
from sync.engine import canonical as c


class RecordFailure(Exception):
    """One record cannot be synced as it stands (SYN-17); the run goes on and the failure is logged."""

    def __init__(self, reason_code: str, message: str, explanation: str = "", *, zoho_code: int | None = None):
        super().__init__(message)
        self.reason_code = reason_code
        self.message = message
        self.explanation = explanation or message
        self.zoho_code = zoho_code


@dataclass
class Refs:
    """Reference data of one run, loaded once: currencies, payment terms and taxes on both sides."""

    organization: Any
    base_currency: str
    fsm_currencies: dict[str, Currency] = field(default_factory=dict)
    books_currency_ids: dict[str, str] = field(default_factory=dict)
    fsm_terms: dict[tuple[int, str], PaymentTerm] = field(default_factory=dict)
    fsm_taxes_by_books_id: dict[str, Tax] = field(default_factory=dict)
    fsm_taxes_by_id: dict[int, Tax] = field(default_factory=dict)
    created_currencies: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, organization, *, books_currencies: Iterable[remote.Currency] = ()) -> Refs:
        taxes = list(Tax.objects.filter(organization=organization))
        return cls(
            organization=organization,
            base_currency=organization.base_currency,
            fsm_currencies={cur.code: cur for cur in Currency.objects.filter(organization=organization)},
            books_currency_ids={b.currency_code.upper(): b.currency_id for b in books_currencies if b.currency_id},
            fsm_terms={(t.days, t.label): t for t in PaymentTerm.objects.filter(organization=organization)},
            fsm_taxes_by_books_id={t.books_id: t for t in taxes if t.books_id},
            fsm_taxes_by_id={t.pk: t for t in taxes},
        )

    # --- FSM side lookups that may create reference rows (SYN-14) ---
    def local_currency(self, code: str) -> Currency | None:
        code = (code or "").upper()
        if not code or code == self.base_currency:
            return self.fsm_currencies.get(code) if code else None
        if code not in self.fsm_currencies:
            # A currency used in Books but missing in FSM is created at exchange rate 1 (SYN-14).
            currency, _created = Currency.objects.get_or_create(
                organization=self.organization, code=code, defaults={"exchange_rate": Decimal("1"), "name": code}
            )
            self.fsm_currencies[code] = currency
            self.created_currencies.append(code)
        return self.fsm_currencies[code]

    def local_term(self, value: str) -> PaymentTerm | None:
        if not value:
            return None
        days_text, _sep, label = value.partition("|")
        key = (int(days_text or 0), label)
        if key not in self.fsm_terms:
            term, _created = PaymentTerm.objects.get_or_create(
                organization=self.organization, days=key[0], label=key[1] or f"Net {key[0]}"
            )
            self.fsm_terms[key] = term
        return self.fsm_terms[key]

    def books_currency_id(self, code: str) -> str | None:
        code = (code or self.base_currency).upper()
        if code not in self.books_currency_ids:
            raise RecordFailure(
                "currency_missing_in_books",
                f"The currency {code} does not exist in the finance organization.",
                f"Add {code} to the currencies of Books, then retry this record. Nothing was created in Books.",
            )
        return self.books_currency_ids[code]


def terms_value(days: int | None, label: str | None) -> str:
    """Payment terms as "days|label"; Books' default "Due on Receipt" (0 days) is the same as no terms."""
    if not days and (not label or c.match_key(label) == "due on receipt"):
        return ""
    return f"{int(days or 0)}|{c.text(label)}"


# --- Reading values -------------------------------------------------------------------------------------------------


def _normalize(kind: str, value: Any) -> Any:
    if kind == "decimal":
        return c.decimal(value)
    if kind == "address":
        return c.address(value)
    if kind == "bool":
        return c.boolean(value)
    if kind == "currency":
        return c.text(value).upper()
    return c.text(value)


def fsm_value(record, fsm_field: str, kind: str, refs: Refs) -> Any:
    if fsm_field.startswith("cf:"):
        return _normalize(kind, (record.custom_fields or {}).get(fsm_field[3:]))
    if kind == "currency":
        return (record.currency.code if record.currency_id else refs.base_currency).upper()
    if kind == "payment_terms":
        term = record.payment_term
        return terms_value(term.days, term.label) if term else ""
    if kind == "tax":
        tax = refs.fsm_taxes_by_id.get(record.default_tax_id) if record.default_tax_id else None
        return tax.books_id if tax and tax.books_id else ""
    if kind == "product_type":
        return "goods" if record.kind == ServicePart.Kind.PART else "service"
    return _normalize(kind, getattr(record, fsm_field))


def books_value(record, books_field: str, kind: str) -> Any:
    if books_field.startswith("cf:"):
        api_name = books_field[3:]
        for custom in record.custom_fields:
            if (
                custom.api_name in (api_name, f"cf_{api_name}")
                or (custom.api_name or "").removeprefix("cf_") == api_name
            ):
                return _normalize(kind, custom.value)
        return _normalize(kind, None)
    if kind == "payment_terms":
        return terms_value(record.payment_terms, record.payment_terms_label)
    if kind == "product_type":
        return "goods" if (record.product_type or "service") in ("goods", "capital_goods") else "service"
    if hasattr(record, books_field):
        return _normalize(kind, getattr(record, books_field))
    return _normalize(kind, (getattr(record, "regional", None) or {}).get(books_field))


# --- Writing values -------------------------------------------------------------------------------------------------


def apply_local(record, changes: dict[str, Any], mapping: list[tuple[str, str, str]], refs: Refs) -> None:
    """Set FSM fields from canonical changes (keyed by Books field)."""
    by_books = {books: (fsm, kind) for fsm, books, kind in mapping}
    for books_field, value in changes.items():
        if books_field not in by_books:
            continue
        fsm_field, kind = by_books[books_field]
        if fsm_field.startswith("cf:"):
            values = dict(record.custom_fields or {})
            if value in ("", None):
                values.pop(fsm_field[3:], None)
            else:
                values[fsm_field[3:]] = value
            record.custom_fields = values
        elif kind == "currency":
            record.currency = refs.local_currency(value)
        elif kind == "payment_terms":
            record.payment_term = refs.local_term(value)
        elif kind == "tax":
            record.default_tax = refs.fsm_taxes_by_books_id.get(value) if value else None
        elif kind == "product_type":
            record.kind = ServicePart.Kind.PART if value == "goods" else ServicePart.Kind.SERVICE
        elif kind == "decimal":
            record.__dict__[fsm_field] = Decimal(value or "0")
        elif kind == "address":
            setattr(record, fsm_field, dict(value or {}))
        elif kind == "bool":
            setattr(record, fsm_field, bool(value))
        else:
            max_length = getattr(type(record)._meta.get_field(fsm_field), "max_length", None)
            setattr(record, fsm_field, (value or "")[:max_length] if max_length else (value or ""))


def remote_fields(changes: dict[str, Any], mapping: list[tuple[str, str, str]], refs: Refs) -> dict[str, Any]:
    """Canonical changes → keyword arguments of a Books dataclass (Customer or Item)."""
    kinds = {books: kind for _fsm, books, kind in mapping}
    kwargs: dict[str, Any] = {}
    regional: dict[str, Any] = {}
    custom: list[remote.CustomFieldValue] = []
    for books_field, value in changes.items():
        kind = kinds.get(books_field, "text")
        if books_field.startswith("cf:"):
            custom.append(remote.CustomFieldValue(value=value, api_name=f"cf_{books_field[3:].removeprefix('cf_')}"))
        elif kind == "address":
            kwargs[books_field] = remote.Address(**{part: value.get(part, "") for part in c.ADDRESS_PARTS})
        elif kind == "currency":
            kwargs["currency_id"] = refs.books_currency_id(value)
        elif kind == "payment_terms":
            days_text, _sep, label = (value or "0|").partition("|")
            kwargs["payment_terms"] = int(days_text or 0)
            kwargs["payment_terms_label"] = label
        elif kind == "decimal":
            kwargs[books_field] = Decimal(value or "0")
        elif books_field in (
            "gst_no",
            "vat_reg_no",
            "tax_reg_no",
            "place_of_contact",
            "gst_treatment",
            "vat_treatment",
            "tax_treatment",
            "hsn_or_sac",
        ):
            regional[books_field] = value
        else:
            kwargs[books_field] = value
    if regional:
        kwargs["regional"] = regional
    if custom:
        kwargs["custom_fields"] = tuple(custom)
    return kwargs


# --- Adapters per kind ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Adapter:
    kind: str
    module: str
    model: type
    mapping: list[tuple[str, str, str]]  # (fsm field, books field, kind)

    def local_canonical(self, record, refs: Refs) -> dict[str, Any]:
        return {books: fsm_value(record, fsm, kind, refs) for fsm, books, kind in self.mapping}

    def remote_canonical(self, record) -> dict[str, Any]:
        return {books: books_value(record, books, kind) for _fsm, books, kind in self.mapping}

    def is_active_local(self, record) -> bool:
        return record.status == Status.ACTIVE

    @staticmethod
    def is_active_remote(record) -> bool:
        return (record.status or "active") == "active"


def company_key(record_or_name) -> str:
    return c.match_key(record_or_name if isinstance(record_or_name, str) else record_or_name.name)


def person_fields(contact: Contact) -> dict[str, Any]:
    return {
        "first_name": c.text(contact.first_name),
        "last_name": c.text(contact.last_name),
        "email": c.text(contact.email),
        "phone": c.text(contact.phone),
        "mobile": c.text(contact.mobile),
        "is_primary": bool(contact.is_primary),
    }


def remote_person_fields(person: remote.ContactPerson) -> dict[str, Any]:
    return {
        "first_name": c.text(person.first_name),
        "last_name": c.text(person.last_name),
        "email": c.text(person.email),
        "phone": c.text(person.phone),
        "mobile": c.text(person.mobile),
        "is_primary": bool(person.is_primary_contact),
    }


def person_dataclass(values: dict[str, Any], **extra) -> remote.ContactPerson:
    return remote.ContactPerson(
        first_name=values.get("first_name") or None,
        last_name=values.get("last_name", ""),
        email=values.get("email", ""),
        phone=values.get("phone", ""),
        mobile=values.get("mobile", ""),
        is_primary_contact=values.get("is_primary"),
        **extra,
    )


def full_name(first: str, last: str) -> str:
    return " ".join(part for part in (c.text(first), c.text(last)) if part)


def with_changes(record, **kwargs):
    return dataclasses.replace(record, **kwargs)


MODEL_FOR_KIND = {"company": Company, "contact": Contact, "contact_person": Contact, "item": ServicePart}
