"""The emulated Zoho accounts server: consent page, token endpoint, revocation (zoho-books-v3.md §2, §12.1–§12.2)."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from sandbox.jsonio import json_response
from sandbox.models import OAuthClient, SandboxUser
from sandbox.services import oauth


def site_base(request: HttpRequest) -> str:
    """``{site}/sandbox``: the accounts server and API domain as this request reaches them (§12.1)."""
    return request.build_absolute_uri("/").rstrip("/") + "/sandbox"


def _with_query(url: str, params: dict) -> str:
    parts = urlsplit(url)
    query = (parts.query + "&" if parts.query else "") + urlencode(params)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponse:
    """Consent: pick the sandbox identity to act as, accept, and go back to the client with a code."""
    params = request.POST if request.method == "POST" else request.GET
    client = OAuthClient.objects.filter(client_id=params.get("client_id", "")).first()
    redirect_uri = params.get("redirect_uri", "")
    scope = params.get("scope", "")
    problem = None
    if client is None:
        problem = "This application (client_id) is not registered with the sandbox accounts server."
    elif not redirect_uri or (client.redirect_uri and redirect_uri != client.redirect_uri):
        problem = "The redirect_uri does not match the one registered for this application."
    elif params.get("response_type", "code") != "code":
        problem = "Only response_type=code is supported."
    elif not scope.strip():
        problem = "No scope was requested. Ask for at least one scope, for example ZohoBooks.fullaccess.all."
    if problem:
        return render(request, "sandbox/oauth_error.html", {"problem": problem}, status=400)
    if request.method == "POST":
        if request.POST.get("decision") != "accept":
            return HttpResponseRedirect(_with_query(redirect_uri, {"error": "access_denied", **_state(params)}))
        typed = request.POST.get("new_email", "").strip()
        if typed:
            if "@" not in typed:
                return render(request, "sandbox/oauth_error.html", {"problem": "Enter an email address."}, status=400)
            user = oauth.user_get_or_create(email=typed)
        else:
            user = SandboxUser.objects.filter(email=request.POST.get("user_email", "").strip().lower()).first()
            if user is None:
                problem = "Choose the sandbox identity to act as, or type its email."
                return render(request, "sandbox/oauth_error.html", {"problem": problem}, status=400)
        code = oauth.code_create(
            client=client,
            user=user,
            scope=scope,
            redirect_uri=redirect_uri,
            access_type=params.get("access_type", "online"),
        )
        base = site_base(request)
        return HttpResponseRedirect(
            _with_query(redirect_uri, {"code": code, **_state(params), "location": "sandbox", "accounts-server": base})
        )
    return render(
        request,
        "sandbox/consent.html",
        {
            "client": client,
            "scopes": oauth.normalize_scope(scope).split(),
            "users": listed_identities(),
            "params": {
                key: params.get(key, "")
                for key in ("client_id", "redirect_uri", "scope", "response_type", "access_type", "state", "prompt")
            },
        },
    )


def listed_identities():
    """Identities offered in pickers: all of them in development, none where the control API is off (production),
    so a public page never lists everyone's email; there the identity is typed in."""
    if not getattr(settings, "SANDBOX_CONTROL_ENABLED", False):
        return SandboxUser.objects.none()
    return SandboxUser.objects.order_by("email")


def _state(params) -> dict:
    return {"state": params["state"]} if "state" in params else {}


def _params(request: HttpRequest) -> dict:
    merged = {key: request.GET.get(key) for key in request.GET}
    merged.update({key: request.POST.get(key) for key in request.POST})
    return merged


@csrf_exempt
@require_http_methods(["POST"])
def token(request: HttpRequest) -> HttpResponse:
    params = _params(request)
    try:
        client = oauth.client_authenticate(params.get("client_id"), params.get("client_secret"))
        grant_type = params.get("grant_type")
        if grant_type == "authorization_code":
            issued = oauth.exchange_code(
                client=client, code=params.get("code", ""), redirect_uri=params.get("redirect_uri")
            )
        elif grant_type == "refresh_token":
            issued = oauth.refresh(client=client, refresh_token=params.get("refresh_token", ""))
        else:
            return json_response({"error": "unsupported_grant_type"})
    except oauth.TokenError as error:
        return json_response(error.body, error.status)
    body = {"access_token": issued.access_token}
    if issued.refresh_token:
        body["refresh_token"] = issued.refresh_token
    body.update(
        {
            "scope": issued.scope,
            "api_domain": site_base(request),
            "token_type": "Bearer",
            "expires_in": issued.expires_in,
        }
    )
    return json_response(body)


@csrf_exempt
@require_http_methods(["POST"])
def revoke(request: HttpRequest) -> HttpResponse:
    oauth.revoke(token=_params(request).get("token", ""))
    return json_response({"status": "success"})
