"""Fixtures of the invoicing tests: organizations connected to the Books sandbox (in process, over HTTP)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fsmbilling.models import Tax
from invoicing import books as booksmod
from tests.sync.connectors.conftest import Sandbox, connect, sandbox  # noqa: F401


@pytest.fixture
def books(sandbox):  # noqa: F811
    """The sandbox, with invoicing's connectors on its virtual clock."""
    booksmod.set_clock(sandbox.clock)
    yield sandbox
    booksmod.set_clock(None)


@pytest.fixture
def us_org(org, books):
    """acme (US, California) connected to a tax-enabled sandbox finance organization, with an 8.25% sales tax."""
    org.state = "CA"
    org.save()
    connect(books, org, is_tax_enabled=True)
    Tax.objects.create(organization=org, name="CA Sales Tax", rate=Decimal("8.25"), tax_type="sales_tax", region="CA")
    return org
