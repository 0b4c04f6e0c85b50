"""A read-only snapshot of an organization's taxes (TAX-2), for prefill and amounts.

Prefill and money work on these frozen values, never on model instances, so they stay pure and testable without a
database. ``tax_catalog_for(organization)`` builds the snapshot with two queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

TAX = "tax"
COMPOUND = "compound_tax"
GROUP = "tax_group"


@dataclass(frozen=True)
class TaxEntry:
    """One tax, compound tax or tax group. A group's ``components`` are taxes (simple or compound), never groups."""

    id: int | None
    name: str
    rate: Decimal
    kind: str = TAX
    tax_type: str = ""
    region: str = ""
    is_active: bool = True
    is_default: bool = False
    components: tuple[TaxEntry, ...] = ()

    @property
    def is_group(self) -> bool:
        return self.kind == GROUP

    @property
    def effective_rate(self) -> Decimal:
        """The rate a line pays: a group's is the sum of its components (compounding aside)."""
        if self.is_group and self.components:
            return sum((component.rate for component in self.components), Decimal("0"))
        return self.rate

    @property
    def component_types(self) -> frozenset[str]:
        return frozenset(component.tax_type for component in self.components)

    def parts(self) -> tuple[TaxEntry, ...]:
        """The taxes that each produce an amount on a line: the components of a group, else the tax itself.

        Simple taxes come before compound ones, each in the order given, because a compound tax applies on the
        amount plus the taxes before it.
        """
        if not self.is_group:
            return (self,)
        simple = tuple(component for component in self.components if component.kind != COMPOUND)
        compound = tuple(component for component in self.components if component.kind == COMPOUND)
        return simple + compound

    @classmethod
    def from_model(cls, tax) -> TaxEntry:
        """A snapshot of a ``fsmbilling.Tax`` row (reads its components when it is a group)."""
        components: tuple[TaxEntry, ...] = ()
        if tax.kind == GROUP:
            components = tuple(cls.from_model(component) for component in sorted(tax.components.all(), key=_pk))
        return cls(
            id=tax.pk,
            name=tax.name,
            rate=Decimal(tax.rate),
            kind=tax.kind,
            tax_type=tax.tax_type,
            region=tax.region,
            is_active=tax.is_active,
            is_default=tax.is_default,
            components=components,
        )


def _pk(tax) -> int:
    return tax.pk


@dataclass(frozen=True)
class TaxCatalog:
    """The organization's taxes, with the look-ups the editions need."""

    entries: tuple[TaxEntry, ...] = ()

    def get(self, tax_id: int | None) -> TaxEntry | None:
        if tax_id is None:
            return None
        for entry in self.entries:
            if entry.id == tax_id:
                return entry
        return None

    def active(self) -> Iterable[TaxEntry]:
        return (entry for entry in self.entries if entry.is_active)

    def find(
        self,
        *,
        tax_type: str | Iterable[str],
        region: str | None = None,
        rate: Decimal | None = None,
        kind: str | None = None,
    ) -> TaxEntry | None:
        """The active tax of that type (and region, rate, kind when given); the default one first, then by name."""
        types = {tax_type} if isinstance(tax_type, str) else set(tax_type)
        matches = [
            entry
            for entry in self.active()
            if entry.tax_type in types
            and (region is None or entry.region == region)
            and (rate is None or entry.effective_rate == rate)
            and (kind is None or entry.kind == kind)
        ]
        return _preferred(matches)

    def find_group(self, component_types: Iterable[str], rate: Decimal) -> TaxEntry | None:
        """The active group made of exactly these component types, at this total rate (e.g. CGST+SGST at 18%)."""
        wanted = frozenset(component_types)
        matches = [
            entry
            for entry in self.active()
            if entry.is_group and entry.component_types == wanted and entry.effective_rate == rate
        ]
        return _preferred(matches)

    def standard(self, tax_type: str | Iterable[str]) -> TaxEntry | None:
        """The standard rate of a type: the active default tax of that type, else the highest rate."""
        types = {tax_type} if isinstance(tax_type, str) else set(tax_type)
        matches = [entry for entry in self.active() if entry.tax_type in types and not entry.is_group]
        defaults = [entry for entry in matches if entry.is_default]
        pool = defaults or matches
        if not pool:
            return None
        return max(pool, key=lambda entry: (entry.rate, -(entry.id or 0)))

    def zero_rated(self, tax_type: str | Iterable[str]) -> TaxEntry | None:
        """The active 0% tax of that type (zero-rated supplies, reverse charge)."""
        return self.find(tax_type=tax_type, rate=Decimal("0"), kind=TAX)


def _preferred(matches: list[TaxEntry]) -> TaxEntry | None:
    if not matches:
        return None
    return sorted(matches, key=lambda entry: (not entry.is_default, entry.name, entry.id or 0))[0]


def tax_catalog_for(organization) -> TaxCatalog:
    """Snapshot every tax of the organization, active or not (inactive ones are never prefilled)."""
    from fsmbilling.models import Tax

    taxes = list(Tax.objects.filter(organization=organization).prefetch_related("components").order_by("id"))
    return TaxCatalog(entries=tuple(TaxEntry.from_model(tax) for tax in taxes))
