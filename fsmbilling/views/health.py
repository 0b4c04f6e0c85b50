"""/healthz: database, task cluster and last sync (OPS-5)."""

from __future__ import annotations

from django.db import connection
from django.http import JsonResponse
from django.utils import timezone


def _cluster_state() -> dict:
    try:
        from django_q.status import Stat

        clusters = Stat.get_all()
        return {"ok": bool(clusters), "clusters": len(clusters)}
    except Exception as exc:  # noqa: BLE001 - health must answer whatever broke
        return {"ok": False, "error": str(exc)[:200]}


def _last_sync() -> dict | None:
    try:
        from sync.selectors import last_finished_run_summary
    except ImportError:
        return None
    return last_finished_run_summary()


def healthz(request):
    db = {"ok": True}
    try:
        with connection.cursor() as cursor:
            cursor.execute("select 1")
    except Exception as exc:  # noqa: BLE001
        db = {"ok": False, "error": str(exc)[:200]}
    body = {
        "status": "ok" if db["ok"] else "error",
        "database": db,
        "task_cluster": _cluster_state() if db["ok"] else {"ok": False},
        "last_sync": _last_sync() if db["ok"] else None,
        "time": timezone.now().isoformat(),
    }
    return JsonResponse(body, status=200 if db["ok"] else 503)
