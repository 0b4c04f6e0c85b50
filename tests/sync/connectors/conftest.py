"""The connector against the Books sandbox, in process, over real HTTP semantics (httpx.WSGITransport; STYLE 10).

The connector's clock is virtual: when the connector sleeps, the clock advances itself and the sandbox clock by the
same amount (``PUT /sandbox/_control/clock``), so waits for rate-limit windows take no real time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from django.core.wsgi import get_wsgi_application

from sync.connectors import zoho
from sync.models import FinanceConnection

SITE = "http://testserver"
SANDBOX = f"{SITE}/sandbox"
START = dt.datetime(2026, 3, 2, 10, 0, 0, tzinfo=dt.UTC)
USER_EMAIL = "owner@acme.test"
REDIRECT_URI = f"{SITE}/billing/oauth/callback/"


@dataclass
class Call:
    method: str
    url: httpx.URL
    headers: httpx.Headers
    status: int | None
    body: bytes


class RecordingTransport(httpx.BaseTransport):
    """Passes every request to the sandbox and remembers what went out and the status that came back.

    ``lose_answer_once`` plays a network that drops the answer after the sandbox carried the request out (the
    sandbox's own "drop" fault hangs up before doing anything).

    ``rewrite`` optionally maps a request path to another one (to make the sandbox itself answer 404 for an
    endpoint, e.g. ``/salespersons``), so behaviour the sandbox cannot be told to show can still come from it.
    """

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.calls: list[Call] = []
        self.rewrite: dict[str, str] = {}
        # (method, path suffix): the next such request is carried out, but its answer is lost on the way back.
        self.lose_answer_once: tuple[str, str] | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        for suffix, replacement in self.rewrite.items():
            if request.url.path.endswith(suffix):
                request.url = request.url.copy_with(path=request.url.path[: -len(suffix)] + replacement)
        body = request.read()
        call = Call(request.method, request.url, request.headers, None, body)
        self.calls.append(call)
        response = self.inner.handle_request(request)
        call.status = response.status_code
        if self.lose_answer_once and (request.method, True) == (
            self.lose_answer_once[0],
            request.url.path.endswith(self.lose_answer_once[1]),
        ):
            self.lose_answer_once = None
            response.read()
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
        return response

    def api_calls(self, path_part: str = "/v3/") -> list[Call]:
        return [c for c in self.calls if path_part in c.url.path and "/_control/" not in c.url.path]

    def clear(self) -> None:
        self.calls.clear()


class Control:
    """The sandbox's control API (zoho-books-v3.md §12.9)."""

    def __init__(self, transport: httpx.BaseTransport) -> None:
        self.http = httpx.Client(transport=transport, base_url=f"{SANDBOX}/_control")

    def _ok(self, response: httpx.Response) -> Any:
        assert response.status_code in (200, 201, 204), (response.status_code, response.text)
        return response.json() if response.content else None

    def create_org(self, **fields: Any) -> dict:
        body = {
            "name": "Acme Books",
            "edition": "books",
            "country": "US",
            "currency_code": "USD",
            "plan": "PREMIUM",
            "time_zone": "UTC",
            "users": [{"email": USER_EMAIL, "name": "Olive Owner", "role": "admin"}],
            **fields,
        }
        return self._ok(self.http.post("/orgs", json=body))

    def delete_org(self, organization_id: str) -> None:
        self._ok(self.http.delete(f"/orgs/{organization_id}"))

    def create_client(self, redirect_uri: str = REDIRECT_URI) -> dict:
        return self._ok(self.http.post("/oauth/clients", json={"redirect_uri": redirect_uri}))

    def grant(self, client_id: str, scope: str, user_email: str = USER_EMAIL) -> dict:
        return self._ok(
            self.http.post("/oauth/grants", json={"client_id": client_id, "user_email": user_email, "scope": scope})
        )

    def faults(self, rate: float, kinds: list[str] | None = None, seed: int | None = None) -> dict:
        return self._ok(self.http.put("/faults", json={"rate": rate, "kinds": kinds or [], "seed": seed}))

    def clock(self, **body: Any) -> dict:
        return self._ok(self.http.put("/clock", json=body))


@dataclass
class SandboxClock:
    """A virtual clock for the connector that moves the sandbox clock along when it sleeps."""

    control: Control
    current: dt.datetime = START
    ticks: float = 0.0
    slept: list[float] = field(default_factory=list)
    on_sleep: Callable[[], None] | None = None

    def now(self) -> dt.datetime:
        return self.current

    def monotonic(self) -> float:
        return self.ticks

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(seconds)
        if self.on_sleep:
            self.on_sleep()

    def advance(self, seconds: float) -> None:
        """Move both clocks."""
        self.current += dt.timedelta(seconds=seconds)
        self.ticks += seconds
        self.control.clock(advance_seconds=seconds)


@dataclass
class Sandbox:
    transport: RecordingTransport
    control: Control
    clock: SandboxClock


@pytest.fixture
def sandbox(settings, db) -> Sandbox:
    settings.SANDBOX_BASE_URL = SANDBOX
    settings.SANDBOX_CONTROL_ENABLED = True
    settings.SANDBOX_RATE_LIMITS_ENABLED = True
    settings.SANDBOX_DAILY_QUOTA_OVERRIDE = 0
    settings.ZOHO_REDIRECT_URI = REDIRECT_URI
    transport = RecordingTransport(httpx.WSGITransport(app=get_wsgi_application()))
    control = Control(transport)
    control.clock(now=START.isoformat(), frozen=True)
    zoho.set_default_transport(transport)
    yield Sandbox(transport=transport, control=control, clock=SandboxClock(control))
    zoho.set_default_transport(None)


def connect(
    sandbox: Sandbox,
    organization,
    *,
    edition: str = "books",
    scope: str | None = None,
    finance_org: dict | None = None,
    **org_fields: Any,
) -> FinanceConnection:
    """A finance connection of ``organization`` to a new sandbox org, with tokens from a control grant."""
    finance_org = finance_org or sandbox.control.create_org(edition=edition, **org_fields)
    client = sandbox.control.create_client()
    product = "ZohoInvoice" if edition == "invoice" else "ZohoBooks"
    grant = sandbox.control.grant(client["client_id"], scope or f"{product}.fullaccess.all")
    connection = FinanceConnection(
        organization=organization,
        provider=FinanceConnection.Provider.SANDBOX,
        edition=edition,
        data_centre=FinanceConnection.DataCentre.SANDBOX,
        accounts_server=grant["accounts_server"],
        api_domain=grant["api_domain"],
        finance_org_id=finance_org["organization_id"],
        finance_org_name=finance_org.get("name", ""),
        client_id=client["client_id"],
        connected_identity_email=USER_EMAIL,
    )
    connection.client_secret = client["client_secret"]
    connection.refresh_token = grant["refresh_token"]
    connection.access_token = grant["access_token"]
    connection.access_token_expires_at = sandbox.clock.now() + dt.timedelta(seconds=int(grant["expires_in"]))
    connection.save()
    return connection


@pytest.fixture
def connection(sandbox, org) -> FinanceConnection:
    return connect(sandbox, org)


@pytest.fixture
def connector(sandbox, connection) -> zoho.ZohoConnector:
    with zoho.connector_for(connection, clock=sandbox.clock) as client:
        yield client
