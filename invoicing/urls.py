"""Public pages outside any organization: the payment link (PAY-1). No login; the signed token is the key."""

from django.urls import include, path

from invoicing.views import public

public_patterns = (
    [
        path("pay/<str:token>/", public.PayView.as_view(), name="pay"),
        path("pay/<str:token>/return/", public.ReturnView.as_view(), name="pay-return"),
        path("pay-notify/sandbox/", public.notify_sandbox, name="pay-notify"),
    ],
    "invoicing_public",
)

urlpatterns = [path("", include(public_patterns))]
