"""The Books v3 API entry point: routing, faults, OAuth, scopes, organization, limits and roles, in that order.

One view serves ``/sandbox/books/v3/<path>`` and ``/sandbox/invoice/v3/<path>`` so that unknown paths answer
Zoho's 404 code 5 and wrong verbs 405, instead of Django's pages.
"""

from __future__ import annotations

import contextlib
import logging
import re
import socket
import time
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt

from sandbox import faults, limits
from sandbox.api import contacts, sales
from sandbox.api import settings as settings_api
from sandbox.api.base import ApiRequest
from sandbox.errors import UNKNOWN_PATH, ApiError, SandboxDroppedConnection, not_authorized
from sandbox.jsonio import error_response, json_response
from sandbox.models import Membership, Organization, Plan
from sandbox.permissions import METHOD_OPERATION, role_allows, scope_allows
from sandbox.services.oauth import access_token_check

logger = logging.getLogger(__name__)

ID = r"(?P<{}>[0-9]+)"


@dataclass(frozen=True)
class Route:
    pattern: re.Pattern
    handlers: dict
    scope_modules: tuple[str, ...]
    permission_module: str
    needs_org: bool = True


def route(path: str, handlers: dict, scope: str, permission: str | None = None, *, needs_org: bool = True) -> Route:
    regex = re.sub(r"<(\w+)>", lambda m: ID.format(m.group(1)), path)
    modules = ("settings", "items") if permission == "items" else (scope,)
    return Route(re.compile(regex), handlers, modules, permission or scope, needs_org)


C, D, S = contacts, sales, settings_api
ROUTES = [
    route("organizations", {"GET": S.organization_list, "POST": S.organization_create}, "settings", needs_org=False),
    route("organizations/<organization_id>", {"GET": S.organization_get, "PUT": S.organization_update}, "settings",
          needs_org=False),
    route("contacts", {"GET": C.contact_list, "POST": C.contact_create}, "contacts"),
    route("contacts/contactpersons", {"POST": C.person_create}, "contacts"),
    route("contacts/contactpersons/<person_id>", {"PUT": C.person_update, "DELETE": C.person_delete}, "contacts"),
    route("contacts/contactpersons/<person_id>/primary", {"POST": C.person_primary}, "contacts"),
    route("contacts/<contact_id>", {"GET": C.contact_get, "PUT": C.contact_update, "DELETE": C.contact_delete},
          "contacts"),
    route("contacts/<contact_id>/active", {"POST": C.contact_active}, "contacts"),
    route("contacts/<contact_id>/inactive", {"POST": C.contact_inactive}, "contacts"),
    route("contacts/<contact_id>/contactpersons", {"GET": C.person_list}, "contacts"),
    route("contacts/<contact_id>/contactpersons/<person_id>", {"GET": C.person_get_of_contact}, "contacts"),
    route("items", {"GET": C.item_list, "POST": C.item_create}, "settings", "items"),
    route("itemdetails", {"GET": C.item_details}, "settings", "items"),
    route("items/<item_id>", {"GET": C.item_get, "PUT": C.item_update, "DELETE": C.item_delete}, "settings", "items"),
    route("items/<item_id>/active", {"POST": C.item_active}, "settings", "items"),
    route("items/<item_id>/inactive", {"POST": C.item_inactive}, "settings", "items"),
    route("invoices", {"GET": D.invoice_list, "POST": D.invoice_create}, "invoices"),
    route("invoices/<invoice_id>", {"GET": D.invoice_get, "PUT": D.invoice_update, "DELETE": D.invoice_delete},
          "invoices"),
    route("invoices/<invoice_id>/status/sent", {"POST": D.invoice_sent}, "invoices"),
    route("invoices/<invoice_id>/status/void", {"POST": D.invoice_void}, "invoices"),
    route("invoices/<invoice_id>/status/draft", {"POST": D.invoice_draft}, "invoices"),
    route("invoices/<invoice_id>/email", {"POST": D.invoice_email}, "invoices"),
    route("estimates", {"GET": D.estimate_list, "POST": D.estimate_create}, "estimates"),
    route("estimates/<estimate_id>", {"GET": D.estimate_get, "PUT": D.estimate_update, "DELETE": D.estimate_delete},
          "estimates"),
    route("estimates/<estimate_id>/status/sent", {"POST": D.estimate_sent}, "estimates"),
    route("estimates/<estimate_id>/status/accepted", {"POST": D.estimate_accepted}, "estimates"),
    route("estimates/<estimate_id>/status/declined", {"POST": D.estimate_declined}, "estimates"),
    route("estimates/<estimate_id>/email", {"POST": D.estimate_email}, "estimates"),
    route("customerpayments", {"GET": D.payment_list, "POST": D.payment_create}, "customerpayments"),
    route("customerpayments/<payment_id>",
          {"GET": D.payment_get, "PUT": D.payment_update, "DELETE": D.payment_delete}, "customerpayments"),
    route("settings/taxes", {"GET": S.tax_list, "POST": S.tax_create}, "settings"),
    route("settings/taxes/<tax_id>", {"GET": S.tax_get, "PUT": S.tax_update, "DELETE": S.tax_delete}, "settings"),
    route("settings/taxgroups", {"POST": S.tax_group_create}, "settings"),
    route("settings/taxgroups/<tax_group_id>",
          {"GET": S.tax_group_get, "PUT": S.tax_group_update, "DELETE": S.tax_group_delete}, "settings"),
    route("settings/taxauthorities", {"GET": S.tax_authority_list, "POST": S.tax_authority_create}, "settings"),
    route("settings/taxexemptions", {"GET": S.tax_exemption_list, "POST": S.tax_exemption_create}, "settings"),
    route("settings/currencies", {"GET": S.currency_list, "POST": S.currency_create}, "settings"),
    route("settings/currencies/<currency_id>", {"GET": S.currency_get, "PUT": S.currency_update}, "settings"),
    route("settings/paymentterms", {"GET": S.payment_term_list, "POST": S.payment_term_create}, "settings"),
    route("settings/customfields", {"GET": S.custom_field_list}, "settings"),
    route("salespersons", {"GET": S.salesperson_list, "POST": S.salesperson_create}, "settings"),
    route("users", {"GET": S.user_list}, "settings"),
    route("users/me", {"GET": S.user_me}, "settings"),
    route("users/<user_id>", {"GET": S.user_get}, "settings"),
]  # fmt: skip


