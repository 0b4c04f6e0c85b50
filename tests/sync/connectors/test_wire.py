"""Translation between Zoho's JSON and the connector's dataclasses (no HTTP)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from sync.connectors import oauth, wire
from sync.connectors.base import Customer, Invoice, InvoiceLine


def test_timestamps_with_plus_hhmm_offsets_are_aware():
    parsed = wire.to_datetime("2013-11-18T02:17:40-0800")
    assert parsed == dt.datetime(2013, 11, 18, 10, 17, 40, tzinfo=dt.UTC)
    assert wire.to_datetime("2013-08-05T12:06:10+0530").utcoffset() == dt.timedelta(hours=5, minutes=30)
    assert wire.to_datetime("2013-08-05T12:06:10+05:30") == wire.to_datetime("2013-08-05T12:06:10+0530")
    assert wire.to_datetime("") is None
    assert wire.to_datetime("yesterday") is None


def test_format_timestamp_uses_the_organizations_zone_without_colon():
    moment = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
    assert wire.format_timestamp(moment) == "2026-03-02T10:00:00+0000"
    assert wire.format_timestamp(moment, "Asia/Kolkata") == "2026-03-02T15:30:00+0530"


def test_money_is_decimal_and_empty_string_is_none():
    payload = wire.loads(b'{"rate": 120.10, "total": "", "quantity": 3}')
    assert payload["rate"] == Decimal("120.10")
    assert wire.to_decimal(payload["total"]) is None
    assert wire.to_decimal(payload["quantity"]) == Decimal("3")
    invoice = wire.parse_invoice({"customer_id": "1", "balance": "", "total": Decimal("135.00")})
    assert invoice.balance is None
    assert invoice.total == Decimal("135.00")


def test_decimals_are_written_as_exact_json_numbers():
    text = wire.dumps({"rate": Decimal("0.1"), "big": Decimal("12345678901234567.89"), "date": dt.date(2026, 1, 2)})
    assert text == '{"rate": 0.1, "big": 12345678901234567.89, "date": "2026-01-02"}'
    assert json.loads(text, parse_float=Decimal)["big"] == Decimal("12345678901234567.89")


def test_zipcode_and_zip_are_both_read():
    assert wire.parse_address({"zipcode": "62701"}).zip == "62701"
    assert wire.parse_address({"zip": "94105", "zipcode": ""}).zip == "94105"


def test_updates_send_only_named_fields():
    body = wire.dump_customer(Customer(contact_name="Bowman and Co", website=""), for_create=False)
    assert body == {"contact_name": "Bowman and Co", "website": ""}
    created = wire.dump_customer(Customer(contact_name="Bowman and Co"), for_create=True)
    assert created == {"contact_name": "Bowman and Co", "contact_type": "customer"}


def test_invoice_payload():
    invoice = Invoice(
        customer_id="9",
        invoice_number="FSM-1",
        date=dt.date(2026, 3, 2),
        payment_terms=15,
        payment_terms_label="Net 15",
        salesperson_name="Will Smith",
        line_items=(InvoiceLine(item_id="5", rate=Decimal("120.00"), quantity=Decimal("1.5")),),
    )
    assert wire.dump_invoice(invoice) == {
        "customer_id": "9",
        "invoice_number": "FSM-1",
        "date": dt.date(2026, 3, 2),
        "payment_terms": 15,
        "payment_terms_label": "Net 15",
        "salesperson_name": "Will Smith",
        "line_items": [{"item_id": "5", "rate": Decimal("120.00"), "quantity": Decimal("1.5")}],
    }


def test_authorization_url_for_each_edition(settings):
    settings.SANDBOX_BASE_URL = "http://testserver/sandbox"
    url = oauth.authorization_url(
        accounts_server="https://accounts.zoho.eu",
        client_id="1000.ABC",
        redirect_uri="https://fsm.example/cb",
        state="s1",
        edition="invoice",
    )
    assert url.startswith("https://accounts.zoho.eu/oauth/v2/auth?")
    assert "scope=ZohoInvoice.contacts.ALL%2CZohoInvoice.settings.ALL" in url
    assert "access_type=offline" in url and "prompt=consent" in url and "state=s1" in url
    assert "response_type=code" in url
    with pytest.raises(ValueError):
        oauth.authorization_url(
            accounts_server="https://accounts.evil.example", client_id="x", redirect_uri="y", state="z"
        )


def test_only_known_hosts_are_trusted(settings):
    settings.SANDBOX_BASE_URL = "http://testserver/sandbox"
    assert oauth.trusted_accounts_server("https://accounts.zohocloud.ca") == "CA"
    assert oauth.trusted_accounts_server("https://accounts.zoho.ca") is None
    assert oauth.trusted_api_domain("https://www.zohoapis.com.au/") == "AU"
    assert oauth.trusted_api_domain("http://testserver/sandbox") == "SANDBOX"
    assert oauth.trusted_api_domain("https://www.zohoapis.com.evil.example") is None
    assert oauth.resolve_callback_server(accounts_server=None, location="in", fallback="https://accounts.zoho.com") == (
        "IN",
        "https://accounts.zoho.in",
    )
