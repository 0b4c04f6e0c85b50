"""The canonical form: the mapped fields of a record, in Books' vocabulary, with normalized values.

Both an FSM record and a Books record are turned into this form before anything is compared, and the content hash
is taken of it (DESIGN-sync.md §2). Normalizing here is what keeps a round trip stable: a value written to Books and
read back must come out equal, or every run would see a change that nobody made.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

ADDRESS_PARTS = ("attention", "address", "street2", "city", "state", "state_code", "zip", "country", "phone", "fax")


def text(value: Any) -> str:
    """Trimmed text; None and empty are the same."""
    if value is None:
        return ""
    return " ".join(str(value).split()) if "\n" not in str(value) else str(value).strip()


def decimal(value: Any) -> str:
    """A decimal as plain text without trailing zeros ("120.50" → "120.5"); empty when missing or not a number."""
    if value is None or value == "" or isinstance(value, bool):
        return ""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return ""
    if not number.is_finite():
        return ""
    normalized = number.normalize()
    return format(normalized, "f") if normalized != 0 else "0"


def boolean(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "on")
    return bool(value)


def address(value: Any) -> dict[str, str]:
    """An address with its non-empty parts; ``zipcode`` (Books' invoice lists) reads as ``zip``."""
    if not value:
        return {}
    if not isinstance(value, Mapping):
        value = {part: getattr(value, part, None) for part in ADDRESS_PARTS}
    result = {}
    for part in ADDRESS_PARTS:
        raw = value.get(part)
        if raw is None and part == "zip":
            raw = value.get("zipcode")
        cleaned = text(raw)
        if cleaned:
            result[part] = cleaned
    return result


def content_hash(canonical: Mapping[str, Any]) -> str:
    """sha256 of the sorted JSON of a canonical dict."""
    payload = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def match_key(value: Any) -> str:
    """The duplicate key of SYN-7: trimmed and case-insensitive."""
    return text(value).casefold()
