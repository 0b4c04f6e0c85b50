"""Tax numbers with documented valid examples and each failure mode; customer tax properties per edition."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from invoicing.taxes.validators import (
    gstin_check_character,
    validate_customer_tax_properties,
    validate_tax_number,
)

# --- Valid numbers ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "value"),
    [
        ("IN", "27AAPFU0939F1ZV"),  # python-stdnum's documented GSTIN example (Maharashtra)
        ("IN", "29ABCDE1234F1ZW"),  # the illustrative GSTIN of the spec, with its correct check character
        ("IN", "27 aapfu 0939 f1zv"),  # spaces and lower case are tolerated
        ("IN", "38AAPFU0939F1ZS"),  # Ladakh (38), newer than python-stdnum's state list
        ("AU", "51 824 753 556"),  # the ATO's documented ABN example
        ("AU", "33 051 775 556"),
        ("GB", "GB 980 7806 84"),  # mod 97
        ("GB", "GB 220 4302 31"),  # mod 97
        ("GB", "123456727"),  # mod 9755 (computed with HMRC's weights: 8..2, then + 55)
        ("GB", "GB980780684001"),  # branch trader: 12 digits
        ("GB", "GBGD100"),  # government department
        ("GB", "GBHA599"),  # health authority
        ("GB", "XI 980 7806 84"),  # Northern Ireland
        ("DE", "DE136695976"),  # python-stdnum's documented example, ISO 7064 MOD 11,10
        ("DE", "DE 811 907 980"),
        ("EU", "FR40303265045"),
        ("EU", "NL004495445B01"),
        ("EU", "ATU13585627"),
        ("ZA", "4123456789"),
        ("AE", "100123456789012"),
        ("SA", "310122393500003"),  # ZATCA's e-invoicing sample VAT number
        ("QA", "123456789012345"),
        ("GCC", "300000000000003"),
        ("CA", "123456782RT0001"),
        ("CA", "12345 6782 RT 0001"),
        ("US", "anything"),  # no federal format: nothing to check
        ("IN", ""),  # blank: whether it is required is a property rule
    ],
)
def test_valid_numbers(country, value):
    assert validate_tax_number(country, value) is None


def test_gstin_check_character_is_the_published_mod_36():
    assert gstin_check_character("27AAPFU0939F1Z") == "V"
    assert gstin_check_character("29ABCDE1234F1Z") == "W"


# --- Failures ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "value", "message"),
    [
        (
            "IN",
            "29ABCDE1234F1Z5",
            "GSTIN 29ABCDE1234F1Z5 has a wrong check character (expected W). Check the number on the GST certificate.",
        ),
        ("IN", "27AAPFU0939F1Z", "GSTIN 27AAPFU0939F1Z has 14 characters; a GSTIN has 15"),
        ("IN", "27AAPFU0939F1Z@", "GSTIN 27AAPFU0939F1Z@ may only contain letters and digits"),
        ("IN", "40AAPFU0939F1ZV", "starts with 40, which is not an Indian GST state code"),
        ("IN", "27AAPF10939F1ZV", "Characters 3 to 12 of GSTIN 27AAPF10939F1ZV (AAPF10939F) are not a PAN"),
        ("IN", "27AAPFU0939F0ZV", "The 13th character of GSTIN 27AAPFU0939F0ZV (the entity number) is 0"),
        ("IN", "27AAPFU0939F1AV", "The 14th character of GSTIN 27AAPFU0939F1AV must be Z, not A"),
        ("AU", "51 824 753 557", "ABN 51824753557 fails the ABN checksum"),
        ("AU", "5182475355", "ABN 5182475355 must be 11 digits"),
        ("AU", "51 824 753 55A", "must be 11 digits"),
        ("GB", "GB980780685", "UK VAT number GB980780685 fails HMRC's check digits (mod 97 and mod 9755)"),
        ("GB", "GB12345", "must be GB and 9 digits (12 for a branch), or GD/HA and 3 digits"),
        ("GB", "GBGD500", "a government department (GD) number is below GD500"),
        ("GB", "GBHA499", "a health authority (HA) number is HA500 or above"),
        ("GB", "GBGD12", "GD and HA numbers are GD or HA and 3 digits"),
        ("DE", "DE136695977", "German VAT ID DE136695977 has a wrong check digit (expected 6)"),
        ("DE", "DE13669597", "German VAT ID DE13669597 must be DE and 9 digits"),
        ("DE", "DE036695976", "cannot start with 0 after DE"),
        ("EU", "FR40303265046", "FR40303265046 is not a valid FR VAT number"),
        ("EU", "US123456789", "must start with the member state's prefix"),
        ("ZA", "5123456789", "South African VAT number 5123456789 must be 10 digits starting with 4"),
        ("ZA", "412345678", "must be 10 digits starting with 4"),
        ("AE", "200123456789012", "UAE TRN 200123456789012 must start with 100"),
        ("AE", "10012345678901", "UAE TRN 10012345678901 must be 15 digits"),
        ("SA", "310122393500002", "Saudi VAT number 310122393500002 must start and end with 3"),
        ("KW", "12345678901234X", "TRN 12345678901234X must be 15 digits"),
        ("CA", "123456783RT0001", "Business number 123456783 in GST/HST number 123456783RT0001 has a wrong check"),
        ("CA", "123456782", "lacks its program account: add RT and the 4-digit reference, e.g. 123456782RT0001"),
        ("CA", "123456782RC0001", "is a RC program account, not GST/HST; GST/HST accounts use RT"),
        ("CA", "123456782RT01", "must be 9 digits, RT and 4 digits"),
        ("CA", "12345678", "must start with the 9-digit business number"),
    ],
)
def test_failures_name_the_number_and_the_fix(country, value, message):
    result = validate_tax_number(country, value)
    assert result is not None
    assert message in result


# --- Customer tax properties ---------------------------------------------------------------------------------------


def org(country: str):
    return SimpleNamespace(country=country)


@pytest.mark.parametrize(
    ("country", "props", "expected"),
    [
        ("US", {"is_taxable": True, "tax_treatment": "taxable"}, {}),
        ("US", {"is_taxable": False, "tax_treatment": "exempt"}, {"tax_exemption": "needs an exemption reason"}),
        ("US", {"is_taxable": False, "tax_exemption_id": 7}, {}),
        ("US", {"tax_treatment": "business_gst"}, {"tax_treatment": "is not used in the United States edition"}),
        ("CA", {"place_of_supply": "ON"}, {}),
        ("CA", {}, {"place_of_supply": "Choose the province of supply"}),
        ("CA", {"tax_treatment": "non_canada"}, {}),
        ("CA", {"place_of_supply": "XX"}, {"place_of_supply": "is not a Canadian province"}),
        ("CA", {"place_of_supply": "QC", "tax_number": "123456783RT0001"}, {"tax_number": "wrong check digit"}),
        (
            "IN",
            {"tax_treatment": "business_gst", "tax_number": "29ABCDE1234F1ZW", "place_of_supply": "KA"},
            {},
        ),
        (
            "IN",
            {"tax_treatment": "business_gst", "place_of_supply": "KA"},
            {"tax_number": "needs the customer's GSTIN"},
        ),
        (
            "IN",
            {"tax_treatment": "business_gst", "tax_number": "29ABCDE1234F1ZW", "place_of_supply": "MH"},
            {"place_of_supply": "does not match GSTIN 29ABCDE1234F1ZW, registered in Karnataka (29)"},
        ),
        (
            "IN",
            {"tax_treatment": "business_gst", "tax_number": "29ABCDE1234F1Z5", "place_of_supply": "29"},
            {"tax_number": "wrong check character (expected W)"},
        ),
        (
            "IN",
            {"tax_treatment": "consumer", "tax_number": "29ABCDE1234F1ZW", "place_of_supply": "KA"},
            {"tax_treatment": "The customer has a GSTIN but GST treatment 'Consumer'"},
        ),
        ("IN", {"tax_treatment": "consumer", "place_of_supply": "Karnataka"}, {}),
        ("IN", {"tax_treatment": "consumer", "place_of_supply": "XX"}, {"place_of_supply": "is not an Indian state"}),
        ("IN", {"tax_treatment": "consumer"}, {"place_of_supply": "Choose the place of supply"}),
        ("IN", {"tax_treatment": "overseas"}, {}),
        ("AU", {"tax_number": "51824753556", "gst_registered": True}, {}),
        ("AU", {"gst_registered": True}, {"tax_number": "registered for GST has an ABN"}),
        ("AU", {"tax_number": "51824753557"}, {"tax_number": "fails the ABN checksum"}),
        ("GB", {"tax_treatment": "uk", "tax_number": "GB980780684"}, {}),
        ("GB", {"tax_treatment": "uk", "tax_number": "GB980780685"}, {"tax_number": "fails HMRC's check digits"}),
        ("GB", {"tax_treatment": "eu_vat_registered"}, {"tax_number": "needs its VAT number with the country prefix"}),
        ("GB", {"tax_treatment": "eu_vat_registered", "tax_number": "FR40303265045"}, {}),
        (
            "GB",
            {"tax_treatment": "eu_vat_registered", "tax_number": "GB980780684"},
            {"tax_treatment": "is a UK VAT number"},
        ),
        ("DE", {"tax_treatment": "home_country", "tax_number": "DE136695976"}, {}),
        (
            "DE",
            {"tax_treatment": "eu_vat_registered", "tax_number": "DE136695976"},
            {"tax_treatment": "is a German VAT ID: choose the treatment 'Germany'"},
        ),
        ("DE", {"tax_treatment": "eu_vat_registered", "tax_number": "NL004495445B01"}, {}),
        ("DE", {"tax_treatment": "non_eu", "tax_number": "whatever abroad"}, {}),
        ("ZA", {"tax_treatment": "vat_registered"}, {"tax_number": "needs its VAT number"}),
        ("ZA", {"tax_treatment": "vat_registered", "tax_number": "4123456789"}, {}),
        ("AE", {"tax_treatment": "vat_registered", "place_of_supply": "DU"}, {"tax_number": "needs its TRN"}),
        ("AE", {"tax_treatment": "vat_registered", "tax_number": "100123456789012", "place_of_supply": "DU"}, {}),
        ("AE", {"tax_treatment": "vat_not_registered", "place_of_supply": "AB"}, {}),  # Zoho's spelling of AZ
        ("AE", {"tax_treatment": "vat_not_registered"}, {"place_of_supply": "Choose the emirate of supply"}),
        ("AE", {"tax_treatment": "vat_not_registered", "place_of_supply": "XX"}, {"place_of_supply": "not an emirate"}),
        ("AE", {"tax_treatment": "gcc_vat_registered", "tax_number": "310122393500003"}, {}),
        ("AE", {"tax_treatment": "non_gcc"}, {}),
        ("SA", {"tax_treatment": "vat_registered", "tax_number": "310122393500003"}, {}),
        ("SA", {"tax_treatment": "vat_registered", "tax_number": "100123456789012"}, {"tax_number": "start and end"}),
        ("QA", {"tax_treatment": "vat_registered"}, {"tax_number": "needs its TRN"}),
        ("JP", {"is_taxable": False, "tax_treatment": "exempt"}, {}),
    ],
)
def test_customer_tax_properties(country, props, expected):
    errors = validate_customer_tax_properties(org(country), props)
    assert set(errors) == set(expected), errors
    for field, fragment in expected.items():
        assert fragment in errors[field]


def test_reads_a_company(admin_user):
    from fsmbilling.models import Company
    from tests.factories import make_organization

    india = make_organization("Bengaluru Cooling", slug="x-in", country="IN", state="KA", owner=admin_user)
    company = Company(
        organization=india,
        name="Infra Pvt Ltd",
        tax_treatment="business_gst",
        tax_number="29ABCDE1234F1ZW",
        place_of_supply="TN",
    )
    errors = validate_customer_tax_properties(india, company)
    assert list(errors) == ["place_of_supply"]
    assert errors["place_of_supply"].startswith("Place of supply Tamil Nadu (33) does not match GSTIN")
