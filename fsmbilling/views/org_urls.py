"""Pages of one organization, under /o/<org_slug>/. Each module brings its own urlpatterns."""

from importlib import import_module
from importlib.util import find_spec

from django.urls import include, path

from fsmbilling.views import dashboard

# (url prefix, module with app_name and urlpatterns). Modules of apps that are not installed are skipped.
MODULES = [
    ("companies/", "fsmbilling.views.companies"),
    ("contacts/", "fsmbilling.views.contacts"),
    ("services-and-parts/", "fsmbilling.views.catalog"),
    ("work-orders/", "fsmbilling.views.work_orders"),
    ("appointments/", "fsmbilling.views.appointments"),
    ("assets/", "fsmbilling.views.assets"),
    ("imports/", "fsmbilling.views.imports"),
    ("settings/workflow-rules/", "fsmbilling.views.workflows"),
    ("settings/custom-fields/", "fsmbilling.views.custom_fields"),
    ("settings/currencies/", "fsmbilling.views.currencies"),
    ("settings/", "fsmbilling.views.members"),
    ("billing/", "sync.views.billing"),
    ("sync/", "sync.views.sync_pages"),
    ("invoices/", "invoicing.views.invoices"),
    ("estimates/", "invoicing.views.estimates"),
    ("taxes/", "invoicing.views.taxes"),
    ("reports/", "invoicing.views.reports"),
]

urlpatterns = [path("", dashboard.DashboardView.as_view(), name="dashboard")]
for prefix, dotted in MODULES:
    if find_spec(dotted.rsplit(".", 1)[0]) is None or find_spec(dotted) is None:
        continue
    module = import_module(dotted)
    namespace = getattr(module, "app_name", None)
    urlpatterns.append(path(prefix, include(module, namespace=namespace) if namespace else include(module)))
