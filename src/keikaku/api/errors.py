"""Errors as JSON with a stable code: ``{"error": {"code": "...", "message": "...", "details": {...}}}``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi.responses import JSONResponse

from keikaku.services.core.errors import ServiceError

#: HTTP status → the code used when no service error names one.
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "request_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    500: "internal_error",
    503: "database_error",
}


def error_response(status: int, code: str, message: str, details: dict[str, Any] | None = None) -> JSONResponse:
    """A JSON error response."""
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return JSONResponse({"error": body}, status_code=status)


def service_error_response(exc: ServiceError) -> JSONResponse:
    """The JSON response of a service error (its status, code, message and details)."""
    return error_response(exc.http_status, exc.code, exc.message, dict(exc.details) or None)


def validation_details(errors: Sequence[Any]) -> dict[str, Any]:
    """FastAPI's validation errors as ``{"fields": {"query.page": "message"}}`` (input values left out)."""
    fields: dict[str, str] = {}
    for error in errors:
        location = ".".join(str(part) for part in error.get("loc", ()))
        fields[location or "request"] = str(error.get("msg", ""))
    return {"fields": fields}
