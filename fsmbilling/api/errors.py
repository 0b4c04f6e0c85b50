"""Every API error is JSON ``{code, message, fields}`` (API-5)."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)


class ApiError(exceptions.APIException):
    """A refusal with a machine code, e.g. ApiError("finance_unavailable", "…", status=409)."""

    def __init__(self, code: str, message: str, *, status_code: int = 400, fields: dict | None = None):
        self.status_code = status_code
        self.error_code = code
        self.fields = fields or {}
        super().__init__(detail=message, code=code)


def _flatten(detail) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), sub)
        elif isinstance(value, list):
            if all(not isinstance(v, (dict, list)) for v in value):
                fields.setdefault(prefix or "non_field_errors", []).extend(str(v) for v in value)
            else:
                for index, sub in enumerate(value):
                    walk(f"{prefix}[{index}]", sub)
        else:
            fields.setdefault(prefix or "non_field_errors", []).append(str(value))

    walk("", detail)
    return fields


CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    415: "unsupported_media_type",
    429: "throttled",
}


def exception_handler(exc, context):
    from fsmbilling.services.guards import Conflict

    if isinstance(exc, Conflict):
        exc = ApiError(exc.error_code, exc.messages[0], status_code=409)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = getattr(exc, "error_code", None) or CODES.get(response.status_code, "error")
    fields: dict = getattr(exc, "fields", {}) or {}
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        non_field = fields.get("non_field_errors")
        message = non_field[0] if non_field and len(fields) == 1 else "Some fields are not valid; see fields."
    elif isinstance(exc.detail, (list, dict)):
        fields = _flatten(exc.detail)
        message = "; ".join(message for messages in fields.values() for message in messages)
    else:
        message = str(exc.detail)
    body = {"code": code, "message": message, "fields": fields}
    headers = {k: v for k, v in response.headers.items() if k in ("Retry-After", "WWW-Authenticate", "Allow")}
    return Response(body, status=response.status_code, headers=headers)


def server_error_json(request, *args, **kwargs):
    from django.http import JsonResponse

    return JsonResponse(
        {"code": "server_error", "message": "Something went wrong on our side; it was logged.", "fields": {}},
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )
