"""The match review of SYN-7: what the first run will link, create and overwrite, before anything is written.

For every FSM record that is not linked yet, the review lists the Books records it could be the same as, each with a
score from 0 to 100 and the parts that make it up. The proposed action follows what the engine does on its own
(``Matcher``): with *Overwrite*, a record whose key (company name, contact email, item name; trimmed,
case-insensitive) matches an unlinked Books record is linked to it — the most recently modified one on each side when
several share the key; otherwise it is created anew in Books. With *Clone*, everything is created anew.

An administrator may accept the proposals in bulk, or change a row: link to another Books record, create anew, or
skip. Decisions are stored as ``MatchDecision`` rows; at Save and Enable, link decisions become links before the first
run (``decisions_apply``), so both the customers and the items engine honour them.

Books is read through the connector only (``list_contacts``, ``list_items``): list calls, no writes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from difflib import SequenceMatcher
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fsmbilling.models import Company, Contact, Organization, ServicePart, Status
from sync.connectors import base as remote
from sync.engine import canonical as c
from sync.engine_models import MatchDecision, SyncLink, SyncSettings

MAX_CANDIDATES = 5
# Books lists customers without addresses: the best candidates are read in full (GET only), at most this many a review.
ADDRESS_READS = 50
MIN_FUZZY_SCORE = 35
MODULE_KIND = {"companies": SyncLink.Kind.COMPANY, "contacts": SyncLink.Kind.CONTACT, "services_and_parts": "item"}
MODULE_LABEL = {
    "companies": gettext_lazy("Companies ↔ Business customers"),
    "contacts": gettext_lazy("Contacts ↔ Individual customers"),
    "services_and_parts": gettext_lazy("Services and parts ↔ Items"),
}
ACTIONS = ("link", "create", "skip")

# How many points each part of the score can give (they add up to 100).
CUSTOMER_WEIGHTS = {"name": 40, "email": 30, "phone": 15, "address": 15}
ITEM_WEIGHTS = {"name": 70, "sku": 15, "rate": 15}


@dataclass(frozen=True)
class ScorePart:
    name: str
    points: int
    max_points: int
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"part": self.name, "points": self.points, "max_points": self.max_points, "detail": self.detail}


@dataclass
class Side:
    """One record as the review compares it, whichever side it is on."""

    id: str
    label: str
    key: str
    email: str = ""
    phone: str = ""
    address: dict[str, str] = field(default_factory=dict)
    sku: str = ""
    rate: str = ""
    modified: dt.datetime | None = None

    @property
    def address_text(self) -> str:
        return ", ".join(v for k, v in self.address.items() if k in ("address", "city", "state", "zip", "country"))


@dataclass
class Candidate:
    record: Side
    score: int
    parts: list[ScorePart]
    same_key: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "books_id": self.record.id,
            "name": self.record.label,
            "email": self.record.email,
            "phone": self.record.phone,
            "address": self.record.address_text,
            "same_key": self.same_key,
            "score": self.score,
            "score_parts": [p.as_dict() for p in self.parts],
        }


@dataclass
class Proposal:
    module: str
    kind: str
    local: Side
    candidates: list[Candidate]
    action: str = "create"
    remote_id: str = ""
    decided: bool = False
    note: str = ""

    @property
    def local_id(self) -> int:
        return int(self.local.id)

    @property
    def chosen(self) -> Candidate | None:
        return next((cand for cand in self.candidates if cand.record.id == self.remote_id), None)

    @property
    def score(self) -> int:
        chosen = self.chosen
        return chosen.score if chosen else 0

    def as_dict(self) -> dict[str, Any]:
        chosen = self.chosen
        return {
            "kind": self.kind,
            "local_id": self.local_id,
            "name": self.local.label,
            "email": self.local.email,
            "phone": self.local.phone,
            "address": self.local.address_text,
            "action": self.action,
            "books_id": self.remote_id or None,
            "score": chosen.score if chosen else None,
            "decided": self.decided,
            "note": self.note,
            "candidates": [cand.as_dict() for cand in self.candidates],
        }


@dataclass
class ModuleReview:
    module: str
    kind: str
    proposals: list[Proposal]
    remote_unlinked: dict[str, Side]

    @property
    def label(self) -> str:
        return str(MODULE_LABEL[self.module])

    @property
    def counts(self) -> dict[str, int]:
        """What the first run will do: create, link and overwrite on each side."""
        linked = [p for p in self.proposals if p.action == "link"]
        claimed = {p.remote_id for p in self.proposals if p.action in ("link", "skip") and p.remote_id}
        overwrite_books = overwrite_fsm = 0
        for proposal in linked:
            remote_side = self.remote_unlinked.get(proposal.remote_id)
            if _later_side(proposal.local.modified, remote_side.modified if remote_side else None) == "fsm":
                overwrite_books += 1
            else:
                overwrite_fsm += 1
        return {
            "link": len(linked),
            "create_in_books": sum(1 for p in self.proposals if p.action == "create"),
            "create_in_fsm": sum(1 for rid in self.remote_unlinked if rid not in claimed),
            "overwrite_in_books": overwrite_books,
            "overwrite_in_fsm": overwrite_fsm,
            "skip": sum(1 for p in self.proposals if p.action == "skip"),
        }

    def as_dict(self, *, limit: int | None = None) -> dict[str, Any]:
        shown = self.proposals if limit is None else self.proposals[:limit]
        return {
            "module": self.module,
            "label": self.label,
            "counts": self.counts,
            "proposals": [p.as_dict() for p in shown],
            "truncated": len(shown) < len(self.proposals),
        }


@dataclass
class Review:
    duplicate_handling: str
    modules: list[ModuleReview]

    def module(self, name: str) -> ModuleReview | None:
        return next((m for m in self.modules if m.module == name), None)

    @property
    def totals(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for module in self.modules:
            for key, value in module.counts.items():
                totals[key] = totals.get(key, 0) + value
        return totals

    def as_dict(self, *, limit: int | None = None) -> dict[str, Any]:
        return {
            "duplicate_handling": self.duplicate_handling,
            "totals": self.totals,
            "modules": [m.as_dict(limit=limit) for m in self.modules],
            "score_explanation": str(SCORE_EXPLANATION),
        }


SCORE_EXPLANATION = gettext_lazy(
    "Customers score up to 100: name alike up to 40, same email 30 (same domain 10), same phone 15, same billing "
    "address 15 (street 8, postal code 7). Items score up to 100: name alike up to 70, same SKU 15, same rate 15. "
    "A proposal to link comes from the duplicate key (company name, contact email, item name), not from the score."
)


# --- Building the review ------------------------------------------------------------------------------------------


def modules_for(sync_type: str) -> list[str]:
    modules = []
    if sync_type in ("I", "III", "IV"):
        modules.append("companies")
    if sync_type in ("II", "IV"):
        modules.append("contacts")
    modules.append("services_and_parts")
    return modules


def build_review(organization: Organization, connector, *, duplicate_handling: str | None = None) -> Review:
    """Read Books (list calls only) and FSM, and propose what the first run does. Raises FinanceError when Books
    cannot be read."""
    settings_row, _created = SyncSettings.objects.get_or_create(organization=organization)
    duplicates = duplicate_handling or settings_row.duplicate_handling
    modules = modules_for(settings_row.sync_type)
    customers: list[remote.Customer] = []
    if "companies" in modules or "contacts" in modules:
        for page in connector.list_contacts():
            customers.extend(page.items)
    items: list[remote.Item] = []
    for page in connector.list_items():
        items.extend(page.items)
    decisions = {(d.kind, d.local_id): d for d in MatchDecision.objects.filter(organization=organization)}
    reviews = []
    for module in modules:
        kind = MODULE_KIND[module]
        linked_remote = set(
            SyncLink.objects.filter(organization=organization, kind=kind)
            .exclude(remote_id="")
            .values_list("remote_id", flat=True)
        )
        if module == "services_and_parts":
            remotes = [_remote_item(i) for i in items if (i.status or "active") == "active"]
        else:
            sub_type = "business" if module == "companies" else "individual"
            remotes = [
                _remote_customer(row, module)
                for row in customers
                if (row.contact_type or "customer") == "customer"
                and (row.customer_sub_type or "business") == sub_type
                and (row.status or "active") == "active"
            ]
        remote_unlinked = {r.id: r for r in remotes if r.id and r.id not in linked_remote}
        locals_ = _local_sides(organization, module, settings_row.sync_type)
        reviews.append(_propose(module, kind, locals_, remote_unlinked, decisions, duplicates))
    _read_addresses(reviews, connector)
    return Review(duplicate_handling=duplicates, modules=reviews)


def _local_sides(organization: Organization, module: str, sync_type: str) -> list[Side]:
    kind = MODULE_KIND[module]
    linked = SyncLink.objects.filter(organization=organization, kind=kind, local_id__isnull=False).values("local_id")
    if module == "companies":
        rows = Company.objects.filter(organization=organization, status=Status.ACTIVE).exclude(pk__in=linked)
        return [
            Side(
                id=str(r.pk),
                label=r.name,
                key=c.match_key(r.name),
                email=r.email,
                phone=r.phone,
                address=c.address(r.billing_address),
                modified=r.updated_at,
            )
            for r in rows.order_by("name", "pk")
        ]
    if module == "contacts":
        rows = Contact.objects.filter(organization=organization, status=Status.ACTIVE).exclude(pk__in=linked)
        if sync_type == "IV":
            rows = rows.filter(company__isnull=True)
        return [
            Side(
                id=str(r.pk),
                label=r.full_name,
                key=c.match_key(r.email) or c.match_key(r.full_name),
                email=r.email,
                phone=r.phone or r.mobile,
                address=c.address(r.billing_address),
                modified=r.updated_at,
            )
            for r in rows.order_by("last_name", "first_name", "pk")
        ]
    rows = ServicePart.objects.filter(organization=organization, status=Status.ACTIVE).exclude(pk__in=linked)
    return [
        Side(
            id=str(r.pk),
            label=r.name,
            key=c.match_key(r.name),
            sku=r.sku,
            rate=c.decimal(r.rate),
            modified=r.updated_at,
        )
        for r in rows.order_by("name", "pk")
    ]


def _remote_customer(row: remote.Customer, module: str) -> Side:
    persons = row.contact_persons
    primary = next((p for p in persons if p.is_primary_contact), persons[0] if persons else None)
    email = (primary.email if primary and primary.email else None) or row.email or ""
    phone = (primary.phone if primary and primary.phone else None) or row.phone or row.mobile or ""
    if module == "companies":
        name = row.company_name or row.contact_name
        key = c.match_key(name)
    else:
        name = row.contact_name
        key = c.match_key(email) or c.match_key(name)
    return Side(
        id=row.contact_id or "",
        label=name or "",
        key=key,
        email=email,
        phone=phone,
        address=c.address(row.billing_address),
        modified=row.last_modified_time or row.created_time,
    )


def _remote_item(item: remote.Item) -> Side:
    return Side(
        id=item.item_id or "",
        label=item.name,
        key=c.match_key(item.name),
        sku=item.sku or "",
        rate=c.decimal(item.rate),
        modified=item.last_modified_time or item.created_time,
    )


def _tokens(text: str) -> list[str]:
    return [t for t in re.findall(r"[a-z0-9]+", text.casefold()) if len(t) >= 3]


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text or "")[-10:]


class _Index:
    """Finds Books records that could be the same as an FSM record without comparing every pair."""

    def __init__(self, remotes: dict[str, Side]):
        self.by_key: dict[str, list[Side]] = {}
        self.by_email: dict[str, list[Side]] = {}
        self.by_phone: dict[str, list[Side]] = {}
        self.by_token: dict[str, list[Side]] = {}
        for side in remotes.values():
            if side.key:
                self.by_key.setdefault(side.key, []).append(side)
            if side.email:
                self.by_email.setdefault(side.email.casefold(), []).append(side)
            if len(_digits(side.phone)) >= 7:
                self.by_phone.setdefault(_digits(side.phone), []).append(side)
            for token in set(_tokens(side.label)):
                self.by_token.setdefault(token, []).append(side)

    def candidates(self, local: Side) -> list[Side]:
        found: dict[str, Side] = {}
        for side in self.by_key.get(local.key, []):
            found.setdefault(side.id, side)
        for side in self.by_email.get(local.email.casefold(), []) if local.email else []:
            found.setdefault(side.id, side)
        for side in self.by_phone.get(_digits(local.phone), []) if len(_digits(local.phone)) >= 7 else []:
            found.setdefault(side.id, side)
        for token in set(_tokens(local.label)):
            bucket = self.by_token.get(token, [])
            if len(bucket) <= 50:  # a very common word says nothing
                for side in bucket:
                    found.setdefault(side.id, side)
        return list(found.values())


def score_customer(local: Side, other: Side) -> tuple[int, list[ScorePart]]:
    w = CUSTOMER_WEIGHTS
    ratio = SequenceMatcher(None, local.label.casefold().strip(), other.label.casefold().strip()).ratio()
    name_points = round(w["name"] * ratio)
    name_detail = (
        _("Names are the same") if ratio == 1 else _("Names are %(pct)s%% alike") % {"pct": round(ratio * 100)}
    )
    if local.email and other.email:
        if local.email.casefold() == other.email.casefold():
            email_points, email_detail = w["email"], _("Same email")
        elif local.email.casefold().rsplit("@", 1)[-1] == other.email.casefold().rsplit("@", 1)[-1]:
            email_points, email_detail = 10, _("Same email domain")
        else:
            email_points, email_detail = 0, _("Different emails")
    else:
        email_points, email_detail = 0, _("No email on one side")
    local_phone, other_phone = _digits(local.phone), _digits(other.phone)
    if local_phone and other_phone:
        same_phone = local_phone == other_phone and len(local_phone) >= 3
        phone_points = w["phone"] if same_phone else 0
        phone_detail = _("Same phone") if same_phone else _("Different phones")
    else:
        phone_points, phone_detail = 0, _("No phone on one side")
    address_points, address_parts = 0, []
    if local.address and other.address:
        street_a = c.match_key(local.address.get("address"))
        street_b = c.match_key(other.address.get("address"))
        if street_a and street_a == street_b:
            address_points += 8
            address_parts.append(_("same street"))
        zip_a = c.match_key(local.address.get("zip"))
        if zip_a and zip_a == c.match_key(other.address.get("zip")):
            address_points += 7
            address_parts.append(_("same postal code"))
        address_detail = (", ".join(address_parts) or _("Different addresses")).capitalize()
    else:
        address_detail = _("No billing address on one side")
    parts = [
        ScorePart("name", name_points, w["name"], name_detail),
        ScorePart("email", email_points, w["email"], email_detail),
        ScorePart("phone", phone_points, w["phone"], phone_detail),
        ScorePart("address", address_points, w["address"], address_detail),
    ]
    return sum(p.points for p in parts), parts


def score_item(local: Side, other: Side) -> tuple[int, list[ScorePart]]:
    w = ITEM_WEIGHTS
    ratio = SequenceMatcher(None, local.label.casefold().strip(), other.label.casefold().strip()).ratio()
    name_detail = (
        _("Names are the same") if ratio == 1 else _("Names are %(pct)s%% alike") % {"pct": round(ratio * 100)}
    )
    if local.sku and other.sku:
        same_sku = c.match_key(local.sku) == c.match_key(other.sku)
        sku = ScorePart(
            "sku", w["sku"] if same_sku else 0, w["sku"], _("Same SKU") if same_sku else _("Different SKUs")
        )
    else:
        sku = ScorePart("sku", 0, w["sku"], _("No SKU on one side"))
    same_rate = _same_number(local.rate, other.rate)
    rate = ScorePart(
        "rate", w["rate"] if same_rate else 0, w["rate"], _("Same rate") if same_rate else _("Different rates")
    )
    parts = [ScorePart("name", round(w["name"] * ratio), w["name"], name_detail), sku, rate]
    return sum(p.points for p in parts), parts


def _same_number(a: str, b: str) -> bool:
    try:
        return a != "" and b != "" and Decimal(a) == Decimal(b)
    except InvalidOperation:
        return False


def _later_side(local_modified: dt.datetime | None, remote_modified: dt.datetime | None) -> str:
    """The planner's rule for a pair that never agreed: the side modified later wins, ties go to FSM."""
    if remote_modified and (local_modified is None or remote_modified > local_modified):
        return "books"
    return "fsm"


