"""Tax editions (TAX-1..4): what an organization's country selects, and the default taxes of each edition.

An edition says which tax treatments a customer may have (with labels), which tax preferences an item may have,
which tax properties apply to customers and items, the regions used as place of supply, and the taxes seeded for a
new organization. ``seed_default_taxes`` creates those taxes; administrators change them afterwards.

Rates were checked against the published rules named in docs/taxes.md (as of 2026).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _

US, CA, IN, AU, GB, DE, ZA, AE, SA, QA, KW = "US", "CA", "IN", "AU", "GB", "DE", "ZA", "AE", "SA", "QA", "KW"
GLOBAL = "GLOBAL"
GCC = frozenset({AE, SA, QA, KW})
# Gulf Cooperation Council members (for intra-GCC treatments), including those not (yet) in our editions.
GCC_MEMBERS = frozenset({"AE", "SA", "QA", "KW", "BH", "OM"})
# EU member states by VAT prefix (Greece uses EL), and XI: Northern Ireland for goods (Windsor Framework).
EU_VAT_PREFIXES = frozenset(
    {"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR", "HU", "IE", "IT", "LT", "LU", "LV"}
    | {"MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "XI"}
)

# Customer tax properties (fields of fsmbilling.models.customers.CustomerTaxProperties).
IS_TAXABLE, TREATMENT, TAX_NUMBER, PLACE_OF_SUPPLY = "is_taxable", "tax_treatment", "tax_number", "place_of_supply"
GST_REGISTERED, DEFAULT_TAX, TAX_EXEMPTION = "gst_registered", "default_tax", "tax_exemption"
# Item tax properties (fields of fsmbilling.models.catalog.ServicePart).
TAX_PREFERENCE, INTRA_STATE_TAX, INTER_STATE_TAX, HSN_SAC = (
    "tax_preference",
    "intra_state_tax",
    "inter_state_tax",
    "hsn_sac",
)

# Item tax preferences (values of ServicePart.TaxPreference).
TAXABLE, NON_TAXABLE, EXEMPT, NIL_RATED, NON_GST, ZERO_RATED = (
    "taxable",
    "non_taxable",
    "exempt",
    "nil_rated",
    "non_gst",
    "zero_rated",
)

ZERO = Decimal("0")


@dataclass(frozen=True)
class TaxSeed:
    """A default tax of an edition. Components are names of seeds listed before the group."""

    name: str
    rate: Decimal
    tax_type: str
    authority: str = ""
    region: str = ""
    kind: str = "tax"
    components: tuple[str, ...] = ()
    is_default: bool = False


@dataclass(frozen=True)
class Edition:
    code: str
    name: str
    tax_label: str
    tax_number_label: str
    customer_treatments: tuple[tuple[str, str], ...]
    default_treatment: str
    item_tax_preferences: tuple[str, ...]
    customer_tax_properties: tuple[str, ...]
    item_tax_properties: tuple[str, ...]
    regions: tuple[tuple[str, str], ...] = ()
    default_taxes: tuple[TaxSeed, ...] = ()

    @property
    def treatment_values(self) -> tuple[str, ...]:
        return tuple(value for value, _label in self.customer_treatments)

    def treatment_label(self, value: str) -> str:
        return str(dict(self.customer_treatments).get(value, value))

    @property
    def region_codes(self) -> frozenset[str]:
        return frozenset(code for code, _name in self.regions)

    def region_name(self, code: str) -> str:
        return dict(self.regions).get(code, code)

    def applies(self, tax_property: str) -> bool:
        return tax_property in self.customer_tax_properties or tax_property in self.item_tax_properties


# --- Regions -------------------------------------------------------------------------------------------------------

US_STATES = (
    ("AL", "Alabama"), ("AK", "Alaska"), ("AZ", "Arizona"), ("AR", "Arkansas"), ("CA", "California"),
    ("CO", "Colorado"), ("CT", "Connecticut"), ("DE", "Delaware"), ("DC", "District of Columbia"), ("FL", "Florida"),
    ("GA", "Georgia"), ("HI", "Hawaii"), ("ID", "Idaho"), ("IL", "Illinois"), ("IN", "Indiana"), ("IA", "Iowa"),
    ("KS", "Kansas"), ("KY", "Kentucky"), ("LA", "Louisiana"), ("ME", "Maine"), ("MD", "Maryland"),
    ("MA", "Massachusetts"), ("MI", "Michigan"), ("MN", "Minnesota"), ("MS", "Mississippi"), ("MO", "Missouri"),
    ("MT", "Montana"), ("NE", "Nebraska"), ("NV", "Nevada"), ("NH", "New Hampshire"), ("NJ", "New Jersey"),
    ("NM", "New Mexico"), ("NY", "New York"), ("NC", "North Carolina"), ("ND", "North Dakota"), ("OH", "Ohio"),
    ("OK", "Oklahoma"), ("OR", "Oregon"), ("PA", "Pennsylvania"), ("RI", "Rhode Island"), ("SC", "South Carolina"),
    ("SD", "South Dakota"), ("TN", "Tennessee"), ("TX", "Texas"), ("UT", "Utah"), ("VT", "Vermont"),
    ("VA", "Virginia"), ("WA", "Washington"), ("WV", "West Virginia"), ("WI", "Wisconsin"), ("WY", "Wyoming"),
)  # fmt: skip

# Statewide sales tax rates (state rate, plus the statewide mandatory local part in UT and VA). Local taxes are not
# included: these are samples to start from, and administrators add their local rates. States without a statewide
# sales tax (AK, DE, MT, NH, OR) get none.
US_STATE_RATES = {
    "AL": "4", "AZ": "5.6", "AR": "6.5", "CA": "7.25", "CO": "2.9", "CT": "6.35", "DC": "6", "FL": "6", "GA": "4",
    "HI": "4", "ID": "6", "IL": "6.25", "IN": "7", "IA": "6", "KS": "6.5", "KY": "6", "LA": "5", "ME": "5.5",
    "MD": "6", "MA": "6.25", "MI": "6", "MN": "6.875", "MS": "7", "MO": "4.225", "NE": "5.5", "NV": "6.85",
    "NJ": "6.625", "NM": "4.875", "NY": "4", "NC": "4.75", "ND": "5", "OH": "5.75", "OK": "4.5", "PA": "6", "RI": "7",
    "SC": "6", "SD": "4.2", "TN": "7", "TX": "6.25", "UT": "6.1", "VT": "6", "VA": "5.3", "WA": "6.5", "WV": "6",
    "WI": "5", "WY": "4",
}  # fmt: skip

CA_PROVINCES = (
    ("AB", "Alberta"), ("BC", "British Columbia"), ("MB", "Manitoba"), ("NB", "New Brunswick"),
    ("NL", "Newfoundland and Labrador"), ("NS", "Nova Scotia"), ("NT", "Northwest Territories"), ("NU", "Nunavut"),
    ("ON", "Ontario"), ("PE", "Prince Edward Island"), ("QC", "Quebec"), ("SK", "Saskatchewan"), ("YT", "Yukon"),
)  # fmt: skip
CA_HST = {"ON": Decimal("13"), "NS": Decimal("14"), "NB": Decimal("15"), "NL": Decimal("15"), "PE": Decimal("15")}
CA_PST = {"BC": Decimal("7"), "SK": Decimal("6"), "MB": Decimal("7"), "QC": Decimal("9.975")}
CA_GST = Decimal("5")


@dataclass(frozen=True)
class IndianState:
    code: str  # the 2-digit GST state code, the first two characters of a GSTIN
    abbreviation: str
    name: str
    union_territory_without_legislature: bool = False  # charges UTGST instead of SGST


INDIA_STATES = (
    IndianState("01", "JK", "Jammu and Kashmir"),
    IndianState("02", "HP", "Himachal Pradesh"),
    IndianState("03", "PB", "Punjab"),
    IndianState("04", "CH", "Chandigarh", True),
    IndianState("05", "UK", "Uttarakhand"),
    IndianState("06", "HR", "Haryana"),
    IndianState("07", "DL", "Delhi"),
    IndianState("08", "RJ", "Rajasthan"),
    IndianState("09", "UP", "Uttar Pradesh"),
    IndianState("10", "BR", "Bihar"),
    IndianState("11", "SK", "Sikkim"),
    IndianState("12", "AR", "Arunachal Pradesh"),
    IndianState("13", "NL", "Nagaland"),
    IndianState("14", "MN", "Manipur"),
    IndianState("15", "MZ", "Mizoram"),
    IndianState("16", "TR", "Tripura"),
    IndianState("17", "ML", "Meghalaya"),
    IndianState("18", "AS", "Assam"),
    IndianState("19", "WB", "West Bengal"),
    IndianState("20", "JH", "Jharkhand"),
    IndianState("21", "OD", "Odisha"),
    IndianState("22", "CG", "Chhattisgarh"),
    IndianState("23", "MP", "Madhya Pradesh"),
    IndianState("24", "GJ", "Gujarat"),
    IndianState("25", "DD", "Daman and Diu (before 2020)", True),
    IndianState("26", "DN", "Dadra and Nagar Haveli and Daman and Diu", True),
    IndianState("27", "MH", "Maharashtra"),
    IndianState("28", "AD", "Andhra Pradesh (before 2014)"),
    IndianState("29", "KA", "Karnataka"),
    IndianState("30", "GA", "Goa"),
    IndianState("31", "LD", "Lakshadweep", True),
    IndianState("32", "KL", "Kerala"),
    IndianState("33", "TN", "Tamil Nadu"),
    IndianState("34", "PY", "Puducherry"),
    IndianState("35", "AN", "Andaman and Nicobar Islands", True),
    IndianState("36", "TS", "Telangana"),
    IndianState("37", "AP", "Andhra Pradesh"),
    IndianState("38", "LA", "Ladakh", True),
    IndianState("97", "OT", "Other Territory", True),
    IndianState("99", "CJ", "Centre Jurisdiction"),
)
INDIA_STATE_BY_CODE = {state.code: state for state in INDIA_STATES}
_INDIA_ALIASES = {"UT": "05", "OR": "21", "CT": "22", "TG": "36", "DH": "26"}
# Codes that name the same place of supply (pre- and post-reorganisation).
_INDIA_SAME_PLACE = {"25": "26", "28": "37"}


def india_state(value: str) -> IndianState | None:
    """The Indian state of a place of supply given as GST code ("29"), abbreviation ("KA") or name."""
    value = (value or "").strip()
    if not value:
        return None
    if value in INDIA_STATE_BY_CODE:
        return INDIA_STATE_BY_CODE[value]
    upper = value.upper()
    if upper in _INDIA_ALIASES:
        return INDIA_STATE_BY_CODE[_INDIA_ALIASES[upper]]
    for state in INDIA_STATES:
        if upper in (state.abbreviation, state.name.upper()):
            return state
    return None


def india_same_place(first: IndianState, second: IndianState) -> bool:
    return _INDIA_SAME_PLACE.get(first.code, first.code) == _INDIA_SAME_PLACE.get(second.code, second.code)


AE_EMIRATES = (
    ("AZ", "Abu Dhabi"), ("AJ", "Ajman"), ("DU", "Dubai"), ("FU", "Fujairah"), ("RK", "Ras Al Khaimah"),
    ("SH", "Sharjah"), ("UQ", "Umm Al Quwain"),
)  # fmt: skip
AE_EMIRATE_ALIASES = {"AB": "AZ", "RA": "RK", "UM": "UQ"}  # spellings used by Zoho Books


def normalize_region(country: str, value: str) -> str:
    """A place of supply in the edition's canonical code (India: the GST state code; UAE: the ISO emirate code)."""
    value = (value or "").strip()
    country = (country or "").upper()
    if country == IN:
        state = india_state(value)
        return state.code if state else value.upper()
    if country == AE:
        upper = value.upper()
        return AE_EMIRATE_ALIASES.get(upper, upper)
    return value.upper()


