"""How values read on the pages: amounts in 千円 with separators, dates both ways, fiscal years, shares.

Each function takes the page's language; Japanese first, English second.  Functions that return markup
(``<time>``) return :class:`markupsafe.Markup` built from escaped parts.
"""

from __future__ import annotations

import datetime as dt

from markupsafe import Markup, escape

from keikaku.normalize import date_style as ds

STATUS_CLASSES = {
    "達成": "achieved",
    "概ね達成": "mostly",
    "未達": "not-achieved",
    "未測定": "not-measured",
    "判定不能": "undeterminable",
    "評価中": "evaluating",
}


def yen(value: int | float | None, lang: str = "ja") -> str:
    """An amount in thousand yen: ``100,674千円`` / ``¥100,674 thousand``; ``—`` when unknown."""
    if value is None:
        return "—"
    text = f"{value:,.0f}"
    return f"{text}千円" if lang == "ja" else f"¥{text} thousand"


def number(value: float | int | None, unit: str | None = None) -> str:
    """A number with separators (decimals only when needed) and its unit: ``32,000件``, ``79.5%``."""
    if value is None:
        return "—"
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{text}{unit or ''}"


def percent(ratio: float | None, digits: int = 1) -> str:
    """A ratio as a percentage: 0.932 → ``93.2%``."""
    if ratio is None:
        return "—"
    return f"{ratio * 100:.{digits}f}%"


def era_date(day: dt.date) -> str:
    """A date in the Japanese calendar: ``令和8年10月7日`` (see :mod:`keikaku.normalize.date_style`)."""
    return ds.era_date(day)


def date_both(day: dt.date | dt.datetime | None, lang: str = "ja") -> Markup:
    """A date both ways in a ``<time>`` element, the house style: ``令和8年10月7日（2026-10-07）``
    (``2026-10-07 (Reiwa 8)`` in English); a moment shows its date in Japan."""
    if day is None:
        return Markup("—")
    local = ds.in_japan(day).date() if isinstance(day, dt.datetime) else day
    text = ds.house_date(local) if lang == "ja" else ds.english_date(local)
    return Markup('<time datetime="{}">{}</time>').format(escape(local.isoformat()), escape(text))


def date_range(start: dt.date | None, end: dt.date | None, lang: str = "ja") -> Markup:
    """A date or a range of dates, both ways."""
    if start is None:
        return Markup("—")
    if end is None or end == start:
        return date_both(start, lang)
    return Markup("{} – {}").format(date_both(start, lang), date_both(end, lang))


def datetime_both(moment: dt.datetime | None, lang: str = "ja") -> Markup:
    """A moment in Japan time: the date both ways and the time of day (``… 21:25 JST`` in English)."""
    if moment is None:
        return Markup("—")
    local = ds.in_japan(moment)
    clock = local.strftime("%H:%M") if lang == "ja" else local.strftime("%H:%M JST")
    return Markup("{}{}{}").format(date_both(local, lang), "" if lang == "ja" else " ", clock)


def fiscal_year(year: int | None, lang: str = "ja") -> str:
    """A fiscal year: ``令和8年度（2026年度）`` / ``FY2026 (Reiwa 8)``."""
    return ds.house_fiscal_year(year) if lang == "ja" else ds.english_fiscal_year(year)


def fiscal_year_label(year: int, lang: str = "ja") -> str:
    """A fiscal year where only a short label fits (a chart's axis): ``令和8年度`` / ``FY2026``."""
    return ds.era_fiscal_year(year) if lang == "ja" else f"FY{year}"


def month_day(day: dt.date | dt.datetime) -> str:
    """The month and day of a date (in Japan): ``12月2日``."""
    return ds.month_day(day)


def status_class(status: str | None) -> str:
    """The CSS class of a status (``status-achieved`` …)."""
    return f"status-{STATUS_CLASSES.get(status or '', 'none')}"


def status_key(status: str | None) -> str:
    """The catalogue key of a status label (``status.achieved`` …)."""
    return f"status.{STATUS_CLASSES.get(status or '', 'none')}"
