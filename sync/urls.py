"""Sync pages outside any organization: the OAuth callback (the organization travels in the signed ``state``) and
the platform support switch (FIN-8). Mounted at the site root."""

from django.urls import path

from sync.views import billing

urlpatterns = [
    path("billing/oauth/callback/", billing.oauth_callback, name="billing-oauth-callback"),
    path("billing/support/<slug:org_slug>/switch/", billing.SupportSwitchView.as_view(), name="billing-support-switch"),
]
