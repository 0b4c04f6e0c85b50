"""Index-backed list search (REC-11, PERF-3) with PostgreSQL full-text search — no extension needed.

What a search matches
    Every word typed must be the START of a word of the record's searched fields, case-insensitively: "bow" finds
    "Bowman and Co", "ap@bow" finds "ap@bowman.test" (the words "ap" and "bow"), "555 0100" finds "+1-555-0100".
    Words are runs of letters and digits: punctuation separates words on both sides. Arbitrary infixes ("owma") are
    no longer found. Identifier-like fields (work order, invoice and estimate numbers, SKU, serial number) are also
    found by their END, the way people type them: "0042" or "42" finds WO-000042, "1" finds BOIL-1 ("00042" also
    finds WO-000420, whose digits start with it). Several words must all be in the record's own fields, or all in
    its company's (or contact's).

How it stays fast
    Each searched table has a GIN index on ``document(fields)``:
    ``to_tsvector('simple', regexp_replace(COALESCE(f1, '') || ' ' || …, '[[:punct:]]+', ' ', 'g'))``; the search is
    ``document(fields) @@ to_tsquery('simple', 'word1:* & word2:*')``, the same expression, so PostgreSQL answers it
    from the index (the 'simple' configuration lowercases and keeps every word: no stemming, no stop words, names
    and codes stay as typed). The end of an identifier is a btree index on ``(organization, reverse(upper(field))
    COLLATE "C")`` searched with ``reverse(upper(field)) COLLATE "C" LIKE '24000%'`` (in the C collation a
    btree serves LIKE 'prefix%', whatever the database's collation).
    The search runs first: every table searched (the list's own, and joined ones such as a work order's company and
    contact) is searched through its own index, and the list keeps the rows whose id or foreign key is one of the ids
    found: ``id = ANY(ARRAY(SELECT id FROM workorder WHERE …)) OR company_id = ANY(ARRAY(SELECT id FROM company
    WHERE …))``. Each subquery runs once (an InitPlan) and each ``= ANY(array)`` is looked up in the primary or
    foreign key's index, so the whole ``OR`` is a BitmapOr of index scans, then the list orders and pages the rows
    found. (``company_id IN (SELECT …)`` inside an OR would be tested on every row; a plain ``WHERE document @@ q``
    lets the planner walk the list's ordered index, as it estimates any prefix query to match ~2% of the rows, and
    compute the document of every row: 290-550 ms for a one-row match at 100,000 rows, 2 ms this way.) The cost
    follows the number of rows found: a word start that matches all 100,000 rows takes 150-400 ms.

The indexes are created by fsmbilling/migrations/0003_list_search_indexes.py with these same expressions: changing
``SearchDocument`` or the fields of a document needs a new migration (tests/fsmbilling/test_list_search.py checks
the company search's plan).
"""

from __future__ import annotations

import re

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db.models import F, Func, Lookup, Q, QuerySet
from django.db.models.functions import Collate, Reverse, Upper
from django.db.models.lookups import StartsWith

MAX_WORDS = 8
_WORD = re.compile(r"[^\W_]+")  # letters and digits (any script); "_" and punctuation separate words
_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9#./_-]{0,39}")

# The searched fields of each table, as indexed by migration 0003 (keep both in step).
COMPANY = ("name", "email", "phone")
CONTACT = ("first_name", "last_name", "email", "phone", "mobile")
SERVICE_PART = ("name", "sku", "description", "hsn_sac")
WORK_ORDER = ("number", "summary")
ASSET = ("name", "serial_number")
INVOICE = ("number", "books_number")
ESTIMATE = ("number",)


class SearchDocument(Func):
    """The indexed text-search document of some text fields (see the module docstring)."""

    output_field = SearchVectorField()

    def __init__(self, *fields):
        super().__init__(*(F(name) for name in fields))

    def as_sql(self, compiler, connection, **extra_context):
        parts, params = [], []
        for expression in self.get_source_expressions():
            sql, sql_params = compiler.compile(expression)
            parts.append(f"COALESCE({sql}, '')")
            params.extend(sql_params)
        text = " || ' ' || ".join(parts)
        return f"to_tsvector('simple'::regconfig, regexp_replace({text}, '[[:punct:]]+', ' ', 'g'))", params


class Matches(Lookup):
    """``document @@ query`` (used as an expression, not registered on any field)."""

    lookup_name = "matches"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} @@ {rhs}", (*lhs_params, *rhs_params)


