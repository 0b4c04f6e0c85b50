"""Fixtures of the sync tests: the Books sandbox in process, and finance connections to it."""

import pytest

from tests.sync.connectors.conftest import Sandbox, connect, connection, connector, sandbox  # noqa: F401


@pytest.fixture
def books(sandbox, org):  # noqa: F811 - the sandbox fixture imported above
    """A connector to a new sandbox finance organization of "acme" whose taxes are off (like a new FSM org's)."""
    from sync.connectors import zoho

    finance = connect(sandbox, org, is_tax_enabled=False)
    with zoho.connector_for(finance, clock=sandbox.clock) as client:
        yield client
