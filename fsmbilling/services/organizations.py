"""Writes on organizations, roles and memberships (TEN-1..4)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from fsmbilling.models import Currency, DocumentSequence, Membership, Organization, Role
from fsmbilling.models.organizations import MODULES, module_actions

CURRENCY_META = {
    "USD": ("US Dollar", "$", 2),
    "CAD": ("Canadian Dollar", "$", 2),
    "INR": ("Indian Rupee", "₹", 2),
    "AUD": ("Australian Dollar", "$", 2),
    "GBP": ("Pound Sterling", "£", 2),
    "EUR": ("Euro", "€", 2),
    "ZAR": ("South African Rand", "R", 2),
    "AED": ("UAE Dirham", "AED", 2),
    "SAR": ("Saudi Riyal", "SAR", 2),
    "QAR": ("Qatari Riyal", "QAR", 2),
    "KWD": ("Kuwaiti Dinar", "KWD", 3),
    "JPY": ("Japanese Yen", "¥", 0),
}
COUNTRY_CURRENCY = {
    "US": "USD",
    "CA": "CAD",
    "IN": "INR",
    "AU": "AUD",
    "GB": "GBP",
    "DE": "EUR",
    "ZA": "ZAR",
    "AE": "AED",
    "SA": "SAR",
    "QA": "QAR",
    "KW": "KWD",
    "JP": "JPY",
    "FR": "EUR",
    "NL": "EUR",
    "IE": "EUR",
}


def _all(module: str) -> list[str]:
    return list(module_actions(module))


def builtin_roles() -> dict[str, dict]:
    """The roles every organization starts with (TEN-3). Administrators change or add roles later."""
    everything = {module: _all(module) for module in MODULES}
    field_work = {"companies": ["view"], "contacts": ["view"], "services_and_parts": ["view"]}
    return {
        "Administrator": {"is_administrator": True, "permissions": everything, "receivables_summary": True},
        "Dispatcher": {
            "permissions": {
                "companies": ["view", "edit"],
                "contacts": ["view", "edit"],
                "services_and_parts": ["view", "edit"],
                "work_orders": ["view", "edit", "delete"],
                "estimates": ["view", "edit", "email"],
                "invoices": ["view"],
                "payments": ["view"],
            },
            "receivables_summary": False,
        },
        "Technician": {
            "permissions": {
                **field_work,
                "work_orders": ["view", "edit"],
                "estimates": ["view", "edit"],
                "invoices": ["view", "edit"],
                "payments": ["view", "edit"],
            },
            "receivables_summary": False,
        },
        "Billing": {
            "permissions": {
                **field_work,
                "work_orders": ["view"],
                "estimates": ["view", "edit", "delete", "email"],
                "invoices": ["view", "edit", "delete", "email"],
                "payments": ["view", "edit", "delete", "email"],
                "sync_logs": ["view"],
            },
            "receivables_summary": True,
        },
    }


def unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "org"
    slug, n = base, 1
    while Organization.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def organization_create(
    *,
    name: str,
    owner,
    slug: str | None = None,
    country: str = "US",
    state: str = "",
    base_currency: str | None = None,
    time_zone: str = "UTC",
) -> Organization:
    """Create an organization with its base currency and built-in roles; the owner becomes its administrator."""
    currency_code = (base_currency or COUNTRY_CURRENCY.get(country.upper(), "USD")).upper()
    try:
        with transaction.atomic():
            organization = Organization.objects.create(
                name=name.strip(),
                slug=slug or unique_slug(name),
                country=country.upper(),
                state=state,
                base_currency=currency_code,
                time_zone=time_zone,
            )
    except IntegrityError:
        organization = Organization.objects.create(
            name=name.strip(),
            slug=unique_slug(name),
            country=country.upper(),
            state=state,
            base_currency=currency_code,
            time_zone=time_zone,
        )
    meta = CURRENCY_META.get(currency_code, (currency_code, currency_code, 2))
    Currency.objects.create(
        organization=organization,
        code=currency_code,
        name=meta[0],
        symbol=meta[1],
        decimal_places=meta[2],
        is_base=True,
    )
    roles = {
        role_name: Role.objects.create(organization=organization, name=role_name, **spec)
        for role_name, spec in builtin_roles().items()
    }
    Membership.objects.create(user=owner, organization=organization, role=roles["Administrator"])
    for kind in ("work_order", "estimate", "invoice"):
        DocumentSequence.objects.create(organization=organization, kind=kind)
    return organization


def next_document_number(*, organization: Organization, kind: str, prefix: str, width: int = 5) -> str:
    """The next gap-free number of a per-organization series; call inside the transaction that saves the document.

    The sequence row is locked until that transaction ends, so concurrent creators queue and a rolled-back creation
    gives its number back.
    """
    sequence = DocumentSequence.objects.select_for_update().get(organization=organization, kind=kind)
    value = sequence.next_value
    sequence.next_value = value + 1
    sequence.save(update_fields=["next_value"])
    return f"{prefix}{value:0{width}d}"
