"""Free text typed by users (reasons, comments, notes): normalised, bounded, and free of control characters.

Every service that stores such text goes through :func:`clean_text`, whatever the channel (web, API,
command line), so that a NUL or an escape sequence never reaches the database (PostgreSQL cannot even
store a NUL) and a message says which field is wrong.
"""

from __future__ import annotations

from keikaku.domain.limits import has_control_characters
from keikaku.normalize.text import normalize_text
from keikaku.services.core.errors import ValidationError

__all__ = ["clean_text", "has_control_characters"]


def clean_text(value: str | None, label: str, *, limit: int, field: str | None = None) -> str | None:
    """``value`` normalised and stripped (None when empty); ValidationError naming ``label`` when it holds
    control characters or is longer than ``limit`` characters.  ``field`` names the form field in details."""
    if value is None:
        return None
    name = field or label
    if has_control_characters(value):
        raise ValidationError(
            f"{label}に使用できない制御文字が含まれています", details={"fields": {name: "制御文字が含まれています"}}
        )
    text = normalize_text(value).strip()
    if len(text) > limit:
        raise ValidationError(
            f"{label}は {limit} 文字以内にしてください", details={"fields": {name: f"{limit} 文字以内"}}
        )
    return text or None
