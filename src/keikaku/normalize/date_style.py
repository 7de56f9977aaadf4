"""The house style of dates and fiscal years: the one place keikaku writes them for people.

* a fiscal year: ``令和8年度（2026年度）`` (:func:`house_fiscal_year`); where only a short label fits (a chart
  axis): ``令和8年度`` (:func:`era_fiscal_year`);
* a date: ``令和8年10月7日（2026-10-07）`` (:func:`house_date`); the era part alone: ``令和8年10月7日``
  (:func:`era_date`); the day of a year already named: ``10月7日`` (:func:`month_day`);
* a moment: its date in Japan time and the time of day, ``令和8年10月7日（2026-10-07）14:05`` (:func:`house_moment`).

Pages (the Jinja filters), charts, the PDF and XLSX reports, the audit trail and error messages all use
these functions, so a date reads the same everywhere.  A moment is always shown in Japan time (JST); a
moment without an offset is UTC, as stored times come back from SQLite.  The English pages use
:func:`english_date` and :func:`english_fiscal_year` (``2026-10-07 (Reiwa 8)``, ``FY2026 (Reiwa 8)``).

An era begins on its first day (令和 on 2019-05-01: 2019-04-30 is 平成31年4月30日); a fiscal year is named by
the era in use at the end of its first calendar year (2019 is 令和元年度), as the government names it.
"""

from __future__ import annotations

import datetime as dt

from keikaku.normalize.eras import format_fiscal_year, gregorian_to_era

JST = dt.timezone(dt.timedelta(hours=9), "JST")

#: Era starts, newest first: (first day, name, romanised name).
ERA_STARTS = (
    (dt.date(2019, 5, 1), "令和", "Reiwa"),
    (dt.date(1989, 1, 8), "平成", "Heisei"),
    (dt.date(1926, 12, 25), "昭和", "Showa"),
    (dt.date(1912, 7, 30), "大正", "Taisho"),
    (dt.date(1868, 1, 25), "明治", "Meiji"),
)
_ROMAN = {name: roman for _start, name, roman in ERA_STARTS}


def in_japan(moment: dt.datetime) -> dt.datetime:
    """A moment in Japan time; a moment without an offset is taken as UTC."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(JST)


def _day(value: dt.date | dt.datetime) -> dt.date:
    """A date as is; a moment as its date in Japan."""
    return in_japan(value).date() if isinstance(value, dt.datetime) else value


def era_date(day: dt.date | dt.datetime) -> str:
    """A date in the Japanese calendar: ``令和8年10月7日`` (元年 for an era's first year).

    >>> era_date(dt.date(2019, 5, 1)), era_date(dt.date(2019, 4, 30))
    ('令和元年5月1日', '平成31年4月30日')
    """
    value = _day(day)
    for start, name, _roman in ERA_STARTS:
        if value >= start:
            year = value.year - start.year + 1
            return f"{name}{'元' if year == 1 else year}年{value.month}月{value.day}日"
    return f"{value.year}年{value.month}月{value.day}日"


def house_date(day: dt.date | dt.datetime | None, empty: str = "—") -> str:
    """A date both ways, the house style: ``令和8年10月7日（2026-10-07）``; ``empty`` for None.

    >>> house_date(dt.date(2026, 10, 7))
    '令和8年10月7日（2026-10-07）'
    """
    if day is None:
        return empty
    value = _day(day)
    return f"{era_date(value)}（{value.isoformat()}）"


def month_day(day: dt.date | dt.datetime) -> str:
    """The month and day alone, for a year already named: ``12月2日``."""
    value = _day(day)
    return f"{value.month}月{value.day}日"


def house_moment(moment: dt.datetime | None, empty: str = "—") -> str:
    """A moment in Japan time: ``令和8年12月2日（2026-12-02）21:25``; ``empty`` for None.

    >>> house_moment(dt.datetime(2026, 12, 2, 12, 25, tzinfo=dt.UTC))
    '令和8年12月2日（2026-12-02）21:25'
    """
    if moment is None:
        return empty
    local = in_japan(moment)
    return f"{house_date(local.date())}{local:%H:%M}"


def era_fiscal_year(year: int) -> str:
    """A fiscal year by its era alone: ``令和8年度`` (``令和元年度`` for 2019)."""
    return format_fiscal_year(year)


def house_fiscal_year(year: int | None, empty: str = "—") -> str:
    """A fiscal year both ways, the house style: ``令和8年度（2026年度）``; ``empty`` for None.

    >>> house_fiscal_year(2019)
    '令和元年度（2019年度）'
    """
    if year is None:
        return empty
    return format_fiscal_year(year, with_gregorian=True)


def english_date(day: dt.date | dt.datetime | None, empty: str = "—") -> str:
    """A date for the English pages: ``2026-10-07 (Reiwa 8)``; ``empty`` for None."""
    if day is None:
        return empty
    value = _day(day)
    for start, _name, roman in ERA_STARTS:
        if value >= start:
            return f"{value.isoformat()} ({roman} {value.year - start.year + 1})"
    return value.isoformat()


def english_fiscal_year(year: int | None, empty: str = "—") -> str:
    """A fiscal year for the English pages: ``FY2026 (Reiwa 8)``; ``empty`` for None."""
    if year is None:
        return empty
    era, number = gregorian_to_era(year)
    return f"FY{year} ({_ROMAN.get(era, era)} {number})"
