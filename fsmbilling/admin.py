"""Django admin for platform support staff (TEN-5): organizations, memberships and support lookups."""

from django.contrib import admin

from fsmbilling import models
from fsmbilling.views.accounts import AdminEmailAuthenticationForm

admin.site.login_form = AdminEmailAuthenticationForm  # the admin login is throttled like the portal's
admin.site.site_header = "fsmbilling support"


@admin.register(models.Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "country", "base_currency", "time_zone", "created_at")
    search_fields = ("name", "slug")


@admin.register(models.Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organization", "role", "is_active")
    list_filter = ("is_active",)
    search_fields = ("user__email", "organization__name")
    raw_id_fields = ("user", "organization", "role")


@admin.register(models.Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "is_administrator")
    search_fields = ("name", "organization__name")


@admin.register(models.ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "user", "organization", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("key_hash", "prefix")
    search_fields = ("user__email", "organization__name")
