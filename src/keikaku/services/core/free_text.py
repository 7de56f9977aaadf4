"""Free text typed by users (reasons, comments, notes): kept exactly as typed, bounded, free of control characters.

Every service that stores such text goes through :func:`clean_text`, whatever the channel (web, API,
command line), so that a NUL or an escape sequence never reaches the database (PostgreSQL cannot even
store a NUL) and a message says which field is wrong.  The text is stored as the user typed it: full-width
（） stay full-width, half-width kana stay half-width; only the spaces and line breaks around it are trimmed.
What compares or searches text normalises both sides at that moment (:func:`keikaku.normalize.text.normalize_text`,
``fold_for_search``), never the stored text.

A name or code that is matched by equality against other records (a department, a prefecture, an e-mail
address, a site's code, a ranking's name) is not free text: :func:`clean_name` normalises it, so that
``ものづくり支援課`` typed with a half-width space or full-width letters finds the same record.
"""

from __future__ import annotations

from keikaku.domain.limits import has_control_characters
from keikaku.normalize.text import normalize_text
from keikaku.services.core.errors import ValidationError

__all__ = ["clean_name", "clean_text", "has_control_characters", "required_text"]


def _checked(value: str, label: str, limit: int, name: str) -> str:
    if has_control_characters(value):
        raise ValidationError(
            f"{label}に使用できない制御文字が含まれています", details={"fields": {name: "制御文字が含まれています"}}
        )
    if len(value) > limit:
        raise ValidationError(
            f"{label}は {limit} 文字以内にしてください", details={"fields": {name: f"{limit} 文字以内"}}
        )
    return value


def clean_text(value: str | None, label: str, *, limit: int, field: str | None = None) -> str | None:
    """``value`` exactly as typed, only trimmed of surrounding spaces and line breaks (None when empty);
    ValidationError naming ``label`` when it holds control characters or is longer than ``limit`` characters.
    ``field`` names the form field in details."""
    if value is None:
        return None
    name = field or label
    if has_control_characters(value):  # checked before trimming, which would drop one at either end
        _checked(value, label, limit, name)
    return _checked(value.strip(), label, limit, name) or None


def required_text(value: str | None, label: str, *, limit: int, field: str | None = None) -> str:
    """:func:`clean_text` of a field that must be given: ValidationError 「{label}を入力してください」 (the
    field 必須 in details) when it is empty."""
    text = clean_text(value, label, limit=limit, field=field)
    if not text:
        raise ValidationError(f"{label}を入力してください", details={"fields": {field or label: "必須"}})
    return text


def clean_name(value: str | None, label: str, *, limit: int, field: str | None = None) -> str | None:
    """A name or code matched by equality against other records: checked like :func:`clean_text`, then
    normalised (widths, spaces) and trimmed; None when empty."""
    text = clean_text(value, label, limit=limit, field=field)
    if text is None:
        return None
    return _checked(normalize_text(text).strip(), label, limit, field or label) or None
