"""Errors: JSON with a stable code under ``/api/``, a page in the user's language elsewhere.

Service errors keep their status and code (404 for an unknown id, 422 for bad input, 403 …); invalid query
or path values are 422; an unknown address is 404; anything unexpected is 500 without details.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from keikaku.api.auth import RequestAuth
from keikaku.api.errors import HTTP_CODES, error_response, service_error_response, validation_details
from keikaku.services.core.errors import (
    DATABASE_BUSY_MESSAGE,
    STORAGE_FULL_MESSAGE,
    DatabaseBusyError,
    PasswordChangeRequiredError,
    ServiceError,
    StorageFullError,
    is_database_busy,
    is_storage_full,
)
from keikaku.web.render import render

log = logging.getLogger("keikaku.web")


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_page(
    request: Request, status: int, code: str, message: str | None = None, retry_after: object = None
) -> Response:
    """The error page: a heading and a message in the user's language, the service's message if any; with
    ``retry_after`` (seconds) the wait, said in the user's language and sent as ``Retry-After``."""
    auth = getattr(request.state, "auth", None)
    actor = auth.actor if isinstance(auth, RequestAuth) else request.app.state.settings.actor
    response = render(
        request,
        actor,
        "error.html",
        {"status": status, "code": code, "message": message, "retry_after": retry_after},
        status=status,
    )
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def install(app: FastAPI) -> None:
    """Register the error handlers on the app."""

    @app.exception_handler(ServiceError)
    async def service_error(request: Request, exc: ServiceError) -> Response:
        if isinstance(exc, PasswordChangeRequiredError) and not _is_api(request):
            # The first sign-in with a one-time password: every page leads to the change form.
            return RedirectResponse("/account", status_code=303)
        retry_after = exc.details.get("retry_after")
        if _is_api(request):
            response = service_error_response(exc)
            if retry_after is not None:
                response.headers["Retry-After"] = str(retry_after)
            return response
        return error_page(request, exc.http_status, exc.code, exc.message, retry_after)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        if _is_api(request):
            return error_response(422, "invalid_input", "入力値が不正です", validation_details(exc.errors()))
        return error_page(request, 422, "invalid_input")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = HTTP_CODES.get(exc.status_code, "http_error")
        response: Response
        if _is_api(request):
            response = error_response(exc.status_code, code, str(exc.detail))
        else:
            response = error_page(request, exc.status_code, code)
        for name, value in (exc.headers or {}).items():  # Allow on a 405, WWW-Authenticate on a 401 …
            response.headers.setdefault(name, value)
        return response

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        if is_storage_full(exc):
            log.error("disk full on %s: the transaction was rolled back", request.url.path, exc_info=exc)
            if _is_api(request):
                return error_response(503, StorageFullError.code, STORAGE_FULL_MESSAGE)
            return error_page(request, 503, StorageFullError.code, STORAGE_FULL_MESSAGE)
        if is_database_busy(exc):
            log.warning("database busy on %s: the transaction was rolled back", request.url.path, exc_info=exc)
            busy: Response
            if _is_api(request):
                busy = error_response(503, DatabaseBusyError.code, DATABASE_BUSY_MESSAGE)
            else:
                busy = error_page(request, 503, DatabaseBusyError.code, DATABASE_BUSY_MESSAGE)
            busy.headers["Retry-After"] = "5"
            return busy
        log.exception("unexpected error on %s", request.url.path, exc_info=exc)
        if _is_api(request):
            return error_response(500, "internal_error", "サーバーで問題が発生しました")
        return error_page(request, 500, "internal_error")