# --- Default taxes -------------------------------------------------------------------------------------------------


def _percent(rate: Decimal) -> str:
    """12.50 → '12.5', 9.0 → '9' (names such as CGST2.5, IGST18)."""
    return format(rate.normalize(), "f")


def _us_taxes() -> tuple[TaxSeed, ...]:
    names = dict(US_STATES)
    return tuple(
        TaxSeed(
            name=f"{code} Sales Tax",
            rate=Decimal(rate),
            tax_type="sales_tax",
            authority=f"{names[code]} Department of Revenue",
            region=code,
        )
        for code, rate in US_STATE_RATES.items()
    )


def _canada_taxes() -> tuple[TaxSeed, ...]:
    cra = "Canada Revenue Agency"
    seeds = [TaxSeed("GST", CA_GST, "gst", cra)]
    seeds += [TaxSeed(f"HST {province}", rate, "hst", cra, region=province) for province, rate in CA_HST.items()]
    seeds += [
        TaxSeed("PST BC", CA_PST["BC"], "pst", "British Columbia Ministry of Finance", region="BC"),
        TaxSeed("PST SK", CA_PST["SK"], "pst", "Saskatchewan Ministry of Finance", region="SK"),
        TaxSeed("RST MB", CA_PST["MB"], "pst", "Manitoba Finance", region="MB"),
        TaxSeed("QST", CA_PST["QC"], "qst", "Revenu Québec", region="QC"),
    ]
    groups = (("GST + PST BC", "PST BC", "BC"), ("GST + PST SK", "PST SK", "SK"), ("GST + RST MB", "RST MB", "MB"))
    seeds += [
        TaxSeed(name, CA_GST + CA_PST[region], "gst_pst", region=region, kind="tax_group", components=("GST", pst))
        for name, pst, region in groups
    ]
    seeds.append(
        TaxSeed("GST + QST", CA_GST + CA_PST["QC"], "gst_qst", region="QC", kind="tax_group", components=("GST", "QST"))
    )
    return tuple(seeds)


