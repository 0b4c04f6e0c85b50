"""Reference data between FSM and the finance organization (FIN-3, FIN-5, TAX-6).

- ``pull_reference_data(organization, connector)``: taxes, tax groups (FSM ``Tax`` of kind ``tax_group`` with their
  components), tax exemptions, the tax-enabled setting, currencies, payment terms, salespersons and finance users,
  read from Books into FSM. Rows are matched by Books id first, then by name (taxes, groups, salespersons), code
  (currencies, exemptions) or (days, label) (payment terms), trimmed and ignoring case; their ``books_id`` is set.
- ``push_taxes(organization, connector)``: FSM taxes, compound taxes, tax groups and exemptions created in a new
  finance organization, with ``books_id`` stored on the FSM rows.

Both are idempotent: running them again creates nothing twice on either side (creates in Books look the record up by
name before posting again; FSM rows are matched before being created). Nothing is deleted on either side. They make
connector calls, so they must not run inside a long transaction (docs/connector.md); each FSM write is its own short
statement. The sync engine may call them at every run: ``pull_reference_data`` skips a kind whose content hash
(``SyncSettings.reference_hashes``) has not changed unless ``force`` is set.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from fsmbilling.models import Currency, Organization, PaymentTerm, Salesperson, Tax, TaxExemption
from sync.connectors import base as remote
from sync.connectors.base import FinanceError, NotFound, ValidationFailed

logger = logging.getLogger(__name__)

CURRENCY_NAMES = {
    "USD": ("US Dollar", "$"),
    "EUR": ("Euro", "€"),
    "GBP": ("Pound Sterling", "£"),
    "INR": ("Indian Rupee", "₹"),
    "CAD": ("Canadian Dollar", "$"),
    "AUD": ("Australian Dollar", "$"),
}


def _key(text: str | None) -> str:
    return (text or "").strip().casefold()


def _hash(rows: Any) -> str:
    def plain(value: Any) -> Any:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return {k: plain(v) for k, v in dataclasses.asdict(value).items()}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, Decimal):
            return str(value.normalize())
        return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)

    return hashlib.sha256(json.dumps(plain(rows), sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class ReferenceSummary:
    """What a pull or push did, per kind: counts of rows created, linked/updated and left as they were."""

    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    tax_enabled: bool | None = None
    finance_users: list[dict] = field(default_factory=list)

    def count(self, bucket: str, kind: str, n: int = 1) -> None:
        target = self.created if bucket == "created" else self.updated
        target[kind] = target.get(kind, 0) + n

    def as_dict(self) -> dict:
        return {
            "created": dict(self.created),
            "updated": dict(self.updated),
            "unchanged": list(self.unchanged),
            "tax_enabled": self.tax_enabled,
            "finance_users": len(self.finance_users),
        }


def _settings_row(organization: Organization):
    from sync.services import settings_for

    return settings_for(organization)


def _changed(organization: Organization, kind: str, rows: Any, *, force: bool) -> bool:
    """Whether ``rows`` differ from what the previous pull saw; records the new hash either way."""
    from sync.engine_models import SyncSettings

    digest = _hash(rows)
    row = _settings_row(organization)
    previous = (row.reference_hashes or {}).get(kind)
    if previous != digest:
        with transaction.atomic():
            locked = SyncSettings.objects.select_for_update().get(pk=row.pk)
            locked.reference_hashes = {**(locked.reference_hashes or {}), kind: digest}
            locked.save(update_fields=["reference_hashes", "updated_at"])
    return force or previous != digest


def _match(rows: list, books_id: str | None, name: str, attribute: str = "name"):
    """The FSM row with this Books id, else the one with this name (trimmed, ignoring case)."""
    if books_id:
        for row in rows:
            if row.books_id == books_id:
                return row
    wanted = _key(name)
    for row in rows:
        if _key(getattr(row, attribute)) == wanted:
            return row
    return None


def _save_changes(obj, values: dict) -> bool:
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    if changed:
        obj.save(update_fields=[*changed, "updated_at"] if hasattr(obj, "updated_at") else changed)
    return bool(changed)


# --- Pull -----------------------------------------------------------------------------------------------------------


def pull_reference_data(
    organization: Organization,
    connector: remote.FinanceConnector,
    *,
    force: bool = True,
    info: remote.OrganizationInfo | None = None,
) -> ReferenceSummary:
    """Read the finance organization's reference data into FSM (FIN-5). See the module docstring."""
    summary = ReferenceSummary()
    info = info or connector.get_organization()
    _pull_taxes(organization, connector, summary, force=force, info=info)
    _pull_exemptions(organization, connector, summary, force=force)
    _pull_currencies(organization, connector, summary, force=force)
    _pull_payment_terms(organization, connector, summary, force=force)
    _pull_salespersons(organization, connector, summary, force=force)
    _pull_users(organization, connector, summary)
    return summary


