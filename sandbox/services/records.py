"""Contacts, contact persons and items of a finance organization (used by the API and the sandbox UI alike).

Every create and update stamps ``last_modified_time`` from the sandbox clock; a contact person's change moves its
contact's time too. Writes lock the organization row, so numbering, the duplicate-name rule and the edition cap
hold under concurrency.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models.functions import Lower, Trim

from sandbox import clock, limits
from sandbox.errors import ApiError, business_rule, invalid_reference, invalid_value, missing_value
from sandbox.models import (
    Contact,
    ContactPerson,
    Currency,
    CustomerPayment,
    Edition,
    Estimate,
    Invoice,
    Item,
    LineItem,
    Organization,
    PaymentTerm,
    Tax,
    TaxExemption,
)
from sandbox.services.common import custom_fields_apply, text, to_bool, to_decimal, to_int
from sandbox.services.settings import tax_lookup

CONTACT_EXTRA_KEYS = (
    "website", "notes", "facebook", "twitter", "language_code", "owner_id", "pricebook_id", "is_portal_enabled",
    "credit_limit", "is_taxable", "tax_id", "tax_exemption_id", "tax_exemption_code", "tax_authority_id",
    "tax_authority_name", "gst_treatment", "gst_no", "place_of_contact", "vat_treatment", "tax_treatment",
    "vat_reg_no", "tax_reg_no", "country_code", "tax_regime", "legal_name", "is_tds_registered", "avatax_use_code",
    "avatax_exempt_no", "tags", "default_templates", "zcrm_account_id", "zcrm_contact_id",
)  # fmt: skip
ITEM_EXTRA_KEYS = (
    "tax_exemption_id", "hsn_or_sac", "item_tax_preferences", "account_id", "purchase_account_id",
    "inventory_account_id", "purchase_rate", "purchase_description", "vendor_id", "reorder_level", "avatax_tax_code",
    "sat_item_key_code", "unitkey_code", "sales_tax_rule_id", "purchase_tax_rule_id", "locations",
)  # fmt: skip
ADDRESS_KEYS = ("attention", "address", "street2", "state_code", "city", "state", "zip", "country", "fax", "phone")
PERSON_KEYS = (
    "salutation",
    "first_name",
    "last_name",
    "email",
    "phone",
    "mobile",
    "designation",
    "department",
    "skype",
)


def lock_organization(organization: Organization) -> Organization:
    return Organization.objects.select_for_update().get(pk=organization.pk)


def _address(value, field: str) -> dict:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise invalid_value(field)
    address = {}
    for key in ADDRESS_KEYS:
        raw = value.get("zipcode") if key == "zip" and "zip" not in value else value.get(key)
        address[key] = text(raw, f"{field}.{key}", max_length=500)
    return address


def _extra(data: dict, keys: tuple[str, ...], existing: dict) -> dict:
    extra = dict(existing)
    for key in keys:
        if key in data:
            extra[key] = data[key]
    return extra


def _check_cap(organization: Organization, model, noun: str) -> None:
    if organization.edition != Edition.INVOICE:
        return
    cap = limits.INVOICE_EDITION_CAP
    if model.objects.filter(organization=organization).count() >= cap:
        raise ApiError(400, 1009, f"You have reached the maximum limit of {cap} {noun}.")


def _check_duplicate_name(organization: Organization, name: str, exclude_pk: int | None = None) -> None:
    if organization.allow_duplicate_names:
        return
    duplicates = Contact.objects.annotate(key=Lower(Trim("contact_name"))).filter(
        organization=organization, key=name.strip().lower()
    )
    if exclude_pk:
        duplicates = duplicates.exclude(pk=exclude_pk)
    if duplicates.exists():
        raise ApiError(400, 3062, f'The customer "{name}" already exists. Please specify a different name.')


def _currency(organization: Organization, currency_id) -> Currency:
    pk = Currency.pk_from_zoho_id(currency_id)
    currency = Currency.objects.filter(organization=organization, pk=pk).first() if pk else None
    if currency is None:
        raise invalid_reference("currency_id")
    return currency


def _payment_terms(organization: Organization, data: dict, target) -> None:
    """Set payment_terms, its label and its settings row from ``payment_terms``/``_label``/``_id``."""
    term = None
    if data.get("payment_terms_id"):
        pk = PaymentTerm.pk_from_zoho_id(data["payment_terms_id"])
        term = PaymentTerm.objects.filter(organization=organization, pk=pk).first() if pk else None
        if term is None:
            raise invalid_reference("payment_terms_id")
        target.payment_terms, target.payment_terms_label = term.payment_terms, term.payment_terms_label
    elif "payment_terms" in data or "payment_terms_label" in data:
        days = to_int(data.get("payment_terms"), "payment_terms", default=target.payment_terms or 0, maximum=999)
        label = text(data.get("payment_terms_label"), "payment_terms_label")
        candidates = PaymentTerm.objects.filter(organization=organization, payment_terms=days)
        term = (candidates.filter(payment_terms_label__iexact=label).first() if label else None) or (
            None if label else candidates.first()
        )
        target.payment_terms = days
        target.payment_terms_label = label or (term.payment_terms_label if term else f"Net {days}")
    else:
        return
    if hasattr(target, "payment_term"):
        target.payment_term = term


def _contact_fields(organization: Organization, contact: Contact, data: dict, *, creating: bool) -> None:
    if creating or "contact_name" in data:
        name = text(data.get("contact_name"), "contact_name")
        if not name:
            raise missing_value("contact_name", "Contact Name")
        contact.contact_name = name
    if "company_name" in data:
        contact.company_name = text(data["company_name"], "company_name")
    if "contact_type" in data:
        if data["contact_type"] not in ("customer", "vendor"):
            raise invalid_value("contact_type")
        contact.contact_type = data["contact_type"]
    if "customer_sub_type" in data:
        if data["customer_sub_type"] not in ("business", "individual"):
            raise invalid_value("customer_sub_type")
        contact.customer_sub_type = data["customer_sub_type"]
    if data.get("currency_id"):
        contact.currency = _currency(organization, data["currency_id"])
    elif contact.currency_id is None:
        contact.currency = Currency.objects.filter(organization=organization, is_base_currency=True).first()
    _payment_terms(organization, data, contact)
    if "billing_address" in data:
        contact.billing_address = _address(data["billing_address"], "billing_address")
    if "shipping_address" in data:
        contact.shipping_address = _address(data["shipping_address"], "shipping_address")
    if data.get("tax_id") and tax_lookup(organization, data["tax_id"]) is None:
        raise invalid_reference("tax_id")
    if data.get("tax_exemption_id"):
        pk = TaxExemption.pk_from_zoho_id(data["tax_exemption_id"])
        if not pk or not TaxExemption.objects.filter(organization=organization, pk=pk).exists():
            raise invalid_reference("tax_exemption_id")
    contact.extra = _extra(data, CONTACT_EXTRA_KEYS, contact.extra or {})
    contact.custom_fields = custom_fields_apply(
        organization, "contact", data.get("custom_fields"), contact.custom_fields, creating=creating
    )


def _person_fields(person: ContactPerson, data: dict) -> None:
    for key in PERSON_KEYS:
        if key in data:
            setattr(person, key, text(data[key], key, max_length=100 if key != "email" else 200))
    if "enable_portal" in data:
        person.enable_portal = to_bool(data["enable_portal"])


def _persons_replace(contact: Contact, persons, now) -> None:
    """Apply ``contact_persons`` of a contact write: listed persons are created or updated, others removed."""
    if not isinstance(persons, list):
        raise invalid_value("contact_persons")
    existing = {person.zoho_id: person for person in contact.persons.all()}
    keep, primary = [], None
    for entry in persons:
        if not isinstance(entry, dict):
            raise invalid_value("contact_persons")
        person = existing.get(str(entry.get("contact_person_id") or ""))
        if person is None:
            if entry.get("contact_person_id"):
                raise invalid_reference("contact_person_id")
            person = ContactPerson(contact=contact, created_time=now)
        _person_fields(person, entry)
        person.last_modified_time = now
        person.is_primary_contact = False
        person.save()
        keep.append(person.pk)
        if to_bool(entry.get("is_primary_contact", False)) and primary is None:
            primary = person
    contact.persons.exclude(pk__in=keep).delete()
    if keep:
        primary_pk = primary.pk if primary else keep[0]
        ContactPerson.objects.filter(pk=primary_pk).update(is_primary_contact=True)


@transaction.atomic
def contact_create(organization: Organization, *, data: dict) -> Contact:
    organization = lock_organization(organization)
    _check_cap(organization, Contact, "customers")
    now = clock.now_seconds()
    contact = Contact(organization=organization, created_time=now, last_modified_time=now)
    _contact_fields(organization, contact, data, creating=True)
    _check_duplicate_name(organization, contact.contact_name)
    if data.get("contact_number") and to_bool(data.get("ignore_auto_number_generation", False)):
        contact.contact_number = text(data["contact_number"], "contact_number", max_length=50)
    else:
        contact.contact_number = f"CUS-{organization.next_contact_number:05d}"
        organization.next_contact_number += 1
        organization.save(update_fields=["next_contact_number"])
    contact.save()
    if data.get("contact_persons") not in (None, ""):
        _persons_replace(contact, data["contact_persons"], now)
    return contact


@transaction.atomic
def contact_update(contact: Contact, *, data: dict) -> Contact:
    organization = lock_organization(contact.organization)
    _contact_fields(organization, contact, data, creating=False)
    if "contact_name" in data:
        _check_duplicate_name(organization, contact.contact_name, exclude_pk=contact.pk)
    contact.last_modified_time = clock.now_seconds()
    contact.save()
    if "contact_persons" in data and data["contact_persons"] is not None:
        _persons_replace(contact, data["contact_persons"], contact.last_modified_time)
    return contact


def contact_set_status(contact: Contact, *, status: str) -> Contact:
    contact.status = status
    contact.last_modified_time = clock.now_seconds()
    contact.save(update_fields=["status", "last_modified_time"])
    return contact


def contact_has_transactions(contact: Contact) -> bool:
    return (
        Invoice.objects.filter(customer=contact).exists()
        or Estimate.objects.filter(customer=contact).exists()
        or CustomerPayment.objects.filter(customer=contact).exists()
    )


@transaction.atomic
def contact_delete(contact: Contact) -> None:
    if contact_has_transactions(contact):
        raise ApiError(400, 1004, "The contact cannot be deleted as it has transactions. Mark it as inactive instead.")
    contact.delete()


def _touch_contact(contact: Contact, now) -> None:
    Contact.objects.filter(pk=contact.pk).update(last_modified_time=now)
    contact.last_modified_time = now


@transaction.atomic
def person_create(organization: Organization, *, data: dict) -> ContactPerson:
    pk = Contact.pk_from_zoho_id(data.get("contact_id"))
    contact = Contact.objects.select_for_update().filter(organization=organization, pk=pk).first() if pk else None
    if contact is None:
        if not data.get("contact_id"):
            raise missing_value("contact_id")
        raise invalid_reference("contact_id")
    if not text(data.get("first_name"), "first_name", max_length=100):
        raise missing_value("first_name", "First Name")
    now = clock.now_seconds()
    person = ContactPerson(contact=contact, created_time=now, last_modified_time=now)
    _person_fields(person, data)
    has_primary = contact.persons.filter(is_primary_contact=True).exists()
    person.is_primary_contact = not has_primary
    person.save()
    if has_primary and to_bool(data.get("is_primary_contact", False)):
        person_make_primary(person)
    _touch_contact(contact, now)
    return person


@transaction.atomic
def person_update(person: ContactPerson, *, data: dict) -> ContactPerson:
    _person_fields(person, data)
    if "first_name" in data and not person.first_name:
        raise missing_value("first_name", "First Name")
    now = clock.now_seconds()
    person.last_modified_time = now
    person.save()
    if to_bool(data.get("is_primary_contact", False)):
        person_make_primary(person)
    _touch_contact(person.contact, now)
    return person


@transaction.atomic
def person_make_primary(person: ContactPerson) -> None:
    now = clock.now_seconds()
    ContactPerson.objects.filter(contact_id=person.contact_id).exclude(pk=person.pk).update(is_primary_contact=False)
    ContactPerson.objects.filter(pk=person.pk).update(is_primary_contact=True, last_modified_time=now)
    person.is_primary_contact = True
    _touch_contact(person.contact, now)


@transaction.atomic
def person_delete(person: ContactPerson) -> None:
    contact = person.contact
    was_primary = person.is_primary_contact
    person.delete()
    if was_primary:
        successor = contact.persons.order_by("id").first()
        if successor:
            ContactPerson.objects.filter(pk=successor.pk).update(is_primary_contact=True)
    _touch_contact(contact, clock.now_seconds())


# --- Items -----------------------------------------------------------------------------------------------------------


def _item_fields(organization: Organization, item: Item, data: dict, *, creating: bool) -> None:
    if creating or "name" in data:
        item.name = text(data.get("name"), "name", max_length=100)
        if not item.name:
            raise missing_value("name", "Item Name")
    if creating or "rate" in data:
        item.rate = to_decimal(data.get("rate"), "rate")
        if item.rate < 0:
            raise invalid_value("rate")
    for key, length in (("description", 2000), ("unit", 50), ("sku", 100)):
        if key in data:
            setattr(item, key, text(data[key], key, max_length=length))
    if "product_type" in data:
        if data["product_type"] not in ("goods", "service", "digital_service", "capital_service", "capital_goods"):
            raise invalid_value("product_type")
        item.product_type = data["product_type"]
    if "item_type" in data:
        if data["item_type"] not in ("sales", "purchases", "sales_and_purchases", "inventory"):
            raise invalid_value("item_type")
        item.item_type = data["item_type"]
    if "tax_id" in data:
        if data["tax_id"] and tax_lookup(organization, data["tax_id"]) is None:
            raise invalid_reference("tax_id")
        item.tax_id = str(data["tax_id"] or "")
    if "is_taxable" in data:
        item.is_taxable = to_bool(data["is_taxable"])
    if item.sku:
        clash = Item.objects.filter(organization=organization, sku__iexact=item.sku).exclude(pk=item.pk)
        if clash.exists():
            raise ApiError(400, 4, f'The SKU "{item.sku}" is already used by another item. Enter a unique SKU.')
    item.extra = _extra(data, ITEM_EXTRA_KEYS, item.extra or {})
    item.custom_fields = custom_fields_apply(
        organization, "item", data.get("custom_fields"), item.custom_fields, creating=creating
    )


@transaction.atomic
def item_create(organization: Organization, *, data: dict) -> Item:
    organization = lock_organization(organization)
    _check_cap(organization, Item, "items")
    now = clock.now_seconds()
    item = Item(organization=organization, created_time=now, last_modified_time=now, rate=Decimal("0"))
    _item_fields(organization, item, data, creating=True)
    item.save()
    return item


@transaction.atomic
def item_update(item: Item, *, data: dict) -> Item:
    lock_organization(item.organization)
    _item_fields(item.organization, item, data, creating=False)
    item.last_modified_time = clock.now_seconds()
    item.save()
    return item


def item_set_status(item: Item, *, status: str) -> Item:
    item.status = status
    item.last_modified_time = clock.now_seconds()
    item.save(update_fields=["status", "last_modified_time"])
    return item


@transaction.atomic
def item_delete(item: Item) -> None:
    if LineItem.objects.filter(item=item).exists():
        raise ApiError(400, 1004, "The item cannot be deleted as it is used in transactions. Mark it as inactive.")
    item.delete()


def tax_in_use(tax) -> bool:
    tax_id = tax.zoho_id
    return (
        LineItem.objects.filter(tax_id=tax_id).exists()
        or Item.objects.filter(tax_id=tax_id).exists()
        or (isinstance(tax, Tax) and tax.groups.exists())
    )


def tax_delete(tax) -> None:
    if tax_in_use(tax):
        raise business_rule("The tax is used in items, tax groups or transactions and cannot be deleted.")
    tax.delete()