# GST slabs. 12% and 28% stay for supplies still taxed at them; 40% is the slab added on 22 September 2025.
INDIA_GST_RATES = tuple(Decimal(rate) for rate in ("0", "5", "12", "18", "28", "40"))


def _india_taxes() -> tuple[TaxSeed, ...]:
    centre, state = "Central Government (CBIC)", "State Government"
    seeds: list[TaxSeed] = []
    for rate in INDIA_GST_RATES:
        half = rate / 2
        cgst, sgst, utgst = f"CGST{_percent(half)}", f"SGST{_percent(half)}", f"UTGST{_percent(half)}"
        igst = f"IGST{_percent(rate)}"
        seeds += [
            TaxSeed(cgst, half, "cgst", centre),
            TaxSeed(sgst, half, "sgst", state),
            TaxSeed(utgst, half, "utgst", "Union Territory Administration"),
            TaxSeed(igst, rate, "igst", centre),
            TaxSeed(f"GST{_percent(rate)}", rate, "gst", kind="tax_group", components=(cgst, sgst)),
            TaxSeed(f"GST{_percent(rate)} (UT)", rate, "gst_ut", kind="tax_group", components=(cgst, utgst)),
        ]
    return tuple(seeds)


def _vat(rates: tuple[str, ...], authority: str, prefix: str = "VAT", tax_type: str = "vat") -> tuple[TaxSeed, ...]:
    """VAT rates, the first being the standard (default) rate."""
    return tuple(
        TaxSeed(f"{prefix} {rate}%", Decimal(rate), tax_type, authority, is_default=index == 0)
        for index, rate in enumerate(rates)
    )


