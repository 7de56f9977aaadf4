"""Formula injection is neutralised in exported cells."""

import datetime as dt

import pytest

from keikaku.reports.safe_cells import neutralise_cell, neutralise_row


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1:A2)", "'=SUM(A1:A2)"),
        ("+81-6-1234", "'+81-6-1234"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("＝1+1", "'＝1+1"),
        ("＋81", "'＋81"),
        ("－2＋3", "'－2＋3"),
        ("＠SUM(A1)", "'＠SUM(A1)"),
        ("関西＝1", "関西＝1"),
        ("関西広域連合", "関西広域連合"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_text(value: str, expected: str) -> None:
    assert neutralise_cell(value) == expected


def test_non_text_passes_through() -> None:
    day = dt.date(2026, 10, 7)
    assert neutralise_row([-3, 1.5, None, True, day]) == [-3, 1.5, None, True, day]
