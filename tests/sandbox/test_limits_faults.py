"""Rate limits (§12.4), fault injection and the clock (§12.9)."""

from __future__ import annotations

import time

import httpx
import pytest

from sandbox import limits
from sandbox.models import InFlightRequest, Organization, OrgUsage
from tests.sandbox.conftest import advance, make_books


def _org(books) -> Organization:
    return Organization.objects.get(pk=Organization.pk_from_zoho_id(books.org_id))


def test_headers_on_every_response_and_per_minute_limit(sandbox_http, frozen_clock):
    books = make_books(sandbox_http, plan="FREE", time_zone="UTC")
    first = books.get("contacts")
    assert first.headers["X-Rate-Limit-Limit"] == "1000"
    assert first.headers["X-Rate-Limit-Remaining"] == "999"
    assert first.headers["X-Rate-Limit-Reset"] == str(12 * 3600)  # to midnight UTC
    error = books.get("contacts/1")
    assert error.status_code == 404 and error.headers["X-Rate-Limit-Remaining"] == "998"
    # GET /organizations is not counted.
    orgs = sandbox_http.get("/sandbox/books/v3/organizations", headers=books.headers())
    assert orgs.headers["X-Rate-Limit-Remaining"] == "998"
    OrgUsage.objects.filter(organization=_org(books)).update(minute_count=99)
    assert books.get("contacts").status_code == 200
    blocked = books.get("contacts")
    assert blocked.status_code == 429
    assert blocked.json() == {"code": 44, "message": limits.MINUTE_BODY}
    assert blocked.headers["Retry-After"] == "60"
    assert blocked.headers["X-Rate-Limit-Remaining"] == "997"  # refused calls are not counted
    advance(sandbox_http, 30)
    assert books.get("contacts").headers["Retry-After"] == "30"
    advance(sandbox_http, 30)
    assert books.get("contacts").status_code == 200


def test_daily_quota_and_override(sandbox_http, frozen_clock, settings):
    books = make_books(sandbox_http, plan="STANDARD", time_zone="America/New_York")
    assert books.get("contacts").headers["X-Rate-Limit-Limit"] == "2000"
    OrgUsage.objects.filter(organization=_org(books)).update(day_count=2000)
    refused = books.get("contacts")
    assert refused.status_code == 429
    assert refused.json() == {
        "code": 45,
        "message": "The API call for this organization has exceeded the maximum call rate limit of 2000.",
    }
    # 12:00 UTC is 08:00 in New York (EDT from 2025-03-09): 16 hours to the org's midnight.
    assert refused.headers["Retry-After"] == str(16 * 3600) == refused.headers["X-Rate-Limit-Reset"]
    assert refused.headers["X-Rate-Limit-Remaining"] == "0"
    settings.SANDBOX_DAILY_QUOTA_OVERRIDE = 5000
    assert books.get("contacts").status_code == 200
    settings.SANDBOX_DAILY_QUOTA_OVERRIDE = 0
    advance(sandbox_http, 16 * 3600)  # the org's midnight resets the quota
    books.token = books.grant("owner@example.com")  # the old one expired meanwhile
    fresh = books.get("contacts")
    assert fresh.status_code == 200 and fresh.headers["X-Rate-Limit-Remaining"] == "1999"


def test_concurrency_limit(sandbox_http):
    books = make_books(sandbox_http, plan="FREE")
    organization = _org(books)
    from django.utils import timezone

    InFlightRequest.objects.bulk_create(
        [InFlightRequest(organization=organization, started_at=timezone.now()) for _ in range(5)]
    )
    refused = books.get("contacts")
    assert refused.status_code == 429
    assert refused.json() == {"code": 1070, "message": limits.CONCURRENCY_BODY}
    assert refused.headers["Retry-After"] == "1"
    InFlightRequest.objects.filter(organization=organization).delete()
    assert books.get("contacts").status_code == 200
    assert InFlightRequest.objects.count() == 0  # released after the answer


def test_limits_can_be_disabled(sandbox_http, settings):
    settings.SANDBOX_RATE_LIMITS_ENABLED = False
    books = make_books(sandbox_http, plan="FREE")
    OrgUsage.objects.create(organization=_org(books), minute_count=500, day_count=5000)
    assert books.get("contacts").status_code == 200


def test_fault_500_and_429(books):
    put = books.http.put("/sandbox/_control/faults", json={"rate": 1.0, "kinds": ["500"], "seed": 7})
    assert put.json() == {"rate": 1.0, "kinds": ["500"], "seed": 7, "slow_seconds": 2.0}
    failed = books.get("contacts")
    assert (failed.status_code, failed.json()) == (500, {"code": 1000, "message": "Internal error"})
    # Control and token endpoints are never faulted.
    assert books.http.get("/sandbox/_control/faults").status_code == 200
    books.http.put("/sandbox/_control/faults", json={"rate": 1.0, "kinds": ["429"]})
    throttled = books.get("contacts")
    assert (throttled.status_code, throttled.json()["code"], throttled.headers["Retry-After"]) == (429, 44, "60")
    books.http.put("/sandbox/_control/faults", json={"rate": 0})
    assert books.get("contacts").status_code == 200


def test_fault_drop_raises_a_transport_error(books):
    books.http.put("/sandbox/_control/faults", json={"rate": 1.0, "kinds": ["drop"]})
    with pytest.raises(httpx.RemoteProtocolError):
        books.get("contacts")
    with pytest.raises(httpx.TransportError):
        books.post("contacts", json={"contact_name": "Never"})
    books.http.delete("/sandbox/_control/faults")
    assert books.get("contacts").json()["contacts"] == []


def test_fault_slow(books):
    books.http.put("/sandbox/_control/faults", json={"rate": 1.0, "kinds": ["slow"], "slow_seconds": 0.05})
    started = time.monotonic()
    assert books.get("contacts").status_code == 200
    assert time.monotonic() - started >= 0.05


def test_faults_are_reproducible_with_a_seed(books):
    def run() -> list[int]:
        books.http.put("/sandbox/_control/faults", json={"rate": 0.5, "kinds": ["500", "429"], "seed": 42})
        return [books.get("contacts").status_code for _ in range(12)]

    first = run()
    assert first == run()
    assert set(first) == {200, 429, 500}


def test_clock_control(sandbox_http):
    frozen = sandbox_http.put("/sandbox/_control/clock", json={"now": "2025-01-01T00:00:00Z", "frozen": True}).json()
    assert frozen["now"] == "2025-01-01T00:00:00+00:00" and frozen["frozen"] is True
    advanced = sandbox_http.put("/sandbox/_control/clock", json={"advance_seconds": 90}).json()
    assert advanced["now"] == "2025-01-01T00:01:30+00:00"
    running = sandbox_http.put("/sandbox/_control/clock", json={"frozen": False}).json()
    assert running["frozen"] is False and running["now"].startswith("2025-01-01T00:01:3")
    reset = sandbox_http.delete("/sandbox/_control/clock").json()
    assert reset["frozen"] is False and not reset["now"].startswith("2025-01-01")
