"""What the staff forms' POST handlers share: run the service call once, and answer the three ways a form
can end.  A refusal (by default :class:`~keikaku.services.core.errors.PermissionDeniedError`) propagates to
its 403 page; a service error of the kinds shown (by default any other) shows the form again with the
service's message and status; success redirects (303) to the page that shows the result, or shows the result
itself.  :func:`form_page` renders a page with the error of a refused form; :func:`errors_page` a page whose
forms show the messages beside their fields.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from keikaku.services.core.actors import Actor
from keikaku.services.core.errors import PermissionDeniedError, ServiceError
from keikaku.web.render import render

T = TypeVar("T")
R = TypeVar("R", bound=Response)


def see_other(url: str) -> RedirectResponse:
    """The redirect after a saved form: the browser then GETs the page showing the result (303 See Other)."""
    return RedirectResponse(url, status_code=303)


def submit(
    work: Callable[[], T],
    done: Callable[[T], R],
    again: Callable[[ServiceError], R],
    *,
    shown: tuple[type[ServiceError], ...] = (ServiceError,),
    passes: tuple[type[ServiceError], ...] = (PermissionDeniedError,),
) -> R:
    """``done(work())``; a service error in ``passes`` propagates, one in ``shown`` is ``again(error)``."""
    try:
        result = work()
    except passes:
        raise
    except shown as exc:
        return again(exc)
    return done(result)


def error_context(error: ServiceError | None) -> dict[str, Any]:
    """What a page shows of a refused form: the message, the messages by field, and the listed errors."""
    return {
        "error_message": error.message if error else None,
        "error_fields": (error.details.get("fields") or {}) if error else {},
        "error_list": (error.details.get("errors") or []) if error else [],
    }


def form_page(
    request: Request, actor: Actor, template: str, context: dict[str, Any], error: ServiceError | None = None
) -> HTMLResponse:
    """A page with its forms, and the error of a refused one with its status (422 rejected, 409 conflict)."""
    values = {**context, **error_context(error)}
    return render(request, actor, template, values, status=error.http_status if error else 200)


def errors_page(
    request: Request,
    actor: Actor,
    template: str,
    context: dict[str, Any],
    *,
    errors: Mapping[str, object] | None = None,
    message: str | None = None,
    status: int = 200,
    json_url: str | None = None,
) -> HTMLResponse:
    """A page with its forms, the messages beside the fields (``errors`` by field id: a :class:`FieldError`,
    or a service's message) and the form's message above them, with its status (200 shown, 422 rejected,
    409 conflict)."""
    values = {**context, "errors": errors or {}, "error_message": message}
    return render(request, actor, template, values, status=status, json_url=json_url)
