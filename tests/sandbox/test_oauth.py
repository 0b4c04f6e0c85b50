"""The emulated accounts server (zoho-books-v3.md §2, §12.2), over HTTP."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from tests.sandbox.conftest import advance, control_client, control_grant, control_org

REDIRECT = "https://fsm.example.com/billing/oauth/callback/"


def _consent(http, client_id: str, email: str, *, state: str = "xyz", access_type: str = "offline") -> dict:
    params = {
        "scope": "ZohoBooks.fullaccess.all",
        "client_id": client_id,
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "access_type": access_type,
        "state": state,
    }
    page = http.get("/sandbox/oauth/v2/auth", params=params)
    assert page.status_code == 200
    assert "ZohoBooks.fullaccess.all" in page.text and email in page.text
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = http.post(
        "/sandbox/oauth/v2/auth",
        data={**params, "csrfmiddlewaretoken": csrf, "user_email": email, "decision": "accept"},
    )
    assert answer.status_code == 302
    location = urlsplit(answer.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    return {key: values[0] for key, values in parse_qs(location.query).items()}


def test_code_flow_refresh_and_revoke(sandbox_http, frozen_clock):
    org = control_org(sandbox_http)
    client = control_client(sandbox_http, REDIRECT)
    callback = _consent(sandbox_http, client["client_id"], "owner@example.com")
    assert callback["state"] == "xyz"
    assert callback["location"] == "sandbox"
    assert callback["accounts-server"] == "http://testserver/sandbox"

    # Parameters in the query string, as Zoho's examples do.
    exchange = sandbox_http.post(
        "/sandbox/oauth/v2/token",
        params={
            "code": callback["code"],
            "client_id": client["client_id"],
            "client_secret": client["client_secret"],
            "redirect_uri": REDIRECT,
            "grant_type": "authorization_code",
        },
    )
    assert exchange.status_code == 200
    body = exchange.json()
    assert set(body) == {"access_token", "refresh_token", "scope", "api_domain", "token_type", "expires_in"}
    assert body["api_domain"] == "http://testserver/sandbox"
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == "ZohoBooks.fullaccess.all"

    # A code is single use.
    again = sandbox_http.post(
        "/sandbox/oauth/v2/token",
        params={"code": callback["code"], "client_id": client["client_id"], "client_secret": client["client_secret"],
                "redirect_uri": REDIRECT, "grant_type": "authorization_code"},
    )  # fmt: skip
    assert (again.status_code, again.json()) == (200, {"error": "invalid_code"})

    api = "/sandbox/books/v3/contacts"
    ok = sandbox_http.get(api, params={"organization_id": org["organization_id"]},
                          headers={"Authorization": f"Zoho-oauthtoken {body['access_token']}"})  # fmt: skip
    assert ok.status_code == 200

    # Refresh with a form body; no new refresh token comes back.
    refreshed = sandbox_http.post(
        "/sandbox/oauth/v2/token",
        data={"refresh_token": body["refresh_token"], "client_id": client["client_id"],
              "client_secret": client["client_secret"], "grant_type": "refresh_token"},
    )  # fmt: skip
    assert refreshed.status_code == 200
    assert set(refreshed.json()) == {"access_token", "scope", "api_domain", "token_type", "expires_in"}

    # Expiry follows the sandbox clock.
    advance(sandbox_http, 3601)
    expired = sandbox_http.get(api, params={"organization_id": org["organization_id"]},
                               headers={"Authorization": f"Zoho-oauthtoken {body['access_token']}"})  # fmt: skip
    assert expired.status_code == 401
    assert expired.json() == {
        "code": 57,
        "message": "You are not authorized to perform this operation. The OAuth token has expired.",
    }

    revoke = sandbox_http.post("/sandbox/oauth/v2/token/revoke", params={"token": body["refresh_token"]})
    assert revoke.status_code == 200
    after = sandbox_http.post(
        "/sandbox/oauth/v2/token",
        data={"refresh_token": body["refresh_token"], "client_id": client["client_id"],
              "client_secret": client["client_secret"], "grant_type": "refresh_token"},
    )  # fmt: skip
    assert after.json() == {"error": "invalid_code"}
    second_token = refreshed.json()["access_token"]
    revoked = sandbox_http.get(
        api,
        params={"organization_id": org["organization_id"]},
        headers={"Authorization": f"Zoho-oauthtoken {second_token}"},
    )
    assert revoked.status_code == 401
    assert revoked.json()["message"].endswith("The OAuth token is invalid or has been revoked.")


def test_online_access_gives_no_refresh_token_and_code_expires(sandbox_http, frozen_clock):
    control_org(sandbox_http)
    client = control_client(sandbox_http, REDIRECT)
    callback = _consent(sandbox_http, client["client_id"], "owner@example.com", access_type="online")
    params = {"code": callback["code"], "client_id": client["client_id"], "client_secret": client["client_secret"],
              "redirect_uri": REDIRECT, "grant_type": "authorization_code"}  # fmt: skip
    body = sandbox_http.post("/sandbox/oauth/v2/token", params=params).json()
    assert "access_token" in body and "refresh_token" not in body

    late = _consent(sandbox_http, client["client_id"], "owner@example.com")
    advance(sandbox_http, 61)
    answer = sandbox_http.post("/sandbox/oauth/v2/token", params={**params, "code": late["code"]})
    assert answer.json() == {"error": "invalid_code"}


def test_consent_deny_and_bad_redirect(sandbox_http):
    client = control_client(sandbox_http, REDIRECT)
    bad = sandbox_http.get(
        "/sandbox/oauth/v2/auth",
        params={"scope": "ZohoBooks.contacts.READ", "client_id": client["client_id"], "response_type": "code",
                "redirect_uri": "https://evil.example.com/"},
    )  # fmt: skip
    assert bad.status_code == 400
    assert "redirect_uri does not match" in bad.text


def test_invalid_client_and_unknown_refresh_token(sandbox_http):
    client = control_client(sandbox_http)
    wrong_secret = sandbox_http.post(
        "/sandbox/oauth/v2/token",
        params={"refresh_token": "1000.x.y", "client_id": client["client_id"], "client_secret": "nope",
                "grant_type": "refresh_token"},
    )  # fmt: skip
    assert (wrong_secret.status_code, wrong_secret.json()) == (200, {"error": "invalid_client"})
    unknown = sandbox_http.post(
        "/sandbox/oauth/v2/token",
        params={"refresh_token": "1000.x.y", "client_id": client["client_id"],
                "client_secret": client["client_secret"], "grant_type": "refresh_token"},
    )  # fmt: skip
    assert (unknown.status_code, unknown.json()) == (200, {"error": "invalid_code"})


def test_more_than_ten_refreshes_in_ten_minutes_are_denied(sandbox_http, frozen_clock):
    client = control_client(sandbox_http)
    grant = control_grant(sandbox_http, client["client_id"], "owner@example.com")
    params = {"refresh_token": grant["refresh_token"], "client_id": client["client_id"],
              "client_secret": client["client_secret"], "grant_type": "refresh_token"}  # fmt: skip
    for _ in range(10):
        assert "access_token" in sandbox_http.post("/sandbox/oauth/v2/token", params=params).json()
    denied = sandbox_http.post("/sandbox/oauth/v2/token", params=params)
    assert denied.status_code == 400
    assert denied.json() == {
        "error_description": "You have made too many requests continuously. Please try again after some time.",
        "error": "Access Denied",
        "status": "failure",
    }
    advance(sandbox_http, 601)
    assert "access_token" in sandbox_http.post("/sandbox/oauth/v2/token", params=params).json()


def test_token_caps_drop_the_oldest(sandbox_http, frozen_clock, settings):
    from sandbox.models import AccessToken, RefreshToken

    org = control_org(sandbox_http)
    client = control_client(sandbox_http)
    first = control_grant(sandbox_http, client["client_id"], "owner@example.com")
    for _ in range(20):
        control_grant(sandbox_http, client["client_id"], "owner@example.com")
    assert RefreshToken.objects.count() == 20
    gone = sandbox_http.post(
        "/sandbox/oauth/v2/token",
        params={"refresh_token": first["refresh_token"], "client_id": client["client_id"],
                "client_secret": client["client_secret"], "grant_type": "refresh_token"},
    )  # fmt: skip
    assert gone.json() == {"error": "invalid_code"}
    old = sandbox_http.get("/sandbox/books/v3/contacts", params={"organization_id": org["organization_id"]},
                           headers={"Authorization": f"Zoho-oauthtoken {first['access_token']}"})  # fmt: skip
    assert old.status_code == 401

    # 30 live access tokens per refresh token: the 31st drops the oldest.
    from sandbox.services import oauth

    refresh = RefreshToken.objects.order_by("-id").first()
    tokens = [oauth._access_token_create(refresh) for _ in range(31)]
    assert AccessToken.objects.filter(refresh_token=refresh).count() == 30
    assert oauth.access_token_check(tokens[-1]).problem is None
    assert oauth.access_token_check(tokens[1]).problem is None
    assert oauth.access_token_check(tokens[0]).problem is not None


def test_only_zoho_oauthtoken_scheme_is_accepted(books):
    for header in ({}, {"Authorization": f"Bearer {books.token}"}, {"Authorization": "Zoho-oauthtoken "}):
        response = books.http.get(
            "/sandbox/books/v3/contacts", params={"organization_id": books.org_id}, headers=header
        )
        assert response.status_code == 401
        assert response.json() == {
            "code": 57,
            "message": "You are not authorized to perform this operation. No OAuth token was sent.",
        }
        assert "X-Rate-Limit-Limit" in response.headers


def test_scopes_are_checked(books):
    read_contacts = books.grant("owner@example.com", "ZohoBooks.contacts.READ,ZohoBooks.settings.READ")
    assert books.get("contacts", token=read_contacts).status_code == 200
    assert books.get("items", token=read_contacts).status_code == 200
    denied = books.post("contacts", token=read_contacts, json={"contact_name": "X"})
    assert denied.status_code == 401
    assert denied.json()["message"] == (
        "You are not authorized to perform this operation. The token lacks scope ZohoBooks.contacts.CREATE."
    )
    invoices = books.get("invoices", token=read_contacts)
    assert invoices.json()["message"].endswith("The token lacks scope ZohoBooks.invoices.READ.")
    # ZohoInvoice.* scopes and the module's ALL are accepted too, in any case.
    invoice_scope = books.grant("owner@example.com", "ZohoInvoice.invoices.all")
    assert books.get("invoices", token=invoice_scope).status_code == 200


def test_role_permissions_are_enforced(sandbox_http):
    from tests.sandbox.conftest import make_books

    books = make_books(
        sandbox_http,
        users=[
            {"email": "owner@example.com", "name": "Owner", "role": "admin"},
            {"email": "viewer@example.com", "name": "Viewer", "role": "viewer"},
            {"email": "biller@example.com", "name": "Biller", "role": "custom",
             "permissions": {"invoices": ["READ", "CREATE"]}},
        ],
    )  # fmt: skip
    viewer = books.grant("viewer@example.com")
    assert books.get("contacts", token=viewer).status_code == 200
    refused = books.post("contacts", token=viewer, json={"contact_name": "X"})
    assert refused.status_code == 401
    assert refused.json() == {
        "code": 57,
        "message": "You are not authorized to perform this operation. Your role does not allow this action.",
    }
    biller = books.grant("biller@example.com")
    assert books.get("invoices", token=biller).status_code == 200
    assert books.post("contacts", token=biller, json={"contact_name": "X"}).status_code == 401


def test_identities_are_not_listed_when_control_is_off(sandbox_http, settings):
    client = control_client(sandbox_http, REDIRECT)
    control_org(sandbox_http)
    settings.SANDBOX_CONTROL_ENABLED = False
    params = {"scope": "ZohoBooks.fullaccess.all", "client_id": client["client_id"], "response_type": "code",
              "redirect_uri": REDIRECT, "access_type": "offline"}  # fmt: skip
    page = sandbox_http.get("/sandbox/oauth/v2/auth", params=params)
    assert page.status_code == 200 and "owner@example.com" not in page.text
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = sandbox_http.post(
        "/sandbox/oauth/v2/auth",
        data={**params, "csrfmiddlewaretoken": csrf, "new_email": "owner@example.com", "decision": "accept"},
    )
    assert answer.status_code == 302 and "code=" in answer.headers["location"]
    assert "owner@example.com" not in sandbox_http.get("/sandbox/ui/").text
