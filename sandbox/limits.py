"""Per-organization API limits (§12.4, SBX-3): calls per minute, daily quota by plan, requests in flight.

Counters live in ``OrgUsage`` rows locked with ``select_for_update``, so every process (gunicorn workers, the test
client inside a pytest transaction) shares them. Refused calls (429) are not counted.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sandbox import clock
from sandbox.errors import ApiError
from sandbox.models import InFlightRequest, Organization, OrgUsage, Plan

PER_MINUTE_LIMIT = 100
DAILY_QUOTA = {
    Plan.FREE: 1000,
    Plan.STANDARD: 2000,
    Plan.PROFESSIONAL: 5000,
    Plan.PREMIUM: 10000,
    Plan.ELITE: 10000,
    Plan.ULTIMATE: 10000,
}
CONCURRENCY_FREE = 5
CONCURRENCY_PAID = 10
IN_FLIGHT_STALE_SECONDS = 120  # a request "in flight" for longer is assumed to have crashed
# Invoice-edition organizations hold at most this many customers and items (§12.10). Tests lower it.
INVOICE_EDITION_CAP = 10_000

MINUTE_BODY = (
    "For security reasons your organization has been blocked as it have exceeded the maximum number of requests per "
    "minute that can originate from an organization."
)
CONCURRENCY_BODY = (
    "You have reached the maximum number of in process requests allowed. Kindly try again after some time."
)


def enabled() -> bool:
    return bool(getattr(settings, "SANDBOX_RATE_LIMITS_ENABLED", True))


def daily_quota(organization: Organization) -> int:
    override = int(getattr(settings, "SANDBOX_DAILY_QUOTA_OVERRIDE", 0) or 0)
    return override or DAILY_QUOTA.get(organization.plan, 1000)


def concurrency_limit(organization: Organization) -> int:
    return CONCURRENCY_FREE if organization.plan == Plan.FREE else CONCURRENCY_PAID


def _seconds_to_daily_reset(organization: Organization, now: dt.datetime) -> int:
    zone = clock.org_zone(organization.time_zone)
    local = now.astimezone(zone)
    midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    return max(1, math.ceil((midnight - local).total_seconds()))


def _seconds_to_next_minute(now: dt.datetime) -> int:
    return max(1, 60 - now.second - (1 if now.microsecond else 0))


@dataclass
class Usage:
    """What the rate-limit headers report for one call."""

    quota: int
    used_today: int
    reset_seconds: int

    def headers(self) -> dict[str, str]:
        return {
            "X-Rate-Limit-Limit": str(self.quota),
            "X-Rate-Limit-Remaining": str(max(0, self.quota - self.used_today)),
            "X-Rate-Limit-Reset": str(self.reset_seconds),
        }


def _windows(now: dt.datetime, organization: Organization) -> tuple[str, dt.date]:
    return now.strftime("%Y%m%d%H%M"), clock.org_today(organization.time_zone, now)


def usage_peek(organization: Organization) -> Usage:
    """The counters without counting a call (GET /organizations, calls refused before counting)."""
    now = clock.now()
    _, day = _windows(now, organization)
    row = OrgUsage.objects.filter(organization=organization).first() if organization.pk else None
    used = row.day_count if row and row.day_window == day else 0
    return Usage(daily_quota(organization), used, _seconds_to_daily_reset(organization, now))


def count_call(organization: Organization) -> Usage:
    """Count one call against the minute and day windows, or raise a 429 ``ApiError`` (not counted)."""
    now = clock.now()
    minute, day = _windows(now, organization)
    quota = daily_quota(organization)
    reset = _seconds_to_daily_reset(organization, now)
    if not enabled():
        return usage_peek(organization)
    with transaction.atomic():
        row, _ = OrgUsage.objects.get_or_create(organization=organization)
        row = OrgUsage.objects.select_for_update().get(pk=row.pk)
        if row.day_window != day:
            row.day_window, row.day_count = day, 0
        if row.minute_window != minute:
            row.minute_window, row.minute_count = minute, 0
        usage = Usage(quota, row.day_count, reset)
        if row.day_count >= quota:
            raise ApiError(
                429,
                45,
                f"The API call for this organization has exceeded the maximum call rate limit of {quota}.",
                headers={**usage.headers(), "Retry-After": str(reset)},
            )
        if row.minute_count >= PER_MINUTE_LIMIT:
            raise ApiError(
                429, 44, MINUTE_BODY, headers={**usage.headers(), "Retry-After": str(_seconds_to_next_minute(now))}
            )
        row.day_count += 1
        row.minute_count += 1
        row.save()
    return Usage(quota, row.day_count, reset)


def enter_flight(organization: Organization) -> int | None:
    """Register a request in flight; raise a 429 code 1070 when the organization already has too many."""
    if not enabled():
        return None
    real_now = timezone.now()
    with transaction.atomic():
        row, _ = OrgUsage.objects.get_or_create(organization=organization)
        OrgUsage.objects.select_for_update().filter(pk=row.pk).first()
        stale = real_now - dt.timedelta(seconds=IN_FLIGHT_STALE_SECONDS)
        InFlightRequest.objects.filter(organization=organization, started_at__lt=stale).delete()
        if InFlightRequest.objects.filter(organization=organization).count() >= concurrency_limit(organization):
            usage = usage_peek(organization)
            raise ApiError(429, 1070, CONCURRENCY_BODY, headers={**usage.headers(), "Retry-After": "1"})
        return InFlightRequest.objects.create(organization=organization, started_at=real_now).pk


def leave_flight(flight_id: int | None) -> None:
    if flight_id is not None:
        InFlightRequest.objects.filter(pk=flight_id).delete()
