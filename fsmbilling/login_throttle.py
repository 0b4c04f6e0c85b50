"""Login throttling (REL-5): failed logins are counted per email and per client address in the cache.

After ``LOGIN_THROTTLE_ATTEMPTS`` failures within ``LOGIN_THROTTLE_WINDOW`` seconds (counted from the first failure),
further attempts for that email, or from that address, are refused until the window ends — without checking the
password, so a locked account cannot be guessed either. A successful login clears the email's counter; the address
counter runs out on its own, so one good password does not reopen an address that is guessing many accounts.

The client address is ``REMOTE_ADDR``. Behind a reverse proxy set ``LOGIN_THROTTLE_PROXY_COUNT`` to the number of
proxies that append to ``X-Forwarded-For``; the address is then read that many entries from the right, which a client
cannot forge.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

KEY_PREFIX = "login-throttle"


@dataclass(frozen=True)
class Lockout:
    seconds_left: int

    @property
    def minutes_left(self) -> int:
        return max(1, math.ceil(self.seconds_left / 60))


def _attempts() -> int:
    return int(getattr(settings, "LOGIN_THROTTLE_ATTEMPTS", 5))


def _window() -> int:
    return int(getattr(settings, "LOGIN_THROTTLE_WINDOW", 900))


def _key(kind: str, value: str) -> str:
    # Hashed: cache keys must be short and plain, and emails/addresses need not sit in the cache in clear.
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()
    return f"{KEY_PREFIX}:{kind}:{digest}"


def client_address(request) -> str:
    if request is None:
        return ""
    proxies = int(getattr(settings, "LOGIN_THROTTLE_PROXY_COUNT", 0))
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def _keys(email: str, address: str) -> list[str]:
    keys = []
    if email:
        keys.append(_key("email", email))
    if address:
        keys.append(_key("address", address))
    return keys


def lockout(*, email: str, address: str) -> Lockout | None:
    """The lockout in force for this email or address, if any (the longer one when both are locked)."""
    now = time.time()
    longest = 0.0
    for entry in cache.get_many(_keys(email, address)).values():
        if entry["count"] >= _attempts():
            longest = max(longest, entry["reset_at"] - now)
    return Lockout(seconds_left=math.ceil(longest)) if longest > 0 else None


def record_failure(*, email: str, address: str) -> None:
    """Count one failed attempt against the email and the address.

    A read-modify-write: with concurrent requests a few extra guesses may slip through, which is acceptable for a
    throttle; the window never grows, so a lockout always ends.
    """
    now = time.time()
    for key in _keys(email, address):
        entry = cache.get(key)
        if entry is None or entry["reset_at"] <= now:
            entry = {"count": 0, "reset_at": now + _window()}
        entry["count"] += 1
        cache.set(key, entry, timeout=max(1, math.ceil(entry["reset_at"] - now)))


def reset(*, email: str) -> None:
    cache.delete(_key("email", email))
