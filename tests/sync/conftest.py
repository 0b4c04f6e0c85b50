"""Fixtures of the sync tests: the Books sandbox in process, and finance connections to it."""

from tests.sync.connectors.conftest import Sandbox, connect, connection, connector, sandbox  # noqa: F401
