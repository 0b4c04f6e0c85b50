"""Regression: a sandbox connection made while the site ran on another address (say port 8123, then 8124) kept
calling the old address, was refused as untrusted, and the run disabled sync. The sandbox is a data centre in
configuration: its connections follow the configured sandbox base."""

import datetime as dt

from sync.connectors import zoho
from tests.sync.conftest import connect


def test_a_sandbox_connection_follows_the_configured_sandbox_address(sandbox, org):
    connection = connect(sandbox, org, is_tax_enabled=False)
    connection.api_domain = connection.accounts_server = "http://127.0.0.1:8123/sandbox"
    connection.access_token_expires_at = sandbox.clock.now() - dt.timedelta(seconds=1)  # forces a refresh too
    connection.save()
    with zoho.connector_for(connection, clock=sandbox.clock) as client:
        assert client.get_organization().organization_id == connection.finance_org_id
    refreshes = [c for c in sandbox.transport.calls if c.url.path.endswith("/oauth/v2/token")]
    assert refreshes and all(c.url.host == "testserver" for c in sandbox.transport.calls)