def _pull_taxes(organization, connector, summary: ReferenceSummary, *, force: bool, info) -> None:
    taxes = connector.list_taxes()
    groups = connector.list_tax_groups()
    summary.tax_enabled = info.is_tax_enabled
    if not _changed(organization, "taxes", [taxes, groups, info.is_tax_enabled], force=force):
        summary.unchanged.append("taxes")
        return
    fsm = list(Tax.objects.filter(organization=organization))
    by_books_id: dict[str, Tax] = {}
    for tax in taxes:
        if not tax.tax_id:
            continue
        kind = Tax.Kind.COMPOUND if tax.tax_type == "compound_tax" else Tax.Kind.TAX
        values = {
            "books_id": tax.tax_id,
            "rate": tax.tax_percentage,
            "kind": kind,
            "authority": (tax.tax_authority_name or "")[:100],
        }
        if tax.tax_specific_type:
            values["tax_type"] = tax.tax_specific_type[:20]
        if tax.is_default_tax is not None:
            values["is_default"] = bool(tax.is_default_tax)
        row = _match(fsm, tax.tax_id, tax.tax_name)
        if row is None:
            row = _create_tax(organization, name=tax.tax_name, values=values)
            fsm.append(row)
            summary.count("created", "taxes")
        elif _save_changes(row, values):
            summary.count("updated", "taxes")
        by_books_id[tax.tax_id] = row
    for group in groups:
        if not group.tax_group_id:
            continue
        components = [by_books_id[t.tax_id] for t in group.taxes if t.tax_id in by_books_id]
        rate = group.tax_group_percentage
        if rate is None:
            rate = sum((c.rate for c in components), Decimal("0"))
        values = {"books_id": group.tax_group_id, "rate": rate, "kind": Tax.Kind.GROUP}
        row = _match(fsm, group.tax_group_id, group.tax_group_name)
        if row is None:
            row = _create_tax(organization, name=group.tax_group_name, values=values)
            fsm.append(row)
            summary.count("created", "tax_groups")
        elif _save_changes(row, values):
            summary.count("updated", "tax_groups")
        if components and {c.pk for c in row.components.all()} != {c.pk for c in components}:
            row.components.set(components)
            summary.count("updated", "tax_groups")
    # The tax setting follows Books (TAX-6, SYN-15): with taxes off there, FSM's taxes are made inactive (kept).
    if not info.is_tax_enabled:
        n = Tax.objects.filter(organization=organization, is_active=True).update(is_active=False)
        if n:
            summary.count("updated", "tax_setting", n)
    else:
        pulled = [row.pk for row in by_books_id.values()] + [
            row.pk for row in fsm if row.kind == Tax.Kind.GROUP and row.books_id
        ]
        Tax.objects.filter(organization=organization, pk__in=pulled, is_active=False).update(is_active=True)


def _create_tax(organization, *, name: str, values: dict) -> Tax:
    try:
        with transaction.atomic():
            return Tax.objects.create(organization=organization, name=name.strip()[:100], **values)
    except IntegrityError:  # created meanwhile under the same name
        row = Tax.objects.get(organization=organization, name=name.strip()[:100])
        _save_changes(row, values)
        return row


def _pull_exemptions(organization, connector, summary: ReferenceSummary, *, force: bool) -> None:
    exemptions = connector.list_tax_exemptions()
    if not _changed(organization, "tax_exemptions", exemptions, force=force):
        summary.unchanged.append("tax_exemptions")
        return
    fsm = list(TaxExemption.objects.filter(organization=organization))
    for exemption in exemptions:
        applies_to = TaxExemption.AppliesTo.ITEM if exemption.type == "item" else TaxExemption.AppliesTo.CUSTOMER
        candidates = [row for row in fsm if row.applies_to == applies_to]
        row = _match(candidates, exemption.tax_exemption_id, exemption.tax_exemption_code, attribute="code")
        values = {
            "books_id": exemption.tax_exemption_id or "",
            "reason": (exemption.description or exemption.tax_exemption_code)[:200],
        }
        if row is None:
            row, created = TaxExemption.objects.get_or_create(
                organization=organization,
                code=exemption.tax_exemption_code.strip()[:40],
                applies_to=applies_to,
                defaults=values,
            )
            fsm.append(row)
            summary.count("created" if created else "updated", "tax_exemptions")
        elif _save_changes(row, values):
            summary.count("updated", "tax_exemptions")


