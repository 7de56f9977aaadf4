"""axe-core (npm ``axe-core``, injected by Playwright into Debian's Chromium) on the exported HTML report:
no contrast violation, with every badge colour in use (issue 18)."""

import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from keikaku.services.actuals.record import ActualInput, set_actual
from keikaku.services.core.actors import Actor, Role
from keikaku.services.evaluations.reports import render_report

from .conftest import ARTIFACTS

AXE = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
ADMIN = Actor("管理者", frozenset({Role.BUREAU_ADMIN}))
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page: Any, *, with_rules: tuple[str, ...] | list[str] = ()) -> list[dict[str, Any]]:
    """Run axe-core's WCAG 2.1 A/AA rules (and ``with_rules``, e.g. ``heading-order``) on the page; the
    violations, each with its nodes."""
    assert AXE.exists(), f"axe-core is not installed: run make setup-test ({AXE})"
    # Evaluated through the DevTools protocol, which the pages' Content-Security-Policy does not govern
    # (a <script> tag would be refused by it, rightly).
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate("() => axe.run(document)")
    wanted = set(WCAG_AA)
    return [v for v in result["violations"] if wanted & set(v["tags"]) or v["id"] in with_rules]


def test_the_html_report_has_no_contrast_violation(sqlite_loaded_engine: Engine, browser_page: Any) -> None:
    eng = sqlite_loaded_engine
    for kpi, value in (("参加者数", "230人"), ("利用満足度", "60%")):  # 達成 and 未達 beside 未測定
        set_actual(ActualInput(kpi=kpi, fiscal_year=2026, value=value), actor=ADMIN, engine=eng)
    report = render_report("evaluation", {"fiscal_year": 2026, "format": "html"}, actor=ADMIN, engine=eng)
    html = report.content.decode()
    assert "未測定" in html and "達成" in html
    browser_page.set_content(html)
    violations = axe_violations(browser_page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "axe-report.json").write_text(json.dumps(violations, ensure_ascii=False, indent=1), "utf-8")
    contrast = [v for v in violations if v["id"] == "color-contrast"]
    assert contrast == [], [(n["target"], n["failureSummary"]) for v in contrast for n in v["nodes"]][:20]
