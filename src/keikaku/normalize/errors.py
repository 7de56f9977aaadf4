"""The one error type of :mod:`keikaku.normalize`."""

from __future__ import annotations

_NO_VALUE = object()


class NormalizeError(ValueError):
    """Input that cannot be read as the number, amount, date or year it should be.

    The message names the input and what was wrong, in Japanese with English in parentheses, so that
    it can be shown to users of the web forms as is: ``金額として解釈できません: '12,3千円' (not an amount)``.
    ``value`` holds the offending input (None when not given); ``message_ja``/``message_en`` the two parts.
    """

    def __init__(self, message_ja: str, message_en: str = "", value: object = _NO_VALUE) -> None:
        self.value = None if value is _NO_VALUE else value
        self.message_ja = message_ja
        self.message_en = message_en
        text = message_ja if value is _NO_VALUE else f"{message_ja}: {value!r}"
        super().__init__(f"{text} ({message_en})" if message_en else text)
