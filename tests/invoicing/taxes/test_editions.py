"""Editions by country (TAX-1) and the seeded default taxes (idempotent, administrators' changes kept)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from fsmbilling.models import Tax
from invoicing.taxes.catalog import tax_catalog_for
from invoicing.taxes.editions import EDITIONS, edition_for_country, india_state, normalize_region, seed_default_taxes
from tests.invoicing.taxes.support import fresh_organization as make_organization


@pytest.mark.parametrize(
    ("country", "edition"),
    [
        ("US", "US"), ("ca", "CA"), ("IN", "IN"), ("AU", "AU"), ("GB", "GB"), ("UK", "GB"), ("DE", "DE"),
        ("ZA", "ZA"), ("AE", "AE"), ("SA", "SA"), ("QA", "QA"), ("KW", "KW"), ("FR", "GLOBAL"), ("JP", "GLOBAL"),
        ("", "GLOBAL"), (None, "GLOBAL"),
    ],
)  # fmt: skip
def test_edition_follows_the_country(country, edition):
    assert edition_for_country(country).code == edition


def test_every_edition_is_consistent():
    for edition in EDITIONS.values():
        assert edition.default_treatment in edition.treatment_values, edition.code
        assert "taxable" in edition.item_tax_preferences, edition.code
        names = [seed.name for seed in edition.default_taxes]
        assert len(names) == len(set(names)), edition.code
        for index, seed in enumerate(edition.default_taxes):
            assert all(component in names[:index] for component in seed.components), seed.name
            if seed.components:
                by_name = {s.name: s for s in edition.default_taxes}
                assert seed.rate == sum(by_name[c].rate for c in seed.components), seed.name


def test_india_editions_offers_the_gst_treatments_and_item_preferences():
    india = EDITIONS["IN"]
    assert india.treatment_values == (
        "business_gst",
        "business_registered_composition",
        "business_none",
        "consumer",
        "overseas",
        "business_sez",
        "deemed_export",
    )
    assert india.item_tax_preferences == ("taxable", "exempt", "nil_rated", "non_gst")
    assert india.applies("hsn_sac") and india.applies("place_of_supply") and not india.applies("gst_registered")
    assert EDITIONS["AU"].applies("gst_registered")
    assert EDITIONS["AE"].item_tax_preferences == ("taxable", "zero_rated", "exempt", "non_taxable")


@pytest.mark.parametrize(
    ("value", "code", "union_territory"),
    [("KA", "29", False), ("29", "29", False), ("Karnataka", "29", False), ("TG", "36", False),
     ("CH", "04", True), ("DL", "07", False), ("LA", "38", True), ("XX", None, None)],
)  # fmt: skip
def test_india_states(value, code, union_territory):
    state = india_state(value)
    assert (state.code if state else None) == code
    if state:
        assert state.union_territory_without_legislature is union_territory


def test_normalize_region():
    assert normalize_region("IN", "ka") == "29"
    assert normalize_region("AE", "ab") == "AZ"
    assert normalize_region("CA", " on ") == "ON"


def rates(org) -> dict[str, D]:
    return {tax.name: tax.rate for tax in Tax.objects.filter(organization=org)}


def components(org, name: str) -> list[str]:
    return sorted(Tax.objects.get(organization=org, name=name).components.values_list("name", flat=True))


def test_canada_seeds(admin_user):
    org = make_organization("Maple", slug="x-ca", country="CA", state="ON", owner=admin_user)
    created = seed_default_taxes(organization=org)
    seeded = rates(org)
    assert len(created) == len(seeded) == 14
    assert {name: seeded[name] for name in ("GST", "HST ON", "HST NS", "HST NB", "HST NL", "HST PE")} == {
        "GST": D("5"), "HST ON": D("13"), "HST NS": D("14"), "HST NB": D("15"), "HST NL": D("15"), "HST PE": D("15"),
    }  # fmt: skip
    assert {name: seeded[name] for name in ("PST BC", "PST SK", "RST MB", "QST")} == {
        "PST BC": D("7"), "PST SK": D("6"), "RST MB": D("7"), "QST": D("9.975"),
    }  # fmt: skip
    assert seeded["GST + QST"] == D("14.975")
    assert components(org, "GST + QST") == ["GST", "QST"]
    assert components(org, "GST + PST BC") == ["GST", "PST BC"]
    assert Tax.objects.get(organization=org, name="GST + RST MB").kind == Tax.Kind.GROUP


def test_india_seeds_gst_slabs_as_groups_and_igst(admin_user):
    org = make_organization("Chennai Chillers", slug="x-in", country="IN", state="TN", owner=admin_user)
    seed_default_taxes(organization=org)
    seeded = rates(org)
    for rate in ("0", "5", "12", "18", "28", "40"):
        half = format((D(rate) / 2).normalize(), "f")
        assert seeded[f"GST{rate}"] == D(rate)
        assert seeded[f"IGST{rate}"] == D(rate)
        assert components(org, f"GST{rate}") == [f"CGST{half}", f"SGST{half}"]
        assert components(org, f"GST{rate} (UT)") == [f"CGST{half}", f"UTGST{half}"]
    assert seeded["CGST2.5"] == D("2.5")
    assert Tax.objects.get(organization=org, name="IGST18").tax_type == "igst"


@pytest.mark.parametrize(
    ("country", "expected"),
    [
        ("AU", {"GST": "10"}),
        ("GB", {"VAT 20%": "20", "VAT 5%": "5", "VAT 0%": "0"}),
        ("DE", {"USt 19%": "19", "USt 7%": "7", "USt 0%": "0"}),
        ("ZA", {"VAT 15%": "15", "VAT 0%": "0"}),
        ("AE", {"VAT 5%": "5", "VAT 0%": "0"}),
        ("SA", {"VAT 15%": "15", "VAT 0%": "0"}),
        ("QA", {"VAT 0%": "0"}),
        ("KW", {"VAT 0%": "0"}),
        ("JP", {}),
    ],
)
def test_single_rate_editions(admin_user, country, expected):
    org = make_organization(f"Org {country}", slug=f"x-{country.lower()}", country=country, owner=admin_user)
    seed_default_taxes(organization=org)
    assert rates(org) == {name: D(rate) for name, rate in expected.items()}
    if expected:
        standard = Tax.objects.get(organization=org, is_default=True)
        assert standard.rate == max(D(rate) for rate in expected.values())


def test_us_seeds_a_sample_tax_per_state_with_sales_tax(admin_user):
    org = make_organization("Texan Air", slug="x-us", country="US", state="TX", owner=admin_user)
    seed_default_taxes(organization=org)
    seeded = {tax.region: tax.rate for tax in Tax.objects.filter(organization=org, tax_type="sales_tax")}
    assert len(seeded) == 46  # 50 states and DC, less AK, DE, MT, NH, OR
    assert (seeded["CA"], seeded["TX"], seeded["NY"], seeded["LA"]) == (D("7.25"), D("6.25"), D("4"), D("5"))
    assert "OR" not in seeded


def test_seeding_is_idempotent_and_keeps_administrators_changes(admin_user):
    org = make_organization("Halifax Heat", slug="x-ca", country="CA", state="NS", owner=admin_user)
    first = seed_default_taxes(organization=org)
    hst = Tax.objects.get(organization=org, name="HST NS")
    hst.rate = D("15")
    hst.save()
    group = Tax.objects.get(organization=org, name="GST + QST")
    group.components.remove(Tax.objects.get(organization=org, name="QST"))
    Tax.objects.filter(organization=org, name="PST SK").delete()

    again = seed_default_taxes(organization=org)

    assert [tax.name for tax in again] == ["PST SK"]  # only what is missing is created again
    assert Tax.objects.filter(organization=org).count() == len(first)
    assert Tax.objects.get(organization=org, name="HST NS").rate == D("15")
    assert components(org, "GST + QST") == ["GST"]
    assert seed_default_taxes(organization=org) == []


def test_seeding_one_organization_leaves_the_others_alone(org, other_org):
    Tax.objects.filter(organization=org).delete()
    before = list(Tax.objects.filter(organization=other_org).values_list("id", "name", "rate"))
    assert seed_default_taxes(organization=org)
    assert list(Tax.objects.filter(organization=other_org).values_list("id", "name", "rate")) == before


def test_catalog_snapshot_takes_two_queries(admin_user, django_assert_num_queries):
    org = make_organization("Pune Pumps", slug="x-in", country="IN", state="MH", owner=admin_user)
    seed_default_taxes(organization=org)
    with django_assert_num_queries(2):
        catalog = tax_catalog_for(org)
    gst18 = next(entry for entry in catalog.entries if entry.name == "GST18")
    assert [component.name for component in gst18.components] == ["CGST9", "SGST9"]
    assert gst18.effective_rate == D("18")
    assert catalog.find_group({"cgst", "utgst"}, D("5")).name == "GST5 (UT)"
