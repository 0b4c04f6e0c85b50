"""Reading request bodies and writing Zoho-shaped JSON responses."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import BytesIO

from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.multipartparser import MultiPartParser, MultiPartParserError

from sandbox.errors import ApiError


def to_number(value: Decimal):
    """Money and quantities go out as JSON numbers: an int when whole, else the shortest float with the same digits."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


class ZohoEncoder(json.JSONEncoder):
    def default(self, o):
        if isinstance(o, Decimal):
            return to_number(o)
        if isinstance(o, dt.date):
            return o.isoformat()
        return super().default(o)


def dumps(payload) -> str:
    return json.dumps(payload, cls=ZohoEncoder, ensure_ascii=False)


def json_response(payload: dict, status: int = 200, headers: dict | None = None) -> HttpResponse:
    response = HttpResponse(dumps(payload), status=status, content_type="application/json;charset=UTF-8")
    for key, value in (headers or {}).items():
        response[key] = str(value)
    return response


def error_response(error: ApiError, headers: dict | None = None) -> HttpResponse:
    return json_response(
        {"code": error.code, "message": error.message},
        status=error.status,
        headers={**error.headers, **(headers or {})},
    )


def loads(text: str | bytes):
    """Parse JSON keeping decimals exact."""
    return json.loads(text, parse_float=Decimal)


def _form(request: HttpRequest) -> QueryDict:
    content_type = request.content_type or ""
    if request.method == "POST" and content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return request.POST
    if content_type == "application/x-www-form-urlencoded":
        return QueryDict(request.body, encoding=request.encoding)
    if content_type == "multipart/form-data":
        try:
            data, _ = MultiPartParser(request.META, BytesIO(request.body), request.upload_handlers).parse()
        except MultiPartParserError:
            raise ApiError(400, 11, "The request body is malformed. Send JSON or a JSONString form field.")
        return data
    return QueryDict()


def read_body(request: HttpRequest) -> dict:
    """The request's JSON object: a JSON body, or the form (or query) field ``JSONString`` of older clients."""
    content_type = request.content_type or ""
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raw = _form(request).get("JSONString") or request.GET.get("JSONString")
    else:
        raw = request.GET.get("JSONString") or request.body
    if raw is None or not raw.strip():
        return {}
    try:
        data = loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, 11, "The request body is not valid JSON. Send a JSON object.")
    if not isinstance(data, dict):
        raise ApiError(400, 11, "The request body must be a JSON object.")
    return data
