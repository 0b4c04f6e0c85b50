"""Organizations, users and settings: taxes, tax groups, exemptions, currencies, payment terms, salespersons,
custom field definitions (zoho-books-v3.md §5.1, §5.8–§5.13, §12.7, §12.8)."""

from __future__ import annotations

from sandbox.api import serializers
from sandbox.api.base import ApiRequest, created, get_record, ok, paginate
from sandbox.errors import ApiError, does_not_exist, invalid_value, missing_value
from sandbox.models import (
    Currency,
    CustomField,
    Membership,
    Organization,
    PaymentTerm,
    Salesperson,
    Tax,
    TaxAuthority,
    TaxExemption,
    TaxGroup,
)
from sandbox.services import orgs, records, settings
from sandbox.services.common import text

# --- Organizations -------------------------------------------------------------------------------------------------


def organization_list(api: ApiRequest):
    memberships = (
        Membership.objects.filter(user=api.user, status="active", organization__is_org_active=True)
        .select_related("organization")
        .order_by("organization_id")
    )
    return ok(
        organizations=[serializers.organization(m.organization, m) for m in memberships],
        page_context={
            "page": 1,
            "per_page": 200,
            "has_more_page": False,
            "report_name": "Organizations",
            "applied_filter": "Status.All",
            "sort_column": "name",
            "sort_order": "A",
        },
    )


def organization_create(api: ApiRequest):
    organization = orgs.org_create(data=api.body, owner=api.user)
    membership = Membership.objects.get(organization=organization, user=api.user)
    return created(
        "The organization has been created.", organization=serializers.organization(organization, membership)
    )


def _own_organization(api: ApiRequest, organization_id: str) -> tuple[Organization, Membership]:
    pk = Organization.pk_from_zoho_id(organization_id)
    membership = (
        Membership.objects.select_related("organization").filter(organization_id=pk or 0, user=api.user).first()
    )
    if membership is None:
        raise ApiError(400, 6041, f"This user is not associated with the CompanyID/CompanyName:{organization_id}.")
    return membership.organization, membership


def organization_get(api: ApiRequest, organization_id: str):
    organization, membership = _own_organization(api, organization_id)
    return ok(organization=serializers.organization(organization, membership))


def organization_update(api: ApiRequest, organization_id: str):
    organization, membership = _own_organization(api, organization_id)
    allowed = {key: api.body[key] for key in ("name", "contact_name", "email", "time_zone") if key in api.body}
    organization = orgs.org_update(organization, data=allowed)
    return ok(
        "Organization details have been updated.", organization=serializers.organization(organization, membership)
    )


# --- Users ---------------------------------------------------------------------------------------------------------


def _memberships(api: ApiRequest):
    return Membership.objects.filter(organization=api.organization).select_related("user")


def user_list(api: ApiRequest):
    value = (api.params.get("filter_by") or "Status.All").lower()
    queryset = _memberships(api)
    if value in ("status.active", "status.inactive", "status.invited", "status.deleted"):
        queryset = queryset.filter(status=value.split(".")[1])
    elif value != "status.all":
        raise invalid_value("filter_by")
    sort = api.params.get("sort_column") or "name"
    columns = {"name": "user__name", "email": "user__email", "user_role": "role", "status": "status"}
    if sort not in columns:
        raise invalid_value("sort_column")
    ctx = api.ctx
    return paginate(
        api,
        queryset.order_by(columns[sort], "id"),
        key="users",
        report_name="Users",
        applied_filter=api.params.get("filter_by") or "Status.All",
        sort_column=sort,
        sort_order="A",
        serialize=lambda m: serializers.user(m, ctx, current=api.membership),
    )


def user_get(api: ApiRequest, user_id: str):
    pk = Membership.pk_from_zoho_id(user_id)
    membership = _memberships(api).filter(pk=pk or 0).first()
    if membership is None:
        raise does_not_exist("User")
    return ok(user=serializers.user(membership, api.ctx, current=api.membership))


def user_me(api: ApiRequest):
    return ok(user=serializers.user(api.membership, api.ctx, current=api.membership))


# --- Taxes ---------------------------------------------------------------------------------------------------------


def tax_list(api: ApiRequest):
    ctx = api.ctx
    taxes = list(Tax.objects.filter(organization=api.organization).select_related("tax_authority").order_by("id"))
    groups = list(TaxGroup.objects.filter(organization=api.organization).prefetch_related("taxes").order_by("id"))
    rows = [("tax", t) for t in taxes] + [("group", g) for g in groups]
    return paginate(
        api,
        rows,
        key="taxes",
        report_name="Taxes",
        applied_filter="Status.All",
        sort_column="tax_name",
        sort_order="A",
        serialize=lambda row: serializers.tax(row[1], ctx)
        if row[0] == "tax"
        else serializers.tax_group_as_tax_row(row[1], ctx),
    )


def tax_create(api: ApiRequest):
    tax = settings.tax_create(api.organization, data=api.body)
    return created("The tax has been added.", tax=serializers.tax(tax, api.ctx))


