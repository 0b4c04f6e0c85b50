"""Currency pages (REC-8). Any member may look; changing them needs Billing Setup (create-edit / delete)."""

from __future__ import annotations

from django import forms
from django.urls import path
from django.utils.translation import gettext_lazy as _

from fsmbilling.forms import OrgModelForm
from fsmbilling.models import Currency
from fsmbilling.selectors.reference import currency_list
from fsmbilling.services.currencies import currency_create, currency_delete, currency_update
from fsmbilling.views.base import Column, OrgDeleteView, OrgDetailView, OrgFormView, OrgListView

MODULE = "billing_setup"


class AnyMemberMayView:
    """Reading needs no module permission; writes still need ``billing_setup``."""

    def get_required_permission(self, request):
        if self.action == "view":
            return None
        return super().get_required_permission(request)


class CurrencyForm(OrgModelForm):
    class Meta:
        model = Currency
        fields = ["code", "name", "symbol", "decimal_places", "exchange_rate"]
        labels = {"code": _("Code")}
        help_texts = {
            "code": _("Three-letter ISO 4217 code, e.g. EUR. Cannot be changed later."),
            "decimal_places": _("0 to 3."),
            "exchange_rate": _("How many units of the base currency one unit of this currency is worth."),
        }
        widgets = {
            "code": forms.TextInput(
                attrs={"maxlength": 3, "autocapitalize": "characters", "style": "text-transform:uppercase"}
            ),
            "decimal_places": forms.NumberInput(attrs={"min": 0, "max": 3}),
            "exchange_rate": forms.NumberInput(attrs={"min": "0", "step": "any", "inputmode": "decimal"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["symbol"].required = False
        if self.instance.pk:
            self.fields["code"].disabled = True
            if self.instance.is_base:
                self.fields["exchange_rate"].disabled = True
                self.fields["exchange_rate"].help_text = _("The base currency's exchange rate is always 1.")


class CurrencyList(AnyMemberMayView, OrgListView):
    module = MODULE
    url_namespace = "currencies"
    title = _("Currencies")
    selector = currency_list
    columns = [
        Column("code", _("Code"), sort="code", link=True),
        Column("name", _("Name"), sort="name"),
        Column("symbol", _("Symbol")),
        Column("decimal_places", _("Decimal places"), numeric=True),
        Column(
            "exchange_rate", _("Exchange rate"), numeric=True, accessor=lambda c: f"{c.exchange_rate.normalize():f}"
        ),
        Column("is_base", _("Base currency"), accessor=lambda c: str(_("Base")) if c.is_base else ""),
    ]

    def csv_response(self, queryset):
        response = super().csv_response(queryset)
        response["Content-Disposition"] = 'attachment; filename="currencies.csv"'
        return response


class CurrencyDetail(AnyMemberMayView, OrgDetailView):
    module = MODULE
    model = Currency
    template_name = "currencies/detail.html"

    def get_context(self, obj):
        context = super().get_context(obj)
        context["can_delete"] = context["can_delete"] and not obj.is_base
        context["exchange_rate_text"] = f"{obj.exchange_rate.normalize():f}"
        return context


class CurrencyFormView(OrgFormView):
    module = MODULE
    model = Currency
    form_class = CurrencyForm
    title_create = _("New currency")
    title_edit = _("Edit %(name)s")
    create_service = currency_create
    update_service = currency_update


class CurrencyDelete(OrgDeleteView):
    module = MODULE
    model = Currency
    delete_service = currency_delete
    success_url_name = "currencies:list"


app_name = "currencies"
urlpatterns = [
    path("", CurrencyList.as_view(), name="list"),
    path("new/", CurrencyFormView.as_view(), name="create"),
    path("<int:pk>/", CurrencyDetail.as_view(), name="detail"),
    path("<int:pk>/edit/", CurrencyFormView.as_view(), name="edit"),
    path("<int:pk>/delete/", CurrencyDelete.as_view(), name="delete"),
]
