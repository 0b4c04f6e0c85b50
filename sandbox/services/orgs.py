"""Finance organizations, their users and their reference data (control API, seed, ``POST /organizations``)."""

from __future__ import annotations

from django.db import transaction

from sandbox import clock
from sandbox.errors import ApiError, invalid_value, missing_value
from sandbox.models import (
    Currency,
    CustomField,
    Edition,
    Membership,
    Organization,
    PaymentTerm,
    Plan,
    Salesperson,
    SandboxUser,
)
from sandbox.services.common import to_bool
from sandbox.services.oauth import user_get_or_create

# country code → (name, Books "version", "version_formatted", default time zone)
COUNTRIES = {
    "US": ("United States", "us", "U.S.A", "America/New_York"),
    "CA": ("Canada", "canada", "Canada", "America/Toronto"),
    "IN": ("India", "india", "India", "Asia/Kolkata"),
    "AU": ("Australia", "australia", "Australia", "Australia/Sydney"),
    "GB": ("United Kingdom", "uk", "U.K", "Europe/London"),
    "DE": ("Germany", "de", "Germany", "Europe/Berlin"),
    "ZA": ("South Africa", "southafrica", "South Africa", "Africa/Johannesburg"),
    "AE": ("United Arab Emirates", "uae", "U.A.E", "Asia/Dubai"),
    "SA": ("Saudi Arabia", "saudiarabia", "Saudi Arabia", "Asia/Riyadh"),
    "QA": ("Qatar", "qatar", "Qatar", "Asia/Qatar"),
    "KW": ("Kuwait", "kuwait", "Kuwait", "Asia/Kuwait"),
}
# currency code → (name, symbol, decimal places)
CURRENCIES = {
    "USD": ("US Dollar", "$", 2),
    "EUR": ("Euro", "€", 2),
    "GBP": ("Pound Sterling", "£", 2),
    "INR": ("Indian Rupee", "₹", 2),
    "CAD": ("Canadian Dollar", "$", 2),
    "AUD": ("Australian Dollar", "$", 2),
    "JPY": ("Japanese Yen", "¥", 0),
    "AED": ("UAE Dirham", "AED", 2),
    "SAR": ("Saudi Riyal", "SAR", 2),
    "ZAR": ("South African Rand", "R", 2),
    "KWD": ("Kuwaiti Dinar", "KWD", 3),
    "QAR": ("Qatari Riyal", "QAR", 2),
}
DEFAULT_TERMS = ((0, "Due on Receipt", True), (15, "Net 15", False), (30, "Net 30", False), (45, "Net 45", False))
CRM_SYNC_TYPES = ("I", "II", "III", "IV")
ORG_FLAGS = ("is_tax_enabled", "trial_expired", "avalara_integrated", "crm_sync_in_progress", "allow_duplicate_names")


def country_resolve(value: str) -> tuple[str, str]:
    """(country name, two-letter code) from either form; unknown names keep their name and get code ''."""
    value = (value or "").strip()
    if value.upper() in COUNTRIES:
        return COUNTRIES[value.upper()][0], value.upper()
    for code, (name, *_rest) in COUNTRIES.items():
        if name.lower() == value.lower():
            return name, code
    return value or "Global", ""


def version_of(organization: Organization) -> tuple[str, str]:
    row = COUNTRIES.get(organization.country_code)
    return (row[1], row[2]) if row else ("global", "Global")


def currency_create(organization: Organization, *, currency_code: str, **fields) -> Currency:
    code = currency_code.strip().upper()
    name, symbol, precision = CURRENCIES.get(code, (code, code, 2))
    now = clock.now_seconds()
    return Currency.objects.create(
        organization=organization,
        currency_code=code,
        currency_name=fields.pop("currency_name", None) or f"{code}- {name}",
        currency_symbol=fields.pop("currency_symbol", None) or symbol,
        price_precision=fields.pop("price_precision", precision),
        created_time=now,
        last_modified_time=now,
        **fields,
    )


def base_currency(organization: Organization) -> Currency:
    currency = Currency.objects.filter(organization=organization, is_base_currency=True).first()
    return currency or currency_create(organization, currency_code=organization.currency_code, is_base_currency=True)


def _validate(data: dict) -> dict:
    fields: dict = {}
    if "name" in data:
        if not str(data["name"] or "").strip():
            raise missing_value("name")
        fields["name"] = str(data["name"]).strip()[:200]
    if "edition" in data:
        if data["edition"] not in Edition.values:
            raise invalid_value("edition")
        fields["edition"] = data["edition"]
    if "country" in data:
        fields["country"], fields["country_code"] = country_resolve(str(data["country"]))
    elif "country_code" in data:
        fields["country"], fields["country_code"] = country_resolve(str(data["country_code"]))
    if "currency_code" in data:
        code = str(data["currency_code"] or "").strip().upper()
        if len(code) != 3:
            raise invalid_value("currency_code")
        fields["currency_code"] = code
    if "plan" in data:
        plan = str(data["plan"] or "").upper()
        if plan not in Plan.values:
            raise invalid_value("plan")
        fields["plan"] = plan
    if "time_zone" in data:
        if str(clock.org_zone(str(data["time_zone"]))) != str(data["time_zone"]):
            raise invalid_value("time_zone")
        fields["time_zone"] = data["time_zone"]
    if "crm_sync_type" in data:
        value = data["crm_sync_type"]
        value = None if value in (None, "", "none") else str(value).upper()
        if value is not None and value not in CRM_SYNC_TYPES:
            raise invalid_value("crm_sync_type")
        fields["crm_sync_type"] = value
    for flag in ORG_FLAGS:
        if flag in data:
            fields[flag] = to_bool(data[flag])
    for key in ("contact_name", "email"):
        if key in data:
            fields[key] = str(data[key] or "")[:200]
    return fields


