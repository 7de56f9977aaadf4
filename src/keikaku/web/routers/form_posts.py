"""What the staff forms' POST handlers share: run the service call once, and answer the three ways a form
can end.  A refusal (by default :class:`~keikaku.services.core.errors.PermissionDeniedError`) propagates to
its 403 page; any other service error shows the form again with the service's message and status; success
redirects (303) to the page that shows the result, or shows the result itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi.responses import RedirectResponse, Response

from keikaku.services.core.errors import PermissionDeniedError, ServiceError

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
    passes: tuple[type[ServiceError], ...] = (PermissionDeniedError,),
) -> R:
    """``done(work())``; a service error in ``passes`` propagates, any other is ``again(error)``."""
    try:
        result = work()
    except passes:
        raise
    except ServiceError as exc:
        return again(exc)
    return done(result)
