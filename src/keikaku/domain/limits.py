"""The limits every channel applies to what it stores: names' length, control characters, fiscal years.

Forms, the API, the spreadsheet imports and document ingest all use these, so that a value one channel
refuses is not accepted by another (ingest warns naming the line and field; ``--strict`` refuses).
"""

from __future__ import annotations

import re

from keikaku.domain.fiscal import MAX_FISCAL_YEAR, MIN_FISCAL_YEAR

#: The longest name (project, component, KPI target text, cooperative project) keikaku stores.
MAX_NAME = 400

#: The largest budget (千円) keikaku stores: a quadrillion yen is not a project.
MAX_BUDGET_THOUSAND_YEN = 10**12


#: The control characters (Unicode category Cc: U+0000–U+001F and U+007F–U+009F) but tab and line breaks.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def has_control_characters(text: str) -> bool:
    """Whether text holds control characters other than tab and line breaks."""
    return _CONTROL.search(text) is not None


def fiscal_year_allowed(fiscal_year: int) -> bool:
    """Whether a fiscal year is one keikaku holds (:data:`MIN_FISCAL_YEAR` … :data:`MAX_FISCAL_YEAR`)."""
    return MIN_FISCAL_YEAR <= fiscal_year <= MAX_FISCAL_YEAR