@transaction.atomic
def org_create(*, data: dict, seed_key: str | None = None, owner: SandboxUser | None = None) -> Organization:
    if not str(data.get("name") or "").strip():
        raise missing_value("name")
    fields = _validate(data)
    fields.setdefault("country", "United States")
    fields.setdefault("country_code", "US" if fields["country"] == "United States" else "")
    if "time_zone" not in fields:
        fields["time_zone"] = COUNTRIES.get(fields["country_code"], (None, None, None, "UTC"))[3]
    now = clock.now_seconds()
    organization = Organization.objects.create(seed_key=seed_key, created_time=now, last_modified_time=now, **fields)
    base_currency(organization)
    for days, label, is_default in DEFAULT_TERMS:
        PaymentTerm.objects.create(
            organization=organization,
            payment_terms=days,
            payment_terms_label=label,
            is_default=is_default,
            created_time=now,
            last_modified_time=now,
        )
    if owner is not None:
        membership_set(organization, email=owner.email, name=owner.name, role="admin")
    users_apply(organization, data.get("users"))
    return organization


@transaction.atomic
def org_update(organization: Organization, *, data: dict) -> Organization:
    fields = _validate(data)
    if "currency_code" in fields and fields["currency_code"] != organization.currency_code:
        Currency.objects.filter(organization=organization).update(is_base_currency=False)
        currency = Currency.objects.filter(organization=organization, currency_code=fields["currency_code"]).first()
        if currency:
            Currency.objects.filter(pk=currency.pk).update(is_base_currency=True)
    for key, value in fields.items():
        setattr(organization, key, value)
    organization.last_modified_time = clock.now_seconds()
    organization.save()
    if "currency_code" in fields:
        base_currency(organization)
    users_apply(organization, data.get("users"))
    return organization


def users_apply(organization: Organization, users) -> None:
    if users in (None, ""):
        return
    if not isinstance(users, list):
        raise invalid_value("users")
    for entry in users:
        if not isinstance(entry, dict) or not entry.get("email"):
            raise missing_value("users[].email")
        membership_set(
            organization,
            email=entry["email"],
            name=entry.get("name", ""),
            role=entry.get("role") or "admin",
            permissions=entry.get("permissions"),
            status=entry.get("status"),
        )


def membership_set(
    organization: Organization,
    *,
    email: str,
    name: str = "",
    role: str = "admin",
    permissions: dict | None = None,
    status: str | None = None,
) -> Membership:
    if permissions is not None and not isinstance(permissions, dict):
        raise invalid_value("permissions")
    user = user_get_or_create(email=email, name=name)
    if name and user.name != name:
        user.name = name
        user.save(update_fields=["name"])
    membership, created = Membership.objects.get_or_create(
        organization=organization,
        user=user,
        defaults={
            "role": role,
            "permissions": permissions or {},
            "status": status or "active",
            "created_time": clock.now_seconds(),
            "is_default_org": not user.memberships.exists(),
        },
    )
    if not created:
        membership.role = role
        if permissions is not None:
            membership.permissions = permissions
        if status:
            membership.status = status
        membership.save()
    return membership


def custom_field_create(organization: Organization, *, data: dict) -> CustomField:
    entity = str(data.get("entity") or "")
    if entity not in ("contact", "item", "invoice", "estimate"):
        raise invalid_value("entity")
    label = str(data.get("label") or "").strip()
    if not label:
        raise missing_value("label")
    api_name = str(data.get("api_name") or "").strip() or "cf_" + "_".join(label.lower().split())
    if not api_name.startswith("cf_"):
        api_name = "cf_" + api_name
    if CustomField.objects.filter(organization=organization, entity=entity, api_name=api_name).exists():
        raise ApiError(400, 4, f"A custom field with the API name {api_name} already exists for {entity}.")
    now = clock.now_seconds()
    index = CustomField.objects.filter(organization=organization, entity=entity).count() + 1
    return CustomField.objects.create(
        organization=organization,
        entity=entity,
        label=label,
        api_name=api_name,
        data_type=str(data.get("data_type") or "string"),
        is_mandatory=to_bool(data.get("is_mandatory", False)),
        index=index,
        created_time=now,
        last_modified_time=now,
    )


def salesperson_get_or_create(organization: Organization, *, name: str, email: str = "") -> Salesperson:
    found = Salesperson.objects.filter(organization=organization, salesperson_name__iexact=name.strip()).first()
    if found:
        return found
    now = clock.now_seconds()
    return Salesperson.objects.create(
        organization=organization,
        salesperson_name=name.strip(),
        salesperson_email=email,
        created_time=now,
        last_modified_time=now,
    )
