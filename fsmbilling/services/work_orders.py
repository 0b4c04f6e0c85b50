"""Writes on work orders and their service lines (REC-4).

Every write runs in one transaction and locks the work order row first, so concurrent line edits cannot lose a total.
Numbers come from the organization's locked ``work_order`` sequence inside the creating transaction (gap-free: a
rolled-back creation gives its number back). Amounts are computed by ``invoicing.taxes.money`` (TAX-7), the one place
where rounding is written; the stored totals are refreshed by ``work_order_recalculate`` after every change of lines.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from fsmbilling.models import Currency, Membership, Organization, WorkOrder, WorkOrderLine
from fsmbilling.services.guards import Conflict, ensure_finance_available
from fsmbilling.services.organizations import next_document_number
from fsmbilling.services.records import check_same_org, save_record
from fsmbilling.services.workflows import fire_workflow_rules
from invoicing.taxes import prefill
from invoicing.taxes.money import document_totals, line_amounts

ADDRESSES = ("service_address", "billing_address")
HEADER_FIELDS = (
    "summary",
    "company",
    "contact",
    "service_address",
    "billing_address",
    "priority",
    "technicians",
    "scheduled_start",
    "scheduled_end",
    "notes",
    "custom_fields",
)
LINE_FIELDS = ("item", "description", "quantity", "rate", "discount_percent", "tax", "work_status")
ZERO = Decimal("0")
HUNDRED = Decimal("100")
DEFAULT_DECIMAL_PLACES = 2

State = WorkOrder.State
Billing = WorkOrderLine.BillingStatus

# Status changes a user may make (REC-4). Reopening goes back one step; a cancelled order restarts as new.
TRANSITIONS: dict[str, set[str]] = {
    State.NEW: {State.SCHEDULED, State.IN_PROGRESS, State.COMPLETED, State.CANCELLED},
    State.SCHEDULED: {State.NEW, State.IN_PROGRESS, State.COMPLETED, State.CANCELLED},
    State.IN_PROGRESS: {State.SCHEDULED, State.COMPLETED, State.CANCELLED},
    State.COMPLETED: {State.IN_PROGRESS},
    State.CANCELLED: {State.NEW},
}


# --- shared checks ---------------------------------------------------------------------------------------------------


def check_customer(*, company, contact) -> None:
    """A work order (or asset) needs a company or a contact; a contact given with a company must belong to it."""
    if company is None and contact is None:
        raise ValidationError({"company": [_("Choose a company or a contact (at least one).")]})
    if company is not None and contact is not None and contact.company_id != company.pk:
        raise ValidationError(
            {
                "contact": [
                    _(
                        "This contact does not belong to the chosen company. Choose one of its contacts, "
                        "or clear the company."
                    )
                ]
            }
        )


def check_contact_of_company(*, company, contact) -> None:
    if company is not None and contact is not None and contact.company_id != company.pk:
        check_customer(company=company, contact=contact)


def check_technicians(organization: Organization, users: Iterable | None) -> None:
    """Technicians must be active members of the organization; anyone else reads as missing."""
    if not users:
        return
    wanted = {getattr(user, "pk", None) for user in users}
    if None in wanted:
        raise ValidationError({"technicians": [_("Not found.")]})
    members = set(
        Membership.objects.filter(organization=organization, is_active=True, user_id__in=wanted).values_list(
            "user_id", flat=True
        )
    )
    if wanted - members:
        raise ValidationError({"technicians": [_("Not found.")]})


def check_window(start, end, *, field: str = "scheduled_end") -> None:
    if start is not None and end is not None and end < start:
        raise ValidationError({field: [_("The end of the window must not be before its start.")]})


def decimal_places(work_order: WorkOrder) -> int:
    currency = work_order.currency if work_order.currency_id else None
    return currency.decimal_places if currency is not None else DEFAULT_DECIMAL_PLACES


def _currency_for(organization: Organization, company, contact) -> Currency | None:
    for party in (company, contact, getattr(contact, "company", None)):
        if party is not None and party.currency_id:
            return party.currency
    return Currency.objects.filter(organization=organization, is_base=True).first()


def _prefill_addresses(data: dict, *, company, contact, current: WorkOrder | None = None) -> None:
    """A blank service or billing address is taken from the customer (the company first, then the contact)."""
    for name in ADDRESSES:
        value = data[name] if name in data else (getattr(current, name) if current is not None else None)
        if value:
            continue
        for party in (company, contact):
            if party is not None and getattr(party, name):
                data[name] = dict(getattr(party, name))
                break


def _lock(work_order: WorkOrder) -> WorkOrder:
    """Lock the work order row for the rest of the transaction and reload it (fresh status and flags)."""
    work_order.refresh_from_db(from_queryset=WorkOrder.objects.select_for_update())
    return work_order


def _prefixed(exc: ValidationError, prefix: str) -> ValidationError:
    if not prefix:
        return exc
    if hasattr(exc, "error_dict"):
        return ValidationError({f"{prefix}{name}": messages for name, messages in exc.message_dict.items()})
    return ValidationError({prefix.rstrip("."): exc.messages})


# --- work orders -----------------------------------------------------------------------------------------------------


@transaction.atomic
def work_order_create(*, organization: Organization, actor, data: dict) -> WorkOrder:
    """Create a work order (and its lines, when ``data["lines"]`` is given) with the next ``WO-00001`` number."""
    ensure_finance_available(organization)
    data = {name: value for name, value in data.items() if name in HEADER_FIELDS or name in ("lines", "is_billable")}
    lines = data.pop("lines", None) or []
    is_billable = data.pop("is_billable", True)
    check_same_org(organization, data, ("company", "contact"))
    company, contact = data.get("company"), data.get("contact")
    check_customer(company=company, contact=contact)
    check_technicians(organization, data.get("technicians"))
    check_window(data.get("scheduled_start"), data.get("scheduled_end"))
    _prefill_addresses(data, company=company, contact=contact)
    work_order = WorkOrder(
        organization=organization,
        is_billable=is_billable if is_billable is not None else True,
        currency=_currency_for(organization, company, contact),
    )
    # Taken last, so the sequence row stays locked only for the insert; a failure below rolls the number back.
    work_order.number = next_document_number(organization=organization, kind="work_order", prefix="WO-")
    save_record(
        work_order,
        actor=actor,
        data=data,
        custom_module="work_orders",
        address_fields=ADDRESSES,
        related=("company", "contact"),
        many=("technicians",),
    )
    taxes = TaxPrefill(work_order)
    for index, line_data in enumerate(lines):
        try:
            _line_create(work_order, actor=actor, data=line_data, position=index + 1, taxes=taxes)
        except ValidationError as exc:
            raise _prefixed(exc, f"lines[{index}].") from exc
    work_order = work_order_recalculate(work_order=work_order)
    fire_workflow_rules(
        organization=organization, module="work_orders", event="created", record=work_order, actor=actor
    )
    return work_order


@transaction.atomic
def work_order_update(*, instance: WorkOrder, actor, data: dict) -> WorkOrder:
    """Change header fields; ``status`` follows the allowed transitions and ``is_billable`` re-bills the lines."""
    organization = instance.organization
    _lock(instance)
    data = dict(data)
    if "lines" in data:
        raise ValidationError({"lines": [_("Change lines one by one through the work order's lines.")]})
    status = data.pop("status", None)
    is_billable = data.pop("is_billable", None)
    data = {name: value for name, value in data.items() if name in HEADER_FIELDS}
    check_same_org(organization, data, ("company", "contact"))
    company = data.get("company", instance.company)
    contact = data.get("contact", instance.contact)
    check_customer(company=company, contact=contact)
    customer_changed = (company.pk if company else None, contact.pk if contact else None) != (
        instance.company_id,
        instance.contact_id,
    )
    if customer_changed:
        if instance.lines.filter(billing_status=Billing.INVOICED).exists():
            raise Conflict(
                _(
                    "%(number)s has invoiced lines, so its customer cannot change. Create a new work order for the "
                    "other customer."
                )
                % {"number": instance.number},
                code="has_invoiced_lines",
            )
        instance.currency = _currency_for(organization, company, contact)
    if "technicians" in data:
        check_technicians(organization, data["technicians"])
    check_window(
        data.get("scheduled_start", instance.scheduled_start), data.get("scheduled_end", instance.scheduled_end)
    )
    _prefill_addresses(data, company=company, contact=contact, current=instance)
    if status is not None and status != instance.status:
        _check_transition(instance, status)
        data["status"] = status
    save_record(
        instance,
        actor=actor,
        data=data,
        custom_module="work_orders",
        address_fields=ADDRESSES,
        related=("company", "contact"),
        many=("technicians",),
    )
    if is_billable is not None and bool(is_billable) != instance.is_billable:
        _set_billable(instance, billable=bool(is_billable), actor=actor)
    instance = work_order_recalculate(work_order=instance)
    fire_workflow_rules(organization=organization, module="work_orders", event="updated", record=instance, actor=actor)
    return instance


@transaction.atomic
def work_order_delete(*, instance: WorkOrder, actor) -> None:
    _lock(instance)
    if instance.lines.filter(billing_status=Billing.INVOICED).exists():
        raise Conflict(
            _("%(number)s has invoiced lines, so it cannot be deleted. Cancel it instead, or void its invoices first.")
            % {"number": instance.number},
            code="has_invoiced_lines",
        )
    instance.delete()


def _check_transition(instance: WorkOrder, status: str) -> None:
    if status not in State.values:
        raise ValidationError({"status": [_("Choose one of: %(states)s.") % {"states": ", ".join(State.values)}]})
    allowed = TRANSITIONS[instance.status]
    if status not in allowed:
        labels = ", ".join(str(State(value).label) for value in State.values if value in allowed)
        raise Conflict(
            _("A work order that is %(current)s cannot be set to %(new)s; it can be set to: %(allowed)s.")
            % {"current": instance.get_status_display(), "new": State(status).label, "allowed": labels},
            code="invalid_transition",
        )
    if status == State.CANCELLED and instance.lines.filter(billing_status=Billing.INVOICED).exists():
        raise Conflict(
            _("%(number)s has invoiced lines, so it cannot be cancelled. Void its invoices first.")
            % {"number": instance.number},
            code="has_invoiced_lines",
        )


@transaction.atomic
def work_order_set_status(*, instance: WorkOrder, actor, status: str) -> WorkOrder:
    """Move the work order to another status (new, scheduled, in progress, completed, cancelled)."""
    _lock(instance)
    if status == instance.status:
        return instance
    _check_transition(instance, status)
    instance.status = status
    instance.updated_by = actor
    instance.save(update_fields=["status", "updated_by", "updated_at"])
    instance = work_order_recalculate(work_order=instance)
    fire_workflow_rules(
        organization=instance.organization, module="work_orders", event="updated", record=instance, actor=actor
    )
    return instance


def _set_billable(instance: WorkOrder, *, billable: bool, actor) -> None:
    if billable:
        instance.lines.filter(billing_status=Billing.NON_BILLABLE).update(billing_status=Billing.NOT_INVOICED)
    else:
        instance.lines.filter(billing_status=Billing.NOT_INVOICED).update(billing_status=Billing.NON_BILLABLE)
    instance.is_billable = billable
    instance.updated_by = actor
    instance.save(update_fields=["is_billable", "updated_by", "updated_at"])


@transaction.atomic
def work_order_mark_non_billable(*, instance: WorkOrder, actor) -> WorkOrder:
    """Mark the whole work order non-billable: every line not invoiced yet becomes non-billable (REC-4)."""
    _lock(instance)
    _set_billable(instance, billable=False, actor=actor)
    return work_order_recalculate(work_order=instance)


@transaction.atomic
def work_order_mark_billable(*, instance: WorkOrder, actor) -> WorkOrder:
    """Undo ``work_order_mark_non_billable``: its non-billable lines can be invoiced again."""
    _lock(instance)
    _set_billable(instance, billable=True, actor=actor)
    return work_order_recalculate(work_order=instance)


def work_order_recalculate(*, work_order: WorkOrder) -> WorkOrder:
    """Recompute each line's amount and tax and the work order's totals, billed and unbilled amounts (TAX-7).

    Line amount and each tax component are rounded half-up to the currency's decimal places; totals are sums of the
    rounded lines. Void lines are left out of the totals. Billed = invoiced lines with their taxes; unbilled = lines
    not invoiced yet, of a billable work order.
    """
    places = decimal_places(work_order)
    lines = list(
        WorkOrderLine.objects.filter(work_order=work_order).select_related("tax").prefetch_related("tax__components")
    )
    changed = []
    counted = []
    billed = unbilled = ZERO
    for line in lines:
        amounts = line_amounts(line.quantity, line.rate, line.discount_percent, line.tax, places)
        if line.amount != amounts.amount or line.tax_amount != amounts.tax_total:
            line.amount, line.tax_amount = amounts.amount, amounts.tax_total
            changed.append(line)
        if line.billing_status == Billing.VOID:
            continue
        counted.append(amounts)
        if line.billing_status == Billing.INVOICED:
            billed += amounts.amount + amounts.tax_total
        elif line.billing_status == Billing.NOT_INVOICED and work_order.is_billable:
            unbilled += amounts.amount + amounts.tax_total
    if changed:
        WorkOrderLine.objects.bulk_update(changed, ["amount", "tax_amount"])
    totals = document_totals(counted, places)
    work_order.sub_total = totals.sub_total
    work_order.tax_total = totals.tax_total
    work_order.total = totals.total
    work_order.billed_amount = billed
    work_order.unbilled_amount = unbilled
    work_order.save(
        update_fields=["sub_total", "tax_total", "total", "billed_amount", "unbilled_amount", "currency", "updated_at"]
    )
    return work_order


# --- lines -----------------------------------------------------------------------------------------------------------


DEFAULT_SYNC_TYPE = "IV"  # FIN-3: the sync type of an organization without a CRM integration, or a new one


def sync_type_of(organization: Organization) -> str:
    """The organization's sync type (SYN-3), which decides whose tax properties prefill lines; Type IV by default."""
    try:
        from sync.selectors import sync_type as sync_type_for
    except ImportError:
        return DEFAULT_SYNC_TYPE
    return sync_type_for(organization) or DEFAULT_SYNC_TYPE


