"""``/contacts``, ``/contacts/contactpersons`` and ``/items`` (zoho-books-v3.md §5.2–§5.4)."""

from __future__ import annotations

from django.db.models import OuterRef, Q, Subquery

from sandbox.api import serializers
from sandbox.api.base import (
    ApiRequest,
    created,
    filter_by,
    get_record,
    ok,
    paginate,
    sort_params,
    text_filters,
)
from sandbox.errors import does_not_exist, invalid_value, missing_value
from sandbox.models import Contact, ContactPerson, Item
from sandbox.services import records

STATUS_FILTERS = ("Status.All", "Status.Active", "Status.Inactive")


def _contact_queryset():
    return Contact.objects.select_related("currency", "payment_term")


# --- Contacts ------------------------------------------------------------------------------------------------------


def contact_list(api: ApiRequest):
    primary = ContactPerson.objects.filter(contact=OuterRef("pk"), is_primary_contact=True)
    queryset = (
        _contact_queryset()
        .filter(organization=api.organization)
        .annotate(
            primary_first_name=Subquery(primary.values("first_name")[:1]),
            primary_last_name=Subquery(primary.values("last_name")[:1]),
            primary_email=Subquery(primary.values("email")[:1]),
            primary_phone=Subquery(primary.values("phone")[:1]),
        )
    )
    applied = filter_by(api, (*STATUS_FILTERS, "Status.Crm", "Status.Duplicate"), "Status.All")
    if applied in ("Status.Active", "Status.Inactive"):
        queryset = queryset.filter(status=applied.split(".")[1].lower())
    elif applied == "Status.Crm":
        queryset = queryset.none()
    if api.params.get("contact_type"):
        if api.params["contact_type"] not in ("customer", "vendor"):
            raise invalid_value("contact_type")
        queryset = queryset.filter(contact_type=api.params["contact_type"])
    queryset = text_filters(
        api,
        queryset,
        {
            "contact_name": "contact_name",
            "company_name": "company_name",
            "first_name": "primary_first_name",
            "last_name": "primary_last_name",
            "email": "primary_email",
            "phone": "primary_phone",
        },
    )
    search = (api.params.get("search_text") or "").strip()
    if search:
        queryset = queryset.filter(
            Q(contact_name__icontains=search) | Q(company_name__icontains=search) | Q(extra__notes__icontains=search)
        )
    # last_modified_time is deliberately ignored on contacts (§12.5).
    column, order, ordering = sort_params(
        api,
        {
            "contact_name": "contact_name",
            "company_name": "company_name",
            "first_name": "primary_first_name",
            "last_name": "primary_last_name",
            "email": "primary_email",
            "created_time": "created_time",
            "last_modified_time": "last_modified_time",
        },
        default_column="contact_name",
        default_order="A",
    )
    queryset = queryset.order_by(*ordering)

    def prepare(rows):
        persons = {
            p.contact_id: p
            for p in ContactPerson.objects.filter(contact__in=[r.pk for r in rows], is_primary_contact=True)
        }
        return persons, serializers.contact_amounts([r.pk for r in rows])

    ctx = api.ctx
    return paginate(
        api,
        queryset,
        key="contacts",
        report_name="Contacts",
        applied_filter=applied,
        sort_column=column,
        sort_order=order,
        prepare=prepare,
        serialize=lambda row, state: serializers.contact(
            row, ctx, detail=False, primary=state[0].get(row.pk), amounts=state[1]
        ),
    )


def contact_create(api: ApiRequest):
    contact = records.contact_create(api.organization, data=api.body)
    return created("The contact has been created", contact=serializers.contact(contact, api.ctx, detail=True))


def contact_get(api: ApiRequest, contact_id: str):
    contact = get_record(Contact, api, contact_id, "Contact", _contact_queryset())
    return ok(contact=serializers.contact(contact, api.ctx, detail=True))


def contact_update(api: ApiRequest, contact_id: str):
    contact = get_record(Contact, api, contact_id, "Contact", _contact_queryset())
    contact = records.contact_update(contact, data=api.body)
    return ok("Contact has been updated successfully", contact=serializers.contact(contact, api.ctx, detail=True))


def contact_delete(api: ApiRequest, contact_id: str):
    records.contact_delete(get_record(Contact, api, contact_id, "Contact"))
    return ok("The contact has been deleted.")


def contact_active(api: ApiRequest, contact_id: str):
    records.contact_set_status(get_record(Contact, api, contact_id, "Contact"), status="active")
    return ok("The contact has been marked as active.")


def contact_inactive(api: ApiRequest, contact_id: str):
    records.contact_set_status(get_record(Contact, api, contact_id, "Contact"), status="inactive")
    return ok("The contact has been marked as inactive.")


# --- Contact persons --------------------------------------------------------------------------------------------------


def _person(api: ApiRequest, person_id: str) -> ContactPerson:
    pk = ContactPerson.pk_from_zoho_id(person_id)
    person = (
        ContactPerson.objects.select_related("contact").filter(contact__organization=api.organization, pk=pk).first()
        if pk
        else None
    )
    if person is None:
        raise does_not_exist("Contact person")
    return person


