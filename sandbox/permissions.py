"""OAuth scopes (§2.5) and the per-organization role permissions of sandbox users (§12.2, SBX-2)."""

from __future__ import annotations

from sandbox.models import Membership

OPERATIONS = ("READ", "CREATE", "UPDATE", "DELETE")
METHOD_OPERATION = {"GET": "READ", "POST": "CREATE", "PUT": "UPDATE", "PATCH": "UPDATE", "DELETE": "DELETE"}
MODULES = ("contacts", "items", "invoices", "estimates", "customerpayments", "settings")

_ALL = list(OPERATIONS)
ROLE_DEFAULTS: dict[str, dict[str, list[str]]] = {
    "admin": {module: list(OPERATIONS) for module in MODULES},
    "staff": {
        **dict.fromkeys(("contacts", "items", "invoices", "estimates", "customerpayments"), _ALL),
        "settings": ["READ"],
    },
    "timesheetstaff": {"contacts": ["READ"], "items": ["READ"], "settings": ["READ"]},
}
# Any other role name is a custom role: read-only everywhere unless its permissions say more.
CUSTOM_ROLE_DEFAULT = {module: ["READ"] for module in MODULES}


def scope_allows(scopes: frozenset[str], *, modules: tuple[str, ...], operation: str) -> bool:
    """Whether the granted scopes (lower-cased) allow ``operation`` on one of ``modules``.

    ``ZohoBooks.*`` and ``ZohoInvoice.*`` are both accepted on both API roots (§12.10); ``*.fullaccess.all`` and
    ``*.<module>.ALL`` allow every operation. Case does not matter.
    """
    for product in ("zohobooks", "zohoinvoice"):
        if f"{product}.fullaccess.all" in scopes:
            return True
        for module in modules:
            if f"{product}.{module}.all" in scopes or f"{product}.{module}.{operation.lower()}" in scopes:
                return True
    return False


def membership_permissions(membership: Membership) -> dict[str, list[str]]:
    base = ROLE_DEFAULTS.get(membership.role, CUSTOM_ROLE_DEFAULT)
    merged = {module: list(ops) for module, ops in base.items()}
    for module, ops in (membership.permissions or {}).items():
        merged[module] = [op.upper() for op in ops]
    return merged


def role_allows(membership: Membership, *, module: str, operation: str) -> bool:
    return operation in membership_permissions(membership).get(module, [])
