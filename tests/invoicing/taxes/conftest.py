"""Fixtures of the tax edition tests."""

from __future__ import annotations

from functools import partial

import pytest

from tests.invoicing.taxes.support import make_seeded


@pytest.fixture
def seeded(db, admin_user):
    """``seeded("IN", "KA")`` → a SeededOrg of that country and state with its default taxes."""
    return partial(make_seeded, owner=admin_user)
