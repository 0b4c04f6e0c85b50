"""Currencies (REC-8): pages and API, the base currency's rules, validation, permissions, isolation."""

from decimal import Decimal

import pytest
from django.test import Client
from rest_framework.test import APIClient

from fsmbilling.models import Currency
from fsmbilling.services.api_tokens import api_token_create
from tests.conftest import member
from tests.factories import PASSWORD, CompanyFactory

API = "/api/v1/orgs/acme/currencies/"
PAGES = "/o/acme/settings/currencies/"


def base(org) -> Currency:
    return Currency.objects.get(organization=org, is_base=True)


def euro(org, **kwargs) -> Currency:
    values = {"code": "EUR", "name": "Euro", "symbol": "€", "exchange_rate": Decimal("1.08"), **kwargs}
    return Currency.objects.create(organization=org, **values)


def as_member(org, role: str):
    user = member(org, role=role, username=f"{role.lower()}@acme.test")
    client = Client()
    client.login(username=user.username, password=PASSWORD)
    _, raw = api_token_create(organization=org, user=user, name="t")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client, api


# --- Pages -----------------------------------------------------------------------------------------------------------


def test_currency_pages_create_list_detail_edit(admin_client, org):
    response = admin_client.post(
        f"{PAGES}new/", {"code": "gbp", "name": "", "symbol": "", "decimal_places": "2", "exchange_rate": "1.27"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    pound = Currency.objects.get(organization=org, code="GBP")
    assert (pound.name, pound.symbol, pound.exchange_rate, pound.is_base) == (
        "Pound Sterling",
        "£",
        Decimal("1.27"),
        False,
    )
    listing = admin_client.get(PAGES).content.decode()
    assert "GBP" in listing and "USD" in listing and "1.27" in listing
    detail = admin_client.get(f"{PAGES}{pound.pk}/").content.decode()
    assert "1 GBP = 1.27 USD" in detail
    response = admin_client.post(
        f"{PAGES}{pound.pk}/edit/",
        {"code": "XXX", "name": "Sterling", "symbol": "£", "decimal_places": "2", "exchange_rate": "1.30"},  # fmt: skip
    )
    assert response.status_code == 302
    pound.refresh_from_db()
    assert (pound.code, pound.name, pound.exchange_rate) == ("GBP", "Sterling", Decimal("1.30"))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"code": "E1R"}, "Use the three-letter ISO 4217 code of the currency, e.g. EUR."),
        ({"code": "EURO"}, "Ensure this value has at most 3 characters (it has 4)."),
        ({"code": "USD"}, "This currency already exists."),
        ({"decimal_places": "4"}, "Decimal places must be a whole number from 0 to 3."),
        ({"exchange_rate": "0"}, "Exchange rate must be a number greater than 0, e.g. 1.0825."),
        ({"exchange_rate": "-2"}, "Exchange rate must be a number greater than 0, e.g. 1.0825."),
        ({"exchange_rate": "1" * 30}, "Ensure that there are no more than 18 digits in total."),
    ],
)
def test_currency_form_names_the_problem(admin_client, org, overrides, message):
    data = {"code": "EUR", "symbol": "€", "decimal_places": "2", "exchange_rate": "1.1", **overrides}
    response = admin_client.post(f"{PAGES}new/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Currency.objects.filter(organization=org).count() == 1


def test_base_currency_page_rules(admin_client, org):
    usd = base(org)
    edit = admin_client.get(f"{PAGES}{usd.pk}/edit/").content.decode()
    assert "The base currency&#x27;s exchange rate is always 1." in edit
    response = admin_client.post(
        f"{PAGES}{usd.pk}/edit/", {"code": "USD", "symbol": "US$", "decimal_places": "2", "exchange_rate": "3"}
    )
    assert response.status_code == 302
    usd.refresh_from_db()
    assert (usd.symbol, usd.exchange_rate, usd.is_base) == ("US$", Decimal("1"), True)
    detail = admin_client.get(f"{PAGES}{usd.pk}/").content.decode()
    assert f"{PAGES}{usd.pk}/delete/" not in detail
    response = admin_client.post(f"{PAGES}{usd.pk}/delete/", follow=True)
    assert "USD is the base currency of the organization, so it cannot be deleted." in response.content.decode()
    assert Currency.objects.filter(pk=usd.pk).exists()


def test_currency_in_use_cannot_be_deleted(admin_client, api, org):
    eur = euro(org)
    CompanyFactory(organization=org, currency=eur)
    response = admin_client.post(f"{PAGES}{eur.pk}/delete/", follow=True)
    assert "EUR is used by other records" in response.content.decode()
    refused = api.delete(f"{API}{eur.pk}/")
    assert refused.status_code == 409 and refused.json()["code"] == "in_use"
    assert Currency.objects.filter(pk=eur.pk).exists()


# --- API -------------------------------------------------------------------------------------------------------------


def test_currency_api_crud(api, org):
    created = api.post(API, {"code": "jpy", "exchange_rate": "0.0067", "decimal_places": 0}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["code"], body["name"], body["symbol"], body["is_base"]) == ("JPY", "Japanese Yen", "¥", False)
    assert body["exchange_rate"] == "0.00670000"
    assert api.get(f"{API}?search=yen").json()["count"] == 1
    listing = api.get(API).json()
    assert [c["code"] for c in listing["results"]] == ["USD", "JPY"]
    patched = api.patch(f"{API}{body['id']}/", {"exchange_rate": "0.0070"}, format="json")
    assert patched.status_code == 200 and patched.json()["exchange_rate"] == "0.00700000"
    assert api.delete(f"{API}{body['id']}/").status_code == 204


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"code": "12"}, "code", "Use the three-letter ISO 4217 code of the currency, e.g. EUR."),
        ({"code": 123}, "code", "Use the three-letter ISO 4217 code of the currency, e.g. EUR."),
        ({"code": "USD"}, "code", "This currency already exists."),
        ({"code": "EUR", "decimal_places": 9}, "decimal_places", "Decimal places must be a whole number from 0 to 3."),
        ({"code": "EUR", "decimal_places": "two"}, "decimal_places", "A valid integer is required."),
        ({"code": "EUR", "exchange_rate": "0"}, "exchange_rate",
         "Exchange rate must be a number greater than 0, e.g. 1.0825."),
        ({"code": "EUR", "exchange_rate": "abc"}, "exchange_rate", "A valid number is required."),
        ({"code": "EUR", "exchange_rate": 1e30}, "exchange_rate",
         "Ensure that there are no more than 18 digits in total."),
        ({"code": "EUR", "is_base": True}, "is_base",
         "The base currency is chosen when the organization is created; this currency cannot become it."),
    ],
)  # fmt: skip
def test_currency_api_validation_names_the_field(api, org, payload, field, message):
    response = api.post(API, payload, format="json")
    assert response.status_code == 400, response.content
    assert message in response.json()["fields"][field]
    assert Currency.objects.filter(organization=org).count() == 1


