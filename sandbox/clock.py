"""The sandbox clock: real time moved by an offset, or frozen at an instant (control API ``/_control/clock``).

Everything time-dependent in the sandbox — timestamps, code and token expiry, rate windows, the daily reset and overdue
status — reads ``now()``, so tests can travel in time without sleeping. The state is one database row, so every
process agrees.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from django.utils import timezone

from sandbox.models import SandboxClock

_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{4}")


def _state() -> SandboxClock:
    clock = SandboxClock.objects.filter(pk=1).first()
    return clock or SandboxClock(pk=1)


def now() -> dt.datetime:
    """The current sandbox time (aware, UTC)."""
    clock = _state()
    if clock.frozen_at is not None:
        return clock.frozen_at
    return timezone.now() + dt.timedelta(seconds=clock.offset_seconds)


def now_seconds() -> dt.datetime:
    """``now()`` truncated to whole seconds: the precision of Books timestamps."""
    return now().replace(microsecond=0)


def state() -> dict:
    clock = _state()
    current = now()
    return {
        "now": current.isoformat(),
        "frozen": clock.frozen_at is not None,
        "offset_seconds": (current - timezone.now()).total_seconds() if clock.frozen_at is None else None,
    }


def set_clock(*, at: dt.datetime | None = None, advance_seconds: float = 0, frozen: bool | None = None) -> dict:
    """Set, advance, freeze or unfreeze the clock."""
    clock, _ = SandboxClock.objects.get_or_create(pk=1)
    target = (at or now()) + dt.timedelta(seconds=advance_seconds)
    keep_frozen = clock.frozen_at is not None if frozen is None else frozen
    if keep_frozen:
        clock.frozen_at, clock.offset_seconds = target, 0
    else:
        clock.frozen_at, clock.offset_seconds = None, (target - timezone.now()).total_seconds()
    clock.save()
    return state()


def reset() -> dict:
    SandboxClock.objects.filter(pk=1).delete()
    return state()


def org_zone(time_zone: str) -> ZoneInfo:
    try:
        return ZoneInfo(time_zone)
    except (ValueError, KeyError, OSError):
        return ZoneInfo("UTC")


def org_today(time_zone: str, at: dt.datetime | None = None) -> dt.date:
    return (at or now()).astimezone(org_zone(time_zone)).date()


def format_timestamp(value: dt.datetime | None, time_zone: str) -> str:
    """``YYYY-MM-DDTHH:MM:SS+hhmm`` in the organization's zone (zoho-books-v3.md §12.5)."""
    if value is None:
        return ""
    return value.astimezone(org_zone(time_zone)).strftime("%Y-%m-%dT%H:%M:%S%z")


def parse_timestamp(value: str) -> dt.datetime | None:
    """Parse the §12.5 form only (no colon in the offset); None when it is anything else."""
    if not isinstance(value, str) or not _TIMESTAMP.fullmatch(value):
        return None
    try:
        return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return None