def _newest_first(sides: list[Side]) -> list[Side]:
    floor = dt.datetime.min.replace(tzinfo=dt.UTC)
    return sorted(sides, key=lambda s: s.modified or floor, reverse=True)


def _propose(
    module: str,
    kind: str,
    locals_: list[Side],
    remote_unlinked: dict[str, Side],
    decisions: dict[tuple[str, int], MatchDecision],
    duplicates: str,
) -> ModuleReview:
    index = _Index(remote_unlinked)
    scorer = score_item if module == "services_and_parts" else score_customer
    proposals: list[Proposal] = []
    for local in locals_:
        candidates = []
        for other in index.candidates(local):
            score, parts = scorer(local, other)
            same_key = bool(local.key) and other.key == local.key
            if same_key or score >= MIN_FUZZY_SCORE:
                candidates.append(Candidate(other, score, parts, same_key))
        candidates.sort(key=lambda cand: (not cand.same_key, -cand.score, cand.record.label))
        proposals.append(Proposal(module=module, kind=kind, local=local, candidates=candidates[:MAX_CANDIDATES]))

    # Decisions first: what an administrator chose stands, and the Books records it claims are taken.
    claimed: set[str] = set()
    for proposal in proposals:
        decision = decisions.get((kind, proposal.local_id))
        if decision is None:
            continue
        if decision.action == "link" and decision.remote_id not in remote_unlinked:
            proposal.note = _("The Books record chosen earlier is no longer there or already linked; choose again.")
            continue
        proposal.action = decision.action
        proposal.remote_id = decision.remote_id if decision.action in ("link", "skip") else ""
        proposal.decided = True
        if decision.action == "link":
            claimed.add(decision.remote_id)
            _ensure_candidate(proposal, remote_unlinked[decision.remote_id], scorer)

    # Then what the engine does on its own (Matcher): with Overwrite, one link per key between the most recently
    # modified record on each side; the other records with that key are reported as duplicates.
    by_key: dict[str, list[Proposal]] = {}
    for proposal in proposals:
        if not proposal.decided and proposal.local.key:
            by_key.setdefault(proposal.local.key, []).append(proposal)
    for key, group in by_key.items():
        free = _newest_first([s for s in index.by_key.get(key, []) if s.id not in claimed])
        newest_local = max(group, key=lambda p: p.local.modified or dt.datetime.min.replace(tzinfo=dt.UTC))
        for proposal in group:
            if duplicates != SyncSettings.Duplicates.OVERWRITE or not free:
                proposal.action = "create"
                if free:
                    proposal.note = _("Clone: created anew in Books even though a customer with this key exists.")
                continue
            if proposal is newest_local:
                proposal.action = "link"
                proposal.remote_id = free[0].id
                claimed.add(free[0].id)
                if len(free) > 1:
                    proposal.note = _("%(n)s Books records share this key; the most recently modified is linked.") % {
                        "n": len(free)
                    }
            else:
                proposal.action = "create"
                proposal.note = _(
                    "Another FSM record with the same key is more recent and gets the link; this one is reported as "
                    "a duplicate."
                )
    return ModuleReview(module=module, kind=kind, proposals=proposals, remote_unlinked=remote_unlinked)