def _pull_currencies(organization, connector, summary: ReferenceSummary, *, force: bool) -> None:
    currencies = connector.list_currencies()
    if not _changed(organization, "currencies", currencies, force=force):
        summary.unchanged.append("currencies")
        return
    fsm = {row.code.upper(): row for row in Currency.objects.filter(organization=organization)}
    for currency in currencies:
        code = (currency.currency_code or "").strip().upper()
        if len(code) != 3:
            continue
        row = fsm.get(code)
        if row is None:
            rate = currency.exchange_rate if currency.exchange_rate and currency.exchange_rate > 0 else Decimal("1")
            name = (currency.currency_name or "").partition("- ")[2] or CURRENCY_NAMES.get(code, (code, ""))[0]
            row, created = Currency.objects.get_or_create(
                organization=organization,
                code=code,
                defaults={
                    "name": name[:100],
                    "symbol": (currency.currency_symbol or CURRENCY_NAMES.get(code, ("", code))[1])[:8],
                    "decimal_places": currency.price_precision if currency.price_precision is not None else 2,
                    "exchange_rate": rate,
                    "books_id": currency.currency_id or "",
                },
            )
            fsm[code] = row
            summary.count("created" if created else "updated", "currencies")
            if created:
                continue
        if currency.currency_id and _save_changes(row, {"books_id": currency.currency_id}):
            summary.count("updated", "currencies")


def _pull_payment_terms(organization, connector, summary: ReferenceSummary, *, force: bool) -> None:
    terms = connector.list_payment_terms()
    if not _changed(organization, "payment_terms", terms, force=force):
        summary.unchanged.append("payment_terms")
        return
    fsm = list(PaymentTerm.objects.filter(organization=organization))
    for term in terms:
        label = (term.payment_terms_label or f"Net {term.payment_terms}").strip()[:200]
        days = max(0, min(int(term.payment_terms), 32767))
        row = None
        if term.payment_terms_id:
            row = next((r for r in fsm if r.books_id == term.payment_terms_id), None)
        if row is None:
            row = next((r for r in fsm if r.days == days and _key(r.label) == _key(label)), None)
        values = {"books_id": term.payment_terms_id or "", "is_default": bool(term.is_default)}
        if row is None:
            row, created = PaymentTerm.objects.get_or_create(
                organization=organization, label=label, days=days, defaults=values
            )
            fsm.append(row)
            summary.count("created" if created else "updated", "payment_terms")
        elif _save_changes(row, values):
            summary.count("updated", "payment_terms")


def _pull_salespersons(organization, connector, summary: ReferenceSummary, *, force: bool) -> None:
    salespersons = connector.list_salespersons()
    if not _changed(organization, "salespersons", salespersons, force=force):
        summary.unchanged.append("salespersons")
        return
    fsm = list(Salesperson.objects.filter(organization=organization))
    members = {
        _key(user.email): user
        for user in get_user_model()
        .objects.filter(memberships__organization=organization, memberships__is_active=True)
        .exclude(email="")
    }
    for person in salespersons:
        name = person.salesperson_name.strip()[:200]
        if not name:
            continue
        row = _match(fsm, person.salesperson_id, name)
        values: dict[str, Any] = {
            "books_id": person.salesperson_id or "",
            "email": person.salesperson_email or "",
            "is_active": bool(person.is_active),
        }
        user = members.get(_key(person.salesperson_email))
        if user is not None:
            values["user"] = user
        if row is None:
            row, created = Salesperson.objects.get_or_create(organization=organization, name=name, defaults=values)
            fsm.append(row)
            summary.count("created" if created else "updated", "salespersons")
        elif _save_changes(row, values):
            summary.count("updated", "salespersons")


