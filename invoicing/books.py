"""How invoicing reaches Books: one connector per call site, the clock it runs on, and taxes pushed on demand.

Invoicing never calls Books inside a database transaction (docs/connector.md): services write their rows, commit,
then talk to Books and write the outcome in a second short transaction.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from fsmbilling.models import Organization, Tax
from sync.connectors import base as remote

_clock = None


def set_clock(clock) -> None:
    """Make connectors built by invoicing use ``clock`` (tests: the sandbox's virtual clock); None resets."""
    global _clock
    _clock = clock


def clock():
    from sync.connectors.clock import SYSTEM_CLOCK

    return _clock or SYSTEM_CLOCK


def today(organization: Organization) -> dt.date:
    """Today in the organization's time zone, on the clock Books runs on (the sandbox clock in tests)."""
    try:
        zone = ZoneInfo(organization.time_zone or "UTC")
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return clock().now().astimezone(zone).date()


class NotConnected(remote.FinanceError):
    """The organization has no finance connection: nothing can be pushed."""

    retryable = False


def connection_of(organization: Organization):
    from sync.models import FinanceConnection

    return FinanceConnection.objects.filter(organization=organization).first()


@contextlib.contextmanager
def books(organization: Organization, connector=None) -> Iterator:
    """The organization's connector (or the one given, e.g. the sync engine's)."""
    if connector is not None:
        yield connector
        return
    connection = connection_of(organization)
    if connection is None or not connection.finance_org_id:
        raise NotConnected(
            _("This organization is not connected to Books yet. An administrator connects it in Billing Setup.")
        )
    from sync.connectors import connector_for

    with connector_for(connection, clock=clock()) as client:
        yield client


def is_connected(organization: Organization) -> bool:
    connection = connection_of(organization)
    return connection is not None and bool(connection.finance_org_id)


def describe(exc: Exception) -> str:
    """A sentence for users: what Books said and what to do."""
    if isinstance(exc, NotConnected):
        return str(exc)
    if isinstance(exc, remote.FinanceError):
        if exc.retryable:
            return _("Books could not be reached (%(why)s). It is tried again automatically.") % {"why": exc.message}
        return _("Books refused it: %(why)s Correct it and try again.") % {"why": exc.message.rstrip(".") + "."}
    message = getattr(exc, "message", None) or str(exc)
    explanation = getattr(exc, "explanation", "")
    return f"{message} {explanation}".strip()


def ensure_tax(organization: Organization, tax: Tax, connector) -> str:
    """The Books id of a tax or tax group, creating it in Books when FSM has it only (FIN-3: FSM's taxes are pushed).

    Components of a group are pushed first. The id is stored on the tax row.
    """
    if tax.books_id:
        return tax.books_id
    if tax.kind == Tax.Kind.GROUP:
        component_ids = [ensure_tax(organization, component, connector) for component in tax.components.all()]
        # The connector looks a group up by name after a lost answer, so this never makes two.
        group = connector.create_tax_group(tax.name, component_ids)
        remote_id = group.tax_group_id or ""
    else:
        existing = next((t for t in connector.list_taxes() if t.tax_name == tax.name), None)
        created = existing or connector.create_tax(
            remote.Tax(
                tax_name=tax.name,
                tax_percentage=tax.rate,
                tax_type="compound_tax" if tax.kind == Tax.Kind.COMPOUND else "tax",
            )
        )
        remote_id = created.tax_id or ""
    Tax.objects.filter(pk=tax.pk).update(books_id=remote_id)
    tax.books_id = remote_id
    return remote_id
