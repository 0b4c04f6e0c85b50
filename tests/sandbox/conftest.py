"""Fixtures for talking to the Books sandbox over HTTP, in process (httpx.WSGITransport shares the test transaction).

``sandbox_http`` is a plain httpx client on http://testserver. ``books`` is a finance organization with an admin
identity and a full-access token, plus helpers that add ``organization_id`` and the OAuth header.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest
from django.core.wsgi import get_wsgi_application

BASE_URL = "http://testserver"


@pytest.fixture
def sandbox_http(db):
    """An httpx client on the whole Django app, in process.

    tests/conftest.py keeps Django from closing the test's connection at the end of each request.
    """
    transport = httpx.WSGITransport(app=get_wsgi_application())
    with httpx.Client(transport=transport, base_url=BASE_URL) as client:
        yield client


def control_org(http: httpx.Client, **fields) -> dict:
    body = {"name": "Test Org", "edition": "books", "country": "US", "currency_code": "USD", **fields}
    body.setdefault("users", [{"email": "owner@example.com", "name": "Owner", "role": "admin"}])
    response = http.post("/sandbox/_control/orgs", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def control_client(http: httpx.Client, redirect_uri: str = "") -> dict:
    response = http.post("/sandbox/_control/oauth/clients", json={"redirect_uri": redirect_uri, "name": "tests"})
    assert response.status_code == 201, response.text
    return response.json()


def control_grant(http: httpx.Client, client_id: str, email: str, scope: str = "ZohoBooks.fullaccess.all") -> dict:
    response = http.post(
        "/sandbox/_control/oauth/grants", json={"client_id": client_id, "user_email": email, "scope": scope}
    )
    assert response.status_code == 201, response.text
    return response.json()


@dataclass
class Books:
    """One finance organization reached as one identity."""

    http: httpx.Client
    org_id: str
    token: str
    client: dict
    root: str = "books"

    def headers(self, token: str | None = None) -> dict:
        return {"Authorization": f"Zoho-oauthtoken {token or self.token}"}

    def request(
        self, method: str, path: str, *, params=None, token=None, org_id=None, headers=None, **kwargs
    ) -> httpx.Response:
        query = {"organization_id": org_id or self.org_id, **(params or {})}
        return self.http.request(
            method,
            f"/sandbox/{self.root}/v3/{path.lstrip('/')}",
            params=query,
            headers={**self.headers(token), **(headers or {})},
            **kwargs,
        )

    def get(self, path: str, **kwargs) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs) -> httpx.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)

    def create(self, path: str, key: str, body: dict, **kwargs) -> dict:
        response = self.post(path, json=body, **kwargs)
        assert response.status_code == 201, response.text
        return response.json()[key]

    def grant(self, email: str, scope: str = "ZohoBooks.fullaccess.all") -> str:
        return control_grant(self.http, self.client["client_id"], email, scope)["access_token"]


def make_books(http: httpx.Client, **org_fields) -> Books:
    org = control_org(http, **org_fields)
    client = control_client(http)
    email = org["users"][0]["email"]
    token = control_grant(http, client["client_id"], email)["access_token"]
    return Books(http=http, org_id=org["organization_id"], token=token, client=client)


@pytest.fixture
def books(sandbox_http) -> Books:
    return make_books(sandbox_http, plan="PROFESSIONAL", time_zone="UTC")


@pytest.fixture
def frozen_clock(sandbox_http):
    """The sandbox clock frozen at 2025-03-10 12:00:00 UTC."""
    response = sandbox_http.put("/sandbox/_control/clock", json={"now": "2025-03-10T12:00:00+00:00", "frozen": True})
    assert response.status_code == 200
    return response.json()


def advance(http: httpx.Client, seconds: float) -> None:
    assert http.put("/sandbox/_control/clock", json={"advance_seconds": seconds}).status_code == 200


@pytest.fixture
def _fast_password_hashing(settings):
    """The FSM organizations of tests/conftest.py hash two passwords per test; the sandbox tests need no strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def admin_user(_fast_password_hashing, admin_user):
    return admin_user


@pytest.fixture
def other_admin(_fast_password_hashing, other_admin):
    return other_admin
