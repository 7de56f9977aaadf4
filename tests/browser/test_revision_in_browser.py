"""A revised plan in a real browser (issues 11 and 18): an administrator uploads the FY2026 document with three
changes, reviews the warning and the diff, stores it as a draft; the public still reads the published revision
and its report; the administrator publishes the revision, and the year's actual value is carried over.
"""

import re
from pathlib import Path

from playwright.sync_api import Page, expect
from tests.browser.conftest import ARTIFACTS, PASSWORD, USERNAME
from tests.services.revisions import revised_seed_text

GREEN = "グリーン分野のさらなる深化"


def _shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"revision-{name}.png"), full_page=True)


def _open_participants_kpi(page: Page, base: str) -> None:
    page.goto(base + "/")
    page.get_by_role("link", name="事業計画を開く").click()
    page.get_by_role("link", name=GREEN).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(GREEN)


def _public_total(page: Page, base: str) -> int:
    return int(page.request.get(base + "/api/v1/dashboard").json()["total_budget_thousand_yen"])


def test_upload_a_revision_keep_the_public_on_the_published_one_then_publish(
    server: str, browser_page: Page, tmp_path: Path, seeds_dir: Path
) -> None:
    page = browser_page
    public = page.context.browser.new_context(locale="ja-JP").new_page()  # type: ignore[union-attr]
    page.goto(server + "/login")
    page.get_by_label("ユーザー名").fill(USERNAME)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログインする").click()

    # An actual value of the year, entered on the published revision.
    _open_participants_kpi(page, server)
    page.locator("article.kpi", has_text="参加者数").get_by_role("link", name="実績を入力する").click()
    page.get_by_label("実績値").fill("231")
    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_role("status")).to_contain_text("実績を保存しました")

    # The year's evaluation is published (with the guard's confirmation: most KPIs are not measured yet).
    page.goto(server + "/admin/publication")
    evaluation = page.locator("div[id^=evaluation-][id$='-2026']")
    evaluation.locator("textarea").fill("中間公表")
    evaluation.locator("input[type=checkbox]").check()
    evaluation.get_by_role("button", name="評価を公開する").click()
    expect(page.get_by_role("status")).to_be_visible()

    # Upload the document with three changes and review it: nothing is stored yet.
    document = tmp_path / "令和8年度事業計画_改訂.txt"
    document.write_text(revised_seed_text(seeds_dir), encoding="utf-8")
    page.goto(server + "/admin/ingest")
    page.get_by_label("ファイル").set_input_files(str(document))
    page.get_by_role("button", name="読み込んで確認する").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("取り込みの確認")
    expect(page.get_by_test_id("ingest-warnings")).to_contain_text(
        "一覧表の予算額 10,043千円 と詳細ページの 11,000千円"
    )
    diff = page.get_by_test_id("revision-diff")
    expect(diff.locator("tbody tr")).to_have_count(3)
    expect(diff).to_contain_text("101,631")
    expect(diff).to_contain_text("参加者数 >= 250人")
    expect(page.get_by_test_id("ingest-carry")).to_contain_text("実績値 1 件")
    _shot(page, "01-review")
    page.get_by_role("button", name="下書きとして保存する").click()
    expect(page.get_by_role("status")).to_contain_text("下書きの版として保存しました")
    revisions = page.get_by_test_id("revisions")
    expect(revisions.locator("tbody tr")).to_have_count(2)
    expect(revisions.locator("tbody tr").nth(1)).to_contain_text("下書き")
    revisions_url = page.url.split("?")[0]
    _shot(page, "02-draft-stored")

    # The public still reads the published revision, and its report.
    assert _public_total(public, server) == 100_674
    public.goto(server + "/downloads")
    expect(public.get_by_role("main")).to_contain_text("令和8年度")
    report = public.request.get(server + "/api/v1/reports/evaluation?format=html&fiscal_year=2026")
    assert report.status == 200 and "100,674" in report.text()
    assert public.request.get(revisions_url).status in (401, 403)

    # Publish the revision with a reason: the diff names the three changes only; the value is carried over.
    page.goto(revisions_url)
    expect(page.get_by_test_id("revision-diff").locator("tbody tr")).to_have_count(3)
    page.get_by_label("公開する理由").fill("予算の補正を反映")
    page.get_by_role("button", name="この版を公開する").click()
    expect(page.get_by_role("status")).to_contain_text("新しい版を公開しました")
    expect(page.get_by_test_id("revisions").locator("tbody tr").nth(1)).to_contain_text("公開中")
    _shot(page, "03-published")
    assert _public_total(public, server) == 101_631
    _open_participants_kpi(page, server)
    kpi = page.locator("article.kpi", has_text="参加者数")
    expect(kpi.locator("[data-testid^=actual-]")).to_contain_text("231")
    expect(kpi).to_contain_text("250")
    expect(kpi.locator("[data-testid^=status-]")).not_to_contain_text("未測定")
    expect(page).to_have_url(re.compile(r"/projects/\d+"))
    _shot(page, "04-carried")
    public.context.close()