def test_base_currency_api_rules(api, org):
    usd = base(org)
    rate = api.patch(f"{API}{usd.pk}/", {"exchange_rate": "2"}, format="json")
    assert rate.status_code == 400
    assert rate.json()["fields"] == {"exchange_rate": ["The base currency's exchange rate is always 1."]}
    demote = api.patch(f"{API}{usd.pk}/", {"is_base": False}, format="json")
    assert demote.json()["fields"] == {"is_base": ["The base currency cannot be changed to non-base."]}
    code = api.patch(f"{API}{usd.pk}/", {"code": "EUR"}, format="json")
    assert code.json()["fields"] == {"code": ["A currency's code cannot be changed; add a new currency instead."]}
    assert api.patch(f"{API}{usd.pk}/", {"exchange_rate": "1.000", "symbol": "$"}, format="json").status_code == 200
    deleted = api.delete(f"{API}{usd.pk}/")
    assert deleted.status_code == 409
    assert deleted.json() == {
        "code": "conflict",
        "message": "USD is the base currency of the organization, so it cannot be deleted.",
        "fields": {},
    }
    usd.refresh_from_db()
    assert (usd.code, usd.exchange_rate, usd.is_base) == ("USD", Decimal("1"), True)
    promote = api.patch(f"{API}{euro(org).pk}/", {"is_base": True}, format="json")
    assert promote.status_code == 400 and "is_base" in promote.json()["fields"]


