"""Members, invitations and roles: pages and API (TEN-1, TEN-3, TEN-4, UI-4)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from fsmbilling.models import ApiToken, Invitation, Membership, Role
from fsmbilling.services.api_tokens import api_token_create
from tests.conftest import member
from tests.factories import PASSWORD

User = get_user_model()


def body(response) -> str:
    return response.content.decode()


def role(org, name: str) -> Role:
    return Role.objects.get(organization=org, name=name)


def membership_of(user, org) -> Membership:
    return Membership.objects.get(user=user, organization=org)


def logged_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def session_api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def tech(org):
    return member(org, role="Technician", username="tech@acme.test")


def invite(admin_client, org, email: str, role_name: str, capture) -> str:
    """Invite through the page and return the accept link's path from the email."""
    with capture(execute=True):
        response = admin_client.post(
            "/o/acme/settings/members/invite/", {"email": email, "role": role(org, role_name).pk}
        )
    assert response.status_code == 302, body(response)[:3000]
    message = mail.outbox[-1]
    assert message.to == [email.lower()]
    return re.search(r"http://testserver(/invitations/[\w-]+/)", message.body).group(1)


# --- Members page -----------------------------------------------------------------------------------------------------


def test_members_page_lists_members_with_roles(admin_client, org, tech):
    response = admin_client.get("/o/acme/settings/members/")
    assert response.status_code == 200
    page = body(response)
    assert "admin@acme.test" in page and "tech@acme.test" in page
    assert "admin@globex.test" not in page
    assert re.search(
        rf'data-member="tech@acme.test".*?<option value="{role(org, "Technician").pk}" selected>Technician',
        page,
        re.S,
    )


def test_non_administrators_get_403_with_the_reason(client, org, tech):
    client.login(username=tech.username, password=PASSWORD)
    for url in ("/o/acme/settings/members/", "/o/acme/settings/roles/", "/o/acme/settings/roles/new/"):
        response = client.get(url)
        assert response.status_code == 403
        assert "Only administrators can manage users, roles and invitations. Your role is Technician" in body(response)
    response = client.post(
        f"/o/acme/settings/members/{membership_of(tech, org).pk}/role/", {"role": role(org, "Administrator").pk}
    )
    assert response.status_code == 403
    assert membership_of(tech, org).role.name == "Technician"


def test_other_organizations_members_roles_and_invitations_are_404(admin_client, org, other_org, other_admin):
    foreign_membership = membership_of(other_admin, other_org)
    foreign_role = role(other_org, "Dispatcher")
    foreign_invitation = Invitation.objects.create(
        organization=other_org,
        email="x@globex.test",
        role=foreign_role,
        token_hash="f" * 64,
        expires_at=timezone.now() + timedelta(days=1),
    )
    assert admin_client.get("/o/globex/settings/members/").status_code == 404
    assert admin_client.get("/o/globex/settings/roles/").status_code == 404
    posts = [
        (f"/o/acme/settings/members/{foreign_membership.pk}/role/", {"role": role(org, "Billing").pk}),
        (f"/o/acme/settings/members/{foreign_membership.pk}/deactivate/", {}),
        (f"/o/acme/settings/members/invitations/{foreign_invitation.pk}/withdraw/", {}),
        (f"/o/acme/settings/roles/{foreign_role.pk}/delete/", {}),
        (f"/o/acme/settings/roles/{foreign_role.pk}/", {"name": "Hacked"}),
    ]
    for url, data in posts:
        assert admin_client.post(url, data).status_code == 404, url
    assert admin_client.get(f"/o/acme/settings/roles/{foreign_role.pk}/").status_code == 404
    # A role of another organization cannot be given to one's own member either.
    tech_user = member(org, role="Technician", username="t2@acme.test")
    response = admin_client.post(
        f"/o/acme/settings/members/{membership_of(tech_user, org).pk}/role/", {"role": foreign_role.pk}
    )
    assert response.status_code == 302
    assert membership_of(tech_user, org).role.name == "Technician"
    foreign_membership.refresh_from_db()
    assert foreign_membership.is_active and foreign_membership.role.is_administrator
    assert Invitation.objects.filter(pk=foreign_invitation.pk).exists()
    assert Role.objects.filter(pk=foreign_role.pk, name="Dispatcher").exists()


