"""Refusals shared by the record services: conflicts of state and the finance-availability guard (FIN-7).

Both are ``ValidationError`` subclasses, so pages show them like any other refusal (a form error or a message), while
the API answers them with 409 and their ``code`` instead of a 400.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class Conflict(ValidationError):
    """A refusal because of the record's state (API: 409 ``{code, message}``), e.g. editing an invoiced line."""

    default_code = "conflict"

    def __init__(self, message: str, *, code: str | None = None):
        self.error_code = code or self.default_code
        super().__init__(message, code=self.error_code)

    @property
    def message_text(self) -> str:
        return self.messages[0]


class FinanceUnavailable(Conflict):
    """Creating work orders, appointments and assets is refused while the finance organization is unusable (FIN-7).

    The reason comes from the sync app and says what happened and what to do (reconnect, or ask support to switch).
    """

    default_code = "finance_unavailable"

    def __init__(self, reason: str):
        self.reason = reason.strip()
        if not self.reason.endswith("."):
            self.reason += "."
        super().__init__(f"{self.reason} {_('Existing records can still be read and changed.')}")


def finance_block_reason(organization) -> str | None:
    """Why the organization's finance organization cannot be used (deleted, access revoked), or None.

    The sync app answers it (``sync.selectors.finance_block_reason``); without the sync app nothing blocks.
    """
    try:
        from sync.selectors import finance_block_reason as reason_of
    except ImportError:
        return None
    return reason_of(organization)


def ensure_finance_available(organization) -> None:
    """Raise ``FinanceUnavailable`` when the finance organization is gone or access to it was revoked (FIN-7)."""
    reason = finance_block_reason(organization)
    if reason:
        raise FinanceUnavailable(reason)
