"""The sandbox on a real socket (Django's threaded live server): a dropped connection is a transport error."""

from __future__ import annotations

import httpx
import pytest

from tests.sandbox.conftest import control_client, control_grant, control_org


@pytest.mark.django_db(transaction=True)
def test_drop_fault_closes_the_connection(live_server):
    with httpx.Client(base_url=live_server.url, timeout=5) as http:
        org = control_org(http)
        client = control_client(http)
        token = control_grant(http, client["client_id"], "owner@example.com")["access_token"]
        request = {"params": {"organization_id": org["organization_id"]},
                   "headers": {"Authorization": f"Zoho-oauthtoken {token}"}}  # fmt: skip
        ok = http.get("/sandbox/books/v3/contacts", **request)
        assert ok.status_code == 200
        assert ok.json()["contacts"] == []
        assert http.put("/sandbox/_control/faults", json={"rate": 1.0, "kinds": ["drop"]}).status_code == 200
        with pytest.raises(httpx.TransportError):
            http.get("/sandbox/books/v3/contacts", **request)
        assert http.delete("/sandbox/_control/faults").status_code == 200
        assert http.get("/sandbox/books/v3/contacts", **request).status_code == 200