class TaxPrefill:
    """The tax a new line gets from its customer and item (TAX-5), by ``invoicing.taxes.prefill``.

    Built once per work order write: the organization's tax snapshot and the customer's profile are read once, however
    many lines are added.
    """

    def __init__(self, work_order: WorkOrder):
        self.work_order = work_order
        self._state = None

    def _prepare(self):
        if self._state is None:
            organization = self.work_order.organization
            customer = prefill.customer_for_taxes(self.work_order, sync_type_of(organization))
            self._state = (
                prefill.org_tax_profile(organization),
                prefill.customer_tax_profile(customer, service_address=self.work_order.service_address or None)
                if customer is not None
                else None,
                prefill.tax_catalog_for(organization),
            )
        return self._state

    def tax_id_for(self, item) -> int | None:
        org_profile, customer_profile, catalog = self._prepare()
        decision = prefill.prefill_line_tax(
            org=org_profile, customer=customer_profile, item=prefill.item_tax_profile(item), catalog=catalog
        )
        return decision.tax_id


def _apply_line(line: WorkOrderLine, data: dict, *, work_order: WorkOrder, taxes: TaxPrefill | None = None) -> None:
    organization = work_order.organization
    data = {name: value for name, value in data.items() if name in LINE_FIELDS}
    check_same_org(organization, data, ("item", "tax"))
    errors: dict[str, list[str]] = {}
    item = data.get("item", line.item if line.item_id else None)
    if item is None:
        errors["item"] = [_("Choose a service or part.")]
    elif "item" in data and item.pk != line.item_id and item.status != "active":
        errors["item"] = [_("%(item)s is inactive. Choose another service or part, or activate it.") % {"item": item}]
    tax = data.get("tax")
    if tax is not None and "tax" in data and tax.pk != line.tax_id and not tax.is_active:
        errors["tax"] = [_("%(tax)s is inactive. Choose another tax.") % {"tax": tax}]
    quantity, rate, discount = data.get("quantity"), data.get("rate"), data.get("discount_percent")
    if quantity is not None and quantity < ZERO:
        errors["quantity"] = [_("Quantity cannot be negative. Enter 0 or more.")]
    if rate is not None and rate < ZERO:
        errors["rate"] = [_("Rate cannot be negative. Enter 0 or more.")]
    if discount is not None and not ZERO <= discount <= HUNDRED:
        errors["discount_percent"] = [_("Discount must be between 0 and 100 percent.")]
    if errors:
        raise ValidationError(errors)
    for name, value in data.items():
        if value is None and name in ("quantity", "rate", "discount_percent", "description"):
            continue  # left out: keep the current value or the default below
        setattr(line, name, value)
    if line.pk is None:
        if data.get("rate") is None:
            line.rate = item.rate
        if not data.get("description"):
            line.description = item.description
        if "tax" not in data:
            line.tax_id = (taxes or TaxPrefill(work_order)).tax_id_for(item)
    line.full_clean(exclude=["organization", "work_order", "created_by", "updated_by"], validate_constraints=False)