def _pull_users(organization, connector, summary: ReferenceSummary) -> None:
    """Finance users are read, not stored: no FSM table holds them yet (Billing Setup > Users will)."""
    try:
        users = connector.list_users()
    except (NotFound, ValidationFailed):
        return
    summary.finance_users = [
        {
            "user_id": user.user_id,
            "name": user.name,
            "email": user.email,
            "role": user.role_name or user.user_role or "",
            "status": user.status or "",
            "is_current_user": user.is_current_user,
        }
        for user in users
    ]


# --- Push (new finance organization) ---------------------------------------------------------------------------------


def push_taxes(organization: Organization, connector: remote.FinanceConnector) -> ReferenceSummary:
    """Create FSM's active taxes, compound taxes, tax groups and exemptions in Books; store their ``books_id``."""
    summary = ReferenceSummary()
    fsm = list(Tax.objects.filter(organization=organization, is_active=True).prefetch_related("components"))
    if not fsm and not TaxExemption.objects.filter(organization=organization).exists():
        return summary
    books_taxes = {_key(t.tax_name): t for t in connector.list_taxes()}
    for tax in fsm:
        if tax.kind == Tax.Kind.GROUP:
            continue
        existing = books_taxes.get(_key(tax.name))
        if existing is None:
            existing = connector.create_tax(
                remote.Tax(
                    tax_name=tax.name,
                    tax_percentage=tax.rate,
                    tax_type="compound_tax" if tax.kind == Tax.Kind.COMPOUND else "tax",
                    tax_specific_type=tax.tax_type or None,
                    tax_authority_name=tax.authority or None,
                )
            )
            summary.count("created", "taxes")
        if existing.tax_id and tax.books_id != existing.tax_id:
            Tax.objects.filter(pk=tax.pk).update(books_id=existing.tax_id)
            tax.books_id = existing.tax_id
            summary.count("updated", "taxes")
    groups = [tax for tax in fsm if tax.kind == Tax.Kind.GROUP]
    if groups:
        books_groups = {_key(g.tax_group_name): g for g in connector.list_tax_groups()}
        ids = {t.pk: t.books_id for t in Tax.objects.filter(organization=organization).exclude(books_id="")}
        for group in groups:
            component_ids = [ids[c.pk] for c in group.components.all() if ids.get(c.pk)]
            existing = books_groups.get(_key(group.name))
            if existing is None:
                if not component_ids:
                    logger.info("Tax group %s has no component known in Books; not pushed.", group.name)
                    continue
                existing = connector.create_tax_group(group.name, component_ids)
                summary.count("created", "tax_groups")
            if existing.tax_group_id and group.books_id != existing.tax_group_id:
                Tax.objects.filter(pk=group.pk).update(books_id=existing.tax_group_id)
                summary.count("updated", "tax_groups")
    _push_exemptions(organization, connector, summary)
    return summary


def _push_exemptions(organization, connector, summary: ReferenceSummary) -> None:
    exemptions = list(TaxExemption.objects.filter(organization=organization))
    if not exemptions:
        return
    try:
        books = {(_key(e.tax_exemption_code), e.type or "customer"): e for e in connector.list_tax_exemptions()}
        for exemption in exemptions:
            existing = books.get((_key(exemption.code), exemption.applies_to))
            if existing is None:
                existing = connector.create_tax_exemption(
                    remote.TaxExemption(
                        tax_exemption_code=exemption.code,
                        description=exemption.reason,
                        type=exemption.applies_to,
                    )
                )
                summary.count("created", "tax_exemptions")
            if existing.tax_exemption_id and exemption.books_id != existing.tax_exemption_id:
                TaxExemption.objects.filter(pk=exemption.pk).update(books_id=existing.tax_exemption_id)
                summary.count("updated", "tax_exemptions")
    except (NotFound, ValidationFailed) as exc:  # the edition has no exemptions
        logger.info("Tax exemptions not pushed: %s", exc)


def forget_books_ids(organization: Organization) -> None:
    """Clear every reference row's ``books_id`` (a switch to another finance organization re-matches them)."""
    for model in (Tax, TaxExemption, Currency, PaymentTerm, Salesperson):
        model.objects.filter(organization=organization).exclude(books_id="").update(books_id="")
    row = _settings_row(organization)
    type(row).objects.filter(pk=row.pk).update(reference_hashes={})


__all__ = ["FinanceError", "ReferenceSummary", "forget_books_ids", "pull_reference_data", "push_taxes"]
