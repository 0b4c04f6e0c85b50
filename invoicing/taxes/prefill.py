"""Tax prefill (TAX-5): the tax a line of an estimate, work order or invoice starts with.

``prefill_line_tax`` is a pure function of small frozen values: the organization's profile, the customer's and the
item's tax properties, and a snapshot of the organization's taxes. It returns a ``TaxDecision``: the tax to put on
the line (or none), why, and whether the customer accounts for the tax (reverse charge). Users allowed to do so may
change the tax afterwards; nothing here stops them.

``customer_for_taxes`` picks whose tax properties apply (SYN-3); the ``*_profile`` builders read model instances.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from invoicing.taxes import editions
from invoicing.taxes.catalog import TaxCatalog, TaxEntry, tax_catalog_for
from invoicing.taxes.editions import (
    CA_HST,
    CA_PST,
    EXEMPT,
    NIL_RATED,
    NON_GST,
    NON_TAXABLE,
    TAXABLE,
    ZERO_RATED,
    Edition,
    edition_for_country,
    india_same_place,
    india_state,
    normalize_region,
)

__all__ = [
    "CustomerTaxProfile",
    "ItemTaxProfile",
    "OrgTaxProfile",
    "TaxCatalog",
    "TaxDecision",
    "customer_for_taxes",
    "customer_tax_profile",
    "item_tax_profile",
    "org_tax_profile",
    "prefill_line_tax",
    "tax_catalog_for",
]

ZERO = Decimal("0")
VAT = "vat"

# How India prefills exports and supplies to SEZ units: zero-rated under a LUT/bond (IGST 0%), or with IGST paid at
# the item's inter-state rate (refund claimed later).
EXPORT_ZERO_RATED = "zero_rated"
EXPORT_WITH_IGST = "with_igst"


@dataclass(frozen=True)
class OrgTaxProfile:
    country: str
    state: str = ""
    # Australia: whether the organization is registered for GST (only then it charges GST).
    gst_registered: bool = True
    # India: EXPORT_ZERO_RATED (default) or EXPORT_WITH_IGST for overseas and SEZ customers.
    india_export_mode: str = EXPORT_ZERO_RATED

    @property
    def edition(self) -> Edition:
        return edition_for_country(self.country)


@dataclass(frozen=True)
class CustomerTaxProfile:
    is_taxable: bool = True
    tax_treatment: str = ""
    tax_number: str = ""
    place_of_supply: str = ""
    gst_registered: bool = False
    default_tax_id: int | None = None
    tax_exemption_id: int | None = None
    # State (US) of the service address, and a tax chosen on that address, if any.
    service_state: str = ""
    service_tax_id: int | None = None


@dataclass(frozen=True)
class ItemTaxProfile:
    tax_preference: str = TAXABLE
    default_tax_id: int | None = None
    intra_state_tax_id: int | None = None
    inter_state_tax_id: int | None = None
    tax_exemption_id: int | None = None
    hsn_sac: str = ""


@dataclass(frozen=True)
class TaxDecision:
    tax_id: int | None
    reason: str
    reverse_charge: bool = False
    # The exemption reason to send with an untaxed line, when the item or customer has one.
    tax_exemption_id: int | None = None


def prefill_line_tax(
    *,
    org: OrgTaxProfile,
    customer: CustomerTaxProfile | None,
    item: ItemTaxProfile,
    catalog: TaxCatalog,
    place_of_supply: str = "",
) -> TaxDecision:
    """The tax a line gets from its customer and item under the organization's edition (TAX-5).

    ``place_of_supply`` overrides the customer's (a document may set its own place of supply).
    """
    customer = customer or CustomerTaxProfile()
    rule = _RULES.get(org.edition.code, _global)
    return rule(org, customer, item, catalog, place_of_supply or customer.place_of_supply)


# --- Shared steps --------------------------------------------------------------------------------------------------


def _none(reason: str, *, exemption: int | None = None) -> TaxDecision:
    return TaxDecision(tax_id=None, reason=reason, tax_exemption_id=exemption)


def _use(entry: TaxEntry, reason: str, *, reverse_charge: bool = False) -> TaxDecision:
    return TaxDecision(tax_id=entry.id, reason=reason, reverse_charge=reverse_charge)


def _customer_exempt(customer: CustomerTaxProfile) -> bool:
    return not customer.is_taxable or customer.tax_treatment == "exempt"


def _customer_exempt_decision(customer: CustomerTaxProfile) -> TaxDecision:
    return _none(_("The customer is tax exempt."), exemption=customer.tax_exemption_id)


def _item_untaxed_decision(item: ItemTaxProfile) -> TaxDecision:
    reasons = {
        NON_TAXABLE: _("The item is not taxable."),
        EXEMPT: _("The item is exempt."),
        NIL_RATED: _("The item is nil-rated."),
        NON_GST: _("The item is a non-GST supply."),
        ZERO_RATED: _("The item is zero-rated."),
    }
    return _none(reasons.get(item.tax_preference, _("The item is not taxable.")), exemption=item.tax_exemption_id)


def _active(catalog: TaxCatalog, tax_id: int | None) -> TaxEntry | None:
    entry = catalog.get(tax_id)
    return entry if entry is not None and entry.is_active else None


def _missing(what: str) -> TaxDecision:
    return _none(
        _("No active tax for %(what)s: add it under Billing Setup > Taxes, then choose it on the line.")
        % {"what": what}
    )


# --- United States -------------------------------------------------------------------------------------------------


def _us(org, customer, item, catalog, place) -> TaxDecision:
    if _customer_exempt(customer):
        return _customer_exempt_decision(customer)
    if item.tax_preference != TAXABLE:
        return _item_untaxed_decision(item)
    address_tax = _active(catalog, customer.service_tax_id)
    if address_tax is not None:
        return _use(address_tax, _("Tax of the service address."))
    customer_tax = _active(catalog, customer.default_tax_id)
    state = customer.service_state.strip().upper()
    if state and (customer_tax is None or (customer_tax.region and customer_tax.region != state)):
        state_tax = catalog.find(tax_type="sales_tax", region=state)
        if state_tax is not None:
            return _use(state_tax, _("Sales tax of the service address state (%(state)s).") % {"state": state})
    if customer_tax is not None:
        return _use(customer_tax, _("The customer's sales tax."))
    if customer.default_tax_id is not None:
        return _none(_("The customer's sales tax is inactive: choose another on the customer or on the line."))
    return _none(_("The customer has no sales tax: set one on the customer, or choose a tax on the line."))


# --- Canada --------------------------------------------------------------------------------------------------------


def _canada(org, customer, item, catalog, place) -> TaxDecision:
    if _customer_exempt(customer):
        return _customer_exempt_decision(customer)
    if item.tax_preference != TAXABLE:
        return _item_untaxed_decision(item)
    if customer.tax_treatment == "non_canada":
        return _none(_("Supplies to customers outside Canada are zero-rated exports."))
    province = (place or org.state).strip().upper()
    if not province:
        return _none(_("Set the province of supply on the customer: it decides between GST, HST and GST + PST/QST."))
    if province in CA_HST:
        entry = catalog.find(tax_type="hst", region=province)
        label = f"HST {province}"
    elif province in CA_PST:
        entry = catalog.find(tax_type={"gst_pst", "gst_qst"}, region=province, kind="tax_group")
        label = "GST + QST" if province == "QC" else f"GST + PST {province}"
    else:
        entry = catalog.find(tax_type="gst", region="")
        label = "GST"
    if entry is None:
        return _missing(label)
    return _use(entry, _("%(label)s for the province of supply %(province)s.") % {"label": label, "province": province})


# --- India ---------------------------------------------------------------------------------------------------------

_INDIA_UNTAXED = (EXEMPT, NIL_RATED, NON_GST, NON_TAXABLE, ZERO_RATED)
_INDIA_EXPORT = ("overseas", "business_sez", "sez_developer")


def _india(org, customer, item, catalog, place) -> TaxDecision:
    if item.tax_preference in _INDIA_UNTAXED:
        return _item_untaxed_decision(item)
    intra = _active(catalog, item.intra_state_tax_id)
    inter = _active(catalog, item.inter_state_tax_id)
    if customer.tax_treatment in _INDIA_EXPORT:
        if org.india_export_mode == EXPORT_WITH_IGST:
            return _india_igst(catalog, intra, inter, _("Export or SEZ supply with IGST paid"))
        entry = catalog.find(tax_type="igst", rate=ZERO, kind="tax")
        reason = _("Export or supply to an SEZ: zero-rated (IGST at 0, under a letter of undertaking).")
        return _use(entry, reason) if entry else _missing("IGST 0%")

    org_state = india_state(org.state)
    if org_state is None:
        return _none(_("Set the organization's state: intra- or inter-state GST depends on it."))
    place_state = india_state(place) if place else None
    assumed = ""
    if place_state is None:
        place_state = org_state
        assumed = " " + _("No place of supply on the customer: the organization's state was used.")
    if india_same_place(org_state, place_state):
        return _india_intra(catalog, org_state, intra, inter, assumed)
    return _india_igst(
        catalog,
        intra,
        inter,
        _("Inter-state supply (%(origin)s to %(destination)s)")
        % {"origin": org_state.abbreviation, "destination": place_state.abbreviation},
    )


def _india_intra(catalog, state, intra: TaxEntry | None, inter: TaxEntry | None, assumed: str) -> TaxDecision:
    local = "utgst" if state.union_territory_without_legislature else "sgst"
    label = "CGST + UTGST" if local == "utgst" else "CGST + SGST"
    reason = _("Intra-state supply in %(state)s: %(label)s.") % {"state": state.name, "label": label} + assumed
    if intra is not None and intra.is_group and intra.component_types >= {"cgst", local}:
        return _use(intra, reason)
    base = intra or inter
    if base is None:
        return _none(_("Set the item's intra-state tax (e.g. GST18) to prefill CGST + SGST."))
    entry = catalog.find_group({"cgst", local}, base.effective_rate)
    if entry is None:
        return _missing(f"{label} {base.effective_rate.normalize()}%")
    return _use(entry, reason)


def _india_igst(catalog, intra: TaxEntry | None, inter: TaxEntry | None, context: str) -> TaxDecision:
    reason = _("%(context)s: IGST.") % {"context": context}
    if inter is not None and inter.tax_type == "igst":
        return _use(inter, reason)
    base = inter or intra
    if base is None:
        return _none(_("Set the item's inter-state tax (e.g. IGST18) to prefill IGST."))
    entry = catalog.find(tax_type="igst", rate=base.effective_rate, kind="tax")
    if entry is None:
        return _missing(f"IGST {base.effective_rate.normalize()}%")
    return _use(entry, reason)


# --- Australia -----------------------------------------------------------------------------------------------------


def _australia(org, customer, item, catalog, place) -> TaxDecision:
    if not org.gst_registered:
        return _none(_("The organization is not registered for GST, so it charges no GST."))
    if _customer_exempt(customer):
        return _customer_exempt_decision(customer)
    if customer.tax_treatment == "overseas":
        return _none(_("Supplies to overseas customers are GST-free exports."))
    if item.tax_preference != TAXABLE:
        return _none(_("The item is GST-free."), exemption=item.tax_exemption_id)
    entry = _active(catalog, item.default_tax_id) or catalog.standard("gst")
    return _use(entry, _("GST on a taxable supply.")) if entry else _missing("GST")


# --- United Kingdom, Germany, South Africa -------------------------------------------------------------------------


def _item_vat(item: ItemTaxProfile, catalog: TaxCatalog, reason: str) -> TaxDecision:
    own = _active(catalog, item.default_tax_id)
    if own is not None:
        return _use(own, reason + " " + _("The item's VAT rate."))
    if item.tax_preference == ZERO_RATED:
        zero = catalog.zero_rated(VAT)
        return _use(zero, reason + " " + _("Zero-rated item.")) if zero else _missing("VAT 0%")
    standard = catalog.standard(VAT)
    return _use(standard, reason + " " + _("Standard rate.")) if standard else _missing("the standard VAT rate")


def _zero(catalog: TaxCatalog, reason: str, *, reverse_charge: bool = False) -> TaxDecision:
    entry = catalog.zero_rated(VAT)
    if entry is None:
        return TaxDecision(tax_id=None, reason=reason, reverse_charge=reverse_charge)
    return _use(entry, reason, reverse_charge=reverse_charge)


def _vat_item_untaxed(item: ItemTaxProfile) -> bool:
    return item.tax_preference in (NON_TAXABLE, EXEMPT, NIL_RATED, NON_GST)


def _uk(org, customer, item, catalog, place) -> TaxDecision:
    if _vat_item_untaxed(item):
        return _item_untaxed_decision(item)
    treatment = customer.tax_treatment
    if treatment == "eu_vat_registered":
        return _zero(
            catalog,
            _("EU VAT-registered business customer: reverse charge, the customer accounts for VAT."),
            reverse_charge=True,
        )
    if treatment == "overseas":
        return _zero(catalog, _("Customer outside the UK and EU: zero-rated or outside the scope of UK VAT."))
    return _item_vat(item, catalog, _("UK VAT."))


def _germany(org, customer, item, catalog, place) -> TaxDecision:
    if _vat_item_untaxed(item):
        return _item_untaxed_decision(item)
    treatment = customer.tax_treatment
    if treatment == "eu_vat_registered":
        if customer.tax_number.strip():
            return _zero(
                catalog,
                _("Business customer in another EU state with a VAT ID: reverse charge (§ 13b UStG)."),
                reverse_charge=True,
            )
        return _item_vat(item, catalog, _("EU customer without a VAT ID: German VAT is charged."))
    if treatment == "non_eu":
        return _zero(catalog, _("Customer outside the EU: not taxable in Germany (§ 3a UStG)."))
    return _item_vat(item, catalog, _("German VAT."))


def _south_africa(org, customer, item, catalog, place) -> TaxDecision:
    if _vat_item_untaxed(item):
        return _item_untaxed_decision(item)
    if customer.tax_treatment == "overseas":
        return _zero(catalog, _("Services to an overseas customer: zero-rated export (VAT Act s 11(2))."))
    return _item_vat(item, catalog, _("South African VAT."))


# --- GCC -----------------------------------------------------------------------------------------------------------


def _gcc(org, customer, item, catalog, place) -> TaxDecision:
    if item.tax_preference in (EXEMPT, NON_TAXABLE):
        return _item_untaxed_decision(item)
    if item.tax_preference == ZERO_RATED:
        return _zero(catalog, _("The item is zero-rated."))
    treatment = customer.tax_treatment
    if treatment == "gcc_vat_registered":
        return _zero(
            catalog,
            _("VAT-registered customer in another GCC state: the customer accounts for VAT (reverse charge)."),
            reverse_charge=True,
        )
    if treatment == "non_gcc":
        return _zero(catalog, _("Customer outside the GCC: zero-rated export."))
    own = _active(catalog, item.default_tax_id)
    if own is not None and own.tax_type == VAT:
        return _use(own, _("Domestic supply: the item's VAT rate."))
    standard = catalog.standard(VAT)
    reason = _("Domestic supply: standard VAT rate.")
    return _use(standard, reason) if standard else _missing("the standard VAT rate")


# --- Global --------------------------------------------------------------------------------------------------------


def _global(org, customer, item, catalog, place) -> TaxDecision:
    if _customer_exempt(customer):
        return _customer_exempt_decision(customer)
    if item.tax_preference != TAXABLE:
        return _item_untaxed_decision(item)
    own = _active(catalog, item.default_tax_id)
    if own is not None:
        return _use(own, _("The item's tax."))
    customer_tax = _active(catalog, customer.default_tax_id)
    if customer_tax is not None:
        return _use(customer_tax, _("The item has no tax: the customer's tax."))
    return _none(_("The item has no tax: set one on the item, or choose a tax on the line."))


_RULES = {
    editions.US: _us,
    editions.CA: _canada,
    editions.IN: _india,
    editions.AU: _australia,
    editions.GB: _uk,
    editions.DE: _germany,
    editions.ZA: _south_africa,
    editions.AE: _gcc,
    editions.SA: _gcc,
    editions.QA: _gcc,
    editions.KW: _gcc,
    editions.GLOBAL: _global,
}


# --- Reading models ------------------------------------------------------------------------------------------------

SYNC_TYPES = {"I": "I", "II": "II", "III": "III", "IV": "IV", "1": "I", "2": "II", "3": "III", "4": "IV"}


def customer_for_taxes(work_order_or_party, sync_type):
    """Whose tax properties prefill the lines (SYN-3): I/III the company; II/IV the contact, or its company.

    Takes a work order, a company or a contact. Returns the Company or Contact, or None when the sync type has no
    customer for it (type I/III with a contact that has no company; type II with a company only).
    """
    kind = SYNC_TYPES.get(str(sync_type).strip().upper())
    if kind is None:
        raise ValueError(f"Unknown sync type {sync_type!r}: use I, II, III or IV.")
    from fsmbilling.models import Company, Contact

    party = work_order_or_party
    if isinstance(party, Company):
        company, contact = party, None
    elif isinstance(party, Contact):
        company, contact = None, party
    else:  # a work order (or anything with company and contact)
        company, contact = party.company, party.contact
    contact_company = contact.company if contact is not None and contact.company_id else None
    if kind in ("I", "III"):
        return company or contact_company
    if contact is not None:
        return contact_company or contact
    return company if kind == "IV" else None


def _address_state(address) -> str:
    if not isinstance(address, dict):
        return ""
    return str(address.get("state_code") or address.get("state") or "").strip().upper()


def customer_tax_profile(party, *, service_address: dict | None = None) -> CustomerTaxProfile:
    """The tax profile of a Company or Contact; ``service_address`` (e.g. the work order's) overrides the party's."""
    if party is None:
        return CustomerTaxProfile()
    address = service_address if service_address else (party.service_address or {})
    service_tax = address.get("tax_id") if isinstance(address, dict) else None
    return CustomerTaxProfile(
        is_taxable=party.is_taxable,
        tax_treatment=party.tax_treatment,
        tax_number=party.tax_number,
        place_of_supply=party.place_of_supply,
        gst_registered=party.gst_registered,
        default_tax_id=party.default_tax_id,
        tax_exemption_id=party.tax_exemption_id,
        service_state=_address_state(address),
        service_tax_id=int(service_tax) if str(service_tax or "").isdigit() else None,
    )


def item_tax_profile(item) -> ItemTaxProfile:
    return ItemTaxProfile(
        tax_preference=item.tax_preference,
        default_tax_id=item.default_tax_id,
        intra_state_tax_id=item.intra_state_tax_id,
        inter_state_tax_id=item.inter_state_tax_id,
        tax_exemption_id=item.tax_exemption_id,
        hsn_sac=item.hsn_sac,
    )


def org_tax_profile(organization, **settings) -> OrgTaxProfile:
    """The organization's profile; ``settings`` carries what the Organization model does not hold yet
    (``gst_registered`` for Australia, ``india_export_mode``)."""
    return OrgTaxProfile(
        country=organization.country, state=normalize_region(organization.country, organization.state), **settings
    )