def _read_addresses(reviews: list[ModuleReview], connector) -> None:
    """Fill in the billing address of the best customer candidates (Books' lists have none), then score again."""
    budget = ADDRESS_READS
    read: dict[str, dict[str, str]] = {}
    for module in reviews:
        if module.module == "services_and_parts":
            continue
        for proposal in module.proposals:
            best = proposal.chosen or (proposal.candidates[0] if proposal.candidates else None)
            if best is None or not proposal.local.address or best.record.address:
                continue
            if best.record.id not in read:
                if budget <= 0:
                    return
                budget -= 1
                try:
                    read[best.record.id] = c.address(connector.get_contact(best.record.id).billing_address)
                except remote.FinanceError:
                    read[best.record.id] = {}
            best.record.address = read[best.record.id]
            best.score, best.parts = score_customer(proposal.local, best.record)


def _ensure_candidate(proposal: Proposal, other: Side, scorer) -> None:
    if any(cand.record.id == other.id for cand in proposal.candidates):
        return
    score, parts = scorer(proposal.local, other)
    proposal.candidates.insert(0, Candidate(other, score, parts, other.key == proposal.local.key))


# --- Decisions ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionInput:
    kind: str
    local_id: int
    action: str
    remote_id: str = ""


@transaction.atomic
def decisions_save(
    *, organization: Organization, actor, review: Review, decisions: list[DecisionInput]
) -> list[MatchDecision]:
    """Store per-row decisions (link to a chosen Books record, create anew, skip). Refuses records that are not in
    the review, Books records that are not unlinked records of the module, and one Books record chosen twice."""
    errors: list[str] = []
    by_kind = {m.kind: m for m in review.modules}
    chosen: dict[tuple[str, str], int] = {}
    batch = {(d.kind, d.local_id) for d in decisions}
    existing = {
        (d.kind, d.remote_id): (d.kind, d.local_id)
        for d in MatchDecision.objects.filter(organization=organization, action="link").exclude(remote_id="")
    }
    rows = []
    for decision in decisions:
        module = by_kind.get(decision.kind)
        proposal = None
        if module is not None:
            proposal = next((p for p in module.proposals if p.local_id == decision.local_id), None)
        if proposal is None:
            errors.append(
                _("Record %(id)s is not in the match review (already linked, inactive or another kind).")
                % {"id": decision.local_id}
            )
            continue
        if decision.action not in ACTIONS:
            errors.append(_("%(name)s: choose link, create or skip.") % {"name": proposal.local.label})
            continue
        remote_id = decision.remote_id
        if decision.action == "link":
            if not remote_id or remote_id not in module.remote_unlinked:
                errors.append(
                    _("%(name)s: choose a Books record that is not linked yet.") % {"name": proposal.local.label}
                )
                continue
            holder = existing.get((decision.kind, remote_id))
            if (decision.kind, remote_id) in chosen or (holder is not None and holder not in batch):
                errors.append(
                    _("%(name)s: that Books record is already chosen for another record.")
                    % {"name": proposal.local.label}
                )
                continue
            chosen[(decision.kind, remote_id)] = decision.local_id
        elif decision.action == "skip":
            remote_id = remote_id if remote_id in module.remote_unlinked else proposal.remote_id
        else:
            remote_id = ""
        score = 0
        if remote_id:
            match = next((cand for cand in proposal.candidates if cand.record.id == remote_id), None)
            if match is None and remote_id in module.remote_unlinked:
                scorer = score_item if module.module == "services_and_parts" else score_customer
                score = scorer(proposal.local, module.remote_unlinked[remote_id])[0]
            elif match is not None:
                score = match.score
        rows.append((decision.kind, decision.local_id, decision.action, remote_id, score))
    if errors:
        raise ValidationError({"decisions": errors})
    saved = []
    for kind, local_id, action, remote_id, score in rows:
        row, _created = MatchDecision.objects.update_or_create(
            organization=organization,
            kind=kind,
            local_id=local_id,
            defaults={"action": action, "remote_id": remote_id, "score": score, "decided_by": actor},
        )
        saved.append(row)
    return saved


