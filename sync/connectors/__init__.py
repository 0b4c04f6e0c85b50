"""Connectors to finance services. The engine imports from here: the interface, the errors and the factory."""

from sync.connectors.base import (
    AuthError,
    CapacityReached,
    ConcurrencyLimited,
    DuplicateName,
    FinanceConnector,
    FinanceError,
    NotFound,
    OrganizationGone,
    QuotaExhausted,
    RateLimited,
    ServerError,
    TokenRefreshBlocked,
    TransportError,
    ValidationFailed,
)


def connector_for(connection, *, transport=None, clock=None, **options):
    """The connector for a ``sync.FinanceConnection`` (see ``sync.connectors.zoho.connector_for``)."""
    from sync.connectors.zoho import connector_for as factory

    return factory(connection, transport=transport, clock=clock, **options)


__all__ = [
    "AuthError",
    "CapacityReached",
    "ConcurrencyLimited",
    "DuplicateName",
    "FinanceConnector",
    "FinanceError",
    "NotFound",
    "OrganizationGone",
    "QuotaExhausted",
    "RateLimited",
    "ServerError",
    "TokenRefreshBlocked",
    "TransportError",
    "ValidationFailed",
    "connector_for",
]
