"""Reference data of a finance organization: taxes, tax groups, exemptions, authorities, currencies, terms."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from sandbox import clock
from sandbox.errors import ApiError, invalid_reference, invalid_value, missing_value
from sandbox.models import (
    Currency,
    Organization,
    PaymentTerm,
    Tax,
    TaxAuthority,
    TaxExemption,
    TaxGroup,
)
from sandbox.services.common import text, to_bool, to_date, to_decimal, to_int
from sandbox.services.orgs import CURRENCIES, currency_create


def tax_lookup(organization: Organization, tax_id) -> Tax | TaxGroup | None:
    """A tax or a tax group of the organization by its id (both are valid ``tax_id`` values on lines)."""
    pk = Tax.pk_from_zoho_id(tax_id)
    if pk:
        return Tax.objects.filter(organization=organization, pk=pk).first()
    pk = TaxGroup.pk_from_zoho_id(tax_id)
    if pk:
        return TaxGroup.objects.filter(organization=organization, pk=pk).prefetch_related("taxes").first()
    return None


def tax_components(tax: Tax | TaxGroup) -> list[Tax]:
    return list(tax.taxes.all().order_by("id")) if isinstance(tax, TaxGroup) else [tax]


def tax_percentage(tax: Tax | TaxGroup) -> Decimal:
    return sum((component.tax_percentage for component in tax_components(tax)), Decimal("0"))


def tax_name(tax: Tax | TaxGroup) -> str:
    return tax.tax_group_name if isinstance(tax, TaxGroup) else tax.tax_name


def _tax_fields(organization: Organization, data: dict, *, creating: bool) -> dict:
    fields: dict = {}
    if creating or "tax_name" in data:
        fields["tax_name"] = text(data.get("tax_name"), "tax_name", max_length=100)
        if not fields["tax_name"]:
            raise missing_value("tax_name")
    if creating or "tax_percentage" in data:
        fields["tax_percentage"] = to_decimal(data.get("tax_percentage"), "tax_percentage")
        if not Decimal(0) <= fields["tax_percentage"] <= Decimal(100):
            raise invalid_value("tax_percentage")
    if "tax_type" in data:
        if data["tax_type"] not in ("tax", "compound_tax"):
            raise invalid_value("tax_type")
        fields["tax_type"] = data["tax_type"]
    if "tax_specific_type" in data:
        fields["tax_specific_type"] = text(data["tax_specific_type"], "tax_specific_type", max_length=30)
    if "is_value_added" in data:
        fields["is_value_added"] = to_bool(data["is_value_added"])
    if "is_default_tax" in data:
        fields["is_default_tax"] = to_bool(data["is_default_tax"])
    if data.get("tax_authority_id"):
        pk = TaxAuthority.pk_from_zoho_id(data["tax_authority_id"])
        authority = TaxAuthority.objects.filter(organization=organization, pk=pk).first() if pk else None
        if authority is None:
            raise invalid_reference("tax_authority_id")
        fields["tax_authority"] = authority
    elif data.get("tax_authority_name"):
        fields["tax_authority"] = tax_authority_create(
            organization, data={"tax_authority_name": data["tax_authority_name"]}, reuse=True
        )
    return fields


@transaction.atomic
def tax_create(organization: Organization, *, data: dict) -> Tax:
    fields = _tax_fields(organization, data, creating=True)
    now = clock.now_seconds()
    return Tax.objects.create(organization=organization, created_time=now, last_modified_time=now, **fields)


@transaction.atomic
def tax_update(tax: Tax, *, data: dict) -> Tax:
    for key, value in _tax_fields(tax.organization, data, creating=False).items():
        setattr(tax, key, value)
    tax.last_modified_time = clock.now_seconds()
    tax.save()
    TaxGroup.objects.filter(taxes=tax).update(last_modified_time=tax.last_modified_time)
    return tax


def _group_taxes(organization: Organization, value) -> list[Tax]:
    if isinstance(value, str):
        ids = [part.strip() for part in value.split(",") if part.strip()]
    elif isinstance(value, list):
        ids = [str(part.get("tax_id") if isinstance(part, dict) else part) for part in value]
    else:
        raise missing_value("taxes")
    taxes = []
    for tax_id in ids:
        pk = Tax.pk_from_zoho_id(tax_id)
        tax = Tax.objects.filter(organization=organization, pk=pk).first() if pk else None
        if tax is None:
            raise invalid_reference("taxes")
        taxes.append(tax)
    if not taxes:
        raise missing_value("taxes")
    return taxes


@transaction.atomic
def tax_group_create(organization: Organization, *, data: dict) -> TaxGroup:
    name = text(data.get("tax_group_name"), "tax_group_name", max_length=100)
    if not name:
        raise missing_value("tax_group_name")
    taxes = _group_taxes(organization, data.get("taxes"))
    now = clock.now_seconds()
    group = TaxGroup.objects.create(
        organization=organization, tax_group_name=name, created_time=now, last_modified_time=now
    )
    group.taxes.set(taxes)
    return group


@transaction.atomic
def tax_group_update(group: TaxGroup, *, data: dict) -> TaxGroup:
    if "tax_group_name" in data:
        group.tax_group_name = text(data["tax_group_name"], "tax_group_name", max_length=100)
        if not group.tax_group_name:
            raise missing_value("tax_group_name")
    if "taxes" in data:
        group.taxes.set(_group_taxes(group.organization, data["taxes"]))
    group.last_modified_time = clock.now_seconds()
    group.save()
    return group


def tax_authority_create(organization: Organization, *, data: dict, reuse: bool = False) -> TaxAuthority:
    name = text(data.get("tax_authority_name"), "tax_authority_name")
    if not name:
        raise missing_value("tax_authority_name")
    if reuse:
        found = TaxAuthority.objects.filter(organization=organization, tax_authority_name__iexact=name).first()
        if found:
            return found
    now = clock.now_seconds()
    return TaxAuthority.objects.create(
        organization=organization,
        tax_authority_name=name,
        description=text(data.get("description"), "description", max_length=500),
        created_time=now,
        last_modified_time=now,
    )


def tax_exemption_create(organization: Organization, *, data: dict) -> TaxExemption:
    code = text(data.get("tax_exemption_code"), "tax_exemption_code", max_length=50)
    if not code:
        raise missing_value("tax_exemption_code")
    kind = data.get("type") or "customer"
    if kind not in ("customer", "item"):
        raise invalid_value("type")
    now = clock.now_seconds()
    return TaxExemption.objects.create(
        organization=organization,
        tax_exemption_code=code,
        description=text(data.get("description"), "description", max_length=500),
        type=kind,
        created_time=now,
        last_modified_time=now,
    )


@transaction.atomic
def currency_add(organization: Organization, *, data: dict) -> Currency:
    code = text(data.get("currency_code"), "currency_code", max_length=3).upper()
    if not code:
        raise missing_value("currency_code")
    if len(code) != 3 or not code.isalpha():
        raise invalid_value("currency_code")
    if not data.get("currency_format"):
        raise missing_value("currency_format")
    if Currency.objects.filter(organization=organization, currency_code=code).exists():
        raise ApiError(400, 4, f"The currency {code} already exists.")
    fields = {
        "currency_format": text(data["currency_format"], "currency_format", max_length=30),
        "exchange_rate": to_decimal(data.get("exchange_rate"), "exchange_rate", default=Decimal("1")),
        "effective_date": to_date(data.get("effective_date"), "effective_date", default=clock.org_today("UTC")),
    }
    if data.get("currency_symbol"):
        fields["currency_symbol"] = text(data["currency_symbol"], "currency_symbol", max_length=10)
    if data.get("price_precision") not in (None, ""):
        fields["price_precision"] = to_int(data["price_precision"], "price_precision", maximum=3)
    elif code not in CURRENCIES:
        fields["price_precision"] = 2
    if fields["exchange_rate"] <= 0:
        raise invalid_value("exchange_rate")
    return currency_create(organization, currency_code=code, **fields)


@transaction.atomic
def currency_update(currency: Currency, *, data: dict) -> Currency:
    if "exchange_rate" in data:
        currency.exchange_rate = to_decimal(data["exchange_rate"], "exchange_rate")
        if currency.exchange_rate <= 0:
            raise invalid_value("exchange_rate")
    for key, length in (("currency_symbol", 10), ("currency_format", 30)):
        if key in data:
            setattr(currency, key, text(data[key], key, max_length=length))
    if "price_precision" in data:
        currency.price_precision = to_int(data["price_precision"], "price_precision", maximum=3)
    currency.last_modified_time = clock.now_seconds()
    currency.save()
    return currency


def payment_term_create(organization: Organization, *, data: dict) -> PaymentTerm:
    days = to_int(data.get("payment_terms"), "payment_terms", maximum=999)
    label = text(data.get("payment_terms_label"), "payment_terms_label") or f"Net {days}"
    now = clock.now_seconds()
    return PaymentTerm.objects.create(
        organization=organization,
        payment_terms=days,
        payment_terms_label=label,
        is_default=to_bool(data.get("is_default", False)),
        created_time=now,
        last_modified_time=now,
    )
