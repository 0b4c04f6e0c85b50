"""Django admin for looking into the sandbox (read mostly; writes belong to the API, the UI and the control API)."""

from django.contrib import admin

from sandbox import models


@admin.register(models.Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "edition", "country", "currency_code", "plan", "time_zone", "is_tax_enabled")
    list_filter = ("edition", "plan")
    search_fields = ("name",)


@admin.register(models.SandboxUser)
class SandboxUserAdmin(admin.ModelAdmin):
    list_display = ("email", "name", "created_time")
    search_fields = ("email", "name")


@admin.register(models.Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organization", "role", "status")
    list_filter = ("role", "status")


@admin.register(models.Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("contact_name", "organization", "contact_type", "status", "last_modified_time")
    list_filter = ("status", "contact_type")
    search_fields = ("contact_name", "company_name")


@admin.register(models.Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "rate", "status", "last_modified_time")
    search_fields = ("name", "sku")


@admin.register(models.Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = ("invoice_number", "organization", "customer", "state", "total", "balance", "due_date")
    list_filter = ("state",)
    search_fields = ("invoice_number",)


@admin.register(models.OAuthClient)
class OAuthClientAdmin(admin.ModelAdmin):
    list_display = ("client_id", "name", "redirect_uri", "created_time")
    exclude = ("client_secret",)


@admin.register(models.PaymentSession)
class PaymentSessionAdmin(admin.ModelAdmin):
    list_display = ("session_id", "amount", "currency_code", "status", "created_time")
    list_filter = ("status",)
