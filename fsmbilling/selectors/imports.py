"""Reads of data imports (REC-10)."""

from __future__ import annotations

from django.db.models import QuerySet

from fsmbilling.models import ImportJob, ImportRowError


def import_job_list(*, organization, modules: list[str] | None = None) -> QuerySet:
    """The organization's import jobs, newest first, without the file itself (it can be megabytes)."""
    queryset = ImportJob.objects.filter(organization=organization).defer("content").select_related("created_by")
    if modules is not None:
        queryset = queryset.filter(module__in=modules)
    return queryset.order_by("-created_at", "-id")


def import_row_errors(*, job: ImportJob, limit: int | None = 20) -> list[ImportRowError]:
    queryset = ImportRowError.objects.filter(organization_id=job.organization_id, job=job).order_by("row_number")
    return list(queryset[:limit] if limit else queryset)