def test_change_role(admin_client, org, tech):
    response = admin_client.post(
        f"/o/acme/settings/members/{membership_of(tech, org).pk}/role/", {"role": role(org, "Billing").pk}, follow=True
    )
    assert "is now Billing" in body(response)
    assert membership_of(tech, org).role.name == "Billing"


def test_last_administrator_cannot_be_demoted_or_deactivated(admin_client, org, admin_user):
    own = membership_of(admin_user, org)
    response = admin_client.post(
        f"/o/acme/settings/members/{own.pk}/role/", {"role": role(org, "Dispatcher").pk}, follow=True
    )
    assert "is the last active administrator of Acme Services. Make another member an administrator first" in body(
        response
    )
    response = admin_client.post(f"/o/acme/settings/members/{own.pk}/deactivate/", follow=True)
    assert "is the last active administrator" in body(response)
    own.refresh_from_db()
    assert own.is_active and own.role.is_administrator


def test_with_a_second_administrator_the_first_may_step_down(admin_client, org, admin_user):
    second = member(org, role="Administrator", username="second@acme.test")
    own = membership_of(admin_user, org)
    admin_client.post(f"/o/acme/settings/members/{membership_of(second, org).pk}/deactivate/")
    # The deactivated second admin does not count: still refused.
    admin_client.post(f"/o/acme/settings/members/{own.pk}/role/", {"role": role(org, "Dispatcher").pk})
    assert membership_of(admin_user, org).role.is_administrator
    admin_client.post(f"/o/acme/settings/members/{membership_of(second, org).pk}/reactivate/")
    admin_client.post(f"/o/acme/settings/members/{own.pk}/role/", {"role": role(org, "Dispatcher").pk})
    assert membership_of(admin_user, org).role.name == "Dispatcher"


def test_deactivate_removes_access_and_revokes_tokens_reactivate_restores_access(admin_client, org, tech):
    _, raw = api_token_create(organization=org, user=tech, name="tech script")
    tech_client = logged_in(tech)
    assert tech_client.get("/o/acme/").status_code == 200
    response = admin_client.post(f"/o/acme/settings/members/{membership_of(tech, org).pk}/deactivate/", follow=True)
    assert "was deactivated" in body(response)
    assert tech_client.get("/o/acme/").status_code == 404
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert api.get("/api/v1/orgs/acme/companies/").status_code == 401
    assert ApiToken.objects.get(user=tech).revoked_at is not None
    admin_client.post(f"/o/acme/settings/members/{membership_of(tech, org).pk}/reactivate/")
    assert tech_client.get("/o/acme/").status_code == 200


def test_member_forms_need_csrf(org, admin_user, tech):
    client = Client(enforce_csrf_checks=True)
    client.login(username=admin_user.username, password=PASSWORD)
    response = client.post(
        f"/o/acme/settings/members/{membership_of(tech, org).pk}/role/", {"role": role(org, "Billing").pk}
    )
    assert response.status_code == 403
    assert membership_of(tech, org).role.name == "Technician"


# --- Invitations ------------------------------------------------------------------------------------------------------


