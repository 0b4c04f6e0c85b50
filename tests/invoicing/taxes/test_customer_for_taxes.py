"""Whose tax properties prefill a work order's lines (SYN-3), and the profiles read from models."""

from __future__ import annotations

import pytest

from fsmbilling.models import Company, Contact, ServicePart, WorkOrder
from invoicing.taxes.prefill import (
    CustomerTaxProfile,
    ItemTaxProfile,
    customer_for_taxes,
    customer_tax_profile,
    item_tax_profile,
    org_tax_profile,
)


@pytest.fixture
def parties(org):
    company = Company.objects.create(organization=org, name="Initech")
    employee = Contact.objects.create(organization=org, last_name="Lumbergh", company=company)
    private = Contact.objects.create(organization=org, last_name="Gibbons")
    orders = {
        "wo_both": WorkOrder.objects.create(
            organization=org, number="WO-1", summary="AC", company=company, contact=employee
        ),
        "wo_private": WorkOrder.objects.create(organization=org, number="WO-2", summary="AC", contact=private),
        "wo_company": WorkOrder.objects.create(organization=org, number="WO-3", summary="AC", company=company),
    }
    return {"company": company, "employee": employee, "private": private, **orders}


@pytest.mark.parametrize(
    ("subject", "sync_type", "expected"),
    [
        ("wo_both", "I", "company"), ("wo_both", "II", "company"),
        ("wo_both", "III", "company"), ("wo_both", "IV", "company"),
        ("wo_private", "I", None), ("wo_private", "II", "private"),
        ("wo_private", "III", None), ("wo_private", "IV", "private"),
        ("wo_company", "I", "company"), ("wo_company", "II", None),
        ("wo_company", "III", "company"), ("wo_company", "IV", "company"),
        ("employee", "II", "company"), ("employee", "I", "company"), ("private", 4, "private"),
        ("private", "I", None), ("company", "II", None), ("company", "iii", "company"),
    ],
)  # fmt: skip
def test_customer_follows_the_sync_type(parties, subject, sync_type, expected):
    result = customer_for_taxes(parties[subject], sync_type)
    assert result == (parties[expected] if expected else None)


def test_unknown_sync_type_is_refused(parties):
    with pytest.raises(ValueError, match="Unknown sync type 'V'"):
        customer_for_taxes(parties["wo_both"], "V")


def test_profiles_from_models(org):
    company = Company.objects.create(
        organization=org,
        name="Initech",
        is_taxable=False,
        tax_treatment="exempt",
        service_address={"state": "nv", "city": "Reno"},
    )
    assert customer_tax_profile(company) == CustomerTaxProfile(
        is_taxable=False, tax_treatment="exempt", service_state="NV"
    )
    work_order_address = {"state_code": "CA"}
    assert customer_tax_profile(company, service_address=work_order_address).service_state == "CA"
    assert customer_tax_profile(None) == CustomerTaxProfile()

    part = ServicePart.objects.create(organization=org, name="Filter", tax_preference="non_taxable", hsn_sac="8421")
    assert item_tax_profile(part) == ItemTaxProfile(tax_preference="non_taxable", hsn_sac="8421")


def test_org_profile_normalizes_the_indian_state(admin_user):
    from tests.factories import make_organization

    india = make_organization("Mysuru Motors", slug="x-in", country="IN", state="KA", owner=admin_user)
    profile = org_tax_profile(india)
    assert (profile.country, profile.state, profile.edition.code) == ("IN", "29", "IN")
