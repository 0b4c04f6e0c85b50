"""The shared pacer row: minute windows, in-flight leases, blocks and the daily quota (no HTTP)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from sync.connectors import pacing
from sync.connectors.base import QuotaExhausted
from sync.models import ApiPacer

KEY = pacing.PacerKey(api_domain="https://www.zohoapis.eu", finance_org_id="20001")
START = dt.datetime(2026, 3, 2, 10, 0, 0, tzinfo=dt.UTC)


@dataclass
class StepClock:
    current: dt.datetime = START
    slept: list[float] = field(default_factory=list)
    on_sleep: Callable[[], None] | None = None

    def now(self) -> dt.datetime:
        return self.current

    def monotonic(self) -> float:
        return (self.current - START).total_seconds()

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.current += dt.timedelta(seconds=seconds)
        if self.on_sleep:
            self.on_sleep()


def test_ninety_calls_a_minute_then_wait_for_the_next_window(db):
    clock = StepClock(current=START + dt.timedelta(seconds=15))
    for _ in range(90):
        pacing.release(pacing.acquire(KEY, clock=clock), now=clock.now())
    assert clock.slept == []

    pacing.acquire(KEY, clock=clock)

    assert clock.slept == [45.0]
    assert ApiPacer.objects.get().window_count == 1


def test_at_most_five_in_flight(db):
    clock = StepClock()
    slots = [pacing.acquire(KEY, clock=clock) for _ in range(5)]
    clock.on_sleep = lambda: pacing.release(slots[0], now=clock.now())

    sixth = pacing.acquire(KEY, clock=clock)

    assert clock.slept == [pacing.IN_FLIGHT_POLL_SECONDS]
    assert sixth.lease_id not in {slot.lease_id for slot in slots}
    assert ApiPacer.objects.get().in_flight == 5


def test_a_crashed_workers_slot_frees_itself(db):
    clock = StepClock()
    for _ in range(5):
        pacing.acquire(KEY, clock=clock)  # never released
    clock.current += dt.timedelta(seconds=pacing.LEASE_SECONDS + 1)

    pacing.acquire(KEY, clock=clock)

    assert clock.slept == []
    assert ApiPacer.objects.get().in_flight == 1


def test_a_block_holds_every_worker(db):
    clock = StepClock()
    slot = pacing.acquire(KEY, clock=clock)
    pacing.release(slot, now=clock.now(), blocked_for_seconds=30)

    pacing.acquire(KEY, clock=clock)

    assert clock.slept == [30.0]


def test_concurrency_refusal_lowers_parallelism_until_a_new_minute(db):
    clock = StepClock()
    slot = pacing.acquire(KEY, clock=clock)
    pacing.release(slot, now=clock.now(), concurrency_limited=True)
    assert ApiPacer.objects.get().in_flight_limit == 4
    clock.current += dt.timedelta(minutes=1)
    pacing.acquire(KEY, clock=clock)
    assert ApiPacer.objects.get().in_flight_limit == 5


def test_the_daily_quota_stops_calls_until_the_reset(db):
    clock = StepClock()
    slot = pacing.acquire(KEY, clock=clock)
    pacing.release(slot, now=clock.now(), daily_limit=1000, daily_remaining=0, daily_reset_seconds=600)

    with pytest.raises(QuotaExhausted) as caught:
        pacing.acquire(KEY, clock=clock)
    assert caught.value.reset_seconds == 600

    clock.current += dt.timedelta(seconds=601)
    pacing.acquire(KEY, clock=clock)
    assert ApiPacer.objects.get().daily_remaining is None
