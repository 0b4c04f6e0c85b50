"""The three-way merge of a linked pair, field by field (SYN-11, DESIGN-sync.md §3).

A pure function: no I/O, no models. Given what both sides last agreed on (``base``), the FSM side (``local``) and the
Books side (``remote``), it decides the merged content and which fields each side must be written with:

- a field changed on one side only is taken from that side;
- a field changed on both sides to different values is taken from the owner side when an administrator set one for
  the field or its module, otherwise from the side modified later (ties go to FSM);
- when nothing differs, nothing is written (PERF-1).

``base`` is None for a pair that has never agreed (first link of two existing records, SYN-7 Overwrite): then the
side modified later wins every field that differs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Side = Literal["fsm", "books"]


@dataclass(frozen=True)
class Policy:
    """Owner sides set by administrators: for the whole module and/or per field (field wins over module)."""

    module_owner: Side | None = None
    field_owners: Mapping[str, Side] = field(default_factory=dict)

    def owner_of(self, name: str) -> Side | None:
        return self.field_owners.get(name, self.module_owner)


@dataclass(frozen=True)
class Plan:
    merged: dict[str, Any]
    write_local: dict[str, Any]
    write_remote: dict[str, Any]
    conflicts: tuple[str, ...] = ()

    @property
    def is_noop(self) -> bool:
        return not self.write_local and not self.write_remote


_MISSING = object()


def plan(
    base: Mapping[str, Any] | None,
    local: Mapping[str, Any],
    remote: Mapping[str, Any],
    *,
    local_modified: dt.datetime | None = None,
    remote_modified: dt.datetime | None = None,
    policy: Policy | None = None,
) -> Plan:
    policy = policy or Policy()
    later: Side = "books" if (remote_modified and local_modified and remote_modified > local_modified) else "fsm"
    if remote_modified and local_modified is None:
        later = "books"
    merged: dict[str, Any] = {}
    conflicts: list[str] = []
    for name in sorted(set(local) | set(remote) | set(base or {})):
        local_value = local.get(name, _MISSING)
        remote_value = remote.get(name, _MISSING)
        if local_value is _MISSING or remote_value is _MISSING:
            # A field only one side maps (e.g. mapping changed): keep what exists.
            value = remote_value if local_value is _MISSING else local_value
            if value is not _MISSING:
                merged[name] = value
            continue
        if local_value == remote_value:
            merged[name] = local_value
            continue
        base_value = (base or {}).get(name, _MISSING) if base is not None else _MISSING
        local_changed = base is None or local_value != base_value
        remote_changed = base is None or remote_value != base_value
        if local_changed and not remote_changed:
            merged[name] = local_value
        elif remote_changed and not local_changed:
            merged[name] = remote_value
        else:
            conflicts.append(name)
            winner = policy.owner_of(name) or later
            merged[name] = local_value if winner == "fsm" else remote_value
    write_local = {name: value for name, value in merged.items() if local.get(name, _MISSING) != value}
    write_remote = {name: value for name, value in merged.items() if remote.get(name, _MISSING) != value}
    return Plan(merged=merged, write_local=write_local, write_remote=write_remote, conflicts=tuple(conflicts))
