"""The translation catalogue: every string the pages show comes from ``keikaku/locale/<lang>.json``.

Japanese is the language of the application; English is the second.  The language of a request is the
``lang`` query parameter if given, else the ``lang`` cookie the language switch sets, else Japanese.
A key missing from the English catalogue falls back to Japanese; a key missing from both is shown as the
key itself (and the catalogue test fails).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from markupsafe import Markup
from starlette.requests import Request

SUPPORTED = ("ja", "en")
DEFAULT = "ja"
COOKIE = "lang"


@lru_cache(maxsize=len(SUPPORTED))
def catalogue(lang: str) -> dict[str, str]:
    """The catalogue of a language (key → text)."""
    text = resources.files("keikaku.locale").joinpath(f"{lang}.json").read_text(encoding="utf-8")
    data = json.loads(text)
    if not isinstance(data, dict):  # pragma: no cover - the files are ours
        raise ValueError(f"locale/{lang}.json is not an object")
    return {str(k): str(v) for k, v in data.items()}


class Translator:
    """Looks texts up for one language: ``t("nav.dashboard")``, ``t("plan.count", n=3)``."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in SUPPORTED else DEFAULT
        self._texts = catalogue(self.lang)
        self._fallback = catalogue(DEFAULT)

    def __call__(self, key: str, **values: object) -> str:
        """The text of ``key`` with ``{name}`` placeholders filled in.

        A value that is already HTML (``Markup``, such as ``date()``'s ``<time>`` element) makes the whole
        text HTML, with the catalogue text and the other values escaped: so that a template's autoescape
        does not show the element's tags as text."""
        text = self._texts.get(key) or self._fallback.get(key) or key
        if not values:
            return text
        if any(isinstance(v, Markup) for v in values.values()):
            return Markup.escape(text).format(**values)
        return text.format(**values)

    def has(self, key: str) -> bool:
        """Whether the catalogue (or the Japanese fallback) has ``key``."""
        return key in self._texts or key in self._fallback

    @property
    def other(self) -> str:
        """The language the switch offers."""
        return "en" if self.lang == "ja" else "ja"


def negotiate(request: Request) -> str:
    """The language of a request: ``?lang=``, else the cookie, else Japanese."""
    for candidate in (request.query_params.get("lang"), request.cookies.get(COOKIE)):
        if candidate in SUPPORTED:
            return str(candidate)
    return DEFAULT
