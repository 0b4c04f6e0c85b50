"""API tokens: page, API and management command (TEN-4, API-1, REL-5)."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from rest_framework.test import APIClient

from fsmbilling.models import ApiToken
from fsmbilling.services.api_tokens import api_token_create
from tests.conftest import member
from tests.factories import PASSWORD


def body(response) -> str:
    return response.content.decode()


def token_client(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


def session_api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- Page -------------------------------------------------------------------------------------------------------------


def test_create_token_on_the_page_shows_the_key_once(admin_client, org, admin_user):
    assert admin_client.get("/o/acme/settings/api-tokens/").status_code == 200
    response = admin_client.post("/o/acme/settings/api-tokens/", {"name": "Accounting export"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    raw = re.search(r'value="(fsm_[\w-]+)"', body(response)).group(1)
    token = ApiToken.objects.get(organization=org, user=admin_user, name="Accounting export")
    assert token.key_hash == ApiToken.hash_key(raw) and raw not in (token.key_hash, token.prefix)
    assert raw.startswith(token.prefix)

    # The key works, and the list shows name, prefix and last use — never the key again.
    assert token_client(raw).get("/api/v1/orgs/acme/companies/").status_code == 200
    listing = body(admin_client.get("/o/acme/settings/api-tokens/"))
    assert "Accounting export" in listing and f"{token.prefix}…" in listing
    assert raw not in listing
    assert "Never" not in listing.split("Accounting export", 1)[1].split("</tr>", 1)[0]


def test_token_name_is_required(admin_client, org):
    response = admin_client.post("/o/acme/settings/api-tokens/", {"name": ""})
    assert response.status_code == 200 and "This field is required." in body(response)
    assert not ApiToken.objects.filter(name="").exists()


def test_revoked_token_gets_401_json(admin_client, org, admin_user):
    token, raw = api_token_create(organization=org, user=admin_user, name="script")
    api = token_client(raw)
    assert api.get("/api/v1/orgs/acme/companies/").status_code == 200
    response = admin_client.post(f"/o/acme/settings/api-tokens/{token.pk}/revoke/", follow=True)
    assert "Revoked the token script" in body(response)
    assert "Revoked" in body(response)
    refused = api.get("/api/v1/orgs/acme/companies/")
    assert refused.status_code == 401
    assert refused.json()["code"] == "not_authenticated"
    assert refused.json()["message"] == "The API token is invalid or was revoked. Create a new one."


def test_every_member_manages_only_their_own_tokens(client, org, admin_user):
    tech = member(org, role="Technician", username="tech@acme.test")
    admin_token, _ = api_token_create(organization=org, user=admin_user, name="admin secret")
    client.login(username=tech.username, password=PASSWORD)
    page = body(client.get("/o/acme/settings/api-tokens/"))
    assert "admin secret" not in page
    assert client.post("/o/acme/settings/api-tokens/", {"name": "tech phone"}).status_code == 200
    assert ApiToken.objects.filter(user=tech, organization=org, name="tech phone").exists()
    assert client.post(f"/o/acme/settings/api-tokens/{admin_token.pk}/revoke/").status_code == 404
    admin_token.refresh_from_db()
    assert admin_token.revoked_at is None


def test_tokens_of_other_organizations_are_404(admin_client, org, other_org, admin_user, other_admin):
    foreign, _ = api_token_create(organization=other_org, user=other_admin, name="globex")
    assert admin_client.get("/o/globex/settings/api-tokens/").status_code == 404
    assert admin_client.post(f"/o/acme/settings/api-tokens/{foreign.pk}/revoke/").status_code == 404
    foreign.refresh_from_db()
    assert foreign.revoked_at is None


def test_token_works_only_in_its_organization(org, other_org, admin_user):
    from fsmbilling.models import Membership, Role

    Membership.objects.create(
        user=admin_user, organization=other_org, role=Role.objects.get(organization=other_org, name="Administrator")
    )
    _, raw = api_token_create(organization=org, user=admin_user, name="acme only")
    api = token_client(raw)
    assert api.get("/api/v1/orgs/acme/companies/").status_code == 200
    assert api.get("/api/v1/orgs/globex/companies/").status_code == 404


def test_token_page_needs_csrf(org, admin_user):
    client = Client(enforce_csrf_checks=True)
    client.login(username=admin_user.username, password=PASSWORD)
    assert client.post("/o/acme/settings/api-tokens/", {"name": "x"}).status_code == 403
    assert not ApiToken.objects.filter(name="x").exists()


# --- API --------------------------------------------------------------------------------------------------------------


def test_api_list_create_and_revoke_own_tokens(org, admin_user, other_org, other_admin):
    api_token_create(organization=other_org, user=other_admin, name="foreign")
    tech = member(org, role="Technician", username="tech@acme.test")
    api_token_create(organization=org, user=tech, name="not mine")
    client = session_api(admin_user)

    created = client.post("/api/v1/orgs/acme/api-tokens/", {"name": "CI"}, format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["name"] == "CI" and data["key"].startswith(data["prefix"]) and data["revoked_at"] is None
    token_id = data["id"]

    listed = client.get("/api/v1/orgs/acme/api-tokens/").json()["results"]
    assert [t["name"] for t in listed] == ["CI"]
    assert "key" not in listed[0]
    assert "key" not in client.get(f"/api/v1/orgs/acme/api-tokens/{token_id}/").json()

    new_key_client = token_client(data["key"])
    assert new_key_client.get("/api/v1/orgs/acme/api-tokens/").status_code == 200
    assert new_key_client.delete(f"/api/v1/orgs/acme/api-tokens/{token_id}/").status_code == 204
    refused = new_key_client.get("/api/v1/orgs/acme/api-tokens/")
    assert refused.status_code == 401 and set(refused.json()) >= {"code", "message"}
    revoked = client.get(f"/api/v1/orgs/acme/api-tokens/{token_id}/").json()
    assert revoked["revoked_at"] is not None
    # Revoking again changes nothing.
    assert client.delete(f"/api/v1/orgs/acme/api-tokens/{token_id}/").status_code == 204


def test_api_tokens_of_others_are_404(org, admin_user, other_org, other_admin):
    tech = member(org, role="Technician", username="tech@acme.test")
    theirs, _ = api_token_create(organization=org, user=tech, name="tech")
    foreign, _ = api_token_create(organization=other_org, user=other_admin, name="foreign")
    client = session_api(admin_user)
    for token in (theirs, foreign):
        assert client.get(f"/api/v1/orgs/acme/api-tokens/{token.pk}/").status_code == 404
        assert client.delete(f"/api/v1/orgs/acme/api-tokens/{token.pk}/").status_code == 404
        token.refresh_from_db()
        assert token.revoked_at is None
    assert client.get("/api/v1/orgs/globex/api-tokens/").status_code == 404


def test_api_token_cannot_create_tokens(api, org):
    response = api.post("/api/v1/orgs/acme/api-tokens/", {"name": "copy"}, format="json")
    assert response.status_code == 403 and "API tokens cannot create tokens" in response.json()["message"]
    assert not ApiToken.objects.filter(name="copy").exists()


def test_api_create_token_needs_a_name(org, admin_user):
    response = session_api(admin_user).post("/api/v1/orgs/acme/api-tokens/", {}, format="json")
    assert response.status_code == 400 and "name" in response.json()["fields"]


# --- Management command -----------------------------------------------------------------------------------------------


def test_create_api_token_command_prints_only_the_key(org, admin_user):
    out = StringIO()
    call_command("create_api_token", "--email", "ADMIN@acme.test", "--org", "acme", "--name", "deploy", stdout=out)
    raw = out.getvalue().strip()
    assert re.fullmatch(r"fsm_[\w-]+", raw)
    token = ApiToken.objects.get(key_hash=ApiToken.hash_key(raw))
    assert (token.user, token.organization, token.name) == (admin_user, org, "deploy")
    assert token_client(raw).get("/api/v1/orgs/acme/companies/").status_code == 200


@pytest.mark.parametrize(
    ("email", "slug", "message"),
    [
        ("nobody@acme.test", "acme", "No user has the email nobody@acme.test"),
        ("admin@acme.test", "nowhere", "No organization has the slug 'nowhere'"),
        ("admin@globex.test", "acme", "is not an active member of Acme Services"),
    ],
)
def test_create_api_token_command_errors(org, other_org, email, slug, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("create_api_token", "--email", email, "--org", slug, stdout=StringIO())
    assert not ApiToken.objects.exists()
