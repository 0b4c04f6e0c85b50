"""Sync commands of the API (API-3): settings, enable, match review, Sync Now, runs, failure CSV, mappings, failures.

All under /api/v1/orgs/<org_slug>/sync/…. Settings, enable, match review, Sync Now and mappings need the Billing Setup
module (view to read, edit to change); runs and failures need Sync Logs (view to read, edit to retry or skip). Another
organization's run is a 404 like a missing one. Refusals are ``{code, message, fields}`` with 409 or 429 (+
Retry-After) and the reason.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import path, re_path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from fsmbilling.api.base import ModulePermission, OrgMixin
from fsmbilling.api.errors import ApiError
from fsmbilling.api.pagination import StandardPagination
from fsmbilling.tenancy import NOT_FOUND
from sync import match_review, selectors, services
from sync.connectors import FinanceError
from sync.csv_export import failure_csv_response
from sync.engine.mapping import mappable_books_fields, mappable_fsm_fields, mapping_for, mapping_save
from sync.engine_models import SyncFailure, SyncRun, SyncSettings

SETUP = "billing_setup"
LOGS = "sync_logs"
MODULES = ("companies", "contacts", "services_and_parts")


class SyncApiView(OrgMixin, APIView):
    """Organization resolved from the URL; GET needs ``view`` of ``module``, other methods ``edit``."""

    module = SETUP
    permission_classes = [permissions.IsAuthenticated, ModulePermission]


def _refusal_response(exc: services.SyncRefused) -> Response:
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else {}
    return Response(
        {"code": exc.code, "message": exc.message, "fields": {}, "retry_after": exc.retry_after},
        status=exc.status,
        headers=headers,
    )


def _get_run(organization, pk) -> SyncRun:
    try:
        return SyncRun.objects.get(organization=organization, pk=int(pk))
    except (ValueError, TypeError, OverflowError, SyncRun.DoesNotExist) as exc:
        raise exceptions.NotFound(NOT_FOUND) from exc


def settings_payload(row: SyncSettings) -> dict:
    return {
        "is_enabled": row.is_enabled,
        "enabled_at": row.enabled_at.isoformat() if row.enabled_at else None,
        "sync_type": row.sync_type,
        "sync_type_label": str(row.get_sync_type_display()),
        "sync_type_editable": False,
        "duplicate_handling": row.duplicate_handling,
        "auto_sync": row.auto_sync,
        "next_auto_run_at": row.next_auto_run_at.isoformat() if row.next_auto_run_at else None,
        "disabled_by_error": row.disabled_by_error,
        "disabled_reason": row.disabled_reason,
        "owner_policies": row.owner_policies,
        "resync_modules": row.resync_modules,
        "manual_runs_left": services.manual_runs_left(row.organization),
        "manual_runs_per_day": services.MANUAL_RUNS_PER_DAY,
    }


class SettingsInput(serializers.Serializer):
    duplicate_handling = serializers.ChoiceField(choices=SyncSettings.Duplicates.choices, required=False)
    auto_sync = serializers.BooleanField(required=False)
    owner_policies = serializers.DictField(required=False, help_text="{module: {module: fsm|books|null, fields: {…}}}")
    sync_type = serializers.CharField(required=False, help_text="Read-only once sync is enabled.")


class SettingsApi(SyncApiView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="Sync settings")
    def get(self, request, org_slug):
        return Response(settings_payload(services.settings_for(self.organization)))

    @extend_schema(request=SettingsInput, responses={200: OpenApiTypes.OBJECT}, summary="Change sync settings")
    def put(self, request, org_slug):
        data = SettingsInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        row = services.settings_for(self.organization)
        if "sync_type" in values and values["sync_type"] != row.sync_type:
            raise ApiError(
                "sync_type_fixed",
                "The sync type follows the finance organization's CRM integration and cannot be changed here.",
                status_code=409,
                fields={"sync_type": ["Read-only."]},
            )
        row = services.sync_settings_update(
            organization=self.organization,
            actor=request.user,
            duplicate_handling=values.get("duplicate_handling"),
            auto_sync=values.get("auto_sync"),
            owner_policies=values.get("owner_policies"),
        )
        return Response(settings_payload(row))


class MappingPair(serializers.Serializer):
    fsm_field = serializers.CharField(max_length=80)
    books_field = serializers.CharField(max_length=80)


class MappingInput(serializers.Serializer):
    mapping = MappingPair(many=True)


class LinkIdsInput(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**63 - 1))


class EnableInput(serializers.Serializer):
    duplicate_handling = serializers.ChoiceField(choices=SyncSettings.Duplicates.choices)
    auto_sync = serializers.BooleanField(required=False, default=True)
    mappings = serializers.DictField(
        child=MappingPair(many=True), required=False, help_text="Per module: the rows to save before enabling."
    )


class EnableApi(SyncApiView):
    @extend_schema(request=EnableInput, responses={202: OpenApiTypes.OBJECT}, summary="Save and Enable (SYN-1)")
    def post(self, request, org_slug):
        data = EnableInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        mappings = {}
        for module, rows in (values.get("mappings") or {}).items():
            if module not in MODULES:
                raise ApiError("invalid", f"{module} is not a synced module.", fields={"mappings": [module]})
            mappings[module] = [(r["fsm_field"], r["books_field"]) for r in rows]
        custom = selectors.books_custom_fields(self.organization, tuple(mappings)) if mappings else {}
        try:
            run = services.sync_enable_with_setup(
                organization=self.organization,
                actor=request.user,
                duplicate_handling=values["duplicate_handling"],
                auto_sync=values["auto_sync"],
                mappings=mappings,
                books_custom_fields=custom,
            )
        except services.SyncRefused as exc:
            return _refusal_response(exc)
        return Response(
            {"settings": settings_payload(services.settings_for(self.organization)), "run": selectors.run_summary(run)},
            status=status.HTTP_202_ACCEPTED,
        )


class DecisionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["company", "contact", "item"])
    local_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    action = serializers.ChoiceField(choices=match_review.ACTIONS)
    books_id = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class DecisionsInput(serializers.Serializer):
    accept_all = serializers.BooleanField(required=False, default=False)
    decisions = DecisionSerializer(many=True, required=False)


class MatchReviewApi(SyncApiView):
    def review(self, duplicate_handling=None):
        connector = selectors.finance_connector(self.organization)
        if connector is None:
            raise ApiError(
                "finance_unavailable",
                "No finance organization is connected, so Books cannot be read. Connect one in Billing Setup.",
                status_code=409,
            )
        try:
            with connector as client:
                return match_review.build_review(self.organization, client, duplicate_handling=duplicate_handling)
        except FinanceError as exc:
            raise ApiError(
                "finance_unavailable",
                f"Books could not be read ({exc.message}). Try again in a minute.",
                status_code=503,
            ) from exc

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="Match review (SYN-7)")
    def get(self, request, org_slug):
        duplicates = request.query_params.get("duplicate_handling")
        if duplicates and duplicates not in SyncSettings.Duplicates.values:
            raise ApiError("invalid", "duplicate_handling is clone or overwrite.", fields={"duplicate_handling": []})
        try:
            limit = min(max(int(request.query_params.get("limit", 500)), 0), 5000)
        except ValueError:
            limit = 500
        return Response(self.review(duplicates or None).as_dict(limit=limit))

    @extend_schema(request=DecisionsInput, responses={200: OpenApiTypes.OBJECT}, summary="Store match decisions")
    def post(self, request, org_slug):
        data = DecisionsInput(data=request.data)
        data.is_valid(raise_exception=True)
        review = self.review()
        if data.validated_data["accept_all"]:
            saved = match_review.accept_all(organization=self.organization, actor=request.user, review=review)
        else:
            decisions = [
                match_review.DecisionInput(
                    kind=d["kind"], local_id=d["local_id"], action=d["action"], remote_id=d.get("books_id") or ""
                )
                for d in data.validated_data.get("decisions") or []
            ]
            saved = len(
                match_review.decisions_save(
                    organization=self.organization, actor=request.user, review=review, decisions=decisions
                )
            )
        return Response({"saved": saved, **self.review().as_dict(limit=500)})


class SyncNowApi(SyncApiView):
    @extend_schema(
        request=None,
        responses={
            202: OpenApiTypes.OBJECT,
            409: OpenApiResponse(description="A run is in progress, or sync is off or disabled"),
            429: OpenApiResponse(description="Today's 30 manual runs are used; see Retry-After"),
        },
        summary="Sync Now (SYN-8)",
    )
    def post(self, request, org_slug):
        try:
            run = services.sync_now(organization=self.organization, actor=request.user)
        except services.SyncRefused as exc:
            return _refusal_response(exc)
        body = selectors.run_summary(run)
        body["manual_runs_left"] = services.manual_runs_left(self.organization)
        return Response(body, status=status.HTTP_202_ACCEPTED)


class ImportFromBooksApi(SyncApiView):
    @extend_schema(
        request=None,
        responses={202: OpenApiTypes.OBJECT, 409: OpenApiResponse(description="Sync is enabled, or not connected")},
        summary="Import customers and items from Books once, before sync is enabled (SYN-20)",
    )
    def post(self, request, org_slug):
        try:
            run = services.import_from_books(organization=self.organization, actor=request.user)
        except services.SyncRefused as exc:
            return _refusal_response(exc)
        return Response(selectors.run_summary(run), status=status.HTTP_202_ACCEPTED)


class RunListApi(SyncApiView):
    module = LOGS

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="Sync runs (SYN-18)", operation_id="sync_runs_list")
    def get(self, request, org_slug):
        paginator = StandardPagination()
        page = paginator.paginate_queryset(selectors.run_list(organization=self.organization), request, view=self)
        return paginator.get_paginated_response([selectors.run_summary(run) for run in page])


class RunDetailApi(SyncApiView):
    module = LOGS

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="One sync run", operation_id="sync_run_retrieve")
    def get(self, request, org_slug, pk):
        run = _get_run(self.organization, pk)
        body = selectors.run_summary(run)
        body["failure_groups"] = selectors.failure_groups(organization=self.organization, run=run, state="")
        body["failure_files"] = {
            row["module"]: request.build_absolute_uri(
                reverse("api-sync-csv", kwargs={"org_slug": org_slug, "pk": run.pk, "filename": row["failure_file"]})
            )
            for row in selectors.run_count_rows(run)
            if row["failed"]
        }
        return Response(body)


class FailureCsvApi(SyncApiView):
    module = LOGS

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR}, summary="<Module>FailureLogs.csv of a run")
    def get(self, request, org_slug, pk, filename):
        run = _get_run(self.organization, pk)
        module = selectors.module_of_failure_filename(filename)
        if module is None:
            raise exceptions.NotFound(NOT_FOUND)
        return failure_csv_response(run, module)


class MappingApi(SyncApiView):
    def check_module_permission(self, request):
        if self.kwargs.get("module") not in MODULES:
            raise exceptions.NotFound(NOT_FOUND)
        super().check_module_permission(request)

    def payload(self, module: str, custom=()) -> dict:
        row = services.settings_for(self.organization)
        return {
            "module": module,
            "mapping": [{"fsm_field": f, "books_field": b} for f, b in mapping_for(self.organization, module)],
            "resync_pending": module in row.resync_modules,
            "fsm_fields": [
                {"name": f.name, "label": str(f.label), "kind": f.kind}
                for f in mappable_fsm_fields(organization=self.organization, module=module)
            ],
            "books_fields": [
                {"name": f.name, "label": str(f.label), "kind": f.kind, "mandatory": f.mandatory}
                for f in mappable_books_fields(module=module, books_custom_fields=custom)
            ],
        }

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="Field mapping of a module (SYN-5)")
    def get(self, request, org_slug, module):
        custom = selectors.books_custom_fields(self.organization, (module,))[module]
        return Response(self.payload(module, custom))

    @extend_schema(
        request=MappingInput,
        responses={200: OpenApiTypes.OBJECT},
        summary="Replace the field mapping of a module; a change re-syncs the module at the next run (SYN-6)",
    )
    def put(self, request, org_slug, module):
        data = MappingInput(data=request.data)
        data.is_valid(raise_exception=True)
        pairs = [(r["fsm_field"], r["books_field"]) for r in data.validated_data["mapping"]]
        custom = selectors.books_custom_fields(self.organization, (module,))[module]
        try:
            mapping_save(organization=self.organization, module=module, pairs=pairs, books_custom_fields=custom)
        except DjangoValidationError as exc:
            raise ApiError(
                "invalid_mapping",
                " ".join(exc.messages),
                fields={"mapping": exc.messages},
            ) from exc
        return Response(self.payload(module, custom))


class FailureIdsInput(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), required=False, default=list
    )
    reason_code = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if not attrs["ids"] and not attrs["reason_code"]:
            raise serializers.ValidationError("Give failure ids, or a reason_code for the whole group.")
        return attrs


class FailureListApi(SyncApiView):
    module = LOGS

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="Open failures grouped by reason")
    def get(self, request, org_slug):
        state = request.query_params.get("state", "open")
        if state not in SyncFailure.State.values:
            state = "open"
        paginator = StandardPagination()
        queryset = selectors.failure_list(
            organization=self.organization, state=state, reason_code=request.query_params.get("reason", "")[:40]
        )
        page = paginator.paginate_queryset(queryset, request, view=self)
        response = paginator.get_paginated_response(
            [
                {
                    "id": f.pk,
                    "run_id": f.run.run_id,
                    "module": f.module,
                    "kind": f.kind,
                    "direction": f.direction,
                    "local_id": f.local_id,
                    "books_id": f.remote_id or None,
                    "record": f.record_label,
                    "reason_code": f.reason_code,
                    "zoho_code": f.zoho_code,
                    "message": f.message,
                    "explanation": f.explanation,
                    "state": f.state,
                }
                for f in page
            ]
        )
        response.data["groups"] = selectors.failure_groups(organization=self.organization, state=state)
        return response


class FailureActionApi(SyncApiView):
    module = LOGS
    operation = "retry"

    @extend_schema(request=FailureIdsInput, responses={200: OpenApiTypes.OBJECT})
    def post(self, request, org_slug):
        data = FailureIdsInput(data=request.data)
        data.is_valid(raise_exception=True)
        queryset = SyncFailure.objects.filter(organization=self.organization, state=SyncFailure.State.OPEN)
        if data.validated_data["reason_code"]:
            queryset = queryset.filter(reason_code=data.validated_data["reason_code"])
        if data.validated_data["ids"]:
            queryset = queryset.filter(pk__in=data.validated_data["ids"])
        ids = list(queryset.values_list("pk", flat=True))
        action = services.failure_retry if self.operation == "retry" else services.failure_skip
        count = action(organization=self.organization, failure_ids=ids, actor=request.user) if ids else 0
        return Response({"operation": self.operation, "count": count})


class BrokenLinkApi(SyncApiView):
    module = LOGS
    operation = "recreate"

    @extend_schema(request=LinkIdsInput, responses={200: OpenApiTypes.OBJECT})
    def post(self, request, org_slug):
        data = LinkIdsInput(data=request.data)
        data.is_valid(raise_exception=True)
        action = services.broken_link_recreate if self.operation == "recreate" else services.broken_link_unlink
        count = action(organization=self.organization, link_ids=data.validated_data["ids"], actor=request.user)
        return Response({"operation": self.operation, "count": count})


urlpatterns = [
    path("sync/settings", SettingsApi.as_view(), name="api-sync-settings"),
    path("sync/enable", EnableApi.as_view(), name="api-sync-enable"),
    path("sync/match-review", MatchReviewApi.as_view(), name="api-sync-match-review"),
    path("sync/now", SyncNowApi.as_view(), name="api-sync-now"),
    path("sync/import-from-books", ImportFromBooksApi.as_view(), name="api-sync-import-from-books"),
    path("sync/runs", RunListApi.as_view(), name="api-sync-runs"),
    re_path(r"^sync/runs/(?P<pk>[^/]+)/failures/(?P<filename>[^/]+)$", FailureCsvApi.as_view(), name="api-sync-csv"),
    re_path(r"^sync/runs/(?P<pk>[^/]+)/?$", RunDetailApi.as_view(), name="api-sync-run"),
    path("sync/mappings/<str:module>", MappingApi.as_view(), name="api-sync-mapping"),
    path("sync/failures", FailureListApi.as_view(), name="api-sync-failures"),
    path("sync/failures/retry", FailureActionApi.as_view(operation="retry"), name="api-sync-failures-retry"),
    path("sync/failures/skip", FailureActionApi.as_view(operation="skip"), name="api-sync-failures-skip"),
    path("sync/links/recreate", BrokenLinkApi.as_view(operation="recreate"), name="api-sync-links-recreate"),
    path("sync/links/unlink", BrokenLinkApi.as_view(operation="unlink"), name="api-sync-links-unlink"),
]
