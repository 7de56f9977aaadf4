"""A coordinator's day on the co-creation platform in a real browser (issue 13), through the pages: open a
case for a firm (an invalid 法人番号 is refused first, naming it), log activities, get seed suggestions for
the case's need with the shared terms, schedule and hold an interview, close the case; the firm answers the
satisfaction survey from its link; an administrator binds 面談数 and 利用満足度 to their measures and sees
them computed on the KPI pages (n shown); finally the public searches かんさいラボサーチ for ``SEM`` and ``ＪＳＭ``,
sees the fee for its category, and the access count rises.

The institutions, their equipment list and seeds are set up through the services (their pages are walked
in test_institutions_in_browser.py); everything else is done in the browser.  The public and the firm browse with an
ordinary browser's User-Agent: Chromium's headless one counts as a bot and is not counted.  Screenshots are
kept in test-artifacts/browser/."""

import datetime as dt
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from stdnum.jp import cn
from tests.cocreation.test_labsearch import OSAKA_CSV

from keikaku.services.core.actors import SYSTEM
from keikaku.services.platform.equipment_import import import_equipment
from keikaku.services.platform.institutions import InstitutionForm, add_institution
from keikaku.services.platform.matching import SeedForm, add_seed
from keikaku.storage.engine import make_engine

from .conftest import ARTIFACTS, PASSWORD, USERNAME, running_server

COORDINATOR = "coordinator-yamada"
COORDINATOR_PASSWORD = "コーディネーターの合言葉-2026"
FIRM_NUMBER = cn.calc_check_digit("120001077701") + "120001077701"
DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


def _setup(database: Path, env: dict[str, str]) -> None:
    """Two institutions (Osaka's fee rule: own prefecture 20% off, others 50% more), Osaka's equipment list,
    three seeds, and a coordinator's account."""
    engine = make_engine(f"sqlite:///{database}")
    osaka = add_institution(
        InstitutionForm(
            "大阪産業技術研究所", "大阪府", "公設試", "06-0000-0000", {"own": 0.8, "union": 1.0, "other": 1.5}
        ),
        actor=SYSTEM,
        engine=engine,
    )
    hyogo = add_institution(
        InstitutionForm("兵庫県立工業技術センター", "兵庫県", "公設試"), actor=SYSTEM, engine=engine
    )
    report = import_equipment(osaka, "osaka.csv", OSAKA_CSV.encode("cp932"), commit=True, actor=SYSTEM, engine=engine)
    assert not report.errors
    seeds = (
        (osaka, "設備", "走査電子顕微鏡による破断面観察", "樹脂や金属の破断面を高倍率で観察し、破壊の原因を調べる"),
        (osaka, "設備", "X線回折による結晶構造解析", "粉末試料の結晶相を同定する"),
        (hyogo, "技術", "工場設備のIoT化支援", "センサーで設備の稼働状況を見える化する"),
    )
    for institution, kind, title, text in seeds:
        add_seed(SeedForm(institution, kind, title, text, "材料", "技術開発"), actor=SYSTEM, engine=engine)
    engine.dispose()
    subprocess.run(
        [
            *(sys.executable, "-m", "keikaku.cli.app", "user", "add", COORDINATOR),
            "--role",
            "coordinator",
            "--institution",
            "大阪産業技術研究所",
            "--password-stdin",
        ],
        env=env,
        input=COORDINATOR_PASSWORD + "\n",
        text=True,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def platform_server(tmp_path: Path) -> Iterator[str]:
    with running_server(tmp_path) as base:
        database = tmp_path / "keikaku.sqlite3"
        _setup(database, {**os.environ, "KEIKAKU_DATABASE_URL": f"sqlite:///{database}", "KEIKAKU_BASE_URL": base})
        yield base


def _shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"platform-{name}.png"), full_page=True)


def _sign_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログインする").click()
    expect(page.get_by_role("button", name="ログアウト")).to_be_visible()


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="ログアウト").click()
    expect(page.get_by_role("link", name="ログイン", exact=True)).to_be_visible()


