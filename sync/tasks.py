"""Tasks of the task cluster. Arguments are ids; each task re-reads its row (STYLE 3)."""

from __future__ import annotations


def run_sync(run_id: int) -> str:
    from sync.engine.run import execute_run

    run = execute_run(run_id)
    return run.state if run else "not claimed"


def dispatch() -> list[int]:
    from sync.services import dispatch_automatic_runs

    return dispatch_automatic_runs()