# --- Editions ------------------------------------------------------------------------------------------------------

_TAXABLE_OR_EXEMPT = (("taxable", _("Taxable")), ("exempt", _("Tax exempt")))
_SIMPLE_ITEM = (TAXABLE, NON_TAXABLE)
_SIMPLE_ITEM_PROPERTIES = (TAX_PREFERENCE, DEFAULT_TAX, TAX_EXEMPTION)
_GCC_TREATMENTS = (
    ("vat_registered", _("VAT registered")),
    ("vat_not_registered", _("Not VAT registered")),
    ("gcc_vat_registered", _("VAT registered in another GCC state")),
    ("gcc_vat_not_registered", _("Not VAT registered, in another GCC state")),
    ("non_gcc", _("Outside the GCC")),
)
_GCC_ITEM = (TAXABLE, ZERO_RATED, EXEMPT, NON_TAXABLE)


def _gcc(code: str, name: str, taxes: tuple[TaxSeed, ...], *, designated_zones: bool = False) -> Edition:
    treatments = _GCC_TREATMENTS
    if designated_zones:
        treatments += (
            ("dz_vat_registered", _("VAT registered, in a designated zone")),
            ("dz_vat_not_registered", _("Not VAT registered, in a designated zone")),
        )
    return Edition(
        code=code,
        name=name,
        tax_label=_("VAT"),
        tax_number_label=_("TRN"),
        customer_treatments=treatments,
        default_treatment="vat_not_registered",
        item_tax_preferences=_GCC_ITEM,
        customer_tax_properties=(TREATMENT, TAX_NUMBER, PLACE_OF_SUPPLY),
        item_tax_properties=_SIMPLE_ITEM_PROPERTIES,
        regions=AE_EMIRATES if code == AE else (),
        default_taxes=taxes,
    )


