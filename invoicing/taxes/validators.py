"""Tax numbers and customer tax properties (TAX-3).

Each check returns ``None`` when the value is fine, else one sentence that names the number, what is wrong and where
to find the right one. ``validate_customer_tax_properties`` returns ``{field: message}`` for a company or contact
(model instance, dataclass or dict), with the rules of the organization's edition.

Check-digit algorithms follow the issuers' published rules (docs/taxes.md, "Sources"); python-stdnum is used for the
EU member states other than Germany.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.utils.translation import gettext as _
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumValidationError

from invoicing.taxes import editions
from invoicing.taxes.editions import (
    AE,
    AU,
    CA,
    DE,
    EU_VAT_PREFIXES,
    GB,
    IN,
    KW,
    QA,
    SA,
    ZA,
    edition_for,
    india_same_place,
    india_state,
)

_ALPHABET36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_PAN_RE = re.compile(r"^[A-Z]{5}[0-9]{4}[A-Z]$")


def compact(value: str | None) -> str:
    """The number without spaces, hyphens, dots or slashes, in capitals."""
    return re.sub(r"[\s\-./]", "", value or "").upper()


# --- India: GSTIN --------------------------------------------------------------------------------------------------


def gstin_check_character(first_14: str) -> str:
    """The GSTIN check character: Luhn mod 36 over the first 14 characters (GSTN's published algorithm)."""
    total = 0
    for index, character in enumerate(first_14):
        product = _ALPHABET36.index(character) * (2 if index % 2 else 1)
        total += product // 36 + product % 36
    return _ALPHABET36[(36 - total % 36) % 36]


def validate_gstin(value: str) -> str | None:
    number = compact(value)
    certificate = _("Check the number on the GST certificate.")
    if len(number) != 15:
        return _(
            "GSTIN %(number)s has %(length)d characters; a GSTIN has 15 (state code, PAN, entity number, Z, check "
            "character). %(where)s"
        ) % {"number": number, "length": len(number), "where": certificate}
    if not number.isalnum() or not number.isascii():
        return _("GSTIN %(number)s may only contain letters and digits. %(where)s") % {
            "number": number,
            "where": certificate,
        }
    state_code = number[:2]
    if state_code not in editions.INDIA_STATE_BY_CODE:
        return _(
            "GSTIN %(number)s starts with %(code)s, which is not an Indian GST state code (e.g. 29 for Karnataka). "
            "%(where)s"
        ) % {"number": number, "code": state_code, "where": certificate}
    pan = number[2:12]
    if not _PAN_RE.match(pan):
        return _(
            "Characters 3 to 12 of GSTIN %(number)s (%(pan)s) are not a PAN: a PAN is 5 letters, 4 digits and a "
            "letter. %(where)s"
        ) % {"number": number, "pan": pan, "where": certificate}
    if number[12] == "0":
        return _("The 13th character of GSTIN %(number)s (the entity number) is 0; it is 1–9 or A–Z. %(where)s") % {
            "number": number,
            "where": certificate,
        }
    if number[13] != "Z":
        return _("The 14th character of GSTIN %(number)s must be Z, not %(found)s. %(where)s") % {
            "number": number,
            "found": number[13],
            "where": certificate,
        }
    expected = gstin_check_character(number[:14])
    if number[14] != expected:
        return _("GSTIN %(number)s has a wrong check character (expected %(expected)s). %(where)s") % {
            "number": number,
            "expected": expected,
            "where": certificate,
        }
    return None


# --- Australia: ABN ------------------------------------------------------------------------------------------------

_ABN_WEIGHTS = (10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19)


def validate_abn(value: str) -> str | None:
    number = compact(value)
    where = _("Check it on the ABN Lookup (abr.business.gov.au).")
    if not number.isdigit() or len(number) != 11:
        return _("ABN %(number)s must be 11 digits (e.g. 51 824 753 556). %(where)s") % {
            "number": value.strip(),
            "where": where,
        }
    digits = [int(digit) for digit in number]
    digits[0] -= 1
    if sum(weight * digit for weight, digit in zip(_ABN_WEIGHTS, digits, strict=True)) % 89:
        return _("ABN %(number)s fails the ABN checksum; a digit is wrong or two are swapped. %(where)s") % {
            "number": number,
            "where": where,
        }
    return None


# --- United Kingdom: VAT registration number ------------------------------------------------------------------------

_UK_WEIGHTS = (8, 7, 6, 5, 4, 3, 2)


def uk_vat_check_passes(nine_digits: str) -> bool:
    """HMRC's check: weighted sum of the first 7 digits plus the last two is 0 mod 97, or 0 mod 97 after adding 55."""
    total = sum(weight * int(digit) for weight, digit in zip(_UK_WEIGHTS, nine_digits[:7], strict=True))
    total += int(nine_digits[7:])
    return total % 97 == 0 or (total + 55) % 97 == 0


def validate_uk_vat(value: str) -> str | None:
    number = compact(value)
    body = number[2:] if number[:2] in ("GB", "XI") else number
    where = _("Check the number on the customer's VAT certificate or with HMRC's 'Check a UK VAT number' service.")
    shown = number if number[:2] in ("GB", "XI") else f"GB{number}"
    if body[:2] in ("GD", "HA"):
        if len(body) != 5 or not body[2:].isdigit():
            return _("UK VAT number %(number)s: GD and HA numbers are GD or HA and 3 digits. %(where)s") % {
                "number": shown,
                "where": where,
            }
        if body.startswith("GD") and int(body[2:]) >= 500:
            return _("UK VAT number %(number)s: a government department (GD) number is below GD500. %(where)s") % {
                "number": shown,
                "where": where,
            }
        if body.startswith("HA") and int(body[2:]) < 500:
            return _("UK VAT number %(number)s: a health authority (HA) number is HA500 or above. %(where)s") % {
                "number": shown,
                "where": where,
            }
        return None
    if not body.isdigit() or len(body) not in (9, 12):
        return _(
            "UK VAT number %(number)s must be GB and 9 digits (12 for a branch), or GD/HA and 3 digits. %(where)s"
        ) % {"number": shown, "where": where}
    if not uk_vat_check_passes(body[:9]):
        return _(
            "UK VAT number %(number)s fails HMRC's check digits (mod 97 and mod 9755); a digit is wrong. %(where)s"
        ) % {"number": shown, "where": where}
    return None


# --- Germany: USt-IdNr. --------------------------------------------------------------------------------------------


def de_vat_check_digit(first_8: str) -> int:
    """ISO 7064 MOD 11,10 check digit of the first 8 digits of a USt-IdNr."""
    product = 10
    for digit in first_8:
        total = (int(digit) + product) % 10 or 10
        product = (2 * total) % 11
    return (11 - product) % 10


def validate_de_vat(value: str) -> str | None:
    number = compact(value)
    body = number[2:] if number.startswith("DE") else number
    where = _("Check it with the BZSt confirmation service (evatr.bzst.de) or on the customer's invoices.")
    if not body.isdigit() or len(body) != 9:
        return _("German VAT ID %(number)s must be DE and 9 digits (e.g. DE136695976). %(where)s") % {
            "number": number,
            "where": where,
        }
    if body[0] == "0":
        return _("German VAT ID DE%(body)s cannot start with 0 after DE. %(where)s") % {"body": body, "where": where}
    expected = de_vat_check_digit(body[:8])
    if int(body[8]) != expected:
        return _("German VAT ID DE%(body)s has a wrong check digit (expected %(expected)d). %(where)s") % {
            "body": body,
            "expected": expected,
            "where": where,
        }
    return None


# --- Other EU member states ----------------------------------------------------------------------------------------


def validate_eu_vat(value: str) -> str | None:
    """A VAT number of any EU member state (or XI, Northern Ireland), with its country prefix."""
    number = compact(value)
    where = _("Check it in the EU VIES service (ec.europa.eu/taxation_customs/vies).")
    prefix = number[:2]
    if prefix not in EU_VAT_PREFIXES:
        return _(
            "EU VAT number %(number)s must start with the member state's prefix (e.g. FR, NL, EL for Greece). %(where)s"
        ) % {"number": number, "where": where}
    if prefix == "DE":
        return validate_de_vat(number)
    try:
        eu_vat.validate(number)
    except StdnumValidationError:
        return _("%(number)s is not a valid %(prefix)s VAT number (wrong length, format or check digit). %(where)s") % {
            "number": number,
            "prefix": prefix,
            "where": where,
        }
    return None


# --- South Africa, GCC, Canada -------------------------------------------------------------------------------------


def validate_za_vat(value: str) -> str | None:
    number = compact(value)
    if not number.isdigit() or len(number) != 10 or not number.startswith("4"):
        return _(
            "South African VAT number %(number)s must be 10 digits starting with 4. Check it on the customer's VAT "
            "registration notice (VAT103) from SARS."
        ) % {"number": number}
    return None


def validate_trn(country: str, value: str) -> str | None:
    """A GCC tax registration number: 15 digits; UAE TRNs start with 100; Saudi VAT numbers start and end with 3."""
    number = compact(value)
    country = (country or "").upper()
    label = {AE: _("UAE TRN"), SA: _("Saudi VAT number")}.get(country, _("TRN"))
    where = _("Check it on the customer's VAT registration certificate.")
    if not number.isdigit() or len(number) != 15:
        return _("%(label)s %(number)s must be 15 digits. %(where)s") % {
            "label": label,
            "number": number,
            "where": where,
        }
    if country == AE and not number.startswith("100"):
        return _("UAE TRN %(number)s must start with 100. %(where)s") % {"number": number, "where": where}
    if country == SA and not (number.startswith("3") and number.endswith("3")):
        return _("Saudi VAT number %(number)s must start and end with 3. %(where)s") % {
            "number": number,
            "where": where,
        }
    return None


def _luhn_passes(digits: str) -> bool:
    total = 0
    for index, character in enumerate(reversed(digits)):
        digit = int(character)
        if index % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def validate_ca_gst_number(value: str) -> str | None:
    """A GST/HST registration number: the 9-digit business number (Luhn check), RT and a 4-digit reference."""
    number = compact(value)
    where = _("Check it on the customer's invoices or with the CRA GST/HST Registry.")
    business_number = number[:9]
    if not business_number.isdigit() or len(business_number) != 9:
        return _(
            "GST/HST number %(number)s must start with the 9-digit business number (e.g. 123456782RT0001). %(where)s"
        ) % {"number": number, "where": where}
    if not _luhn_passes(business_number):
        return _("Business number %(bn)s in GST/HST number %(number)s has a wrong check digit. %(where)s") % {
            "bn": business_number,
            "number": number,
            "where": where,
        }
    if len(number) == 9:
        return _(
            "GST/HST number %(number)s lacks its program account: add RT and the 4-digit reference, e.g. "
            "%(number)sRT0001."
        ) % {"number": number}
    program, reference = number[9:11], number[11:]
    if len(number) != 15 or not program.isalpha() or not reference.isdigit():
        return _("GST/HST number %(number)s must be 9 digits, RT and 4 digits (e.g. 123456782RT0001). %(where)s") % {
            "number": number,
            "where": where,
        }
    if program != "RT":
        return _(
            "%(number)s is a %(program)s program account, not GST/HST; GST/HST accounts use RT (e.g. "
            "%(bn)sRT0001). %(where)s"
        ) % {"number": number, "program": program, "bn": business_number, "where": where}
    return None


_VALIDATORS = {
    IN: validate_gstin,
    AU: validate_abn,
    GB: validate_uk_vat,
    "XI": validate_uk_vat,
    DE: validate_de_vat,
    ZA: validate_za_vat,
    CA: validate_ca_gst_number,
}


def validate_tax_number(country: str, value: str | None) -> str | None:
    """Check a tax number issued by ``country`` (ISO code; "EU" for any member state with prefix, "GCC" for any TRN).

    Blank values pass (whether one is required is a property rule). Countries with no known format pass.
    """
    if not (value or "").strip():
        return None
    country = (country or "").strip().upper()
    if country in _VALIDATORS:
        return _VALIDATORS[country](value)
    if country in (AE, SA, QA, KW, "BH", "OM", "GCC"):
        return validate_trn(country, value)
    if country == "EU" or country in EU_VAT_PREFIXES or country == "GR":
        return validate_eu_vat(value)
    return None


# --- Customer tax properties ---------------------------------------------------------------------------------------

_MISSING = object()


def _value(props, name: str, default=""):
    if isinstance(props, Mapping):
        return props.get(name, default)
    return getattr(props, name, default)


def _has_reference(props, name: str) -> bool:
    """Whether a foreign key (default_tax, tax_exemption) is set, without loading it."""
    if isinstance(props, Mapping):
        return bool(props.get(f"{name}_id") or props.get(name))
    value = getattr(props, f"{name}_id", _MISSING)
    if value is _MISSING:
        value = getattr(props, name, None)
    return bool(value)


def _is_exempt(props) -> bool:
    return _value(props, "is_taxable", True) is False or _value(props, "tax_treatment") == "exempt"


def validate_customer_tax_properties(organization, props) -> dict[str, str]:
    """Field → message for the customer's tax properties under the organization's edition (empty when all is fine)."""
    edition = edition_for(organization)
    errors: dict[str, str] = {}
    treatment = (_value(props, "tax_treatment") or "").strip()
    number = (_value(props, "tax_number") or "").strip()
    place = (_value(props, "place_of_supply") or "").strip()

    uses_treatment = editions.TREATMENT in edition.customer_tax_properties
    if treatment and uses_treatment and treatment not in edition.treatment_values:
        choices = ", ".join(str(label) for _code, label in edition.customer_treatments)
        errors["tax_treatment"] = _(
            "Tax treatment '%(value)s' is not used in the %(edition)s edition. Choose one of: %(choices)s."
        ) % {"value": treatment, "edition": edition.name, "choices": choices}
        return errors

    code = edition.code
    if code in (editions.US, CA, AU) and _is_exempt(props) and not _has_reference(props, "tax_exemption"):
        errors["tax_exemption"] = _("A tax-exempt customer needs an exemption reason: choose one under Tax exemption.")

    if code == CA:
        _check_canada(props, treatment, number, place, errors)
    elif code == IN:
        _check_india(treatment, number, place, errors)
    elif code == AU:
        if number:
            _put(errors, "tax_number", validate_abn(number))
        elif _value(props, "gst_registered", False):
            errors["tax_number"] = _("A customer registered for GST has an ABN: enter it (11 digits).")
    elif code == GB:
        _check_vat_edition(treatment, number, errors, home="uk", home_validator=validate_uk_vat)
    elif code == DE:
        _check_vat_edition(treatment, number, errors, home="home_country", home_validator=validate_de_vat)
    elif code == ZA:
        if treatment == "vat_registered" and not number:
            errors["tax_number"] = _("A VAT-registered customer needs its VAT number (10 digits starting with 4).")
        elif number:
            _put(errors, "tax_number", validate_za_vat(number))
    elif code in editions.GCC:
        _check_gcc(code, treatment, number, place, errors)
    return errors


def _put(errors: dict[str, str], field: str, message: str | None) -> None:
    if message:
        errors[field] = message


def _check_canada(props, treatment: str, number: str, place: str, errors: dict[str, str]) -> None:
    if place:
        if place.upper() not in editions.EDITIONS[CA].region_codes:
            errors["place_of_supply"] = _(
                "Province of supply '%(value)s' is not a Canadian province or territory code (e.g. ON, QC, BC)."
            ) % {"value": place}
    elif treatment != "non_canada" and not _is_exempt(props):
        errors["place_of_supply"] = _(
            "Choose the province of supply (e.g. ON): it decides between GST, HST and GST + PST/QST."
        )
    if number:
        _put(errors, "tax_number", validate_ca_gst_number(number))


_INDIA_REGISTERED = ("business_gst", "business_registered_composition", "business_sez", "deemed_export")
_INDIA_STATE_MUST_MATCH = ("business_gst", "business_registered_composition")
_INDIA_UNREGISTERED = ("business_none", "consumer")


def _check_india(treatment: str, number: str, place: str, errors: dict[str, str]) -> None:
    state = india_state(place) if place else None
    if place and state is None:
        errors["place_of_supply"] = _(
            "Place of supply '%(value)s' is not an Indian state or union territory (use its code, e.g. KA or 29)."
        ) % {"value": place}
    elif not place and treatment and treatment != "overseas":
        errors["place_of_supply"] = _("Choose the place of supply: the state or union territory of the customer.")

    label = dict(editions.EDITIONS[IN].customer_treatments).get(treatment, treatment)
    if treatment in _INDIA_REGISTERED and not number:
        errors["tax_number"] = _("GST treatment '%(treatment)s' needs the customer's GSTIN (15 characters).") % {
            "treatment": label
        }
        return
    if treatment in _INDIA_UNREGISTERED and number:
        errors["tax_treatment"] = _(
            "The customer has a GSTIN but GST treatment '%(treatment)s': choose 'Registered business – regular' (or "
            "composition), or clear the GSTIN."
        ) % {"treatment": label}
        return
    if not number:
        return
    message = validate_gstin(number)
    if message:
        errors["tax_number"] = message
        return
    gstin = compact(number)
    gstin_state = editions.INDIA_STATE_BY_CODE[gstin[:2]]
    if treatment in _INDIA_STATE_MUST_MATCH and state is not None and not india_same_place(gstin_state, state):
        errors["place_of_supply"] = _(
            "Place of supply %(place)s (%(place_code)s) does not match GSTIN %(gstin)s, registered in %(state)s "
            "(%(code)s). Set the place of supply to %(state)s or use the GSTIN registered in %(place)s."
        ) % {
            "place": state.name,
            "place_code": state.code,
            "gstin": gstin,
            "state": gstin_state.name,
            "code": gstin_state.code,
        }


def _check_vat_edition(treatment: str, number: str, errors: dict[str, str], *, home: str, home_validator) -> None:
    if treatment == "eu_vat_registered":
        if not number:
            errors["tax_number"] = _(
                "An EU VAT-registered customer needs its VAT number with the country prefix (e.g. FR40303265045)."
            )
            return
        compacted = compact(number)
        if home == "home_country" and compacted.startswith("DE"):
            errors["tax_treatment"] = _(
                "%(number)s is a German VAT ID: choose the treatment 'Germany' for this customer."
            ) % {"number": compacted}
            return
        if home == "uk" and compacted.startswith("GB"):
            errors["tax_treatment"] = _(
                "%(number)s is a UK VAT number: choose the treatment 'United Kingdom' for this customer."
            ) % {"number": compacted}
            return
        _put(errors, "tax_number", validate_eu_vat(number))
    elif treatment in (home, "") and number:
        _put(errors, "tax_number", home_validator(number))


_GCC_DOMESTIC = ("vat_registered", "vat_not_registered", "dz_vat_registered", "dz_vat_not_registered")
_GCC_REGISTERED = ("vat_registered", "dz_vat_registered", "gcc_vat_registered")


def _check_gcc(country: str, treatment: str, number: str, place: str, errors: dict[str, str]) -> None:
    if country == AE:
        if place:
            if editions.normalize_region(AE, place) not in editions.EDITIONS[AE].region_codes:
                errors["place_of_supply"] = _(
                    "Place of supply '%(value)s' is not an emirate code (AZ, AJ, DU, FU, RK, SH, UQ)."
                ) % {"value": place}
        elif treatment in _GCC_DOMESTIC:
            errors["place_of_supply"] = _("Choose the emirate of supply (e.g. DU for Dubai).")
    if treatment in _GCC_REGISTERED and not number:
        errors["tax_number"] = _("A VAT-registered customer needs its TRN (15 digits).")
        return
    if number:
        issuer = "GCC" if treatment.startswith("gcc_") else country
        _put(errors, "tax_number", validate_trn(issuer, number))