# --- Permissions and isolation ---------------------------------------------------------------------------------------


def test_any_member_may_view_currencies_but_only_billing_setup_may_change_them(org):
    eur = euro(org)
    client, api = as_member(org, "Technician")
    assert client.get(PAGES).status_code == 200
    page = client.get(f"{PAGES}{eur.pk}/").content.decode()
    assert "EUR" in page and f"{PAGES}{eur.pk}/edit/" not in page
    assert "New" not in client.get(PAGES).content.decode().split("<h1>")[1].split("</div>")[0]
    response = client.post(f"{PAGES}new/", {"code": "GBP", "decimal_places": "2", "exchange_rate": "1.2"})
    assert response.status_code == 403
    assert "does not allow you to edit billing setup" in response.content.decode()
    assert client.get(f"{PAGES}{eur.pk}/edit/").status_code == 403
    assert client.post(f"{PAGES}{eur.pk}/delete/").status_code == 403
    assert api.get(API).json()["count"] == 2
    assert api.get(f"{API}{eur.pk}/").status_code == 200
    refused = api.patch(f"{API}{eur.pk}/", {"exchange_rate": "9"}, format="json")
    assert refused.status_code == 403
    assert refused.json()["message"] == (
        "Your role (Technician) does not allow you to edit billing setup. Ask an administrator."
    )
    assert api.post(API, {"code": "GBP"}, format="json").status_code == 403
    assert api.delete(f"{API}{eur.pk}/").status_code == 403
    eur.refresh_from_db()
    assert eur.exchange_rate == Decimal("1.08") and Currency.objects.filter(organization=org).count() == 2


def test_currency_of_another_org_is_404(api, admin_client, other_org):
    foreign = euro(other_org, code="CHF")
    assert api.get(f"{API}{foreign.pk}/").status_code == 404
    assert api.patch(f"{API}{foreign.pk}/", {"symbol": "x"}, format="json").status_code == 404
    assert api.delete(f"{API}{foreign.pk}/").status_code == 404
    assert admin_client.get(f"{PAGES}{foreign.pk}/").status_code == 404
    assert admin_client.get(f"{PAGES}{foreign.pk}/edit/").status_code == 404
    assert admin_client.post(f"{PAGES}{foreign.pk}/delete/").status_code == 404
    assert "CHF" not in admin_client.get(PAGES).content.decode()
    assert [c["code"] for c in api.get(API).json()["results"]] == ["USD"]
    # The same code may exist in both organizations.
    assert api.post(API, {"code": "CHF", "exchange_rate": "1.1"}, format="json").status_code == 201
    foreign.refresh_from_db()
    assert foreign.exchange_rate == Decimal("1.08")


def test_currency_list_query_count_is_constant(api, admin_client, org, count_queries):
    codes = ["EUR", "GBP", "JPY", "CAD", "AUD", "INR", "CHF", "SEK", "NOK", "DKK", "NZD", "SGD", "HKD", "ZAR"]
    for code in codes[:2]:
        euro(org, code=code)
    small_api = count_queries(lambda: api.get(API))
    small_page = count_queries(lambda: admin_client.get(PAGES))
    small_csv = count_queries(lambda: b"".join(admin_client.get(f"{PAGES}?format=csv").streaming_content))
    for code in codes[2:]:
        euro(org, code=code)
    assert count_queries(lambda: api.get(API)) == small_api
    assert count_queries(lambda: admin_client.get(PAGES)) == small_page
    csv = admin_client.get(f"{PAGES}?format=csv")
    assert csv["Content-Disposition"] == 'attachment; filename="currencies.csv"'
    assert count_queries(lambda: b"".join(admin_client.get(f"{PAGES}?format=csv").streaming_content)) == small_csv
