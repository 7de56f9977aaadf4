"""What the editing pages share: a message beside a field, a service's field errors mapped onto a form, the
control-character check of free text, numbers as people type them, and the form and query types.
Who may do what is decided by the services, never here: every page calls a service that checks the acting
user, and what a service refuses is its 403 page.  A form comes back with the user's input when a service
rejects it (422, messages beside the fields) or when the object changed after the form was shown (409, the
message and the new state token, so that sending the form again is a deliberate overwrite).  Saving
redirects (303) to the page that shows the result.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

from fastapi import Form, Query, Request

from keikaku.api.deps import MAX_ID
from keikaku.normalize.text import normalize_text
from keikaku.services.core.errors import ValidationError
from keikaku.services.core.free_text import has_control_characters
from keikaku.web.render import translator

Field_ = Annotated[str, Form()]
PlanField = Annotated[int, Form(ge=1, le=MAX_ID)]
TextQuery = Annotated[str | None, Query(max_length=200)]
ActorQuery = Annotated[str | None, Query(alias="actor", max_length=200)]

AMOUNT = re.compile(r"\d{1,13}", re.ASCII)
CHALLENGE = re.compile(r"\d{1,2}", re.ASCII)
YEAR = re.compile(r"\d{4}", re.ASCII)


@dataclass(frozen=True)
class FieldError:
    """A message shown beside a field: a service's (Japanese) or one of this module's (the page's language)."""

    message: str
    lang: str = "ja"


Errors = dict[str, FieldError]


def service_errors(exc: ValidationError, prefix: str = "", names: Mapping[str, str] | None = None) -> Errors:
    """A service's field errors, keyed by the ids of the fields on the page (``prefix`` + the form's name)."""
    fields = exc.details.get("fields")
    if not isinstance(fields, dict):
        return {}
    rename = names or {}
    return {f"{prefix}{rename.get(str(k), str(k))}": FieldError(str(v)) for k, v in fields.items()}


def local_error(request: Request, key: str) -> FieldError:
    t = translator(request)
    return FieldError(t(key), t.lang)


def check_texts(request: Request, values: Mapping[str, str], prefix: str = "") -> Errors:
    """Control characters in free text (no service field holds one; PostgreSQL cannot store NUL)."""
    return {
        f"{prefix}{name}": local_error(request, "edits.error.control")
        for name, value in values.items()
        if has_control_characters(value)
    }


def int_or_none(raw: str, pattern: re.Pattern[str]) -> tuple[int | None, bool]:
    """A number as people type it (``1,200``, ``１２００``): (value or None when empty, whether it was valid)."""
    text = normalize_text(raw).replace(",", "").replace(" ", "").strip()
    if not text:
        return None, True
    if not pattern.fullmatch(text):
        return None, False
    return int(text), True


def shown(value: object) -> str:
    """A value as a form field shows it (empty for None)."""
    return "" if value is None else str(value)
