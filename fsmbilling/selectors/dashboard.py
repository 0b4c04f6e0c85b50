"""Figures of the dashboard, each in one query."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Q, Sum

from fsmbilling.models import WorkOrder

OPEN_STATES = (WorkOrder.State.NEW, WorkOrder.State.SCHEDULED, WorkOrder.State.IN_PROGRESS)


def dashboard_figures(*, organization) -> dict:
    work_orders = WorkOrder.objects.filter(organization=organization).aggregate(
        open=Count("id", filter=Q(status__in=OPEN_STATES)),
        completed=Count("id", filter=Q(status=WorkOrder.State.COMPLETED)),
        unbilled=Sum("unbilled_amount", filter=Q(is_billable=True) & ~Q(status=WorkOrder.State.CANCELLED)),
    )
    by_status = dict(WorkOrder.objects.filter(organization=organization).values_list("status").annotate(n=Count("id")))
    biggest = max(by_status.values(), default=0) or 1
    chart = [
        {"label": label, "count": by_status.get(value, 0), "percent": round(100 * by_status.get(value, 0) / biggest)}
        for value, label in WorkOrder.State.choices
    ]
    figures = {
        "open_work_orders": work_orders["open"],
        "unbilled_amount": work_orders["unbilled"] or Decimal("0"),
        "work_orders_by_status": chart,
    }
    try:
        from invoicing.selectors import invoice_dashboard_figures
    except ImportError:
        pass
    else:
        figures.update(invoice_dashboard_figures(organization=organization))
    try:
        from sync.selectors import sync_dashboard_figures
    except ImportError:
        pass
    else:
        figures.update(sync_dashboard_figures(organization=organization))
    return figures
