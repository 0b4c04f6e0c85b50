"""Every test database holds two organizations ("acme" and "globex"), each with an administrator (STYLE 9)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from tests.factories import PASSWORD, UserFactory, make_organization


def pytest_configure(config):
    from django.conf import settings

    # Hashing the test users' passwords with the production hasher costs half a second per test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # WhiteNoise warns on every request when the collected-static folder does not exist yet (a fresh clone).
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin@acme.test", first_name="Ada", last_name="Admin")


@pytest.fixture
def org(db, admin_user):
    return make_organization("Acme Services", slug="acme", owner=admin_user)


@pytest.fixture
def other_admin(db):
    return UserFactory(username="admin@globex.test", first_name="Gus", last_name="Globex")


@pytest.fixture
def other_org(db, other_admin):
    return make_organization("Globex Repairs", slug="globex", owner=other_admin)


@pytest.fixture(autouse=True, scope="session")
def _keep_test_connection_open():
    """In-process HTTP (httpx.WSGITransport) runs Django's request signals, whose handler closes a connection that
    is "obsolete" at the end of each request; inside a test's transaction that would close the test's own
    connection. Django's test client works around it per request; here a connection inside a transaction is simply
    never closed that way, whichever client made the request."""
    from django.db.backends.base.base import BaseDatabaseWrapper

    original = BaseDatabaseWrapper.close_if_unusable_or_obsolete

    def close_unless_in_transaction(self):
        if self.in_atomic_block:
            return
        original(self)

    BaseDatabaseWrapper.close_if_unusable_or_obsolete = close_unless_in_transaction
    yield
    BaseDatabaseWrapper.close_if_unusable_or_obsolete = original


@pytest.fixture(autouse=True)
def _two_organizations(request):
    """Both organizations exist in every test that uses the database."""
    if "db" in request.fixturenames or "transactional_db" in request.fixturenames:
        request.getfixturevalue("org")
        request.getfixturevalue("other_org")


@pytest.fixture
def admin_client(org, admin_user) -> Client:
    client = Client()
    assert client.login(username=admin_user.username, password=PASSWORD)
    return client


def member(org, *, role: str, username: str):
    """A user with the given built-in role in ``org``."""
    from fsmbilling.models import Membership, Role

    user = UserFactory(username=username)
    Membership.objects.create(user=user, organization=org, role=Role.objects.get(organization=org, name=role))
    return user


@pytest.fixture
def api_token(org, admin_user) -> str:
    from fsmbilling.services.api_tokens import api_token_create

    _, raw = api_token_create(organization=org, user=admin_user, name="tests")
    return raw


@pytest.fixture
def api(api_token):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token}")
    return client


@pytest.fixture
def count_queries():
    """``count_queries(fn)`` runs fn and returns how many SQL queries it made."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def run(fn, *, warm_up: bool = True) -> int:
        if warm_up:  # the first call also fills caches (throttle, token last-used time)
            fn()
        with CaptureQueriesContext(connection) as context:
            fn()
        return len(context.captured_queries)

    return run
