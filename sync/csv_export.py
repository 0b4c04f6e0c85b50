"""``<Module>FailureLogs.csv`` of a run (SYN-18): one line per failed record of the module in that run."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.http import StreamingHttpResponse

from sync.engine_models import SyncFailure, SyncRun
from sync.selectors import REASON_EXPLANATIONS, failure_filename

HEADER = ["Record", "Books ID", "Direction", "Reason", "Explanation"]
DIRECTION_LABELS = {"to_books": "FSM → Books", "to_fsm": "Books → FSM"}


class _Echo:
    def write(self, value: str) -> str:
        return value


def _safe(value) -> str:
    """Plain text; a cell a spreadsheet would run as a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def failure_rows(run: SyncRun, module: str) -> Iterator[list[str]]:
    yield HEADER
    failures = SyncFailure.objects.filter(organization_id=run.organization_id, run=run, module=module).order_by("id")
    for failure in failures.iterator(chunk_size=2000):
        reason = failure.message or failure.reason_code
        if failure.reason_code and failure.reason_code not in reason:
            reason = f"{failure.reason_code}: {reason}"
        explanation = failure.explanation or str(REASON_EXPLANATIONS.get(failure.reason_code, ""))
        yield [
            _safe(failure.record_label or failure.local_id or failure.remote_id),
            _safe(failure.remote_id),
            DIRECTION_LABELS.get(failure.direction, failure.direction),
            _safe(reason),
            _safe(explanation),
        ]


def failure_csv_response(run: SyncRun, module: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        ("\ufeff" if index == 0 else "") + writer.writerow(row) for index, row in enumerate(failure_rows(run, module))
    )
    response["Content-Type"] = "text/csv; charset=utf-8"
    response["Content-Disposition"] = f'attachment; filename="{failure_filename(module)}"'
    return response
