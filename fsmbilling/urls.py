"""URL layout: pages under /o/<org_slug>/, the API under /api/v1/, the Books sandbox under /sandbox/."""

from importlib.util import find_spec

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from fsmbilling.views import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("fsmbilling.api.urls")),
    path("o/<slug:org_slug>/", include("fsmbilling.views.org_urls")),
    path("", include("fsmbilling.views.account_urls")),
]
if settings.SANDBOX_ENABLED:
    urlpatterns.append(path("sandbox/", include("sandbox.urls")))
# Pages outside any organization that other apps bring (OAuth callback, public payment pages).
for dotted in ("sync.urls", "invoicing.urls"):
    if find_spec(dotted) is not None:
        urlpatterns.append(path("", include(dotted)))

handler500 = "fsmbilling.views.errors.server_error"
