"""Field mapping (SYN-5): which FSM field pairs with which Books field, and how each kind of value is compared.

A mapping row names an FSM field and a Books field; ``cf:<api_name>`` names a custom field on either side. The
catalogs below list what may be mapped; custom fields flagged PII or EPHI are never offered. Defaults are set at
onboarding and can be changed in Sync Settings; changing them marks the module for a full re-sync (SYN-6).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fsmbilling.models import CustomField, Organization


@dataclass(frozen=True)
class FieldDef:
    name: str
    label: str
    kind: str = "text"  # text | decimal | address | bool | currency | payment_terms | tax | product_type
    mandatory: bool = False


FSM_FIELDS: dict[str, list[FieldDef]] = {
    "companies": [
        FieldDef("name", _("Company name"), mandatory=True),
        FieldDef("email", _("Email")),
        FieldDef("phone", _("Phone")),
        FieldDef("website", _("Website")),
        FieldDef("notes", _("Notes")),
        FieldDef("billing_address", _("Billing address"), "address"),
        FieldDef("service_address", _("Service address"), "address"),
        FieldDef("currency", _("Currency"), "currency"),
        FieldDef("payment_term", _("Payment terms"), "payment_terms"),
        FieldDef("is_taxable", _("Taxable"), "bool"),
        FieldDef("tax_number", _("Tax number (GSTIN, VAT, TRN, ABN)")),
        FieldDef("place_of_supply", _("Place of supply")),
        FieldDef("tax_treatment", _("Tax treatment")),
    ],
    "contacts": [
        FieldDef("first_name", _("First name")),
        FieldDef("last_name", _("Last name"), mandatory=True),
        FieldDef("email", _("Email")),
        FieldDef("phone", _("Phone")),
        FieldDef("mobile", _("Mobile")),
        FieldDef("billing_address", _("Billing address"), "address"),
        FieldDef("service_address", _("Service address"), "address"),
        FieldDef("currency", _("Currency"), "currency"),
        FieldDef("payment_term", _("Payment terms"), "payment_terms"),
        FieldDef("is_taxable", _("Taxable"), "bool"),
        FieldDef("tax_number", _("Tax number (GSTIN, VAT, TRN, ABN)")),
        FieldDef("place_of_supply", _("Place of supply")),
        FieldDef("tax_treatment", _("Tax treatment")),
    ],
    "services_and_parts": [
        FieldDef("name", _("Name"), mandatory=True),
        FieldDef("rate", _("Rate"), "decimal", mandatory=True),
        FieldDef("description", _("Description")),
        FieldDef("sku", _("SKU")),
        FieldDef("unit", _("Unit")),
        FieldDef("kind", _("Type (service or part)"), "product_type"),
        FieldDef("default_tax", _("Default tax"), "tax"),
        FieldDef("hsn_sac", _("HSN/SAC code")),
    ],
}

BOOKS_FIELDS: dict[str, list[FieldDef]] = {
    "companies": [
        FieldDef("contact_name", _("Display name"), mandatory=True),
        FieldDef("email", _("Email")),
        FieldDef("phone", _("Phone")),
        FieldDef("website", _("Website")),
        FieldDef("notes", _("Notes")),
        FieldDef("billing_address", _("Billing address"), "address"),
        FieldDef("shipping_address", _("Shipping address"), "address"),
        FieldDef("currency_code", _("Currency"), "currency"),
        FieldDef("payment_terms", _("Payment terms"), "payment_terms"),
        FieldDef("is_taxable", _("Taxable"), "bool"),
        FieldDef("gst_no", _("GSTIN (India)")),
        FieldDef("vat_reg_no", _("VAT registration number")),
        FieldDef("tax_reg_no", _("Tax registration number (GCC)")),
        FieldDef("place_of_contact", _("Place of supply")),
        FieldDef("gst_treatment", _("GST treatment (India)")),
        FieldDef("vat_treatment", _("VAT treatment (UK)")),
        FieldDef("tax_treatment", _("Tax treatment")),
    ],
    "services_and_parts": [
        FieldDef("name", _("Name"), mandatory=True),
        FieldDef("rate", _("Rate"), "decimal", mandatory=True),
        FieldDef("description", _("Description")),
        FieldDef("sku", _("SKU")),
        FieldDef("unit", _("Unit")),
        FieldDef("product_type", _("Product type"), "product_type"),
        FieldDef("tax_id", _("Tax"), "tax"),
        FieldDef("hsn_or_sac", _("HSN/SAC")),
    ],
}
BOOKS_FIELDS["contacts"] = [
    FieldDef("first_name", _("First name (primary contact person)")),
    FieldDef("last_name", _("Last name (primary contact person)"), mandatory=True),
    FieldDef("mobile", _("Mobile")),
    *[f for f in BOOKS_FIELDS["companies"] if f.name not in ("contact_name", "website", "notes")],
]

TAX_NUMBER_FIELD = {
    "IN": "gst_no",
    "GB": "vat_reg_no",
    "DE": "vat_reg_no",
    "ZA": "vat_reg_no",
    "AE": "tax_reg_no",
    "SA": "tax_reg_no",
    "QA": "tax_reg_no",
    "KW": "tax_reg_no",
}
TAX_TREATMENT_FIELD = {
    "IN": "gst_treatment",
    "GB": "vat_treatment",
    "AE": "tax_treatment",
    "SA": "tax_treatment",
    "QA": "tax_treatment",
    "KW": "tax_treatment",
    "ZA": "tax_treatment",
    "DE": "vat_treatment",
}


def default_mapping(module: str, country: str, sync_type: str = "IV") -> list[tuple[str, str]]:
    """The mapping a newly onboarded organization starts with.

    Books keeps a customer's email and phone on its primary contact person; when contacts sync as contact persons
    (types III and IV) a company's own email and phone are therefore not mapped, or the two would overwrite each other.
    """
    if module == "services_and_parts":
        pairs = [
            ("name", "name"),
            ("rate", "rate"),
            ("description", "description"),
            ("sku", "sku"),
            ("unit", "unit"),
            ("kind", "product_type"),
            ("default_tax", "tax_id"),
        ]
        if country == "IN":
            pairs.append(("hsn_sac", "hsn_or_sac"))
        return pairs
    pairs = [
        ("email", "email"),
        ("phone", "phone"),
        ("billing_address", "billing_address"),
        ("service_address", "shipping_address"),
        ("currency", "currency_code"),
        ("payment_term", "payment_terms"),
    ]
    if module == "companies":
        pairs = [("name", "contact_name"), *pairs, ("website", "website"), ("notes", "notes")]
        if sync_type in ("III", "IV"):
            pairs = [pair for pair in pairs if pair[0] not in ("email", "phone")]
    else:
        pairs = [("first_name", "first_name"), ("last_name", "last_name"), ("mobile", "mobile"), *pairs]
    if country in TAX_NUMBER_FIELD:
        pairs += [("tax_number", TAX_NUMBER_FIELD[country]), ("tax_treatment", TAX_TREATMENT_FIELD[country])]
    if country == "IN":
        pairs.append(("place_of_supply", "place_of_contact"))
    if country in ("US", "CA", "AU", "IN", "ZA"):
        pairs.append(("is_taxable", "is_taxable"))
    return pairs


def mappable_fsm_fields(*, organization: Organization, module: str) -> list[FieldDef]:
    """Standard fields plus custom fields that are not personal or health data (SYN-5)."""
    fields = list(FSM_FIELDS[module])
    custom = CustomField.objects.filter(organization=organization, module=module, is_pii=False, is_ephi=False)
    fields += [
        FieldDef(f"cf:{c.api_name}", c.label, "decimal" if c.field_type in ("number", "decimal") else "text")
        for c in custom
    ]
    return fields


def mappable_books_fields(*, module: str, books_custom_fields=()) -> list[FieldDef]:
    fields = list(BOOKS_FIELDS[module])
    fields += [
        FieldDef(
            f"cf:{c.api_name}",
            c.label,
            "decimal" if c.data_type in ("number", "decimal", "amount") else "text",
            mandatory=c.is_mandatory,
        )
        for c in books_custom_fields
    ]
    return fields


def kind_of(module: str, books_field: str, books_custom_fields=()) -> str:
    for definition in mappable_books_fields(module=module, books_custom_fields=books_custom_fields):
        if definition.name == books_field:
            return definition.kind
    return "text"


def validate_mapping(
    *, organization: Organization, module: str, pairs: list[tuple[str, str]], books_custom_fields=()
) -> None:
    """Refuse unknown fields, fields used twice, PII/EPHI fields and unmapped mandatory Books fields."""
    fsm = {f.name: f for f in mappable_fsm_fields(organization=organization, module=module)}
    books = {f.name: f for f in mappable_books_fields(module=module, books_custom_fields=books_custom_fields)}
    errors: list[str] = []
    seen_fsm: set[str] = set()
    seen_books: set[str] = set()
    for fsm_field, books_field in pairs:
        if fsm_field not in fsm:
            errors.append(f"{fsm_field} cannot be mapped (unknown, or a personal/health data field).")
        if books_field not in books:
            errors.append(f"{books_field} is not a Books field of this module.")
        if fsm_field in seen_fsm:
            errors.append(f"{fsm_field} is mapped twice.")
        if books_field in seen_books:
            errors.append(f"{books_field} is mapped twice.")
        seen_fsm.add(fsm_field)
        seen_books.add(books_field)
        if fsm_field in fsm and books_field in books and fsm[fsm_field].kind != books[books_field].kind:
            errors.append(
                f"{fsm_field} ({fsm[fsm_field].kind}) cannot pair with {books_field} ({books[books_field].kind})."
            )
    missing = [f.name for f in books.values() if f.mandatory and f.name not in seen_books]
    if module == "companies":
        missing = [name for name in missing if name != "contact_name" or "name" not in seen_fsm]
    if missing:
        errors.append(f"Map Books' mandatory field(s) before saving: {', '.join(missing)}.")
    if errors:
        raise ValidationError({"mapping": errors})


@transaction.atomic
def mapping_save(
    *,
    organization: Organization,
    module: str,
    pairs: list[tuple[str, str]],
    books_custom_fields=(),
    mark_resync: bool = True,
) -> None:
    from sync.engine_models import FieldMapping, SyncSettings

    validate_mapping(organization=organization, module=module, pairs=pairs, books_custom_fields=books_custom_fields)
    current = list(
        FieldMapping.objects.filter(organization=organization, module=module).values_list("fsm_field", "books_field")
    )
    if current == list(pairs):
        return
    FieldMapping.objects.filter(organization=organization, module=module).delete()
    FieldMapping.objects.bulk_create(
        FieldMapping(organization=organization, module=module, fsm_field=f, books_field=b, position=i)
        for i, (f, b) in enumerate(pairs)
    )
    if mark_resync:
        settings_row, _created = SyncSettings.objects.select_for_update().get_or_create(organization=organization)
        if module not in settings_row.resync_modules:
            settings_row.resync_modules = [*settings_row.resync_modules, module]
            settings_row.save(update_fields=["resync_modules", "updated_at"])


def mapping_for(organization: Organization, module: str) -> list[tuple[str, str]]:
    from sync.engine_models import FieldMapping, SyncSettings

    rows = list(
        FieldMapping.objects.filter(organization=organization, module=module).values_list("fsm_field", "books_field")
    )
    if rows:
        return rows
    sync_type = SyncSettings.objects.filter(organization=organization).values_list("sync_type", flat=True).first()
    return default_mapping(module, organization.country, sync_type or "IV")
