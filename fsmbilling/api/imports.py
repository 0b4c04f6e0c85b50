"""Data import API (REC-10, API-3): ``POST imports`` (multipart CSV), ``GET imports/<id>``, its error file.

``POST /api/v1/orgs/<slug>/imports/`` takes the multipart fields ``file`` (the CSV), ``module`` (companies, contacts,
services_and_parts) and optionally ``mapping``: a JSON object of column header → field key ("" leaves a column out;
columns not named keep their automatic match). It answers 201 with the job, already queued; refusals are
``{code, message, fields}``: 400 (``empty_file``, ``not_csv``, ``file_too_large``, ``too_many_rows``, ``bad_csv``,
``invalid_module``, ``mapping_invalid``, ``file_required``), 409 (``sync_running``, ``import_running``).
"""

from __future__ import annotations

import json

from django.http import StreamingHttpResponse
from django.urls import path, reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from fsmbilling.api.base import OrgScopedViewSet
from fsmbilling.api.errors import ApiError
from fsmbilling.models import ImportJob
from fsmbilling.selectors.imports import import_job_list
from fsmbilling.services.imports import (
    ImportRefused,
    check_size,
    error_file_name,
    error_file_rows,
    import_cancel,
    import_submit,
)


class ImportJobSerializer(serializers.ModelSerializer):
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    percent = serializers.IntegerField(read_only=True)
    columns = serializers.SerializerMethodField(help_text="Each column of the file and the field it goes to.")
    error_file_url = serializers.SerializerMethodField(help_text="The failed rows as CSV, when there are any.")

    class Meta:
        model = ImportJob
        fields = [
            "id", "module", "state", "state_label", "file_name", "file_size", "encoding", "delimiter", "total_rows",
            "processed_rows", "created_count", "failed_count", "percent", "reason", "columns", "error_file_url",
            "created_by", "created_at", "started_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_columns(self, job) -> list[dict]:
        mapping = list(job.mapping or [])
        return [
            {"index": i, "header": header, "field": mapping[i] if i < len(mapping) else ""}
            for i, header in enumerate(job.headers)
        ]

    def get_error_file_url(self, job) -> str | None:
        if not job.failed_count:
            return None
        path = reverse("import-job-errors", kwargs={"org_slug": self.context["organization"].slug, "pk": job.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


def _refusal(exc: ImportRefused) -> ApiError:
    return ApiError(exc.code, exc.message, status_code=exc.status, fields={exc.field: [exc.message]})


UPLOAD_SCHEMA = inline_serializer(
    "ImportUpload",
    {
        "file": serializers.FileField(help_text="The CSV file (at most IMPORT_MAX_BYTES, 5 MB by default)."),
        "module": serializers.ChoiceField(choices=ImportJob.Module.choices),
        "mapping": serializers.CharField(
            required=False, help_text='JSON object of column header → field key, e.g. {"Company": "name"}.'
        ),
    },
)


class ImportJobViewSet(OrgScopedViewSet):
    """Import jobs of the organization: seen by whoever may view the module, started by whoever may edit it."""

    module = None  # the permission is the imported module's, checked per job
    base_queryset = ImportJob.objects.all()
    serializer_class = ImportJobSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    http_method_names = ["get", "post", "head", "options"]

    def _require(self, module: str, action_name: str) -> None:
        if not self.membership.role.allows(module, action_name):
            raise exceptions.PermissionDenied(
                f"Your role ({self.membership.role.name}) does not allow you to {action_name} "
                f"{module.replace('_', ' ')}. Ask an administrator."
            )

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ImportJob.objects.none()
        if self.action == "list":
            modules = [m for m in ImportJob.Module.values if self.membership.role.allows(m, "view")]
            return import_job_list(organization=self.organization, modules=modules)
        return super().get_queryset().defer("content")

    def get_object(self):
        job = super().get_object()
        self._require(job.module, "edit" if self.request.method == "POST" else "view")
        return job

    @extend_schema(request={"multipart/form-data": UPLOAD_SCHEMA}, responses={201: ImportJobSerializer})
    def create(self, request, *args, **kwargs):
        module = str(request.data.get("module", "") or "")
        if module not in ImportJob.Module.values:
            message = f"Choose what to import: module must be one of {', '.join(ImportJob.Module.values)}."
            raise ApiError("invalid_module", message, fields={"module": [message]})
        self._require(module, "edit")
        upload = request.FILES.get("file")
        if upload is None:
            message = "Send the CSV file in the multipart field “file”."
            raise ApiError("file_required", message, fields={"file": [message]})
        mapping = request.data.get("mapping")
        if isinstance(mapping, str):
            try:
                mapping = json.loads(mapping) if mapping.strip() else None
            except ValueError:
                message = 'mapping must be a JSON object of column header → field, e.g. {"Company": "name"}.'
                raise ApiError("mapping_invalid", message, fields={"mapping": [message]}) from None
        try:
            check_size(upload.size)
            job = import_submit(
                organization=self.organization,
                actor=request.user,
                module=module,
                file_name=upload.name,
                raw=upload.read(),
                mapping=mapping,
            )
        except ImportRefused as exc:
            raise _refusal(exc) from exc
        return Response(self.get_serializer(job).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="orgs_imports_errors_csv",
        responses={(200, "text/csv"): OpenApiResponse(description="The failed rows plus an error column.")},
    )
    def errors(self, request, *args, **kwargs):
        job = self.get_object()
        response = StreamingHttpResponse(error_file_rows(job), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="{error_file_name(job)}"'
        return response

    @extend_schema(request=None, responses={200: ImportJobSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        job = self.get_object()
        try:
            job = import_cancel(job=job, actor=request.user)
        except ImportRefused as exc:
            raise _refusal(exc) from exc
        return Response(self.get_serializer(job).data)


def register(router) -> None:
    router.register("imports", ImportJobViewSet, basename="import-job")


# ``GET imports/<id>/errors.csv``: an explicit route, so that the file name is the end of the URL (no trailing slash).
urlpatterns = [
    path("imports/<int:pk>/errors.csv", ImportJobViewSet.as_view({"get": "errors"}), name="import-job-errors"),
]
