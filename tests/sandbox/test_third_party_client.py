"""A third-party Zoho Books client, unchanged, against the sandbox over a real socket (SBX-1, zoho-books-v3.md §9).

pyZohoAPI (tdesposito/pyZohoAPI) refreshes its own token at the accounts server, reads rate-limit headers, and
creates, lists, updates and deletes records through Books v3. Only its two base URLs are pointed at the sandbox, as
its documentation suggests for other hosts (by overriding ``get_endpoint``).
"""

from __future__ import annotations

import httpx
import pytest
from pyzohoapi import ZohoBooks


def sandbox_books(live_server_url: str, organization_id: str, **tokens) -> ZohoBooks:
    class SandboxBooks(ZohoBooks):
        def get_endpoint(self, region):
            return f"{live_server_url}/sandbox/books/v3"

    client = SandboxBooks(organization_id, region="us", **tokens)
    client._oauth = f"{live_server_url}/sandbox/oauth/v2"
    return client


@pytest.mark.django_db(transaction=True)
def test_pyzohoapi_works_against_the_sandbox_unchanged(live_server, settings):
    settings.SANDBOX_CONTROL_ENABLED = True
    control = httpx.Client(base_url=f"{live_server.url}/sandbox/_control", timeout=10)
    org = control.post(
        "/orgs",
        json={
            "name": "Contract Co",
            "edition": "books",
            "country": "US",
            "currency_code": "USD",
            "users": [{"email": "owner@contract.test", "name": "Owner", "role": "admin"}],
        },
    ).json()
    client = control.post("/oauth/clients", json={"redirect_uri": f"{live_server.url}/callback"}).json()
    grant = control.post(
        "/oauth/grants",
        json={
            "client_id": client["client_id"],
            "user_email": "owner@contract.test",
            "scope": "ZohoBooks.fullaccess.all",
        },
    ).json()
    books = sandbox_books(
        live_server.url,
        org["organization_id"],
        client_id=client["client_id"],
        client_secret=client["client_secret"],
        refresh_token=grant["refresh_token"],
        redirect_url=f"{live_server.url}/callback",
    )

    contact = books.Contact()
    contact.contact_name = "Bowman and Co"
    contact.company_name = "Bowman and Co"
    contact.Create()
    assert contact.contact_id and contact.contact_name == "Bowman and Co"

    item = books.Item()
    item.name = "Boiler service"
    item.rate = 120.5
    item.Create()

    names = [c.contact_name for c in books.Contact().Iter()]
    assert names == ["Bowman and Co"]
    fetched = books.Contact(contact.contact_id)
    assert fetched.company_name == "Bowman and Co"
    fetched.website = "https://bowman.test"
    fetched.Update()
    assert books.Contact(contact.contact_id).website == "https://bowman.test"
    assert [i.name for i in books.Item().Iter()] == ["Boiler service"]
    # Its rate-limit bookkeeping read the sandbox's X-Rate-Limit-* headers.
    assert int(books._ratelimit["limit"]) > 0
    books.Item(item.item_id).Delete()
    assert [i.name for i in books.Item().Iter()] == []
