"""URLs of the Books sandbox, mounted at /sandbox/ (zoho-books-v3.md §12.1, §12.9; SBX-5)."""

from django.urls import path, re_path

from sandbox.api.views import books_api
from sandbox.views import control, oauth, pay, ui

app_name = "sandbox"

urlpatterns = [
    # Zoho accounts server
    path("oauth/v2/auth", oauth.authorize, name="oauth-authorize"),
    path("oauth/v2/token", oauth.token, name="oauth-token"),
    path("oauth/v2/token/revoke", oauth.revoke, name="oauth-revoke"),
    # Books v3 and Invoice v3 APIs
    re_path(r"^(?P<root>books|invoice)/v3/(?P<path>.*)$", books_api, name="api"),
    # Control API (off in production)
    path("_control/orgs", control.orgs_view, name="control-orgs"),
    path("_control/orgs/<str:organization_id>", control.org_view, name="control-org"),
    path(
        "_control/orgs/<str:organization_id>/customfields", control.org_custom_fields_view, name="control-customfields"
    ),
    path("_control/users", control.users_view, name="control-users"),
    path("_control/oauth/clients", control.clients_view, name="control-clients"),
    path("_control/oauth/grants", control.grants_view, name="control-grants"),
    path("_control/faults", control.faults_view, name="control-faults"),
    path("_control/clock", control.clock_view, name="control-clock"),
    path("_control/reset", control.reset_view, name="control-reset"),
    path("_control/seed", control.seed_view, name="control-seed"),
    re_path(r"^_control/", control.unknown_view, name="control-unknown"),
    # Sandbox payment gateway (PAY-2)
    path("pay/sessions", pay.session_create, name="pay-session-create"),
    path("pay/sessions/<str:session_id>", pay.session_get, name="pay-session"),
    path("pay/<str:session_id>/", pay.pay_page, name="pay-page"),
    # Small web UI (SBX-5)
    path("ui/", ui.home, name="ui-home"),
    path("ui/signin", ui.sign_in, name="ui-signin"),
    path("ui/orgs/<str:org_id>/", ui.org_home, name="ui-org"),
    path("ui/orgs/<str:org_id>/contacts/", ui.contact_list, name="ui-contacts"),
    path("ui/orgs/<str:org_id>/contacts/new", ui.contact_edit, name="ui-contact-new"),
    path("ui/orgs/<str:org_id>/contacts/<str:record_id>/", ui.contact_edit, name="ui-contact"),
    path("ui/orgs/<str:org_id>/items/", ui.item_list, name="ui-items"),
    path("ui/orgs/<str:org_id>/items/new", ui.item_edit, name="ui-item-new"),
    path("ui/orgs/<str:org_id>/items/<str:record_id>/", ui.item_edit, name="ui-item"),
    path("ui/orgs/<str:org_id>/invoices/", ui.invoice_list, name="ui-invoices"),
    path("ui/orgs/<str:org_id>/invoices/<str:record_id>/", ui.invoice_detail, name="ui-invoice"),
    path("ui/orgs/<str:org_id>/estimates/", ui.estimate_list, name="ui-estimates"),
    path("ui/orgs/<str:org_id>/estimates/<str:record_id>/", ui.estimate_detail, name="ui-estimate"),
]
