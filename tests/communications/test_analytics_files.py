"""Reading analytics exports without a database: period from the metadata, total rows dropped, Japanese
labels and encodings, Matomo's nb_hits, and each bad file refused with every error named."""

import datetime as dt

import pytest

from keikaku.services.communications.analytics_files import read_analytics_file
from keikaku.services.core.errors import ValidationError

from . import files


def test_ga4_english_reads_the_period_and_drops_the_total_row() -> None:
    got = read_analytics_file(files.GA4_EN_MAY.encode("utf-8-sig"), "may.csv")
    assert (got.source, got.period_start, got.period_end) == ("ga4", dt.date(2026, 5, 1), dt.date(2026, 5, 31))
    assert got.dropped_totals == 1
    assert [(r.page_path, r.views, r.users) for r in got.rows] == [
        ("/", 900, 500),
        ("/en/invest/", 430, 200),
        ("/en/visit/", 200, 112),
    ]
    assert {r.day for r in got.rows} == {dt.date(2026, 5, 1)} and not got.dated_rows


def test_ga4_japanese_labels_in_shift_jis_with_full_width_digits() -> None:
    got = read_analytics_file(files.GA4_JA_JUNE.encode("cp932"), "6月.csv")
    assert (got.period_start, got.period_end) == (dt.date(2026, 6, 1), dt.date(2026, 6, 30))
    assert [(r.page_path, r.views, r.users) for r in got.rows] == [("/", 1200, 600), ("/en/invest/", 300, 150)]
    assert got.dropped_totals == 1


def test_matomo_page_views_are_nb_hits_not_nb_visits() -> None:
    got = read_analytics_file(files.MATOMO_JULY.encode("utf-16"), "matomo.csv", period="2026-07")
    assert got.source == "matomo" and (got.period_start, got.period_end) == (dt.date(2026, 7, 1), dt.date(2026, 7, 31))
    assert sum(r.views for r in got.rows) == 800  # 420 + 380, not the 450 visits
    assert {r.sessions for r in got.rows} == {None}  # visits including a page are not sessions


def test_matomo_visits_summary_by_month_gives_sessions() -> None:
    got = read_analytics_file(files.MATOMO_SUMMARY.encode(), "summary.csv")
    assert (got.period_start, got.period_end) == (dt.date(2026, 4, 1), dt.date(2026, 5, 31))
    assert [(r.day, r.sessions, r.users) for r in got.rows] == [
        (dt.date(2026, 4, 1), 1200, 900),
        (dt.date(2026, 5, 1), 1300, 950),
    ]


def test_a_dated_export_may_span_months_and_keeps_each_day() -> None:
    got = read_analytics_file(files.GA4_DAILY_MARCH_APRIL.encode(), "daily.csv")
    assert got.dated_rows and [r.day.day for r in got.rows] == [30, 31, 1, 2]


@pytest.mark.parametrize(
    ("content", "code", "words"),
    [
        (files.GA4_TWO_MONTHS, "spans_months", "2か月にまたがります"),
        (files.GA4_NO_PERIOD, "period_required", "対象の月"),
        (
            "# Start date: 20260501\n# End date: 20260531\n# Start date: 20250501\n# End date: 20250531\nA,Views\n",
            "comparison_export",
            "比較期間",
        ),
        ("# Start date: 20260501\n# End date: 20260531\nPage path,Events\n/,3\n", "no_metric_column", "3行目"),
    ],
)
def test_bad_files_are_refused_with_the_reason(content: str, code: str, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        read_analytics_file(content.encode(), "bad.csv")
    assert caught.value.code == code and words in caught.value.message and "bad.csv" in caught.value.message


def test_every_bad_cell_is_named_by_file_row_and_column() -> None:
    with pytest.raises(ValidationError) as caught:
        read_analytics_file(files.GA4_BAD_ROWS.encode(), "7月.csv")
    assert caught.value.details["errors"] == [
        "7月.csv 4行目「Views」: 数値ではありません（九百）",
        "7月.csv 5行目「Active users」: 数値ではありません（x）",
    ]


def test_the_forms_offer_every_communications_kind_of_the_table() -> None:
    from keikaku.services.communications.figures import KINDS
    from keikaku.storage.measures import COMMUNICATION_KINDS

    assert sorted(KINDS) == sorted(COMMUNICATION_KINDS)
