"""Pagination that costs about the same on page 2,000 as on page 1 (REC-11, PERF-3).

``DeferredJoinPaginator`` is Django's ``Paginator`` with a "deferred join" for querysets: the page's rows are chosen
by their primary keys only, then loaded with their joins, in ONE query::

    SELECT <row with its select_related joins> FROM t ...
     WHERE <filters> AND t.id IN (SELECT t.id FROM t WHERE <filters> ORDER BY <ordering> LIMIT 50 OFFSET 99900)
     ORDER BY <ordering>

A plain ``OFFSET 99900`` builds (and discards) 99,900 whole rows with all their joins; the inner query above walks
only the index that serves the ordering (usually an index-only scan), and the joins are made for the 50 rows kept.
The outer query keeps the filters, joins, annotations and ordering of the original queryset, so it returns exactly the
rows of the inner one in the same order (the list selectors always order with the id as the last key), and
``prefetch_related`` still runs once per page. The number of queries is the same as with ``Paginator``.

Querysets where "the same rows by id" is not the same thing (DISTINCT, UNION…, ``values()``) and plain lists are
paginated as ``Paginator`` does.
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
    return object_list.filter(pk__in=ids)


def _deferrable(object_list) -> bool:
    if not isinstance(object_list, QuerySet) or object_list._iterable_class is not ModelIterable:
        return False
    query = object_list.query
    return not (query.distinct or query.combinator or query.is_sliced or query.group_by is not None)