def test_invitation_for_a_new_user(admin_client, org, client, django_capture_on_commit_callbacks):
    link = invite(admin_client, org, "New.Person@Example.com", "Dispatcher", django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get(organization=org, email="new.person@example.com")
    token = link.split("/")[2]
    assert invitation.token_hash == Invitation.hash_token(token) and token not in invitation.token_hash
    assert (invitation.expires_at - timezone.now()).days in (6, 7)
    assert "Acme Services" in mail.outbox[-1].subject and "Dispatcher" in mail.outbox[-1].body
    assert "new.person@example.com" in body(admin_client.get("/o/acme/settings/members/"))

    page = client.get(link)
    assert page.status_code == 200 and "Create your account to join." in body(page)
    weak = client.post(link, {"full_name": "New Person", "password": "short"})
    assert "This password is too short" in body(weak)
    response = client.post(link, {"full_name": "New Person", "password": "a long new passphrase"})
    assert response.status_code == 302 and response["Location"] == "/o/acme/"
    user = User.objects.get(username="new.person@example.com")
    assert user.get_full_name() == "New Person"
    assert membership_of(user, org).role.name == "Dispatcher"
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert client.get("/o/acme/").status_code == 200  # logged in
    # The link works once.
    again = Client().get(link)
    assert again.status_code == 410 and "already accepted" in body(again)


def test_invitation_for_an_existing_user_logs_them_in(
    admin_client, org, other_admin, client, django_capture_on_commit_callbacks
):
    link = invite(admin_client, org, "admin@globex.test", "Billing", django_capture_on_commit_callbacks)
    page = client.get(link)
    assert "You already have an account. Enter your password to join." in body(page)
    wrong = client.post(link, {"password": "not it"})
    assert "The email or password is not correct." in body(wrong)
    assert not Membership.objects.filter(user=other_admin, organization=org).exists()
    response = client.post(link, {"password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/o/acme/"
    assert membership_of(other_admin, org).role.name == "Billing"
    # Now a member of both organizations.
    assert client.get("/o/acme/").status_code == 200 and client.get("/o/globex/").status_code == 200


def test_invitation_accepted_by_the_logged_in_invitee(
    admin_client, org, other_admin, django_capture_on_commit_callbacks
):
    link = invite(admin_client, org, "admin@globex.test", "Technician", django_capture_on_commit_callbacks)
    client = logged_in(other_admin)
    assert "Join the organization" in body(client.get(link))
    assert client.post(link)["Location"] == "/o/acme/"
    assert membership_of(other_admin, org).role.name == "Technician"


def test_invitation_refuses_another_logged_in_user(admin_client, org, other_admin, django_capture_on_commit_callbacks):
    link = invite(admin_client, org, "someone@example.com", "Technician", django_capture_on_commit_callbacks)
    client = logged_in(other_admin)
    assert "You are logged in as admin@globex.test. Log out" in body(client.get(link))
    response = client.post(link)
    assert "This invitation is for someone@example.com" in body(response)
    assert not Membership.objects.filter(user=other_admin, organization=org).exists()


def test_expired_invitation_is_refused(admin_client, org, client, django_capture_on_commit_callbacks):
    link = invite(admin_client, org, "late@example.com", "Technician", django_capture_on_commit_callbacks)
    Invitation.objects.filter(email="late@example.com").update(expires_at=timezone.now() - timedelta(minutes=1))
    page = client.get(link)
    assert page.status_code == 410
    assert "This invitation expired on" in body(page) and "Ask an administrator of Acme Services" in body(page)
    client.post(link, {"full_name": "Late", "password": "a long new passphrase"})
    assert not User.objects.filter(username="late@example.com").exists()


def test_unknown_invitation_token_is_404(db, client):
    response = client.get("/invitations/not-a-real-token/")
    assert response.status_code == 404 and "This invitation link is not valid" in body(response)


def test_inviting_again_replaces_the_link_and_withdraw_removes_it(
    admin_client, org, django_capture_on_commit_callbacks
):
    first = invite(admin_client, org, "twice@example.com", "Technician", django_capture_on_commit_callbacks)
    second = invite(admin_client, org, "twice@example.com", "Billing", django_capture_on_commit_callbacks)
    assert first != second
    assert Client().get(first).status_code == 404
    invitation = Invitation.objects.get(email="twice@example.com")
    assert invitation.role.name == "Billing"
    admin_client.post(f"/o/acme/settings/members/invitations/{invitation.pk}/withdraw/")
    assert not Invitation.objects.filter(email="twice@example.com").exists()
    assert Client().get(second).status_code == 404


def test_inviting_a_member_says_so(admin_client, org, tech):
    response = admin_client.post(
        "/o/acme/settings/members/invite/", {"email": "TECH@acme.test", "role": role(org, "Billing").pk}
    )
    assert response.status_code == 200
    assert "tech@acme.test is already a member of this organization." in body(response)
    assert not Invitation.objects.exists()


# --- Roles ------------------------------------------------------------------------------------------------------------


def test_roles_page_and_custom_role_with_permission_matrix(admin_client, org):
    page = body(admin_client.get("/o/acme/settings/roles/"))
    assert all(name in page for name in ("Administrator", "Dispatcher", "Technician", "Billing"))
    form = body(admin_client.get("/o/acme/settings/roles/new/"))
    assert 'name="perm__invoices__email"' in form and 'name="perm__companies__email"' not in form
    assert 'aria-label="Invoices: Email to customer"' in form
    response = admin_client.post(
        "/o/acme/settings/roles/new/",
        {
            "name": "Collector",
            "perm__invoices__view": "on",
            "perm__payments__edit": "on",
            "perm__payments__email": "on",
            "receivables_summary": "on",
        },
    )
    assert response.status_code == 302, body(response)[:3000]
    collector = role(org, "Collector")
    # Edit and email imply view.
    assert collector.permissions == {"invoices": ["view"], "payments": ["view", "edit", "email"]}
    assert collector.receivables_summary and not collector.is_administrator
    assert collector.allows("payments", "email") and not collector.allows("invoices", "edit")

    response = admin_client.post(
        f"/o/acme/settings/roles/{collector.pk}/", {"name": "Collections", "perm__companies__view": "on"}
    )
    assert response.status_code == 302
    collector.refresh_from_db()
    assert collector.name == "Collections" and collector.permissions == {"companies": ["view"]}
    assert not collector.receivables_summary


def test_role_name_must_be_unique(admin_client, org):
    response = admin_client.post("/o/acme/settings/roles/new/", {"name": "dispatcher"})
    assert response.status_code == 200 and "A role named dispatcher already exists" in body(response)


def test_custom_role_permissions_are_enforced(admin_client, org, client):
    admin_client.post("/o/acme/settings/roles/new/", {"name": "Viewer", "perm__companies__view": "on"})
    viewer = member(org, role="Viewer", username="viewer@acme.test")
    client.login(username=viewer.username, password=PASSWORD)
    assert client.get("/o/acme/companies/").status_code == 200
    assert client.post("/o/acme/companies/new/", {"name": "X", "status": "active"}).status_code == 403


def test_role_in_use_and_administrator_role_cannot_be_deleted(admin_client, org, tech):
    technician = role(org, "Technician")
    response = admin_client.post(f"/o/acme/settings/roles/{technician.pk}/delete/", follow=True)
    assert "The Technician role is in use (1 members, 0 open invitations)" in body(response)
    administrator = role(org, "Administrator")
    response = admin_client.post(f"/o/acme/settings/roles/{administrator.pk}/delete/", follow=True)
    assert "may do everything and cannot be changed or deleted" in body(response)
    response = admin_client.get(f"/o/acme/settings/roles/{administrator.pk}/")
    assert response.status_code == 403 and "cannot be changed" in body(response)
    billing = role(org, "Billing")
    admin_client.post(f"/o/acme/settings/roles/{billing.pk}/delete/")
    assert not Role.objects.filter(pk=billing.pk).exists()
    assert Role.objects.filter(pk=technician.pk).exists() and Role.objects.filter(pk=administrator.pk).exists()


# --- API --------------------------------------------------------------------------------------------------------------


def test_api_members_list_and_change_role(api, org, tech):
    response = api.get("/api/v1/orgs/acme/members/")
    assert response.status_code == 200
    emails = {row["user"]["email"]: row for row in response.json()["results"]}
    assert set(emails) == {"admin@acme.test", "tech@acme.test"}
    assert emails["tech@acme.test"]["role_name"] == "Technician"
    member_id = emails["tech@acme.test"]["id"]
    changed = api.patch(f"/api/v1/orgs/acme/members/{member_id}/", {"role": role(org, "Billing").pk}, format="json")
    assert changed.status_code == 200 and changed.json()["role_name"] == "Billing"
    assert membership_of(tech, org).role.name == "Billing"
    assert api.post("/api/v1/orgs/acme/members/", {}, format="json").status_code == 405
    assert api.delete(f"/api/v1/orgs/acme/members/{member_id}/").status_code == 405


def test_api_last_administrator_is_a_409(api, org, admin_user):
    own = membership_of(admin_user, org)
    response = api.patch(f"/api/v1/orgs/acme/members/{own.pk}/", {"role": role(org, "Technician").pk}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "last_administrator"
    assert "last active administrator" in response.json()["message"]
    response = api.patch(f"/api/v1/orgs/acme/members/{own.pk}/", {"is_active": False}, format="json")
    assert response.status_code == 409
    assert membership_of(admin_user, org).role.is_administrator


def test_api_members_and_roles_of_other_organizations_are_404(api, org, other_org, other_admin):
    foreign = membership_of(other_admin, other_org)
    foreign_role = role(other_org, "Billing")
    assert api.get("/api/v1/orgs/globex/members/").status_code == 404
    assert api.get(f"/api/v1/orgs/acme/members/{foreign.pk}/").status_code == 404
    assert api.patch(f"/api/v1/orgs/acme/members/{foreign.pk}/", {"is_active": False}, format="json").status_code == 404
    assert api.get(f"/api/v1/orgs/acme/roles/{foreign_role.pk}/").status_code == 404
    assert api.delete(f"/api/v1/orgs/acme/roles/{foreign_role.pk}/").status_code == 404
    tech = member(org, role="Technician", username="t3@acme.test")
    bad = api.patch(
        f"/api/v1/orgs/acme/members/{membership_of(tech, org).pk}/", {"role": foreign_role.pk}, format="json"
    )
    assert bad.status_code == 400 and "role" in bad.json()["fields"]
    assert Role.objects.filter(pk=foreign_role.pk).exists()
    foreign.refresh_from_db()
    assert foreign.is_active


def test_api_members_and_roles_are_for_administrators(org, tech):
    client = session_api(tech)
    for url in ("/api/v1/orgs/acme/members/", "/api/v1/orgs/acme/roles/"):
        response = client.get(url)
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
        assert "Only administrators can manage users" in response.json()["message"]


def test_api_roles_crud(api, org, tech):
    listed = api.get("/api/v1/orgs/acme/roles/").json()["results"]
    assert {r["name"]: r["member_count"] for r in listed}["Technician"] == 1
    created = api.post(
        "/api/v1/orgs/acme/roles/",
        {"name": "Auditor", "permissions": {"invoices": ["email"], "sync_logs": ["view"]}, "receivables_summary": True},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["permissions"] == {"invoices": ["view", "email"], "sync_logs": ["view"]}
    role_id = created.json()["id"]
    bad = api.post("/api/v1/orgs/acme/roles/", {"name": "X", "permissions": {"companies": ["email"]}}, format="json")
    assert bad.status_code == 400 and "permissions" in bad.json()["fields"]
    bad = api.post("/api/v1/orgs/acme/roles/", {"name": "X", "permissions": {"planets": ["view"]}}, format="json")
    assert bad.status_code == 400
    duplicate = api.post("/api/v1/orgs/acme/roles/", {"name": "AUDITOR"}, format="json")
    assert duplicate.status_code == 400 and "name" in duplicate.json()["fields"]
    updated = api.patch(f"/api/v1/orgs/acme/roles/{role_id}/", {"permissions": {}}, format="json")
    assert updated.status_code == 200 and updated.json()["permissions"] == {}
    administrator = role(org, "Administrator")
    refused = api.patch(f"/api/v1/orgs/acme/roles/{administrator.pk}/", {"name": "Boss"}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "administrator_role"
    in_use = api.delete(f"/api/v1/orgs/acme/roles/{role(org, 'Technician').pk}/")
    assert in_use.status_code == 409 and in_use.json()["code"] == "role_in_use"
    assert api.delete(f"/api/v1/orgs/acme/roles/{role_id}/").status_code == 204
    assert not Role.objects.filter(pk=role_id).exists()
