"""Onboarding (FIN-2, FIN-3, FIN-5, TAX-6) over real HTTP to the in-process Books sandbox, consent page included."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing
from django.test import Client

from fsmbilling.models import Currency, PaymentTerm, Salesperson, Tax, TaxExemption
from sync.connectors import connector_for
from sync.engine.mapping import default_mapping
from sync.engine_models import FieldMapping, SyncSettings
from sync.models import FinanceConnection
from sync.onboarding import STATE_SALT
from tests.factories import PASSWORD, TaxFactory, UserFactory
from tests.sync.connectors.conftest import USER_EMAIL

pytestmark = pytest.mark.django_db


def _keep_connection(**kwargs) -> None:
    """Stands in for ``close_old_connections`` while Django's test client serves a request."""


@pytest.fixture(autouse=True)
def nested_requests_keep_the_test_connection(monkeypatch):
    """Pages here call the sandbox over in-process HTTP while the test client serves them. The test client re-connects
    ``close_old_connections`` for the duration of its request, so the nested sandbox request would close the test's
    database connection (it is inside the test's transaction); give the test client a harmless stand-in instead."""
    monkeypatch.setattr("django.test.client.close_old_connections", _keep_connection)


# --- Helpers (used by the other onboarding test modules too) ---------------------------------------------------------


def sign_in(client: Client, slug: str, *, user_email: str = "", new_email: str = "") -> FinanceConnection:
    """The browser's OAuth dance: Sign in → sandbox consent page → accept as an identity → callback."""
    response = client.post(f"/o/{slug}/billing/connect/", {"provider": "sandbox"})
    assert response.status_code == 302, response.content
    consent_url = response["Location"]
    assert consent_url.startswith("http://testserver/sandbox/oauth/v2/auth?")
    page = client.get(consent_url)
    assert page.status_code == 200
    params = {key: values[0] for key, values in parse_qs(urlsplit(consent_url).query).items()}
    answer = client.post(
        "/sandbox/oauth/v2/auth", {**params, "user_email": user_email, "new_email": new_email, "decision": "accept"}
    )
    assert answer.status_code == 302
    callback = answer["Location"]
    assert callback.startswith("http://testserver/billing/oauth/callback/?")
    done = client.get(callback)
    assert done.status_code == 302, done.content
    return FinanceConnection.objects.get(organization__slug=slug)


def control_get_org(sandbox, organization_id: str) -> dict:
    response = sandbox.control.http.get(f"/orgs/{organization_id}")
    assert response.status_code == 200
    return response.json()


def us_taxes(org):
    state = TaxFactory(organization=org, name="State Tax", rate=Decimal("6.25"))
    city = TaxFactory(organization=org, name="City Tax", rate=Decimal("1.5"))
    group = Tax.objects.create(organization=org, name="Combined", rate=Decimal("7.75"), kind=Tax.Kind.GROUP)
    group.components.set([state, city])
    TaxExemption.objects.create(organization=org, code="RESALE", reason="Bought for resale")
    return state, city, group


# --- New Invoice account ---------------------------------------------------------------------------------------------


