"""Fiscal years (年度): 1 April to 31 March, named by the calendar year they start in."""

import datetime as dt

#: The fiscal years keikaku holds: from 平成元年度 to 2100 (the forms, the API, imports and locks all stop here).
MIN_FISCAL_YEAR, MAX_FISCAL_YEAR = 1989, 2100


def fiscal_year_of(day: dt.date) -> int:
    """The fiscal year a date falls in: 2027-03-31 is FY2026."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_bounds(fiscal_year: int) -> tuple[dt.date, dt.date]:
    """First and last day of a fiscal year."""
    return dt.date(fiscal_year, 4, 1), dt.date(fiscal_year + 1, 3, 31)


def start_year_from_count(fiscal_year: int, year_count: int) -> int:
    """The start fiscal year of a project in its ``year_count``-th year during ``fiscal_year``."""
    return fiscal_year - year_count + 1
