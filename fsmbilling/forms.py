"""Form bases: organization-scoped choices, address sub-fields and custom fields."""

from __future__ import annotations

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from fsmbilling.models import CustomField
from fsmbilling.models.customers import ADDRESS_KEYS

ADDRESS_LABELS = {
    "attention": _("Attention"),
    "address": _("Street"),
    "street2": _("Street 2"),
    "city": _("City"),
    "state": _("State / province"),
    "state_code": _("State code"),
    "zip": _("Postal code"),
    "country": _("Country"),
    "phone": _("Phone"),
    "fax": _("Fax"),
}
FORM_ADDRESS_KEYS = ("attention", "address", "street2", "city", "state", "zip", "country", "phone")

CUSTOM_FIELD_TYPES = {
    CustomField.FieldType.TEXT: lambda d: forms.CharField(max_length=2000),
    CustomField.FieldType.NUMBER: lambda d: forms.IntegerField(),
    CustomField.FieldType.DECIMAL: lambda d: forms.DecimalField(),
    CustomField.FieldType.DATE: lambda d: forms.DateField(widget=forms.DateInput(attrs={"type": "date"})),
    CustomField.FieldType.CHOICE: lambda d: forms.ChoiceField(choices=[("", "—")] + [(c, c) for c in d.choices]),
    CustomField.FieldType.CHECKBOX: lambda d: forms.BooleanField(),
    CustomField.FieldType.EMAIL: lambda d: forms.EmailField(),
    CustomField.FieldType.PHONE: lambda d: forms.CharField(max_length=40),
}


class OrgModelForm(forms.ModelForm):
    """A model form of one organization: relation choices are limited to it and it never sets ``organization``."""

    address_fields: tuple[str, ...] = ()
    custom_fields_module: str | None = None

    def __init__(self, *args, organization, **kwargs):
        self.organization = organization
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            queryset = getattr(field, "queryset", None)
            if queryset is not None and hasattr(queryset.model, "organization"):
                field.queryset = queryset.filter(organization=organization)
            elif queryset is not None and queryset.model.__name__ == "User":
                field.queryset = queryset.filter(memberships__organization=organization, is_active=True).distinct()
        for prefix in self.address_fields:
            current = getattr(self.instance, prefix, None) or {}
            for key in FORM_ADDRESS_KEYS:
                name = f"{prefix}__{key}"
                self.fields[name] = forms.CharField(
                    label=f"{self._address_label(prefix)}: {ADDRESS_LABELS[key]}",
                    required=False,
                    max_length=255,
                    initial=current.get(key, ""),
                )
        self.custom_definitions = []
        if self.custom_fields_module:
            self.custom_definitions = list(
                CustomField.objects.filter(organization=organization, module=self.custom_fields_module)
            )
            values = getattr(self.instance, "custom_fields", None) or {}
            for definition in self.custom_definitions:
                field = CUSTOM_FIELD_TYPES[definition.field_type](definition)
                field.required = definition.is_required and definition.field_type != CustomField.FieldType.CHECKBOX
                field.label = definition.label
                field.initial = values.get(definition.api_name)
                self.fields[f"cf__{definition.api_name}"] = field

    @staticmethod
    def _address_label(prefix: str) -> str:
        return {"billing_address": _("Billing address"), "service_address": _("Service address")}.get(prefix, prefix)

    def address_groups(self):
        return [(self._address_label(p), [self[f"{p}__{k}"] for k in FORM_ADDRESS_KEYS]) for p in self.address_fields]

    def custom_bound_fields(self):
        return [self[f"cf__{d.api_name}"] for d in self.custom_definitions]

    def main_bound_fields(self):
        return [self[name] for name in self._meta.fields if name in self.fields]

    def service_data(self) -> dict:
        data = {}
        for name in self._meta.fields:
            if name in self.cleaned_data:
                data[name] = self.cleaned_data[name]
        for prefix in self.address_fields:
            data[prefix] = {
                key: self.cleaned_data.get(f"{prefix}__{key}", "").strip()
                for key in FORM_ADDRESS_KEYS
                if self.cleaned_data.get(f"{prefix}__{key}", "").strip()
            }
        if self.custom_fields_module:
            data["custom_fields"] = {
                d.api_name: _jsonable(self.cleaned_data.get(f"cf__{d.api_name}")) for d in self.custom_definitions
            }
        return data


def _jsonable(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if value is not None and not isinstance(value, (str, int, bool, float)):
        return str(value)
    return value


__all__ = ["ADDRESS_KEYS", "OrgModelForm"]