class AnyOf(Lookup):
    """``column = ANY(ARRAY(subquery))``: the subquery runs once and the column's index serves the array."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


def clean(text: str) -> str:
    return (text or "").replace("\x00", "").strip()[:200]


def words(text: str) -> list[str]:
    """The words of a search, lowercased: runs of letters and digits, at most MAX_WORDS."""
    return [w.lower() for w in _WORD.findall(clean(text))][:MAX_WORDS]


def prefix_query(text: str) -> SearchQuery | None:
    """``to_tsquery('simple', 'word1:* & word2:*')``, or None when the text has no word."""
    found = words(text)
    if not found:
        return None
    return SearchQuery(" & ".join(f"{w}:*" for w in found), search_type="raw", config="simple")


def document_matches(fields: tuple[str, ...], text: str) -> Q | None:
    """Rows whose ``fields`` contain a word starting with each word of ``text`` (GIN index on the document)."""
    query = prefix_query(text)
    return None if query is None else Q(Matches(SearchDocument(*fields), query))


def ends_with(field: str, text: str) -> Q | None:
    """Rows whose identifier ``field`` ends with ``text`` (case-insensitive), when ``text`` looks like one."""
    text = clean(text)
    if not _IDENTIFIER.fullmatch(text):
        return None
    return Q(StartsWith(Collate(Reverse(Upper(F(field))), "C"), text.upper()[::-1]))


def any_of(field: str, queryset: QuerySet) -> Q:
    """Rows whose ``field`` (a foreign key) is one of the ids of ``queryset``."""
    return Q(AnyOf(F(field), ArraySubquery(queryset.order_by().values("pk"))))


def either(*conditions: Q | None) -> Q | None:
    """The OR of the conditions that are not None (None when all are)."""
    result = None
    for condition in conditions:
        if condition is not None:
            result = condition if result is None else result | condition
    return result


def apply_search(queryset: QuerySet, condition: Q | None) -> QuerySet:
    """Filter by a search condition; no condition (nothing searchable was typed) matches nothing."""
    return queryset.none() if condition is None else queryset.filter(condition)


# --- The searches of the lists (see "How it stays fast" above) --------------------------------------------------------


def found(
    field: str, model, organization, fields: tuple[str, ...], text: str, identifier: str | None = None
) -> Q | None:
    """Rows whose ``field`` (the primary key, or a foreign key to ``model``) is the id of one of the organization's
    ``model`` rows whose ``fields`` match ``text``, or whose ``identifier`` ends with it.

    One ``= ANY(ARRAY(…))`` per index: a subquery with one index condition is answered by its index alone, whereas
    ``document @@ q OR reverse(…) LIKE …`` in one subquery would make PostgreSQL recompute every found row's document
    (a recheck of the OR), 400 ms when a short word matches 100,000 rows.
    """
    rows = model.objects.filter(organization=organization)
    document = document_matches(fields, text)
    end = ends_with(identifier, text) if identifier else None
    return either(
        None if document is None else any_of(field, rows.filter(document)),
        None if end is None else any_of(field, rows.filter(end)),
    )


def company_search(organization, text: str) -> Q | None:
    """Name, e-mail, phone."""
    from fsmbilling.models import Company

    return found("pk", Company, organization, COMPANY, text)


def contact_search(organization, text: str) -> Q | None:
    """Names, e-mail, phones, or the company's name, e-mail or phone."""
    from fsmbilling.models import Company, Contact

    return either(
        found("pk", Contact, organization, CONTACT, text), found("company_id", Company, organization, COMPANY, text)
    )


def customer_search(organization, text: str) -> Q | None:
    """Records with a company and a contact: the company's or the contact's searched fields."""
    from fsmbilling.models import Company, Contact

    return either(
        found("company_id", Company, organization, COMPANY, text),
        found("contact_id", Contact, organization, CONTACT, text),
    )


def work_order_found(field: str, organization, text: str) -> Q | None:
    """Rows whose ``field`` is a work order found by its own number (word start or end) or summary."""
    from fsmbilling.models import WorkOrder

    return found(field, WorkOrder, organization, WORK_ORDER, text, identifier="number")


def work_order_search(organization, text: str) -> Q | None:
    """Number, summary, or the company's or contact's searched fields."""
    return either(work_order_found("pk", organization, text), customer_search(organization, text))


def appointment_search(organization, text: str) -> Q | None:
    """The appointment's work order, by number or summary."""
    return work_order_found("work_order_id", organization, text)


def asset_search(organization, text: str) -> Q | None:
    """Name, serial number (word start or end), or the company's or contact's searched fields."""
    from fsmbilling.models import Asset

    own = found("pk", Asset, organization, ASSET, text, identifier="serial_number")
    return either(own, customer_search(organization, text))


def service_part_search(organization, text: str) -> Q | None:
    """Name, SKU (word start or end), description, HSN/SAC code."""
    from fsmbilling.models import ServicePart

    return found("pk", ServicePart, organization, SERVICE_PART, text, identifier="sku")
