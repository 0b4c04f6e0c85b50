"""Time as the connector sees it. All waiting goes through a Clock, so tests can make it virtual."""

from __future__ import annotations

import datetime as dt
import time
from typing import Protocol

from django.utils import timezone


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current aware datetime (UTC)."""
        ...

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """Real time: what production uses."""

    def now(self) -> dt.datetime:
        return timezone.now()

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


SYSTEM_CLOCK = SystemClock()