EDITIONS: dict[str, Edition] = {
    US: Edition(
        code=US,
        name="United States",
        tax_label=_("Sales tax"),
        tax_number_label="",
        customer_treatments=_TAXABLE_OR_EXEMPT,
        default_treatment="taxable",
        item_tax_preferences=_SIMPLE_ITEM,
        customer_tax_properties=(IS_TAXABLE, TREATMENT, DEFAULT_TAX, TAX_EXEMPTION),
        item_tax_properties=_SIMPLE_ITEM_PROPERTIES,
        regions=US_STATES,
        default_taxes=_us_taxes(),
    ),
    CA: Edition(
        code=CA,
        name="Canada",
        tax_label=_("GST/HST"),
        tax_number_label=_("GST/HST registration number"),
        customer_treatments=(
            ("taxable", _("Taxable (in Canada)")),
            ("exempt", _("Tax exempt")),
            ("non_canada", _("Outside Canada")),
        ),
        default_treatment="taxable",
        item_tax_preferences=(TAXABLE, NON_TAXABLE, ZERO_RATED),
        customer_tax_properties=(IS_TAXABLE, TREATMENT, TAX_NUMBER, PLACE_OF_SUPPLY, TAX_EXEMPTION),
        item_tax_properties=_SIMPLE_ITEM_PROPERTIES,
        regions=CA_PROVINCES,
        default_taxes=_canada_taxes(),
    ),
    IN: Edition(
        code=IN,
        name="India",
        tax_label=_("GST"),
        tax_number_label=_("GSTIN"),
        customer_treatments=(
            ("business_gst", _("Registered business – regular")),
            ("business_registered_composition", _("Registered business – composition")),
            ("business_none", _("Unregistered business")),
            ("consumer", _("Consumer")),
            ("overseas", _("Overseas")),
            ("business_sez", _("Special economic zone")),
            ("deemed_export", _("Deemed export")),
        ),
        default_treatment="consumer",
        item_tax_preferences=(TAXABLE, EXEMPT, NIL_RATED, NON_GST),
        customer_tax_properties=(TREATMENT, TAX_NUMBER, PLACE_OF_SUPPLY),
        item_tax_properties=(TAX_PREFERENCE, INTRA_STATE_TAX, INTER_STATE_TAX, HSN_SAC, TAX_EXEMPTION),
        regions=tuple((state.code, state.name) for state in INDIA_STATES),
        default_taxes=_india_taxes(),
    ),
    AU: Edition(
        code=AU,
        name="Australia",
        tax_label=_("GST"),
        tax_number_label=_("ABN"),
        customer_treatments=(
            ("taxable", _("Taxable")),
            ("exempt", _("GST exempt")),
            ("overseas", _("Overseas (GST-free export)")),
        ),
        default_treatment="taxable",
        item_tax_preferences=_SIMPLE_ITEM,
        customer_tax_properties=(IS_TAXABLE, TREATMENT, TAX_NUMBER, GST_REGISTERED, TAX_EXEMPTION),
        item_tax_properties=_SIMPLE_ITEM_PROPERTIES,
        default_taxes=(TaxSeed("GST", Decimal("10"), "gst", "Australian Taxation Office", is_default=True),),
    ),
    GB: Edition(
        code=GB,
        name="United Kingdom",
        tax_label=_("VAT"),
        tax_number_label=_("VAT registration number"),
        customer_treatments=(
            ("uk", _("United Kingdom")),
            ("eu_vat_registered", _("EU – VAT registered")),
            ("eu_vat_not_registered", _("EU – not VAT registered")),
            ("overseas", _("Overseas (outside the UK and EU)")),
        ),
        default_treatment="uk",
        item_tax_preferences=_SIMPLE_ITEM,
        customer_tax_properties=(TREATMENT, TAX_NUMBER),
        item_tax_properties=_SIMPLE_ITEM_PROPERTIES,
        default_taxes=_vat(("20", "5", "0"), "HM Revenue & Customs"),
    ),
    DE: Edition(
        code=DE,
        name="Germany",
        tax_label=_("VAT (USt)"),
        tax_number_label=_("VAT ID (USt-IdNr.)"),
        customer_treatments=(
            ("home_country", _("Germany")),
            ("eu_vat_registered", _("EU – VAT registered (reverse charge)")),
            ("eu_vat_not_registered", _("EU – not VAT registered")),
            ("non_eu", _("Outside the EU")),
        ),
        default_treatment="home_country",
        item_tax_preferences=_SIMPLE_ITEM,
        customer_tax_properties=(TREATMENT, TAX_NUMBER),
        item_tax_properties=_SIMPLE_ITEM_PROPERTIES,
        default_taxes=_vat(("19", "7", "0"), "Finanzamt", prefix="USt"),
    ),
    ZA: Edition(
        code=ZA,
        name="South Africa",
        tax_label=_("VAT"),
        tax_number_label=_("VAT number"),
        customer_treatments=(
            ("vat_registered", _("VAT registered")),
            ("vat_not_registered", _("Not VAT registered")),
            ("overseas", _("Overseas (zero-rated export)")),
        ),
        default_treatment="vat_not_registered",
        item_tax_preferences=_SIMPLE_ITEM,
        customer_tax_properties=(TREATMENT, TAX_NUMBER),
        item_tax_properties=_SIMPLE_ITEM_PROPERTIES,
        default_taxes=_vat(("15", "0"), "South African Revenue Service"),
    ),
    AE: _gcc(AE, "United Arab Emirates", _vat(("5", "0"), "Federal Tax Authority"), designated_zones=True),
    SA: _gcc(SA, "Saudi Arabia", _vat(("15", "0"), "Zakat, Tax and Customs Authority")),
    # No VAT is in force in Qatar or Kuwait: the standard rate is modelled as 0% until a VAT law takes effect.
    QA: _gcc(QA, "Qatar", _vat(("0",), "General Tax Authority (no VAT in force)")),
    KW: _gcc(KW, "Kuwait", _vat(("0",), "Ministry of Finance (no VAT in force)")),
    GLOBAL: Edition(
        code=GLOBAL,
        name="Global",
        tax_label=_("Tax"),
        tax_number_label=_("Tax registration number"),
        customer_treatments=_TAXABLE_OR_EXEMPT,
        default_treatment="taxable",
        item_tax_preferences=_SIMPLE_ITEM,
        customer_tax_properties=(IS_TAXABLE, TREATMENT, DEFAULT_TAX, TAX_EXEMPTION),
        item_tax_properties=_SIMPLE_ITEM_PROPERTIES,
    ),
}