def test_new_invoice_account_creates_the_finance_org_and_pushes_taxes(sandbox, org, admin_client):
    state, city, group = us_taxes(org)
    sign_in(admin_client, "acme", new_email="fresh@acme.test")

    page = admin_client.get("/o/acme/billing/onboarding/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="new_invoice" data-testid="choice-new-invoice" checked' in html
    assert "This identity has no Zoho Invoice organization." in html

    response = admin_client.post("/o/acme/billing/onboarding/", {"selection": "new_invoice"})
    assert response.status_code == 302
    assert response["Location"] == "/o/acme/billing/"

    connection = FinanceConnection.objects.get(organization=org)
    assert connection.status == FinanceConnection.State.CONNECTED
    assert connection.edition == "invoice"
    assert connection.finance_org_name == "Acme Services"
    assert connection.connected_identity_email == "fresh@acme.test"
    remote = control_get_org(sandbox, connection.finance_org_id)
    assert (remote["name"], remote["edition"], remote["country_code"], remote["is_tax_enabled"]) == (
        "Acme Services",
        "invoice",
        "US",
        True,
    )
    assert [u["email"] for u in remote["users"]] == ["fresh@acme.test"]

    settings_row = SyncSettings.objects.get(organization=org)
    assert settings_row.sync_type == "IV"
    assert settings_row.resync_modules == []
    assert settings_row.is_enabled is False
    for module in ("companies", "contacts", "services_and_parts"):
        pairs = list(
            FieldMapping.objects.filter(organization=org, module=module).values_list("fsm_field", "books_field")
        )
        assert pairs == default_mapping(module, "US", "IV")

    with connector_for(connection) as books:
        taxes = {t.tax_name: t for t in books.list_taxes()}
        groups = {g.tax_group_name: g for g in books.list_tax_groups()}
        exemptions = {e.tax_exemption_code: e for e in books.list_tax_exemptions()}
    assert {name: t.tax_percentage for name, t in taxes.items()} == {
        "State Tax": Decimal("6.25"),
        "City Tax": Decimal("1.5"),
    }
    for tax in (state, city):
        tax.refresh_from_db()
        assert tax.books_id == taxes[tax.name].tax_id
    group.refresh_from_db()
    assert group.books_id == groups["Combined"].tax_group_id
    assert {t.tax_id for t in groups["Combined"].taxes} == {state.books_id, city.books_id}
    assert TaxExemption.objects.get(organization=org, code="RESALE").books_id == exemptions["RESALE"].tax_exemption_id
    assert Currency.objects.get(organization=org, code="USD").books_id
    assert set(PaymentTerm.objects.filter(organization=org).values_list("days", "label")) == {
        (0, "Due on Receipt"),
        (15, "Net 15"),
        (30, "Net 30"),
        (45, "Net 45"),
    }

    setup = admin_client.get("/o/acme/billing/")
    html = setup.content.decode()
    assert 'data-status="connected"' in html
    assert f'href="http://testserver/sandbox/ui/orgs/{connection.finance_org_id}/"' in html
    assert "Zoho Invoice" in html


def test_onboarding_twice_is_refused_and_changes_nothing(sandbox, org, admin_client):
    sign_in(admin_client, "acme", new_email="fresh@acme.test")
    admin_client.post("/o/acme/billing/onboarding/", {"selection": "new_invoice"})
    connection = FinanceConnection.objects.get(organization=org)
    other = sandbox.control.create_org(name="Another", users=[{"email": "fresh@acme.test", "role": "admin"}])
    api = Client()
    api.force_login(org.memberships.get().user)
    response = api.post(
        "/api/v1/orgs/acme/billing/onboard",
        {"choice": "existing_books", "finance_org_id": other["organization_id"]},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "already_onboarded"
    assert "support" in response.json()["message"]
    assert FinanceConnection.objects.get(organization=org).finance_org_id == connection.finance_org_id


# --- Existing Books account ------------------------------------------------------------------------------------------


def test_existing_books_account_pulls_reference_data_and_sync_type(sandbox, org, admin_client):
    seeded = sandbox.control.http.post("/seed").json()
    us_org = seeded["organizations"]["us"]
    sandbox.control.http.patch(f"/orgs/{us_org}", json={"crm_sync_type": "III"})
    TaxFactory(organization=org, name="ca state tax", rate=Decimal("7"))  # matched by name, ignoring case

    sign_in(admin_client, "acme", user_email="owner@sandbox.test")
    page = admin_client.get("/o/acme/billing/onboarding/").content.decode()
    assert f'value="existing_books:{us_org}"' in page
    assert "Sandbox Field Services (US)" in page

    response = admin_client.post("/o/acme/billing/onboarding/", {"selection": f"existing_books:{us_org}"})
    assert response.status_code == 302

    connection = FinanceConnection.objects.get(organization=org)
    assert (connection.finance_org_id, connection.edition, connection.status) == (us_org, "books", "connected")
    assert connection.connected_identity_email == "owner@sandbox.test"
    assert connection.finance_time_zone == "America/Los_Angeles"
    assert SyncSettings.objects.get(organization=org).sync_type == "III"
    assert list(
        FieldMapping.objects.filter(organization=org, module="companies").values_list("fsm_field", "books_field")
    ) == default_mapping("companies", "US", "III")

    taxes = {t.name: t for t in Tax.objects.filter(organization=org)}
    assert set(taxes) == {"ca state tax", "SF City Tax", "San Francisco"}
    assert taxes["ca state tax"].rate == Decimal("7.25")
    assert taxes["ca state tax"].authority == "California CDTFA"
    assert all(t.books_id and t.is_active for t in taxes.values())
    group = taxes["San Francisco"]
    assert group.kind == Tax.Kind.GROUP
    assert set(group.components.values_list("name", flat=True)) == {"ca state tax", "SF City Tax"}
    assert group.rate == Decimal("8.75")
    exemption = TaxExemption.objects.get(organization=org)
    assert (exemption.code, exemption.reason, bool(exemption.books_id)) == ("RESALE", "Resale", True)
    euro = Currency.objects.get(organization=org, code="EUR")
    assert (euro.exchange_rate, bool(euro.books_id), euro.is_base) == (Decimal("1.08"), True, False)
    assert PaymentTerm.objects.get(organization=org, days=60).label == "Net 60"
    assert PaymentTerm.objects.filter(organization=org).exclude(books_id="").count() == 5
    people = {s.name: s for s in Salesperson.objects.filter(organization=org)}
    assert {"Will Smith", "Ana Lopez"} <= set(people)
    assert people["Ana Lopez"].email == "ana@sandbox.test" and people["Ana Lopez"].books_id


def test_existing_books_account_without_crm_integration_uses_type_iv(sandbox, org, admin_client):
    finance = sandbox.control.create_org(name="Plain Books", crm_sync_type=None, is_tax_enabled=False)
    TaxFactory(organization=org, name="Local Tax")
    sign_in(admin_client, "acme", user_email=USER_EMAIL)
    response = admin_client.post(
        "/o/acme/billing/onboarding/", {"selection": f"existing_books:{finance['organization_id']}"}
    )
    assert response.status_code == 302
    assert SyncSettings.objects.get(organization=org).sync_type == "IV"
    # Taxes are off in Books: FSM's taxes are kept but made inactive so both sides match (TAX-6, SYN-15).
    assert list(Tax.objects.filter(organization=org).values_list("name", "is_active")) == [("Local Tax", False)]


# --- Orgs that cannot be chosen ---------------------------------------------------------------------------------------


def test_trial_expired_and_avalara_orgs_are_listed_but_refused(sandbox, org, admin_client, api):
    expired = sandbox.control.create_org(name="Expired Books", trial_expired=True)
    avalara = sandbox.control.create_org(name="Avalara Books", avalara_integrated=True)
    good = sandbox.control.create_org(name="Good Invoice", edition="invoice")
    sign_in(admin_client, "acme", user_email=USER_EMAIL)

    response = api.get("/api/v1/orgs/acme/billing/finance-organizations")
    assert response.status_code == 200
    body = response.json()
    assert body["default_choice"] == "new_invoice"
    rows = {row["organization_id"]: row for row in body["organizations"]}
    assert set(rows) == {expired["organization_id"], avalara["organization_id"], good["organization_id"]}
    assert rows[expired["organization_id"]]["selectable"] is False
    assert "trial" in rows[expired["organization_id"]]["reason"]
    assert rows[avalara["organization_id"]]["selectable"] is False
    assert "Avalara" in rows[avalara["organization_id"]]["reason"]
    assert (rows[good["organization_id"]]["selectable"], rows[good["organization_id"]]["edition"]) == (True, "invoice")

    page = admin_client.get("/o/acme/billing/onboarding/").content.decode()
    assert f'value="existing_books:{expired["organization_id"]}" disabled' in page
    assert f'data-testid="reason-{avalara["organization_id"]}"' in page

    refused = api.post(
        "/api/v1/orgs/acme/billing/onboard",
        {"choice": "existing_books", "finance_org_id": expired["organization_id"]},
        format="json",
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "finance_org_not_selectable"
    assert "trial" in refused.json()["message"]
    page_refusal = admin_client.post(
        "/o/acme/billing/onboarding/", {"selection": f"existing_books:{avalara['organization_id']}"}
    )
    assert page_refusal.status_code == 409
    assert "Avalara" in page_refusal.content.decode()
    assert FinanceConnection.objects.get(organization=org).finance_org_id == ""

    ok = api.post(
        "/api/v1/orgs/acme/billing/onboard",
        {"choice": "existing_invoice", "finance_org_id": good["organization_id"]},
        format="json",
    )
    assert ok.status_code == 200, ok.json()
    assert ok.json()["connection"]["status"] == "connected"
    assert ok.json()["connection"]["edition"] == "invoice"


def test_finance_organizations_before_sign_in_is_a_409(sandbox, api):
    response = api.get("/api/v1/orgs/acme/billing/finance-organizations")
    assert response.status_code == 409
    assert response.json()["code"] == "not_signed_in"


# --- OAuth callback --------------------------------------------------------------------------------------------------


def test_callback_with_a_forged_or_foreign_state_is_refused(sandbox, org, admin_client, other_admin):
    admin_client.post("/o/acme/billing/connect/", {"provider": "sandbox"})
    nonce = admin_client.session["finance_oauth_nonce"]

    forged = admin_client.get("/billing/oauth/callback/", {"code": "x", "state": "not-a-signed-state"})
    assert forged.status_code == 400
    assert "not valid for your session" in forged.content.decode()

    admin_client.post("/o/acme/billing/connect/", {"provider": "sandbox"})
    nonce = admin_client.session["finance_oauth_nonce"]
    someone_else = signing.dumps(
        {"o": org.pk, "u": other_admin.pk, "n": nonce, "r": "http://testserver/billing/oauth/callback/"},
        salt=STATE_SALT,
    )
    assert admin_client.get("/billing/oauth/callback/", {"code": "x", "state": someone_else}).status_code == 400

    wrong_key = signing.dumps({"o": org.pk, "u": org.memberships.get().user_id, "n": nonce}, salt="another-salt")
    assert admin_client.get("/billing/oauth/callback/", {"code": "x", "state": wrong_key}).status_code == 400

    # A genuine state replayed from another browser session (no nonce there) is refused as well.
    admin_client.post("/o/acme/billing/connect/", {"provider": "sandbox"})
    nonce = admin_client.session["finance_oauth_nonce"]
    genuine = signing.dumps(
        {"o": org.pk, "u": org.memberships.get().user_id, "n": nonce, "r": "http://testserver/billing/oauth/callback/"},
        salt=STATE_SALT,
    )
    stranger = Client()
    assert stranger.login(username=org.memberships.get().user.username, password=PASSWORD)
    assert stranger.get("/billing/oauth/callback/", {"code": "x", "state": genuine}).status_code == 400

    connection = FinanceConnection.objects.get(organization=org)
    assert connection.refresh_token_encrypted == ""
    assert connection.status == FinanceConnection.State.DISCONNECTED


def test_consent_denied_comes_back_with_the_reason(sandbox, org, admin_client):
    response = admin_client.post("/o/acme/billing/connect/", {"provider": "sandbox"})
    params = {key: values[0] for key, values in parse_qs(urlsplit(response["Location"]).query).items()}
    answer = admin_client.post("/sandbox/oauth/v2/auth", {**params, "decision": "deny"})
    done = admin_client.get(answer["Location"], follow=True)
    assert "refused or cancelled (access_denied)" in done.content.decode()
    assert FinanceConnection.objects.get(organization=org).refresh_token_encrypted == ""


def test_onboarding_needs_the_billing_setup_permission(sandbox, org):
    from tests.conftest import member

    dispatcher = member(org, role="Dispatcher", username="dispatch@acme.test")
    client = Client()
    client.force_login(dispatcher)
    assert client.get("/o/acme/billing/onboarding/").status_code == 403
    assert client.post("/o/acme/billing/connect/", {"provider": "sandbox"}).status_code == 403
    assert not FinanceConnection.objects.filter(organization=org).exists()
    outsider = UserFactory(username="outsider@else.test")
    client.force_login(outsider)
    assert client.get("/o/acme/billing/onboarding/").status_code == 404


# --- Script onboarding (run command's demo) ---------------------------------------------------------------------------


def test_onboard_sandbox_demo_connects_to_the_seeded_org_with_its_data(sandbox, org, admin_user):
    from sync.onboarding import onboard_sandbox_demo

    result = onboard_sandbox_demo(org, admin_user)
    connection = result.connection
    assert connection.finance_org_name == "Sandbox Field Services (US)"
    assert connection.status == "connected"
    with connector_for(connection) as books:
        names = {c.contact_name for page in books.list_contacts() for c in page.items}
    assert "Bowman and Co" in names
    assert Tax.objects.filter(organization=org, name="San Francisco", kind="tax_group").exists()
    # Running it again changes nothing.
    assert onboard_sandbox_demo(org, admin_user) is None