def _coordinators_day(page: Page, base: str) -> str:
    """Open, log, match, interview and close; the survey link the case page shows."""
    today = dt.date.today().isoformat()
    _sign_in(page, base, COORDINATOR, COORDINATOR_PASSWORD)
    page.goto(base + "/platform/cases")
    form = page.locator("form[action='/platform/cases'][method='post']")
    form.get_by_label("企業名").fill("株式会社ケイカク精工")
    form.get_by_label("法人番号").fill("1234567890123")  # a wrong check digit
    form.get_by_label("相談内容").fill("樹脂部品の破断面を観察したい")
    form.get_by_label("技術分野").fill("材料")
    form.get_by_label("フェーズ").select_option("技術開発")
    form.get_by_label("連絡先メールアドレス").fill("tanto@keikaku.example.jp")
    form.get_by_label("ニーズの内容").fill("割れた樹脂部品の破断面を観察し、破壊の原因を知りたい")
    form.get_by_role("button", name="受け付ける").click()
    expect(page.get_by_test_id("error")).to_contain_text("法人番号「1234567890123」はチェックデジット")
    expect(page.get_by_test_id("case-total")).to_contain_text("0件")  # nothing stored
    form.get_by_label("法人番号").fill(FIRM_NUMBER)
    form.get_by_role("button", name="受け付ける").click()
    expect(page.get_by_test_id("firm")).to_contain_text(f"株式会社ケイカク精工 ({FIRM_NUMBER})")
    # The coordinator in charge is the account that opened it, with its institution (the case's too).
    expect(page.get_by_test_id("coordinator")).to_contain_text("大阪産業技術研究所")
    expect(page.get_by_test_id("institution")).to_have_text("大阪産業技術研究所")

    for kind, body in (("訪問", "工場を訪問し、破断品を受け取った"), ("公設試紹介", "大阪産業技術研究所を紹介した")):
        activity = page.locator("form[action$='/activities']")
        activity.get_by_label("記録の種類").select_option(kind)
        activity.get_by_label("内容").fill(body)
        activity.get_by_role("button", name="記録する").click()
        expect(page.get_by_test_id("log")).to_contain_text(body)
    expect(page.get_by_test_id("status")).to_contain_text("対応中")

    suggestions = page.get_by_test_id("suggestions")
    first = suggestions.locator("tbody tr").first
    expect(first).to_contain_text("走査電子顕微鏡による破断面観察")
    expect(first.locator(".shared")).to_contain_text("破断")  # why: the shared terms
    _shot(page, "case-suggestions")
    first.get_by_label("面談日").fill(today)
    first.get_by_role("button", name="面談を予定する").click()
    expect(page.get_by_test_id("interview-status")).to_have_text("予定")
    page.get_by_label("状態").select_option("実施")
    page.get_by_label("面談の結果").fill("試料を預かり、観察の条件を決めた")
    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_test_id("interview-status")).to_have_text("実施")
    page.get_by_role("link", name="相談案件に戻る").click()
    expect(page.get_by_test_id("log")).to_contain_text("試料を預かり")  # the held interview is a line of the log

    change = page.locator("form[action$='/change']")
    change.get_by_label("状態").select_option("完了")
    change.get_by_label("成果").select_option("依頼試験へ")
    change.get_by_role("button", name="保存する").click()
    expect(page.get_by_test_id("status")).to_contain_text("完了 · 依頼試験へ")
    link = page.get_by_test_id("survey-link").get_attribute("href")
    assert link and link.startswith(base + "/s/")
    _shot(page, "case-closed")
    _sign_out(page)
    return link


def _kpi_computed(page: Page, base: str, indicator: str, kind_label: str) -> str:
    page.goto(base + "/platform?fiscal_year=2026")
    page.get_by_label("KPI").select_option(label=indicator)
    page.get_by_label("集計方法").select_option(label=kind_label)
    page.get_by_role("button", name="設定して計算する").click()
    computed = page.get_by_test_id("computed")
    expect(computed).to_be_visible()
    return computed.inner_text()


@pytest.mark.browser
def test_a_coordinators_day_then_the_kpis_and_the_public_search(platform_server: str, browser_page: Page) -> None:
    page, base = browser_page, platform_server
    link = _coordinators_day(page, base)

    # The firm answers the satisfaction survey from its link (in a browser of its own).
    browser: Browser = page.context.browser  # type: ignore[assignment]
    firm_context = browser.new_context(user_agent=DESKTOP, locale="ja-JP")
    firm = firm_context.new_page()
    firm.goto(link)
    firm.get_by_label("満足", exact=True).check()
    firm.get_by_role("button", name="回答を送信する").click()
    expect(firm.get_by_test_id("thanks")).to_be_visible()
    firm_context.close()

    # An administrator binds the KPIs of the FY2026 plan's platform project and sees them computed.
    _sign_in(page, base, USERNAME, PASSWORD)
    held = _kpi_computed(page, base, "マッチング（面談数）", "面談数（実施済み）")
    assert re.match(r"記録からの計算値: 1 · 記録 1 件", held), held  # one interview held in FY2026
    _shot(page, "kpi-interviews")
    satisfied = _kpi_computed(page, base, "利用満足度", "利用満足度（相談完了時のアンケートで満足・やや満足の割合）")
    assert re.match(r"記録からの計算値: 100(\.0)?% \(n=1, 無回答 0\) · 記録 1 件", satisfied), satisfied
    _shot(page, "kpi-satisfaction")
    _sign_out(page)

    # The public searches かんさいラボサーチ; the fee is its category's and each view is counted.
    public_context = browser.new_context(user_agent=DESKTOP, locale="ja-JP")
    public = public_context.new_page()
    counts = []
    for query in ("SEM", "ＪＳＭ"):
        public.goto(base + "/labsearch")
        public.get_by_label("機器・サービス名、型式").fill(query)
        public.get_by_label("利用する企業の所在地").select_option("大阪府")
        public.locator("#main").get_by_role("button", name="検索").click()
        row = public.locator("tbody tr").filter(has_text="走査電子顕微鏡")
        expect(row.locator(".fee")).to_contain_text("4,800")  # own prefecture: 6,000 less 20%
        expect(row.locator(".fee-base")).to_contain_text("6,000")
        counts.append(int(public.get_by_test_id("accesses").inner_text().replace(",", "")))
    _shot(public, "labsearch")
    public_context.close()
    assert counts[1] == counts[0] + 2  # the search form's own page and the result page, each once
