"""Errors of the emulated Books API, each carrying the HTTP status and the body's ``code`` (zoho-books-v3.md §4.5)."""

from __future__ import annotations


class ApiError(Exception):
    """A refusal answered as ``{"code": code, "message": message}`` with ``status``."""

    def __init__(self, status: int, code: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def invalid_value(field: str) -> ApiError:
    """A value that cannot be used (project choice: HTTP 400, code 2, like an invalid ``filter_by``)."""
    return ApiError(400, 2, f"Invalid value passed for {field}")


def missing_value(field: str, label: str | None = None) -> ApiError:
    """A required field left out (project choice: HTTP 400, code 4)."""
    return ApiError(400, 4, f"Please enter {label or field}. It is required.")


def invalid_reference(field: str) -> ApiError:
    """An id that names no record of this organization (project choice: HTTP 400, code 6)."""
    return ApiError(400, 6, f"Invalid value passed for {field}")


def business_rule(message: str) -> ApiError:
    return ApiError(400, 4016, message)


def does_not_exist(entity: str) -> ApiError:
    return ApiError(404, 1002, f"{entity} does not exist.")


def not_authorized(reason: str) -> ApiError:
    return ApiError(401, 57, f"You are not authorized to perform this operation. {reason}")


UNKNOWN_PATH = ApiError(404, 5, "We couldnt find any resource for the given ID. Please check the URL and try again.")


class SandboxDroppedConnection(Exception):
    """Raised from a response body to emulate a dropped connection (fault kind "drop").

    It subclasses ``httpx.RemoteProtocolError`` when httpx is importable, so a client on ``httpx.WSGITransport``
    sees the same exception class as for a real server that hung up. Live servers close the socket first.
    """


try:  # pragma: no branch - httpx is in requirements.txt
    import httpx

    class SandboxDroppedConnection(httpx.RemoteProtocolError):  # type: ignore[no-redef]
        """Raised from a response body to emulate a dropped connection (fault kind "drop")."""

        def __init__(self, message: str = "Server disconnected without sending a response."):
            super().__init__(message)

except ImportError:  # pragma: no cover
    pass