def _line_create(
    work_order: WorkOrder, *, actor, data: dict, position: int, taxes: TaxPrefill | None = None
) -> WorkOrderLine:
    line = WorkOrderLine(
        organization=work_order.organization,
        work_order=work_order,
        position=position,
        billing_status=Billing.NOT_INVOICED if work_order.is_billable else Billing.NON_BILLABLE,
        created_by=actor,
        updated_by=actor,
    )
    _apply_line(line, data, work_order=work_order, taxes=taxes)
    line.save()
    return line


def _refuse_invoiced(line: WorkOrderLine, verb: str) -> None:
    if line.billing_status == Billing.INVOICED:
        raise Conflict(
            _("This line is invoiced, so it cannot be %(verb)s. Void the invoice first, or add a new line.")
            % {"verb": verb},
            code="line_invoiced",
        )


@transaction.atomic
def work_order_line_add(*, work_order: WorkOrder, actor, data: dict) -> WorkOrderLine:
    """Add a service line; rate, description and tax come from the item (and customer) when not given."""
    _lock(work_order)
    if work_order.status == State.CANCELLED:
        raise Conflict(
            _("%(number)s is cancelled, so lines cannot be added. Reopen it first.") % {"number": work_order.number},
            code="work_order_cancelled",
        )
    position = (work_order.lines.aggregate(last=Max("position"))["last"] or 0) + 1
    line = _line_create(work_order, actor=actor, data=data, position=position)
    work_order_recalculate(work_order=work_order)
    line.refresh_from_db(fields=["amount", "tax_amount"])
    return line


