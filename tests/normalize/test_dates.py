"""parse_date, parse_date_range, find_dates."""

import datetime as dt

import pytest

from keikaku.normalize import DateRange, NormalizeError, ParsedDate, find_dates, parse_date, parse_date_range

D = dt.date


@pytest.mark.parametrize(
    ("raw", "date", "weekday", "matches"),
    [
        ("令和8年10月7日（水）", D(2026, 10, 7), "水", True),
        ("令和8年10月7日（木）", D(2026, 10, 7), "木", False),
        ("令和8年10月7日(水曜日)", D(2026, 10, 7), "水", True),
        ("令和８年１０月７日（水）", D(2026, 10, 7), "水", True),
        ("令和 8 年 10 月 7 日", D(2026, 10, 7), None, None),
        ("令和元年5月1日", D(2019, 5, 1), None, None),
        ("令和八年十月七日", D(2026, 10, 7), None, None),
        ("平成31年4月30日(火)", D(2019, 4, 30), "火", True),
        ("R8.10.7", D(2026, 10, 7), None, None),
        ("R8/10/7", D(2026, 10, 7), None, None),
        ("H31.4.30", D(2019, 4, 30), None, None),
        ("2026年10月7日", D(2026, 10, 7), None, None),
        ("2026/10/7", D(2026, 10, 7), None, None),
        ("2026.10.7", D(2026, 10, 7), None, None),
        ("2026-10-07", D(2026, 10, 7), None, None),
        ("２０２６－１０－０７", D(2026, 10, 7), None, None),
        ("2026年10月7日(Wed)", D(2026, 10, 7), "水", True),
        ("2026年10月7日(Mon.)", D(2026, 10, 7), "月", False),
        ("2026年11月3日(火・祝)", D(2026, 11, 3), "火", True),
        ("2026年11月3日(祝)", D(2026, 11, 3), None, None),
    ],
)
def test_parse_date(raw: str, date: dt.date, weekday: str | None, matches: bool | None) -> None:
    parsed = parse_date(raw)
    assert (parsed.date, parsed.weekday_given, parsed.weekday_matches, parsed.year_inferred) == (
        date,
        weekday,
        matches,
        False,
    )


def test_parse_date_year_from_context() -> None:
    assert parse_date("10月7日", default_year=2026) == ParsedDate(D(2026, 10, 7), None, None, True)
    assert parse_date("10月7日（水）", default_year=2026).weekday_matches is True
    assert parse_date("10/7", default_year=2026).date == D(2026, 10, 7)
    assert parse_date("1月15日", fiscal_year=2026).date == D(2027, 1, 15)
    assert parse_date("4月1日", fiscal_year=2026).date == D(2026, 4, 1)
    assert parse_date("2025年1月15日", fiscal_year=2026).date == D(2025, 1, 15)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "日付として"),
        ("abc", "日付として"),
        ("10月7日", "年が書かれていません"),
        ("2026年2月30日", "存在しない"),
        ("2026年13月1日", "存在しない"),
        ("2026年10月", "日付として"),
        ("令和8年10月7日～9日", "日付として"),
        ("7日", "日付として"),
        ("令和100年1月1日", "日付として"),
    ],
)
def test_parse_date_rejects(raw: str, message: str) -> None:
    with pytest.raises(NormalizeError, match=message):
        parse_date(raw)


def _days(r: DateRange) -> tuple[dt.date, dt.date | None]:
    return r.start.date, r.end.date if r.end else None


@pytest.mark.parametrize(
    ("raw", "start", "end"),
    [
        ("令和8年10月7日（水）～9日（金）", D(2026, 10, 7), D(2026, 10, 9)),
        ("令和8年6月17日（水）～20日（土）", D(2026, 6, 17), D(2026, 6, 20)),
        ("2025年9月17日(水)、18日(木)", D(2025, 9, 17), D(2025, 9, 18)),
        ("2025年9月17日、18日、19日", D(2025, 9, 17), D(2025, 9, 19)),
        ("令和8年10月7日(水)及び8日(木)", D(2026, 10, 7), D(2026, 10, 8)),
        ("令和8年10月7日・8日", D(2026, 10, 7), D(2026, 10, 8)),
        ("令和8年12月10日（木）", D(2026, 12, 10), None),
        ("令和7年4月13日～10月13日", D(2025, 4, 13), D(2025, 10, 13)),
        ("2026年12月28日～1月5日", D(2026, 12, 28), D(2027, 1, 5)),
        ("2026年12月28日～2027年1月5日", D(2026, 12, 28), D(2027, 1, 5)),
        ("2026/10/7～10/9", D(2026, 10, 7), D(2026, 10, 9)),
        ("令和8年10月7日から9日まで", D(2026, 10, 7), D(2026, 10, 9)),
        ("令和8年10月7日〜9日", D(2026, 10, 7), D(2026, 10, 9)),
        ("令和8年10月7日 - 9日", D(2026, 10, 7), D(2026, 10, 9)),
        ("令和8年10月7日（予定）", D(2026, 10, 7), None),
        ("10月7日～9日", D(2026, 10, 7), D(2026, 10, 9)),
    ],
)
def test_parse_date_range(raw: str, start: dt.date, end: dt.date | None) -> None:
    assert _days(parse_date_range(raw, default_year=2026)) == (start, end)


def test_parse_date_range_weekdays() -> None:
    good = parse_date_range("令和8年10月7日（水）～9日（金）")
    assert good.start.weekday_matches and good.end is not None and good.end.weekday_matches
    assert good.weekday_mismatches == [] and good.last == good.end
    bad = parse_date_range("令和8年10月7日（木）～9日（金）")
    assert bad.start.weekday_matches is False and bad.end is not None and bad.end.weekday_matches is True
    assert bad.weekday_mismatches == [bad.start]
    single = parse_date_range("令和8年12月10日（木）")
    assert single.end is None and single.last == single.start


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("令和8年10月9日～7日", "終了日が開始日より前"),
        ("令和8年10月30日～2日", "終了日が開始日より前"),
        ("令和8年10月7日 大阪", "余分な文字"),
        ("10月7日～9日", "年が書かれていません"),
        ("", "日付として"),
        ("令和8年10月7日～32日", "存在しない"),
    ],
)
def test_parse_date_range_rejects(raw: str, message: str) -> None:
    with pytest.raises(NormalizeError, match=message):
        parse_date_range(raw)


def test_find_dates() -> None:
    line = "大阪・関西万博（開催期間：令和7年4月13日～10月13日）では、2025年9月17日(水)、18日(木)に開催"
    found = find_dates(line)
    assert [_days(m.range) for m in found] == [(D(2025, 4, 13), D(2025, 10, 13)), (D(2025, 9, 17), D(2025, 9, 18))]
    assert found[0].text == "令和7年4月13日~10月13日"
    assert found[1].text == "2025年9月17日(水)、18日(木)"


def test_find_dates_without_year() -> None:
    line = "9月24日(水)に開催、申込は1/2まで"
    assert find_dates(line) == []
    (found,) = find_dates(line, default_year=2025)
    assert found.range.start == ParsedDate(D(2025, 9, 24), "水", True, True)


def test_find_dates_skips_non_dates() -> None:
    assert find_dates("電話 06-6966-6032、ver1.2.3、2026年度、2026年2月30日") == []
    (only,) = find_dates("R8.10.7 に開催")
    assert only.range.start.date == D(2026, 10, 7)