def edition_for_country(country: str | None) -> Edition:
    """The edition of an ISO 3166-1 alpha-2 country (TAX-1); every other country uses the Global edition."""
    code = (country or "").strip().upper()
    if code == "UK":  # a common misspelling of GB
        code = GB
    return EDITIONS.get(code, EDITIONS[GLOBAL])


def edition_for(organization) -> Edition:
    return edition_for_country(organization.country)


@transaction.atomic
def seed_default_taxes(*, organization, actor=None) -> list:
    """Create the edition's default taxes for the organization; return the taxes created now.

    Idempotent and safe to run concurrently: a tax whose name already exists is left exactly as it is
    (administrators may have changed its rate, authority or components), and a group's components are set only when
    the group is created here. A handful of queries, however many taxes the edition has.
    """
    from fsmbilling.models import Tax

    seeds = edition_for(organization).default_taxes
    if not seeds:
        return []
    names = [seed.name for seed in seeds]
    existing = set(Tax.objects.filter(organization=organization, name__in=names).values_list("name", flat=True))
    missing = [seed for seed in seeds if seed.name not in existing]
    Tax.objects.bulk_create(
        [
            Tax(
                organization=organization,
                name=seed.name,
                rate=seed.rate,
                kind=seed.kind,
                tax_type=seed.tax_type,
                authority=seed.authority,
                region=seed.region,
                is_default=seed.is_default,
                created_by=actor,
                updated_by=actor,
            )
            for seed in missing
        ],
        ignore_conflicts=True,  # another seeder may have created some meanwhile: theirs stand
    )
    by_name = {tax.name: tax for tax in Tax.objects.filter(organization=organization, name__in=names)}
    links = [
        Tax.components.through(from_tax_id=by_name[seed.name].pk, to_tax_id=by_name[component].pk)
        for seed in missing
        for component in seed.components
    ]
    Tax.components.through.objects.bulk_create(links, ignore_conflicts=True)
    return [by_name[seed.name] for seed in missing]