def person_list(api: ApiRequest, contact_id: str):
    contact = get_record(Contact, api, contact_id, "Contact")
    ctx = api.ctx
    return paginate(
        api,
        contact.persons.select_related("contact").order_by("id"),
        key="contact_persons",
        report_name="Contact Persons",
        applied_filter="Status.All",
        sort_column="contact_person_id",
        sort_order="A",
        serialize=lambda person: serializers.contact_person(person, ctx),
    )


def person_get_of_contact(api: ApiRequest, contact_id: str, person_id: str):
    contact = get_record(Contact, api, contact_id, "Contact")
    person = _person(api, person_id)
    if person.contact_id != contact.pk:
        raise does_not_exist("Contact person")
    return ok(contact_person=serializers.contact_person(person, api.ctx))


def person_create(api: ApiRequest):
    if not api.body.get("contact_id"):
        raise missing_value("contact_id")
    person = records.person_create(api.organization, data=api.body)
    return created("The contactperson has been Created", contact_person=serializers.contact_person(person, api.ctx))


def person_update(api: ApiRequest, person_id: str):
    person = records.person_update(_person(api, person_id), data=api.body)
    return ok("The contactperson details has been updated.", contact_person=serializers.contact_person(person, api.ctx))


def person_delete(api: ApiRequest, person_id: str):
    records.person_delete(_person(api, person_id))
    return ok("The contact person has been deleted.")


def person_primary(api: ApiRequest, person_id: str):
    records.person_make_primary(_person(api, person_id))
    return ok("This contact person has been marked as your primary contact person.")


# --- Items ---------------------------------------------------------------------------------------------------------


def item_list(api: ApiRequest):
    queryset = Item.objects.filter(organization=api.organization)
    # The docs say the list returns active items by default (§5.4); send filter_by=Status.All for every item.
    applied = filter_by(api, STATUS_FILTERS, "Status.Active")
    if applied != "Status.All":
        queryset = queryset.filter(status=applied.split(".")[1].lower())
    queryset = text_filters(api, queryset, {"name": "name", "description": "description", "sku": "sku"})
    for suffix, lookup in (
        ("", "exact"),
        ("_less_than", "lt"),
        ("_less_equals", "lte"),
        ("_greater_than", "gt"),
        ("_greater_equals", "gte"),
    ):
        value = api.params.get("rate" + suffix)
        if value not in (None, ""):
            from sandbox.services.common import to_decimal

            queryset = queryset.filter(**{f"rate__{lookup}": to_decimal(value, "rate" + suffix)})
    if api.params.get("tax_id"):
        queryset = queryset.filter(tax_id=api.params["tax_id"])
    if api.params.get("is_taxable") not in (None, ""):
        queryset = queryset.filter(is_taxable=api.params["is_taxable"].lower() == "true")
    search = (api.params.get("search_text") or "").strip()
    if search:
        queryset = queryset.filter(
            Q(name__icontains=search) | Q(description__icontains=search) | Q(sku__icontains=search)
        )
    # last_modified_time is deliberately ignored on items (§12.5).
    column, order, ordering = sort_params(
        api,
        {
            "name": "name",
            "rate": "rate",
            "tax_name": "tax_id",
            "created_time": "created_time",
            "last_modified_time": "last_modified_time",
        },
        default_column="name",
        default_order="A",
    )
    ctx = api.ctx
    return paginate(
        api,
        queryset.order_by(*ordering),
        key="items",
        report_name="Items",
        applied_filter=applied,
        sort_column=column,
        sort_order=order,
        serialize=lambda row: serializers.item(row, ctx),
    )


def item_details(api: ApiRequest):
    raw = api.params.get("item_ids") or ""
    ids = [part.strip() for part in raw.split(",") if part.strip()]
    if not ids:
        raise missing_value("item_ids")
    pks = [pk for pk in (Item.pk_from_zoho_id(i) for i in ids) if pk]
    rows = {row.pk: row for row in Item.objects.filter(organization=api.organization, pk__in=pks)}
    ctx = api.ctx
    return ok(items=[serializers.item(rows[pk], ctx) for pk in pks if pk in rows])


def item_create(api: ApiRequest):
    item = records.item_create(api.organization, data=api.body)
    return created("The item has been added.", item=serializers.item(item, api.ctx))


def item_get(api: ApiRequest, item_id: str):
    return ok(item=serializers.item(get_record(Item, api, item_id, "Item"), api.ctx))


def item_update(api: ApiRequest, item_id: str):
    item = records.item_update(get_record(Item, api, item_id, "Item"), data=api.body)
    return ok("Item details have been saved.", item=serializers.item(item, api.ctx))


def item_delete(api: ApiRequest, item_id: str):
    records.item_delete(get_record(Item, api, item_id, "Item"))
    return ok("The item has been deleted.")


def item_active(api: ApiRequest, item_id: str):
    records.item_set_status(get_record(Item, api, item_id, "Item"), status="active")
    return ok("The item has been marked as active.")


def item_inactive(api: ApiRequest, item_id: str):
    records.item_set_status(get_record(Item, api, item_id, "Item"), status="inactive")
    return ok("The item has been marked as inactive.")