def resolve(path: str) -> tuple[Route, dict] | None:
    path = path.strip("/")
    for candidate in ROUTES:
        match = candidate.pattern.fullmatch(path)
        if match:
            return candidate, match.groupdict()
    return None


def _organization_id(request: HttpRequest, root: str) -> str | None:
    """``organization_id`` from the query string, else from the organization headers (§12.3)."""
    value = request.GET.get("organization_id")
    if value:
        return value.strip()
    header = request.headers.get("X-com-zoho-books-organizationid")
    if root == "invoice":
        header = request.headers.get("X-com-zoho-invoice-organizationid") or header
    return header.strip() if header else None


def _authenticate(request: HttpRequest):
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme != "Zoho-oauthtoken" or not token.strip():
        raise not_authorized("No OAuth token was sent.")
    check = access_token_check(token.strip())
    if check.problem:
        raise not_authorized(check.problem)
    return check


def _usage_headers(organization: Organization | None) -> dict:
    if organization is None:
        organization = Organization(plan=Plan.FREE, time_zone="UTC")
    return limits.usage_peek(organization).headers()


def _dropped_response() -> StreamingHttpResponse:
    def body():
        raise SandboxDroppedConnection()
        yield b""  # pragma: no cover - makes this a generator

    return StreamingHttpResponse(body(), status=200, content_type="application/json")


def _find_socket(stream) -> socket.socket | None:
    """The client socket under a server's ``wsgi.input`` (runserver: LimitedStream → BufferedReader → SocketIO)."""
    for _ in range(8):
        if stream is None or isinstance(stream, socket.socket):
            return stream
        following = next(
            (getattr(stream, name) for name in ("stream", "_stream", "raw", "_sock") if hasattr(stream, name)), None
        )
        if following is None:
            reader = getattr(stream, "_read", None) or getattr(stream, "read", None)
            following = getattr(reader, "__self__", None)
            if following is stream:
                following = None
        stream = following
    return None


def _close_socket(request: HttpRequest) -> None:
    """Hang up on a live server (gunicorn exposes its socket; runserver's sits under wsgi.input)."""
    sock = request.META.get("gunicorn.socket") or _find_socket(request.META.get("wsgi.input"))
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


@csrf_exempt
def books_api(request: HttpRequest, root: str, path: str) -> HttpResponse:
    organization: Organization | None = None
    try:
        resolved = resolve(path)
        if resolved is None:
            raise UNKNOWN_PATH
        target, kwargs = resolved
        handler = target.handlers.get(request.method)
        if handler is None:
            raise ApiError(405, 37, f"The HTTP method {request.method} is not allowed for the requested resource.")
        fault = faults.draw()
        if fault is not None:
            if fault.kind == "drop":
                _close_socket(request)
                return _dropped_response()
            if fault.kind == "500":
                raise ApiError(500, 1000, "Internal error")
            if fault.kind == "429":
                raise ApiError(429, 44, limits.MINUTE_BODY, headers={"Retry-After": "60"})
            if fault.kind == "slow":
                time.sleep(fault.slow_seconds)
        check = _authenticate(request)
        operation = METHOD_OPERATION[request.method]
        if not scope_allows(check.scopes, modules=target.scope_modules, operation=operation):
            product = "ZohoInvoice" if root == "invoice" else "ZohoBooks"
            raise not_authorized(f"The token lacks scope {product}.{target.scope_modules[0]}.{operation}.")
        api = ApiRequest(request=request, root=root, user=check.user)
        if not target.needs_org:
            membership = Membership.objects.filter(user=check.user, is_default_org=True).first()
            organization = membership.organization if membership else None
            status, payload = handler(api, **kwargs)
            return json_response(payload, status, _usage_headers(organization))
        organization_id = _organization_id(request, root)
        if not organization_id:
            raise ApiError(400, 2, "Invalid value passed for organization_id")
        pk = Organization.pk_from_zoho_id(organization_id)
        membership = (
            Membership.objects.select_related("organization")
            .filter(organization_id=pk or 0, user=check.user, status="active")
            .first()
        )
        if membership is None:
            raise ApiError(400, 6041, f"This user is not associated with the CompanyID/CompanyName:{organization_id}.")
        organization = membership.organization
        api.organization, api.membership = organization, membership
        flight = limits.enter_flight(organization)
        try:
            usage = limits.count_call(organization)
            try:
                if not role_allows(membership, module=target.permission_module, operation=operation):
                    raise not_authorized("Your role does not allow this action.")
                status, payload = handler(api, **kwargs)
            except ApiError as error:
                return error_response(error, usage.headers())
            return json_response(payload, status, usage.headers())
        finally:
            limits.leave_flight(flight)
    except ApiError as error:
        return error_response(error, {**_usage_headers(organization), **error.headers})
    except Exception:
        logger.exception("Books sandbox: unexpected error on %s %s", request.method, request.path)
        return error_response(ApiError(500, 1000, "Internal error"), _usage_headers(organization))
