"""System checks that keep tenancy closed: every tenant-owned model has a non-null organization FK."""

from __future__ import annotations

from django.apps import apps
from django.core import checks

from fsmbilling.models.base import TenantModel


@checks.register(checks.Tags.models)
def check_tenant_models(app_configs, **kwargs):
    errors = []
    for model in apps.get_models():
        if not issubclass(model, TenantModel):
            continue
        field = model._meta.get_field("organization")
        if field.null or not field.db_index:
            errors.append(
                checks.Error(
                    f"{model._meta.label}.organization must be a non-null indexed foreign key.",
                    obj=model,
                    id="fsmbilling.E001",
                )
            )
    return errors
