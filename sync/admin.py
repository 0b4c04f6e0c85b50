"""Admin views of the finance connection and the API pacer: read-mostly, secrets never shown."""

from __future__ import annotations

from django.contrib import admin

from sync.models import ApiPacer, FinanceConnection


@admin.register(FinanceConnection)
class FinanceConnectionAdmin(admin.ModelAdmin):
    list_display = ("organization", "provider", "edition", "data_centre", "finance_org_id", "status", "sync_paused")
    list_filter = ("provider", "edition", "data_centre", "status", "sync_paused")
    search_fields = ("organization__name", "finance_org_id", "finance_org_name", "connected_identity_email")
    exclude = ("client_secret_encrypted", "refresh_token_encrypted", "access_token_encrypted")
    readonly_fields = (
        "organization",
        "accounts_server",
        "api_domain",
        "client_id",
        "scope",
        "access_token_expires_at",
        "connected_by",
        "connected_identity_email",
        "connected_at",
        "status_changed_at",
        "refresh_window_started_at",
        "refresh_count_in_window",
        "refresh_blocked_until",
        "last_refreshed_at",
        "created_at",
        "updated_at",
    )


@admin.register(ApiPacer)
class ApiPacerAdmin(admin.ModelAdmin):
    list_display = (
        "finance_org_id",
        "api_domain",
        "window_start",
        "window_count",
        "in_flight",
        "daily_remaining",
        "blocked_until",
    )
    search_fields = ("finance_org_id",)
    readonly_fields = (
        "api_domain",
        "finance_org_id",
        "window_start",
        "window_count",
        "leases",
        "in_flight_limit",
        "daily_limit",
        "daily_remaining",
        "daily_reset_at",
        "blocked_until",
        "updated_at",
    )
