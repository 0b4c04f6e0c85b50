"""The organization API's routes (/api/v1/orgs/<org_slug>/…).

Each API module has ``register(router)`` for its viewsets and may have ``urlpatterns`` for command endpoints.
"""

from importlib import import_module
from importlib.util import find_spec

from rest_framework.routers import SimpleRouter

API_MODULES = [
    "fsmbilling.api.views",
    "fsmbilling.api.contacts",
    "fsmbilling.api.catalog",
    "fsmbilling.api.reference",
    "fsmbilling.api.work_orders",
    "fsmbilling.api.members",
    "fsmbilling.api.imports",
    "fsmbilling.api.workflows",
    "sync.api_billing",
    "sync.api_sync",
    "invoicing.api",
]

router = SimpleRouter(trailing_slash="/?")
extra_urlpatterns: list = []
for dotted in API_MODULES:
    if find_spec(dotted.rsplit(".", 1)[0]) is None or find_spec(dotted) is None:
        continue
    module = import_module(dotted)
    if hasattr(module, "register"):
        module.register(router)
    extra_urlpatterns.extend(getattr(module, "urlpatterns", []))

urlpatterns = extra_urlpatterns + router.urls