def accept_all(*, organization: Organization, actor, review: Review) -> int:
    """Bulk accept: store every row's current proposal as a decision."""
    decisions = [
        DecisionInput(kind=p.kind, local_id=p.local_id, action=p.action, remote_id=p.remote_id)
        for module in review.modules
        for p in module.proposals
    ]
    return len(decisions_save(organization=organization, actor=actor, review=review, decisions=decisions))


def decisions_clear(*, organization: Organization, actor) -> int:
    return MatchDecision.objects.filter(organization=organization).delete()[0]


def decisions_apply(*, organization: Organization) -> int:
    """Turn link decisions into links before the first run, exactly as the engine's Matcher saves a match (no base:
    the first plan compares both sides and the later modified side wins each field that differs)."""
    made = 0
    for decision in MatchDecision.objects.filter(organization=organization, action="link").exclude(remote_id=""):
        taken = SyncLink.objects.filter(organization=organization, kind=decision.kind).filter(
            Q(local_id=decision.local_id) | Q(remote_id=decision.remote_id)
        )
        if taken.exists():
            continue
        SyncLink.objects.create(
            organization=organization,
            kind=decision.kind,
            local_id=decision.local_id,
            remote_id=decision.remote_id,
            state=SyncLink.State.LINKED,
            base=None,
        )
        made += 1
    return made
