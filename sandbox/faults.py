"""Fault injection on the Books API paths (SBX-4, §12.9): 500s, 429s, slow answers and dropped connections.

The configuration is one database row shared by every process. With a seed, the n-th API call after the
configuration was set draws from ``random.Random(f"{seed}:{n}")``, so a run is reproducible call by call.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F

from sandbox.models import FaultConfig

KINDS = ("500", "429", "slow", "drop")


@dataclass(frozen=True)
class Fault:
    kind: str
    slow_seconds: float


def config() -> dict:
    row = FaultConfig.objects.filter(pk=1).first() or FaultConfig(pk=1)
    return {"rate": row.rate, "kinds": row.kinds, "seed": row.seed, "slow_seconds": row.slow_seconds}


def configure(*, rate: float, kinds: list[str], seed: int | None, slow_seconds: float | None) -> dict:
    FaultConfig.objects.update_or_create(
        pk=1,
        defaults={
            "rate": rate,
            "kinds": kinds,
            "seed": seed if seed is not None else random.SystemRandom().randrange(1, 2**31),
            "slow_seconds": 2.0 if slow_seconds is None else slow_seconds,
            "calls": 0,
        },
    )
    return config()


def reset() -> dict:
    FaultConfig.objects.filter(pk=1).delete()
    return config()


def draw() -> Fault | None:
    """The fault this API call suffers, if any."""
    row = FaultConfig.objects.filter(pk=1).only("rate").first()
    if row is None or row.rate <= 0:
        return None
    with transaction.atomic():
        FaultConfig.objects.filter(pk=1).update(calls=F("calls") + 1)
        row = FaultConfig.objects.get(pk=1)
    if not row.kinds:
        return None
    rng = random.Random(f"{row.seed}:{row.calls}")
    if rng.random() >= row.rate:
        return None
    return Fault(kind=rng.choice(sorted(row.kinds)), slow_seconds=row.slow_seconds)
