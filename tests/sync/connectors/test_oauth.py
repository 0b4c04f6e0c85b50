"""Tokens: code exchange, refresh before expiry and after a 401, the refresh guards, revocation."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs

import httpx
import pytest

from sync.connectors import zoho
from sync.connectors.base import AuthError, TokenRefreshBlocked
from sync.models import FinanceConnection
from tests.sync.connectors.conftest import REDIRECT_URI, SANDBOX, USER_EMAIL, connect


def _token_posts(sandbox) -> list:
    return [c for c in sandbox.transport.calls if c.url.path.endswith("/oauth/v2/token")]


def test_control_grant_gives_a_working_connection(sandbox, connector, connection):
    info = connector.get_organization()
    assert info.organization_id == connection.finance_org_id
    assert info.name == "Acme Books"
    assert info.edition == "books"
    assert info.currency_code == "USD"
    assert info.is_usable
    listed = connector.list_organizations()
    assert [o.organization_id for o in listed] == [connection.finance_org_id]
    call = sandbox.transport.api_calls()[0]
    assert call.headers["Authorization"].startswith("Zoho-oauthtoken ")
    assert call.url.params["organization_id"] == connection.finance_org_id
    assert call.url.path == f"/sandbox/books/v3/organizations/{connection.finance_org_id}"


def test_expired_token_is_refreshed_before_the_call(sandbox, connector, connection):
    old_token = connection.access_token
    sandbox.clock.advance(3601)
    sandbox.transport.clear()

    connector.list_currencies()

    statuses = [(c.method, c.url.path, c.status) for c in sandbox.transport.calls]
    assert statuses[0] == ("POST", "/sandbox/oauth/v2/token", 200)
    assert all(status != 401 for _, _, status in statuses)
    form = parse_qs(_token_posts(sandbox)[0].body.decode())
    assert form["grant_type"] == ["refresh_token"]
    connection.refresh_from_db()
    assert connection.access_token != old_token
    assert connection.access_token_expires_at == sandbox.clock.now() + dt.timedelta(seconds=3600)
    assert connection.refresh_count_in_window == 1
    assert connection.status == FinanceConnection.State.CONNECTED


def test_a_401_is_answered_by_one_refresh_and_one_retry(sandbox, connector, connection):
    # Only the sandbox's clock moves: the connector believes its token is still good.
    sandbox.control.clock(advance_seconds=3601)
    sandbox.transport.clear()

    currencies = connector.list_currencies()

    assert currencies
    assert [(c.method, c.status) for c in sandbox.transport.calls] == [("GET", 401), ("POST", 200), ("GET", 200)]
    connection.refresh_from_db()
    assert connection.status == FinanceConnection.State.CONNECTED


def test_workers_share_the_access_token(sandbox, connection):
    first = zoho.connector_for(connection, clock=sandbox.clock)
    second = zoho.connector_for(FinanceConnection.objects.get(pk=connection.pk), clock=sandbox.clock)
    first.list_currencies()
    second.list_currencies()
    sandbox.clock.advance(3601)
    sandbox.transport.clear()

    first.list_currencies()
    second.list_currencies()

    assert len(_token_posts(sandbox)) == 1
    assert first._access_token == second._access_token


def test_revoked_access_raises_auth_error_and_needs_attention(sandbox, connector, connection):
    connector.list_currencies()
    response = httpx.Client(transport=sandbox.transport).post(
        f"{SANDBOX}/oauth/v2/token/revoke", params={"token": connection.refresh_token}
    )
    assert response.status_code == 200

    with pytest.raises(AuthError) as caught:
        connector.list_currencies()

    assert caught.value.retryable is False
    connection.refresh_from_db()
    assert connection.status == FinanceConnection.State.NEEDS_ATTENTION
    assert "reconnect" in connection.status_reason.lower()


def test_a_missing_scope_gives_a_second_401_and_needs_attention(sandbox, org):
    connection = connect(sandbox, org, scope="ZohoBooks.contacts.ALL")
    connector = zoho.connector_for(connection, clock=sandbox.clock)

    with pytest.raises(AuthError) as caught:
        connector.list_currencies()

    assert caught.value.http_status == 401
    assert caught.value.zoho_code == 57
    assert "ZohoBooks.settings" in caught.value.message
    assert [c.status for c in sandbox.transport.api_calls()] == [401, 401]
    connection.refresh_from_db()
    assert connection.status == FinanceConnection.State.NEEDS_ATTENTION


def test_no_more_than_ten_refreshes_in_ten_minutes(sandbox, connector, connection):
    sandbox.clock.advance(3601)
    FinanceConnection.objects.filter(pk=connection.pk).update(
        refresh_window_started_at=sandbox.clock.now() - dt.timedelta(minutes=4), refresh_count_in_window=10
    )
    sandbox.transport.clear()

    with pytest.raises(TokenRefreshBlocked) as caught:
        connector.list_currencies()

    assert caught.value.retryable is True
    assert caught.value.retry_after == 360
    assert sandbox.transport.calls == []


def test_access_denied_blocks_refreshing_for_the_window(sandbox, connector, connection):
    accounts = httpx.Client(transport=sandbox.transport)
    form = {
        "grant_type": "refresh_token",
        "refresh_token": connection.refresh_token,
        "client_id": connection.client_id,
        "client_secret": connection.client_secret,
    }
    for _ in range(10):
        assert "access_token" in accounts.post(f"{SANDBOX}/oauth/v2/token", data=form).json()
    # The connector believes its token expires now: it must refresh, and Zoho refuses.
    FinanceConnection.objects.filter(pk=connection.pk).update(access_token_expires_at=sandbox.clock.now())
    connector._access_token = None
    sandbox.transport.clear()

    with pytest.raises(TokenRefreshBlocked):
        connector.list_currencies()
    with pytest.raises(TokenRefreshBlocked):
        connector.list_currencies()

    assert len(_token_posts(sandbox)) == 1  # never a retry loop
    connection.refresh_from_db()
    assert connection.refresh_blocked_until == sandbox.clock.now() + dt.timedelta(minutes=10)
    assert connection.status == FinanceConnection.State.CONNECTED


def test_an_untrusted_api_domain_is_never_called(sandbox, connection):
    # A Zoho data centre's connection with a forged API domain (a sandbox connection always uses the configured base).
    connection.data_centre = "US"
    connection.api_domain = "https://www.zohoapis.com.evil.example"
    connector = zoho.connector_for(connection, clock=sandbox.clock)
    sandbox.transport.clear()
    with pytest.raises(AuthError):
        connector.list_currencies()
    assert sandbox.transport.calls == []


def _consent(sandbox, url: str, *, user_email: str = USER_EMAIL) -> httpx.URL:
    """Play the browser on the sandbox consent page and return the callback URL it redirects to."""
    browser = httpx.Client(transport=sandbox.transport)
    page = browser.get(url)
    assert page.status_code == 200, page.text
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    form = {**dict(httpx.URL(url).params), "decision": "accept", "user_email": user_email}
    if csrf:
        form["csrfmiddlewaretoken"] = csrf.group(1)
    answer = browser.post(f"{SANDBOX}/oauth/v2/auth", data=form)
    assert answer.status_code == 302, answer.text
    return httpx.URL(answer.headers["location"])


def test_consent_flow_and_code_exchange(sandbox, org):
    finance_org = sandbox.control.create_org(name="Consent Books")
    client = sandbox.control.create_client()
    connection = FinanceConnection(
        organization=org,
        provider=FinanceConnection.Provider.SANDBOX,
        edition=FinanceConnection.Edition.BOOKS,
        data_centre=FinanceConnection.DataCentre.SANDBOX,
        accounts_server=SANDBOX,
        api_domain=SANDBOX,
        client_id=client["client_id"],
    )
    connection.client_secret = client["client_secret"]
    connection.save()
    connector = zoho.connector_for(connection, clock=sandbox.clock)

    url = connector.authorization_url(state="state-1")
    assert url.startswith(f"{SANDBOX}/oauth/v2/auth?")
    callback = _consent(sandbox, url)
    assert str(callback).startswith(REDIRECT_URI)
    assert callback.params["state"] == "state-1"
    code = callback.params["code"]
    connector.exchange_code(code, accounts_server=callback.params.get("accounts-server"))

    connection.refresh_from_db()
    assert connection.refresh_token and connection.access_token
    assert connection.api_domain == SANDBOX
    assert connection.data_centre == FinanceConnection.DataCentre.SANDBOX
    assert connection.status == FinanceConnection.State.CONNECTED
    assert connection.access_token_expires_at == sandbox.clock.now() + dt.timedelta(seconds=3600)
    organizations = connector.list_organizations()
    assert [o.name for o in organizations] == ["Consent Books"]
    connection.finance_org_id = finance_org["organization_id"]
    connection.save()
    assert connector.get_organization().name == "Consent Books"
    # A code is single use; the answer is permanent.
    with pytest.raises(AuthError):
        connector.exchange_code(code)


def test_a_forged_accounts_server_is_refused(sandbox, connection):
    connector = zoho.connector_for(connection, clock=sandbox.clock)
    sandbox.transport.clear()
    with pytest.raises(AuthError):
        connector.exchange_code("1000.code", accounts_server="https://accounts.zoho.com.evil.example")
    assert sandbox.transport.calls == []


def test_wrong_client_secret_is_permanent(sandbox, connection):
    connection.client_secret = "not-the-secret"
    connection.save()
    connector = zoho.connector_for(connection, clock=sandbox.clock)
    sandbox.clock.advance(3601)
    with pytest.raises(AuthError) as caught:
        connector.list_currencies()
    assert "client" in caught.value.message.lower()
    connection.refresh_from_db()
    assert connection.status == FinanceConnection.State.NEEDS_ATTENTION


def test_a_refused_early_refresh_keeps_using_the_current_token(sandbox, connector, connection):
    accounts = httpx.Client(transport=sandbox.transport)
    form = {
        "grant_type": "refresh_token",
        "refresh_token": connection.refresh_token,
        "client_id": connection.client_id,
        "client_secret": connection.client_secret,
    }
    sandbox.clock.advance(3600 - 120)  # two minutes left: time to refresh, but the token still works
    for _ in range(10):
        accounts.post(f"{SANDBOX}/oauth/v2/token", data=form)
    sandbox.transport.clear()

    assert connector.list_currencies()

    assert [(c.url.path.rsplit("/", 1)[-1], c.status) for c in sandbox.transport.calls] == [
        ("token", 400),
        ("currencies", 200),
    ]
    connection.refresh_from_db()
    assert connection.refresh_blocked_until == sandbox.clock.now() + dt.timedelta(minutes=10)
