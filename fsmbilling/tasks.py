"""Tasks of the task cluster for the core app. Arguments are ids; each task re-reads and locks its row (STYLE 3)."""

from __future__ import annotations


def run_import(job_id: int) -> str:
    """Import the rows of a pending CSV import job (REC-10)."""
    from fsmbilling.services.imports import run_import as run

    return run(job_id)


def deliver_workflow_action(delivery_id: int) -> str:
    """Send one workflow email alert or webhook (REC-12), retried with backoff on passing failures."""
    from fsmbilling.services.workflows import deliver

    return deliver(delivery_id)
