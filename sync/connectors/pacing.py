"""Every lock the connector takes lives here (STYLE 4): the API pacer row and the connection row for token refresh.

The pacer row (``sync.ApiPacer``, one per finance organization) is shared by all workers and processes. Each call
takes a slot under ``SELECT … FOR UPDATE`` in a short transaction of its own: at most ``per_minute`` calls start per
calendar minute, at most ``in_flight_limit`` run at once (a slot is a lease that expires by itself if its worker
dies), nothing starts while ``blocked_until`` is in the future (after a code 44), and nothing starts once the daily
quota reported by the ``X-Rate-Limit-*`` headers is used up.

Callers must not hold these rows locked from another database connection while calling the connector: the
connector's own transaction would wait for it. Call the connector outside long transactions.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import transaction

from sync.connectors.base import QuotaExhausted
from sync.connectors.clock import Clock
from sync.models import ApiPacer, FinanceConnection

DEFAULT_PER_MINUTE = 90
DEFAULT_IN_FLIGHT = 5
# A slot whose worker vanished frees itself after this long (longer than any request timeout).
LEASE_SECONDS = 180
# How long to wait before asking again when every in-flight slot is taken.
IN_FLIGHT_POLL_SECONDS = 0.25


@dataclass(frozen=True)
class PacerKey:
    api_domain: str
    finance_org_id: str


@dataclass(frozen=True)
class Slot:
    key: PacerKey
    lease_id: str


def _minute_start(moment: dt.datetime) -> dt.datetime:
    return moment.replace(second=0, microsecond=0)


def _locked_pacer(key: PacerKey) -> ApiPacer:
    """The pacer row, locked for the current transaction; created on first use without check-then-create."""
    queryset = ApiPacer.objects.select_for_update().filter(api_domain=key.api_domain, finance_org_id=key.finance_org_id)
    pacer = queryset.first()
    if pacer is None:
        ApiPacer.objects.bulk_create(
            [ApiPacer(api_domain=key.api_domain, finance_org_id=key.finance_org_id)], ignore_conflicts=True
        )
        pacer = queryset.get()
    return pacer


def _drop_expired_leases(pacer: ApiPacer, now: dt.datetime) -> None:
    pacer.leases = {lease: expiry for lease, expiry in pacer.leases.items() if dt.datetime.fromisoformat(expiry) > now}


def _try_acquire(key: PacerKey, *, now: dt.datetime, per_minute: int, max_in_flight: int, daily_reserve: int):
    """Take a slot and return its lease id, or return the seconds to wait before trying again."""
    with transaction.atomic():
        pacer = _locked_pacer(key)
        if pacer.blocked_until and pacer.blocked_until > now:
            return (pacer.blocked_until - now).total_seconds()
        if pacer.daily_remaining is not None and pacer.daily_remaining <= daily_reserve:
            if pacer.daily_reset_at and pacer.daily_reset_at > now:
                reset_seconds = (pacer.daily_reset_at - now).total_seconds()
                raise QuotaExhausted(
                    "The finance organization's daily API quota is used up; sync resumes after it resets.",
                    zoho_code=45,
                    reset_seconds=reset_seconds,
                )
            pacer.daily_remaining = None  # the reset time has passed: the next response tells the new figure
        minute = _minute_start(now)
        if pacer.window_start != minute:
            pacer.window_start = minute
            pacer.window_count = 0
            # Parallelism lowered after a code 1070 recovers by one slot per quiet minute.
            if pacer.in_flight_limit < max_in_flight:
                pacer.in_flight_limit += 1
        if pacer.window_count >= per_minute:
            return (minute + dt.timedelta(minutes=1) - now).total_seconds()
        _drop_expired_leases(pacer, now)
        if len(pacer.leases) >= min(pacer.in_flight_limit, max_in_flight):
            pacer.save(update_fields=["window_start", "window_count", "leases", "in_flight_limit", "daily_remaining"])
            return IN_FLIGHT_POLL_SECONDS
        lease_id = uuid.uuid4().hex
        pacer.leases = {**pacer.leases, lease_id: (now + dt.timedelta(seconds=LEASE_SECONDS)).isoformat()}
        pacer.window_count += 1
        pacer.save(update_fields=["window_start", "window_count", "leases", "in_flight_limit", "daily_remaining"])
        return lease_id


def acquire(
    key: PacerKey,
    *,
    clock: Clock,
    per_minute: int = DEFAULT_PER_MINUTE,
    max_in_flight: int = DEFAULT_IN_FLIGHT,
    daily_reserve: int = 0,
) -> Slot:
    """Wait (through ``clock``) until a call may start, and return its slot. Raises QuotaExhausted."""
    while True:
        outcome = _try_acquire(
            key, now=clock.now(), per_minute=per_minute, max_in_flight=max_in_flight, daily_reserve=daily_reserve
        )
        if isinstance(outcome, str):
            return Slot(key=key, lease_id=outcome)
        clock.sleep(max(outcome, 0.01))


def release(
    slot: Slot,
    *,
    now: dt.datetime,
    daily_limit: int | None = None,
    daily_remaining: int | None = None,
    daily_reset_seconds: float | None = None,
    blocked_for_seconds: float | None = None,
    concurrency_limited: bool = False,
) -> None:
    """Free the slot and record what the response said about the quota and limits."""
    with transaction.atomic():
        pacer = _locked_pacer(slot.key)
        leases = dict(pacer.leases)
        leases.pop(slot.lease_id, None)
        pacer.leases = leases
        if daily_limit is not None:
            pacer.daily_limit = daily_limit
        if daily_remaining is not None:
            pacer.daily_remaining = daily_remaining
        if daily_reset_seconds is not None:
            pacer.daily_reset_at = now + dt.timedelta(seconds=daily_reset_seconds)
        if blocked_for_seconds is not None:
            until = now + dt.timedelta(seconds=blocked_for_seconds)
            if pacer.blocked_until is None or pacer.blocked_until < until:
                pacer.blocked_until = until
        if concurrency_limited:
            pacer.in_flight_limit = max(1, pacer.in_flight_limit - 1)
        pacer.save()


def quota_state(key: PacerKey) -> ApiPacer | None:
    """The pacer row as last written (not locked), for display and pre-checks."""
    return ApiPacer.objects.filter(api_domain=key.api_domain, finance_org_id=key.finance_org_id).first()


@contextmanager
def locked_connection(connection_id: int) -> Iterator[FinanceConnection]:
    """The connection row locked for one token refresh: at most one refresh in flight per connection.

    Another worker that needs a token waits here, then finds the fresh token the first one stored.
    """
    with transaction.atomic():
        yield FinanceConnection.objects.select_for_update().get(pk=connection_id)
