"""How values read on the pages: amounts in 千円 with separators, dates both ways, fiscal years, shares.

Each function takes the page's language; Japanese first, English second.  Functions that return markup
(``<time>``) return :class:`markupsafe.Markup` built from escaped parts.
"""

from __future__ import annotations

import datetime as dt

from markupsafe import Markup, escape

from keikaku.normalize.eras import format_fiscal_year, gregorian_to_era

#: Era starts, newest first: (first day, name, romanised name).
_ERAS = (
    (dt.date(2019, 5, 1), "令和", "Reiwa"),
    (dt.date(1989, 1, 8), "平成", "Heisei"),
    (dt.date(1926, 12, 25), "昭和", "Showa"),
)

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


JST = dt.timezone(dt.timedelta(hours=9), "JST")


def _japan(moment: dt.datetime) -> dt.datetime:
    """A moment in Japan time; a moment without an offset is UTC (as SQLite hands stored times back)."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(JST)


def era_date(day: dt.date) -> str:
    """A date in the Japanese calendar: ``令和8年10月7日`` (元年 for the first year)."""
    for start, name, _roman in _ERAS:
        if day >= start:
            year = day.year - start.year + 1
            return f"{name}{'元' if year == 1 else year}年{day.month}月{day.day}日"
    return f"{day.year}年{day.month}月{day.day}日"


def date_both(day: dt.date | dt.datetime | None, lang: str = "ja") -> Markup:
    """A date both ways in a ``<time>`` element: ``令和8年10月7日 / 2026-10-07``."""
    if day is None:
        return Markup("—")
    if isinstance(day, dt.datetime):
        day = _japan(day).date()
    iso = day.isoformat()
    text = f"{era_date(day)} / {iso}" if lang == "ja" else f"{iso} ({era_date(day)})"
    return Markup('<time datetime="{}">{}</time>').format(escape(iso), escape(text))


def date_range(start: dt.date | None, end: dt.date | None, lang: str = "ja") -> Markup:
    """A date or a range of dates, both ways."""
    if start is None:
        return Markup("—")
    if end is None or end == start:
        return date_both(start, lang)
    return Markup("{} – {}").format(date_both(start, lang), date_both(end, lang))


def datetime_both(moment: dt.datetime | None, lang: str = "ja") -> Markup:
    """A moment in Japan time: the date both ways and the time of day."""
    if moment is None:
        return Markup("—")
    local = _japan(moment)
    return Markup("{} {}").format(date_both(local.date(), lang), local.strftime("%H:%M"))


def fiscal_year(year: int | None, lang: str = "ja") -> str:
    """A fiscal year: ``令和8年度（2026年度）`` / ``FY2026 (Reiwa 8)``."""
    if year is None:
        return "—"
    if lang == "ja":
        return format_fiscal_year(year, with_gregorian=True)
    era, number_ = gregorian_to_era(year)
    roman = {"令和": "Reiwa", "平成": "Heisei", "昭和": "Showa"}.get(era, era)
    return f"FY{year} ({roman} {number_})"


def status_class(status: str | None) -> str:
    """The CSS class of a status (``status-achieved`` …)."""
    return f"status-{STATUS_CLASSES.get(status or '', 'none')}"


def status_key(status: str | None) -> str:
    """The catalogue key of a status label (``status.achieved`` …)."""
    return f"status.{STATUS_CLASSES.get(status or '', 'none')}"