@transaction.atomic
def work_order_line_update(*, line: WorkOrderLine, actor, data: dict) -> WorkOrderLine:
    work_order = _lock(line.work_order)
    line.refresh_from_db()
    _refuse_invoiced(line, _("changed"))
    _apply_line(line, data, work_order=work_order)
    line.updated_by = actor
    line.save()
    work_order_recalculate(work_order=work_order)
    line.refresh_from_db(fields=["amount", "tax_amount"])
    return line


@transaction.atomic
def work_order_line_remove(*, line: WorkOrderLine, actor) -> None:
    work_order = _lock(line.work_order)
    line.refresh_from_db()
    _refuse_invoiced(line, _("removed"))
    line.delete()
    work_order.updated_by = actor
    work_order.save(update_fields=["updated_by", "updated_at"])
    work_order_recalculate(work_order=work_order)


@transaction.atomic
def work_order_lines_set_billing_status(
    *, work_order: WorkOrder, line_ids: Iterable[int], billing_status: str, actor
) -> WorkOrder:
    """Set the billing status of some lines (used by invoicing: invoiced, or void when an invoice is voided)."""
    _lock(work_order)
    if billing_status not in Billing.values:
        raise ValueError(f"Unknown billing status {billing_status!r}.")
    work_order.lines.filter(pk__in=list(line_ids)).update(billing_status=billing_status)
    work_order.updated_by = actor
    work_order.save(update_fields=["updated_by", "updated_at"])
    return work_order_recalculate(work_order=work_order)
