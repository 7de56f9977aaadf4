"""Vision-level targets: the growth rate still needed to reach 約150兆円 by FY2040."""

import pytest

from keikaku.domain.kpi import Comparator
from keikaku.evaluation import KpiSpec, required_growth_rate, vision_progress

GRP = KpiSpec(1, "GRP額", Comparator.GE, 150, "兆円", target_fiscal_year=2040, text="GRP額を約150兆円")
SHARE = KpiSpec(2, "経済・産業の国内シェア", Comparator.GE, 25, "%", target_fiscal_year=2040)


def test_required_growth_rate() -> None:
    assert required_growth_rate(100, 2020, 121, 2022) == pytest.approx(0.1)
    assert required_growth_rate(100, 2040, 150, 2040) is None
    assert required_growth_rate(0, 2020, 150, 2040) is None


def test_grp_growth_needed_from_the_latest_actual() -> None:
    progress = vision_progress(GRP, {2021: 88.0, 2022: 90.5})
    assert progress.latest_fiscal_year == 2022
    assert progress.growth_rate_needed == pytest.approx((150 / 90.5) ** (1 / 18) - 1)
    assert progress.observed_growth_rate == pytest.approx(90.5 / 88.0 - 1)
    assert progress.progress == pytest.approx(90.5 / 150)
    assert "約150兆円" in progress.reason
    assert "2.85%" in progress.reason


def test_share_needs_points_per_year() -> None:
    progress = vision_progress(SHARE, {2022: 15.2})
    assert progress.points_per_year_needed == pytest.approx((25 - 15.2) / 18)
    assert progress.growth_rate_needed is None
    assert "ポイント" in progress.reason


def test_no_actual() -> None:
    progress = vision_progress(GRP, {})
    assert progress.latest_value is None
    assert progress.reason == "実績が入力されていません"
