"""Workflow rule settings (REC-12): administrators (Billing Setup permission) define rules; the delivery log shows
what each rule did."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fsmbilling.forms import OrgModelForm
from fsmbilling.models import WorkflowDelivery, WorkflowRule
from fsmbilling.selectors.workflows import workflow_delivery_list, workflow_rule_list
from fsmbilling.services.workflows import (
    condition_fields,
    settable_fields,
    workflow_rule_create,
    workflow_rule_delete,
    workflow_rule_update,
)
from fsmbilling.views.base import (
    Column,
    Filter,
    OrgDeleteView,
    OrgDetailView,
    OrgFormView,
    OrgListView,
    _add_errors,
)

MODULE = "billing_setup"


class WorkflowRuleForm(OrgModelForm):
    webhook_secret = forms.CharField(
        label=gettext_lazy("Webhook secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy(
            "Signs each webhook (HMAC-SHA256). Leave empty to keep the current one, or to have one made for a new "
            "rule (shown once). At least 16 characters."
        ),
    )

    class Meta:
        model = WorkflowRule
        fields = [
            "name",
            "module",
            "event",
            "is_active",
            "condition_field",
            "condition_value",
            "action",
            "email_recipients",
            "email_to_record",
            "set_field_name",
            "set_field_value",
            "webhook_url",
        ]
        labels = {
            "event": gettext_lazy("Fires when a record is"),
            "is_active": gettext_lazy("Active"),
            "condition_field": gettext_lazy("Only when this field"),
            "condition_value": gettext_lazy("equals"),
            "email_recipients": gettext_lazy("Email to"),
            "set_field_name": gettext_lazy("Field to set"),
            "set_field_value": gettext_lazy("Value"),
            "webhook_url": gettext_lazy("Webhook URL"),
        }
        help_texts = {
            "condition_field": gettext_lazy("Optional: leave empty to fire on every change."),
            "condition_value": gettext_lazy("Compared without regard to case; true/false for yes-no fields."),
            "set_field_name": gettext_lazy("A text, number, yes-no or choice field of the same record."),
            "webhook_url": gettext_lazy("http:// or https://; 5-second timeout, redirects not followed."),
        }
        widgets = {"email_recipients": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        module = self.data.get("module") or self.initial.get("module") or self.instance.module or "companies"
        if self.instance.pk:
            self.fields["module"].disabled = True
            self.fields["module"].help_text = _("A rule cannot move to another module.")
            module = self.instance.module
        conditions = condition_fields(organization=self.organization, module=module)
        self.fields["condition_field"] = forms.ChoiceField(
            label=self.fields["condition_field"].label,
            required=False,
            choices=[("", _("— Any record —")), *sorted(conditions.items(), key=lambda item: str(item[1]))],
            help_text=self.fields["condition_field"].help_text,
        )
        settable = settable_fields(module)
        self.fields["set_field_name"] = forms.ChoiceField(
            label=self.fields["set_field_name"].label,
            required=False,
            choices=[("", "—"), *sorted((n, str(f.verbose_name).capitalize()) for n, f in settable.items())],
            help_text=self.fields["set_field_name"].help_text,
        )

    def service_data(self) -> dict:
        data = super().service_data()
        if self.cleaned_data.get("webhook_secret"):
            data["webhook_secret"] = self.cleaned_data["webhook_secret"]
        if self.instance.pk:
            data.pop("module", None)
        return data


def _yes(value: bool) -> str:
    return str(_("Yes")) if value else ""


def _target(rule: WorkflowRule) -> str:
    if rule.action == WorkflowRule.Action.WEBHOOK:
        return rule.webhook_url
    if rule.action == WorkflowRule.Action.SET_FIELD:
        return f"{rule.set_field_name} = {rule.set_field_value}"
    recipients = rule.email_recipients
    if rule.email_to_record:
        recipients = ", ".join(filter(None, [recipients, str(_("the record's email"))]))
    return recipients


class WorkflowRuleList(OrgListView):
    module = MODULE
    url_namespace = "workflows"
    title = gettext_lazy("Workflow rules")
    selector = workflow_rule_list
    columns = [
        Column("name", gettext_lazy("Name"), sort="name", link=True),
        Column("module", gettext_lazy("Module"), sort="module"),
        Column("event", gettext_lazy("When"), sort="event"),
        Column("action", gettext_lazy("Action"), sort="action"),
        Column("target", gettext_lazy("Does"), accessor=lambda rule: _target(rule)),
        Column("is_active", gettext_lazy("Active"), accessor=lambda rule: _yes(rule.is_active)),
        Column("updated_at", gettext_lazy("Modified"), sort="updated_at"),
    ]
    filters = [
        Filter("module", gettext_lazy("Module"), WorkflowRule.Module.choices),
        Filter("action", gettext_lazy("Action"), WorkflowRule.Action.choices),
    ]

    def csv_response(self, queryset):
        response = super().csv_response(queryset)
        response["Content-Disposition"] = 'attachment; filename="workflow_rules.csv"'
        return response


class WorkflowRuleDetail(OrgDetailView):
    module = MODULE
    model = WorkflowRule
    template_name = "workflows/detail.html"

    def get_context(self, obj):
        context = super().get_context(obj)
        deliveries = workflow_delivery_list(organization=self.organization, filters={"rule": obj.pk})
        context["deliveries"] = list(deliveries[:20])
        return context


class WorkflowRuleFormView(OrgFormView):
    module = MODULE
    model = WorkflowRule
    form_class = WorkflowRuleForm
    template_name = "workflows/form.html"
    title_create = gettext_lazy("New workflow rule")
    title_edit = gettext_lazy("Edit workflow rule %(name)s")
    create_service = workflow_rule_create
    update_service = workflow_rule_update

    def get_form(self, request, instance=None):
        form = super().get_form(request, instance)
        module = request.GET.get("module", "")
        if instance is None and request.method == "GET" and module in WorkflowRule.Module.values:
            form.initial["module"] = module
        return form

    def post(self, request, pk=None, **kwargs):
        instance = self.get_object(pk) if pk else None
        form = self.get_form(request, instance)
        if form.is_valid():
            try:
                if instance is None:
                    rule = workflow_rule_create(
                        organization=self.organization, actor=request.user, data=form.service_data()
                    )
                else:
                    rule = workflow_rule_update(instance=instance, actor=request.user, data=form.service_data())
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Saved %(name)s.") % {"name": rule})
                if rule.new_secret:
                    messages.warning(
                        request,
                        _("Webhook secret: %(secret)s — copy it now to the receiving system; it is not shown again.")
                        % {"secret": rule.new_secret},
                    )
                return HttpResponseRedirect(rule.get_absolute_url())
        return self.render_form(request, form, instance)


class WorkflowRuleDelete(OrgDeleteView):
    module = MODULE
    model = WorkflowRule
    delete_service = workflow_rule_delete
    success_url_name = "workflows:list"


class WorkflowDeliveryList(OrgListView):
    module = MODULE
    url_namespace = "workflows"
    title = gettext_lazy("Workflow delivery log")
    selector = workflow_delivery_list
    columns = [
        Column("created_at", gettext_lazy("When"), sort="created_at"),
        Column("rule_name", gettext_lazy("Rule"), sort="rule_name"),
        Column("module", gettext_lazy("Module"), sort="module"),
        Column("record_label", gettext_lazy("Record")),
        Column("event", gettext_lazy("Event")),
        Column("action", gettext_lazy("Action"), sort="action"),
        Column("target", gettext_lazy("To")),
        Column("status", gettext_lazy("Status"), sort="status"),
        Column("attempts", gettext_lazy("Attempts"), numeric=True),
        Column("response_code", gettext_lazy("Response"), numeric=True),
        Column("error", gettext_lazy("Error")),
    ]
    filters = [
        Filter("status", gettext_lazy("Status"), WorkflowDelivery.Status.choices),
        Filter("action", gettext_lazy("Action"), WorkflowRule.Action.choices),
    ]
    default_ordering = "-created_at"

    def allows(self, module: str, action: str) -> bool:
        # The log is read-only: no "New" button on it.
        return action == "view" and super().allows(module, action)

    def csv_response(self, queryset):
        response = super().csv_response(queryset)
        response["Content-Disposition"] = 'attachment; filename="workflow_deliveries.csv"'
        return response


app_name = "workflows"
urlpatterns = [
    path("", WorkflowRuleList.as_view(), name="list"),
    path("new/", WorkflowRuleFormView.as_view(), name="create"),
    path("deliveries/", WorkflowDeliveryList.as_view(), name="deliveries"),
    path("<int:pk>/", WorkflowRuleDetail.as_view(), name="detail"),
    path("<int:pk>/edit/", WorkflowRuleFormView.as_view(), name="edit"),
    path("<int:pk>/delete/", WorkflowRuleDelete.as_view(), name="delete"),
]