def tax_get(api: ApiRequest, tax_id: str):
    return ok(tax=serializers.tax(get_record(Tax, api, tax_id, "Tax"), api.ctx))


def tax_update(api: ApiRequest, tax_id: str):
    tax = settings.tax_update(get_record(Tax, api, tax_id, "Tax"), data=api.body)
    return ok("Tax information has been saved.", tax=serializers.tax(tax, api.ctx))


def tax_delete(api: ApiRequest, tax_id: str):
    records.tax_delete(get_record(Tax, api, tax_id, "Tax"))
    return ok("The tax has been deleted.")


def tax_group_create(api: ApiRequest):
    group = settings.tax_group_create(api.organization, data=api.body)
    return created("Tax Group information has been saved.", tax_group=serializers.tax_group(group, api.ctx))


def tax_group_get(api: ApiRequest, tax_group_id: str):
    return ok(tax_group=serializers.tax_group(get_record(TaxGroup, api, tax_group_id, "Tax group"), api.ctx))


def tax_group_update(api: ApiRequest, tax_group_id: str):
    group = settings.tax_group_update(get_record(TaxGroup, api, tax_group_id, "Tax group"), data=api.body)
    return ok("Tax Group information has been updated.", tax_group=serializers.tax_group(group, api.ctx))


def tax_group_delete(api: ApiRequest, tax_group_id: str):
    records.tax_delete(get_record(TaxGroup, api, tax_group_id, "Tax group"))
    return ok("The tax group has been deleted.")


def tax_authority_list(api: ApiRequest):
    rows = TaxAuthority.objects.filter(organization=api.organization).order_by("id")
    return ok(taxauthorities=[serializers.tax_authority(row, api.ctx) for row in rows])


def tax_authority_create(api: ApiRequest):
    authority = settings.tax_authority_create(api.organization, data=api.body)
    return created("Tax authority has been added.", tax_authority=serializers.tax_authority(authority, api.ctx))


def tax_exemption_list(api: ApiRequest):
    rows = TaxExemption.objects.filter(organization=api.organization).order_by("id")
    return ok(tax_exemptions=[serializers.tax_exemption(row, api.ctx) for row in rows])


def tax_exemption_create(api: ApiRequest):
    exemption = settings.tax_exemption_create(api.organization, data=api.body)
    return ok("Tax exemption has been added.", tax_exemption=serializers.tax_exemption(exemption, api.ctx))


# --- Currencies, payment terms, salespersons, custom fields ----------------------------------------------------------


def currency_list(api: ApiRequest):
    queryset = Currency.objects.filter(organization=api.organization).order_by("-is_base_currency", "currency_code")
    value = api.params.get("filter_by")
    if value:
        if value.lower() != "currencies.excludebasecurrency":
            raise invalid_value("filter_by")
        queryset = queryset.filter(is_base_currency=False)
    # The list is small: no page_context (§5.9).
    return ok(currencies=[serializers.currency(row, api.ctx) for row in queryset])


def currency_create(api: ApiRequest):
    currency = settings.currency_add(api.organization, data=api.body)
    return created("The currency has been added.", currency=serializers.currency(currency, api.ctx))


def currency_get(api: ApiRequest, currency_id: str):
    return ok(currency=serializers.currency(get_record(Currency, api, currency_id, "Currency"), api.ctx))


def currency_update(api: ApiRequest, currency_id: str):
    currency = settings.currency_update(get_record(Currency, api, currency_id, "Currency"), data=api.body)
    return ok("Currency information has been saved.", currency=serializers.currency(currency, api.ctx))


def payment_term_list(api: ApiRequest):
    rows = PaymentTerm.objects.filter(organization=api.organization).order_by("payment_terms", "id")
    return ok(payment_terms=[serializers.payment_term(row, api.ctx) for row in rows])


def payment_term_create(api: ApiRequest):
    term = settings.payment_term_create(api.organization, data=api.body)
    return created("Payment terms have been added.", payment_term=serializers.payment_term(term, api.ctx))


def salesperson_list(api: ApiRequest):
    rows = Salesperson.objects.filter(organization=api.organization).order_by("salesperson_name", "id")
    return ok(salespersons=[serializers.salesperson(row, api.ctx) for row in rows])


def salesperson_create(api: ApiRequest):
    name = text(api.body.get("salesperson_name"), "salesperson_name")
    if not name:
        raise missing_value("salesperson_name")
    person = orgs.salesperson_get_or_create(
        api.organization, name=name, email=text(api.body.get("salesperson_email"), "salesperson_email")
    )
    return created("The salesperson has been added.", salesperson=serializers.salesperson(person, api.ctx))


def custom_field_list(api: ApiRequest):
    queryset = CustomField.objects.filter(organization=api.organization, is_active=True).order_by("entity", "index")
    entity = api.params.get("entity")
    if entity:
        if entity not in ("contact", "item", "invoice", "estimate"):
            raise invalid_value("entity")
        queryset = queryset.filter(entity=entity)
    return ok(customfields=[serializers.custom_field(row, api.ctx) for row in queryset])
