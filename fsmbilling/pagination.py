"""Pagination that costs about the same on page 2,000 as on page 1 (REC-11, PERF-3).

``DeferredJoinPaginator`` is Django's ``Paginator`` with a "deferred join" for querysets: the page's rows are chosen
by their primary keys only, then loaded with their joins, in ONE query::

    SELECT <row with its select_related joins> FROM t ...
     WHERE <filters> AND t.id IN (SELECT t.id FROM t WHERE <filters> ORDER BY <ordering> LIMIT 50 OFFSET 99900)
     ORDER BY <ordering>

A plain ``OFFSET 99900`` builds (and discards) 99,900 whole rows with all their joins; the inner query above walks
only the index that serves the ordering (usually an index-only scan), and the joins are made for the 50 rows kept.
The filters are applied once, in the inner query; the outer one loads those ids with the original queryset's
``select_related``, ``only``/``defer`` and ordering (the list selectors always order with the id as the last key), so
it returns the rows of the inner one in the same order, and ``prefetch_related`` still runs once per page. (A
queryset with annotations keeps its filters in the outer query too, since the annotations may depend on them.) The
number of queries is the same as with ``Paginator``.

Querysets where "the same rows by id" is not the same thing (DISTINCT, UNION…, GROUP BY, ``values()``), unordered
querysets and plain lists are paginated as ``Paginator`` does.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.db.models.query import ModelIterable


class DeferredJoinPaginator(Paginator):
    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return self._get_page(page_rows(self.object_list, bottom, top), number, self)


def page_rows(object_list, bottom: int, top: int):
    """``object_list[bottom:top]``, through a deferred join when ``object_list`` is a plain model queryset."""
    if not _deferrable(object_list):
        return object_list[bottom:top]
    if top <= bottom:
        return object_list.none()
    ids = object_list.prefetch_related(None).values_list("pk", flat=True)[bottom:top]
    if object_list.query.annotations or object_list.query.extra:
        return object_list.filter(pk__in=ids)  # the outer query needs the original one's computed columns
    # The ids already went through every filter: the outer query only loads them (joins, prefetches, ordering).
    rows = object_list.model._base_manager.filter(pk__in=ids)
    rows.query.select_related = object_list.query.select_related
    rows.query.deferred_loading = object_list.query.deferred_loading
    rows._prefetch_related_lookups = object_list._prefetch_related_lookups
    return rows.order_by(*object_list.query.order_by) if object_list.query.order_by else rows


def _deferrable(object_list) -> bool:
    if not isinstance(object_list, QuerySet) or object_list._iterable_class is not ModelIterable:
        return False
    query = object_list.query
    if query.distinct or query.combinator or query.is_sliced or query.group_by is not None:
        return False
    # Ordered by order_by() or by the model's Meta.ordering (which the outer query then has too).
    return bool(query.order_by or (query.default_ordering and query.get_meta().ordering))
