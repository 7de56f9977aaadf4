"""The house style of dates and fiscal years (issue 15): one formatter, the same text everywhere."""

import datetime as dt

from keikaku.normalize.date_style import (
    english_date,
    english_fiscal_year,
    era_date,
    era_fiscal_year,
    house_date,
    house_fiscal_year,
    house_moment,
    month_day,
)


def test_fiscal_years_and_dates_read_both_ways() -> None:
    assert house_fiscal_year(2026) == "令和8年度（2026年度）" and era_fiscal_year(2019) == "令和元年度"
    assert house_date(dt.date(2026, 10, 7)) == "令和8年10月7日（2026-10-07）"
    assert era_date(dt.date(2019, 4, 30)) == "平成31年4月30日" and era_date(dt.date(2019, 5, 1)) == "令和元年5月1日"
    assert english_date(dt.date(2026, 10, 7)) == "2026-10-07 (Reiwa 8)"
    assert english_fiscal_year(2026) == "FY2026 (Reiwa 8)"
    assert house_fiscal_year(None) == "—" and house_date(None, "") == ""


def test_moments_are_shown_in_japan_time_only() -> None:
    late_utc = dt.datetime(2026, 12, 2, 15, 30, tzinfo=dt.UTC)  # already 3 December in Japan
    assert house_moment(late_utc) == "令和8年12月3日（2026-12-03）00:30"
    assert house_moment(late_utc.replace(tzinfo=None)) == house_moment(late_utc)  # naive = UTC, as SQLite gives it
    assert house_date(late_utc) == "令和8年12月3日（2026-12-03）" and month_day(late_utc) == "12月3日"
