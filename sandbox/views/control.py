"""Sandbox-only control endpoints under ``/sandbox/_control/`` (zoho-books-v3.md §12.9).

Tests, the seed and local demos use them; the connector never does. They answer 404 on every path unless the setting
``SANDBOX_CONTROL_ENABLED`` is on (it is always off in production settings).
"""

from __future__ import annotations

import datetime as dt
import functools

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from sandbox import clock, faults
from sandbox.api import serializers
from sandbox.errors import UNKNOWN_PATH, ApiError, invalid_value, missing_value
from sandbox.jsonio import error_response, json_response, read_body
from sandbox.models import Membership, OAuthClient, Organization
from sandbox.permissions import membership_permissions
from sandbox.services import oauth, orgs
from sandbox.views.oauth import site_base


def control(methods: tuple[str, ...]):
    def decorator(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not getattr(settings, "SANDBOX_CONTROL_ENABLED", False):
                return error_response(UNKNOWN_PATH)
            if request.method not in methods:
                return error_response(ApiError(405, 37, f"The HTTP method {request.method} is not allowed here."))
            try:
                status, payload = view(request, *args, **kwargs)
            except ApiError as error:
                return error_response(error)
            return json_response(payload, status)

        return wrapper

    return decorator


def _org_payload(organization: Organization) -> dict:
    memberships = Membership.objects.filter(organization=organization).select_related("user").order_by("id")
    return {
        **serializers.organization(organization),
        "plan": organization.plan,
        "allow_duplicate_names": organization.allow_duplicate_names,
        "trial_expired": organization.trial_expired,
        "avalara_integrated": organization.avalara_integrated,
        "crm_sync_type": organization.crm_sync_type,
        "crm_sync_in_progress": organization.crm_sync_in_progress,
        "users": [
            {
                "user_id": m.zoho_id,
                "email": m.user.email,
                "name": m.user.name,
                "role": m.role,
                "status": m.status,
                "permissions": membership_permissions(m),
            }
            for m in memberships
        ],
    }


def _org(organization_id: str) -> Organization:
    pk = Organization.pk_from_zoho_id(organization_id)
    organization = Organization.objects.filter(pk=pk or 0).first()
    if organization is None:
        raise ApiError(404, 1002, "Organization does not exist.")
    return organization


@control(("GET", "POST"))
def orgs_view(request: HttpRequest):
    if request.method == "GET":
        return 200, {"organizations": [_org_payload(o) for o in Organization.objects.order_by("id")]}
    organization = orgs.org_create(data=read_body(request))
    return 201, _org_payload(organization)


@control(("GET", "PATCH", "PUT", "DELETE"))
def org_view(request: HttpRequest, organization_id: str):
    organization = _org(organization_id)
    if request.method == "GET":
        return 200, _org_payload(organization)
    if request.method == "DELETE":
        organization.delete()
        return 200, {"deleted": True, "organization_id": organization_id}
    return 200, _org_payload(orgs.org_update(organization, data=read_body(request)))


@control(("GET", "POST"))
def org_custom_fields_view(request: HttpRequest, organization_id: str):
    organization = _org(organization_id)
    ctx = serializers.Context(organization)
    if request.method == "GET":
        from sandbox.models import CustomField

        rows = CustomField.objects.filter(organization=organization).order_by("entity", "index")
        return 200, {"customfields": [serializers.custom_field(row, ctx) for row in rows]}
    field = orgs.custom_field_create(organization, data=read_body(request))
    return 201, serializers.custom_field(field, ctx)


@control(("POST",))
def users_view(request: HttpRequest):
    data = read_body(request)
    if not data.get("email"):
        raise missing_value("email")
    user = oauth.user_get_or_create(email=data["email"], name=data.get("name", ""))
    return 201, {"user_id": user.zoho_id, "email": user.email, "name": user.name}


@control(("GET", "POST"))
def clients_view(request: HttpRequest):
    if request.method == "GET":
        rows = OAuthClient.objects.order_by("id")
        return 200, {
            "clients": [{"client_id": c.client_id, "name": c.name, "redirect_uri": c.redirect_uri} for c in rows]
        }
    data = read_body(request)
    client = oauth.client_create(name=str(data.get("name") or ""), redirect_uri=str(data.get("redirect_uri") or ""))
    return 201, {
        "client_id": client.client_id,
        "client_secret": client.client_secret,
        "redirect_uri": client.redirect_uri,
    }


@control(("POST",))
def grants_view(request: HttpRequest):
    data = read_body(request)
    client = OAuthClient.objects.filter(client_id=str(data.get("client_id") or "")).first()
    if client is None:
        raise invalid_value("client_id")
    if not data.get("user_email"):
        raise missing_value("user_email")
    scope = oauth.normalize_scope(str(data.get("scope") or ""))
    if not scope:
        raise missing_value("scope")
    user = oauth.user_get_or_create(email=data["user_email"])
    refresh_token, access_token = oauth.grant_create(client=client, user=user, scope=scope)
    base = site_base(request)
    return 201, {
        "refresh_token": refresh_token,
        "access_token": access_token,
        "expires_in": oauth.ACCESS_TOKEN_LIFETIME_SECONDS,
        "api_domain": base,
        "accounts_server": base,
        "scope": scope,
    }


@control(("GET", "PUT", "DELETE"))
def faults_view(request: HttpRequest):
    if request.method == "GET":
        return 200, faults.config()
    if request.method == "DELETE":
        return 200, faults.reset()
    data = read_body(request)
    try:
        rate = float(data.get("rate", 0))
    except (TypeError, ValueError):
        raise invalid_value("rate")
    if not 0 <= rate <= 1:
        raise invalid_value("rate")
    kinds = data.get("kinds", list(faults.KINDS))
    if not isinstance(kinds, list) or any(str(kind) not in faults.KINDS for kind in kinds):
        raise invalid_value("kinds")
    seed = data.get("seed")
    slow = data.get("slow_seconds")
    try:
        seed = int(seed) if seed is not None else None
        slow = float(slow) if slow is not None else None
    except (TypeError, ValueError):
        raise invalid_value("seed")
    return 200, faults.configure(rate=rate, kinds=[str(k) for k in kinds], seed=seed, slow_seconds=slow)


@control(("GET", "PUT", "DELETE"))
def clock_view(request: HttpRequest):
    if request.method == "GET":
        return 200, clock.state()
    if request.method == "DELETE":
        return 200, clock.reset()
    data = read_body(request)
    at = None
    if data.get("now"):
        try:
            at = dt.datetime.fromisoformat(str(data["now"]).replace("Z", "+00:00"))
        except ValueError:
            raise invalid_value("now")
        if at.tzinfo is None:
            at = at.replace(tzinfo=dt.UTC)
    try:
        advance = float(data.get("advance_seconds") or 0)
    except (TypeError, ValueError):
        raise invalid_value("advance_seconds")
    frozen = data.get("frozen")
    if frozen is not None and not isinstance(frozen, bool):
        raise invalid_value("frozen")
    return 200, clock.set_clock(at=at, advance_seconds=advance, frozen=frozen)


@control(("POST",))
def reset_view(request: HttpRequest):
    """Remove every sandbox row (organizations, identities, clients, tokens, faults, clock)."""
    from sandbox.services.seed import sandbox_reset

    with transaction.atomic():
        sandbox_reset()
    return 200, {"reset": True}


@control(("POST",))
def seed_view(request: HttpRequest):
    from sandbox.services.seed import sandbox_seed

    result = sandbox_seed()
    return 200, result


@control(("GET", "POST", "PUT", "PATCH", "DELETE"))
def unknown_view(request: HttpRequest):
    raise UNKNOWN_PATH
