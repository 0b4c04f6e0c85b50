"""Sign-up, log-in by email with throttling, password reset and change, organization switch (TEN-1, TEN-2, TEN-4,
REL-5)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from fsmbilling.models import Currency, Membership, Organization
from tests.factories import PASSWORD, UserFactory

User = get_user_model()

SIGNUP = {
    "full_name": "Nina Novak",
    "email": "  Nina@Example.COM ",
    "password": "a sturdy passphrase 42",
    "organization_name": "Novak Plumbing",
    "country": "CA",
    "time_zone": "America/Toronto",
}


def errors_of(response) -> str:
    return response.content.decode()


# --- Sign-up ----------------------------------------------------------------------------------------------------------


def test_signup_creates_user_and_organization_and_logs_in(db, client):
    response = client.post("/signup/", SIGNUP)
    assert response.status_code == 302, errors_of(response)[:3000]
    user = User.objects.get(username="nina@example.com")
    assert (user.email, user.first_name, user.last_name) == ("nina@example.com", "Nina", "Novak")
    assert user.check_password(SIGNUP["password"])
    organization = Organization.objects.get(name="Novak Plumbing")
    assert (organization.country, organization.time_zone, organization.base_currency) == (
        "CA",
        "America/Toronto",
        "CAD",
    )
    membership = Membership.objects.get(user=user, organization=organization)
    assert membership.role.is_administrator and membership.is_active
    assert Currency.objects.filter(organization=organization, code="CAD", is_base=True).exists()
    # Onboarding when the billing app provides it, else the new organization's dashboard.
    assert response["Location"] in (
        f"/o/{organization.slug}/billing/onboarding/",
        f"/o/{organization.slug}/",
    ) or response["Location"].startswith(f"/o/{organization.slug}/")
    # Logged in: the organization's pages open.
    assert client.get(f"/o/{organization.slug}/").status_code == 200


def test_signup_redirects_to_onboarding_when_it_exists(db, client):
    from django.urls import NoReverseMatch, reverse

    response = client.post("/signup/", SIGNUP)
    organization = Organization.objects.get(name="Novak Plumbing")
    try:
        expected = reverse("billing:onboarding", kwargs={"org_slug": organization.slug})
    except NoReverseMatch:
        expected = reverse("dashboard", kwargs={"org_slug": organization.slug})
    assert response["Location"] == expected


def test_signup_with_existing_email_says_so_and_creates_nothing(client, admin_user):
    organizations = Organization.objects.count()
    response = client.post("/signup/", {**SIGNUP, "email": "ADMIN@acme.test"})
    assert response.status_code == 200
    assert "An account with admin@acme.test already exists. Log in instead" in errors_of(response)
    assert Organization.objects.count() == organizations
    assert User.objects.filter(username__iexact="admin@acme.test").count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"password": "123"}, "This password is too short"),
        ({"country": "XX"}, "Select a valid choice"),
        ({"time_zone": "Mars/Olympus"}, "Select a valid choice"),
        ({"organization_name": ""}, "This field is required."),
        ({"email": "not-an-email"}, "Enter a valid email address."),
    ],
)
def test_signup_names_the_bad_field(db, client, change, message):
    users = User.objects.count()
    response = client.post("/signup/", {**SIGNUP, **change})
    assert response.status_code == 200
    assert message in errors_of(response)
    assert User.objects.count() == users


def test_signup_page_lists_countries_and_time_zones(db, client):
    body = client.get("/signup/").content.decode()
    assert '<option value="IN">India</option>' in body
    assert '<option value="DE">Germany</option>' in body
    assert '<option value="Asia/Kolkata">Asia/Kolkata</option>' in body
    assert 'for="id_email"' in body and 'autocomplete="new-password"' in body


def test_logged_in_user_creates_another_organization_and_switches(admin_client, admin_user, org):
    assert admin_client.get("/signup/")["Location"] == "/orgs/new/"
    response = admin_client.post(
        "/orgs/new/", {"organization_name": "Acme North", "country": "IN", "time_zone": "Asia/Kolkata"}
    )
    assert response.status_code == 302
    second = Organization.objects.get(name="Acme North")
    assert second.country == "IN" and second.base_currency == "INR"
    assert Membership.objects.get(user=admin_user, organization=second).role.is_administrator

    # Two organizations: home sends to the switcher, which links to both; each page carries its org in the URL.
    assert admin_client.get("/")["Location"] == "/orgs/"
    switcher = admin_client.get("/orgs/").content.decode()
    assert 'href="/o/acme/"' in switcher and f'href="/o/{second.slug}/"' in switcher
    assert "Acme Services" in admin_client.get("/o/acme/").content.decode()
    assert "Acme North" in admin_client.get(f"/o/{second.slug}/").content.decode()
    # Still no access to an organization the user is not a member of.
    assert admin_client.get("/o/globex/").status_code == 404


def test_home_with_one_organization_goes_to_its_dashboard(admin_client):
    assert admin_client.get("/")["Location"] == "/o/acme/"


def test_signup_and_login_pages_need_csrf(admin_user):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/signup/", SIGNUP).status_code == 403
    assert client.post("/login/", {"username": "admin@acme.test", "password": PASSWORD}).status_code == 403
    assert not User.objects.filter(username="nina@example.com").exists()
    # With the token from the form it works.
    page = client.get("/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    response = client.post(
        "/login/", {"username": "admin@acme.test", "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


# --- Log in and throttling --------------------------------------------------------------------------------------------


def login(client, email, password=PASSWORD, address="10.0.0.1"):
    return client.post("/login/", {"username": email, "password": password}, REMOTE_ADDR=address)


def test_login_by_email_is_case_insensitive(client, admin_user):
    response = login(client, "  Admin@ACME.test ")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/o/acme/").status_code == 200


def test_wrong_password_is_refused_with_a_clear_message(client, admin_user):
    response = login(client, "admin@acme.test", "wrong password")
    assert response.status_code == 200
    assert "The email or password is not correct." in errors_of(response)


@pytest.fixture
def three_attempts(settings):
    settings.LOGIN_THROTTLE_ATTEMPTS = 3
    settings.LOGIN_THROTTLE_WINDOW = 600


def test_login_is_throttled_per_email(client, admin_user, three_attempts):
    for _ in range(2):
        assert "The email or password is not correct." in errors_of(login(client, "admin@acme.test", "nope"))
    third = login(client, "admin@acme.test", "nope")
    assert "Too many failed log-in attempts" in errors_of(third) and "Wait 10 minutes" in errors_of(third)
    # Even the right password is refused now, from any address, and the email's case does not matter.
    refused = login(client, "ADMIN@acme.test", PASSWORD, address="10.9.9.9")
    assert refused.status_code == 200
    assert "Too many failed log-in attempts" in errors_of(refused)
    assert "_auth_user_id" not in client.session
    # Other accounts are not affected from another address.
    other = Client()
    assert login(other, "admin@globex.test", PASSWORD, address="10.9.9.8").status_code == 302


def test_login_is_throttled_per_client_address(client, admin_user, other_admin, three_attempts):
    for email in ("a@x.test", "b@x.test", "c@x.test"):
        login(client, email, "guess", address="192.0.2.7")
    refused = login(client, "admin@acme.test", PASSWORD, address="192.0.2.7")
    assert "Too many failed log-in attempts" in errors_of(refused)
    assert login(Client(), "admin@acme.test", PASSWORD, address="192.0.2.8").status_code == 302


def test_lockout_ends_after_the_window(client, admin_user, three_attempts, monkeypatch):
    import time

    for _ in range(3):
        login(client, "admin@acme.test", "nope")
    assert "Too many failed" in errors_of(login(client, "admin@acme.test", PASSWORD))
    later = time.time() + 601
    monkeypatch.setattr("fsmbilling.login_throttle.time.time", lambda: later)
    assert login(client, "admin@acme.test", PASSWORD).status_code == 302


def test_successful_login_resets_the_email_counter(client, admin_user, three_attempts):
    for _ in range(2):
        login(client, "admin@acme.test", "nope", address="10.0.0.1")
    assert login(client, "admin@acme.test", PASSWORD, address="10.0.0.2").status_code == 302
    client.post("/logout/")
    # Two more failures from a fresh address are allowed again before the third locks.
    for _ in range(2):
        assert "not correct" in errors_of(login(client, "admin@acme.test", "nope", address="10.0.0.3"))
    assert login(client, "admin@acme.test", PASSWORD, address="10.0.0.4").status_code == 302


def test_admin_login_form_shares_the_throttle(rf, admin_user, three_attempts):
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.backends.db import SessionStore

    from fsmbilling.views.accounts import AdminEmailAuthenticationForm

    admin_user.is_staff = True
    admin_user.save(update_fields=["is_staff"])
    request = rf.post("/admin/login/", REMOTE_ADDR="10.1.1.1")
    request.session, request.user = SessionStore(), AnonymousUser()
    for _ in range(3):
        login(Client(), "admin@acme.test", "nope", address="10.1.1.2")
    form = AdminEmailAuthenticationForm(request, data={"username": "admin@acme.test", "password": PASSWORD})
    assert not form.is_valid() and "Too many failed log-in attempts" in str(form.errors)
    assert (
        AdminEmailAuthenticationForm(request, data={"username": "admin@globex.test", "password": PASSWORD}).is_valid()
        is False
    )  # not staff


def test_inactive_user_cannot_log_in(db, client):
    UserFactory(username="gone@acme.test", is_active=False)
    assert login(client, "gone@acme.test").status_code == 200


def test_logout_is_a_post_and_ends_the_session(admin_client):
    assert admin_client.post("/logout/").status_code == 302
    assert admin_client.get("/o/acme/")["Location"].startswith("/login/")


# --- Password reset and change ----------------------------------------------------------------------------------------


def test_password_reset_by_email_end_to_end(client, admin_user, three_attempts):
    # A locked-out user resets the password and can log in with the new one at once.
    for _ in range(3):
        login(client, "admin@acme.test", "forgotten")
    response = client.post("/password-reset/", {"email": "Admin@Acme.test"})
    assert response.status_code == 302 and response["Location"] == "/password-reset/sent/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["admin@acme.test"] and "Reset your fsmbilling password" in message.subject
    link = re.search(r"http://testserver(/password-reset/[^/\s]+/[^/\s]+/)", message.body).group(1)

    step = client.get(link)  # Django swaps the token for a session value and redirects
    assert step.status_code == 302
    form_url = step["Location"]
    assert "Choose a new password" in client.get(form_url).content.decode()
    new_password = "a brand new passphrase 7"
    done = client.post(form_url, {"new_password1": new_password, "new_password2": new_password})
    assert done.status_code == 302 and done["Location"] == "/password-reset/complete/"
    admin_user.refresh_from_db()
    assert admin_user.check_password(new_password)

    # The link works once.
    assert "This link does not work any more" in client.get(link, follow=True).content.decode()
    # The email's lockout ended with the reset (the address's does not: it may be guessing other accounts).
    assert login(client, "admin@acme.test", new_password, address="10.0.0.99").status_code == 302


def test_password_reset_for_unknown_email_reveals_nothing(db, client):
    response = client.post("/password-reset/", {"email": "nobody@nowhere.test"})
    assert response.status_code == 302 and response["Location"] == "/password-reset/sent/"
    assert mail.outbox == []


def test_password_change(admin_client, admin_user):
    assert admin_client.get("/account/password/").status_code == 200
    response = admin_client.post(
        "/account/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "another good passphrase",
            "new_password2": "another good passphrase",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/account/password/done/"
    admin_user.refresh_from_db()
    assert admin_user.check_password("another good passphrase")
    assert admin_client.get("/o/acme/").status_code == 200  # the session survives the change


def test_password_change_needs_login(db, client):
    assert client.get("/account/password/")["Location"].startswith("/login/")
