"""The main path in a real browser: dashboard → the co-creation platform project → enter an actual value →
the status changes; switch to English; download the evaluation report as XLSX.  Screenshots are kept in
test-artifacts/browser/."""

import re
import zipfile

import pytest
from playwright.sync_api import Page, expect

from .conftest import ARTIFACTS, PASSWORD, USERNAME

PLATFORM = "関西の産業力強化を目的とした広域的プラットフォーム構築"


def _shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.mark.browser
def test_enter_an_actual_value_and_see_the_status_change(server: str, browser_page: Page) -> None:
    page = browser_page
    page.goto(server + "/")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.get_by_role("heading", level=1)).to_have_text("ダッシュボード")
    expect(page.locator("svg[role=img]").first).to_be_visible()
    _shot(page, "01-dashboard")

    page.get_by_role("link", name="事業計画を開く").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("令和8年度")
    _shot(page, "02-plan")
    page.get_by_role("link", name=PLATFORM).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(PLATFORM)
    kpi = page.locator("article.kpi", has_text="利用満足度")
    # The public sees the plan but not the year's unpublished evaluation.
    expect(kpi.locator("[data-testid^=status-]")).to_contain_text("評価は未公表")
    _shot(page, "03-project-public")

    # Entering a value needs an account: sign in from the header, and come back to this project.
    page.get_by_role("link", name="ログイン").click()
    page.get_by_label("ユーザー名").fill(USERNAME)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログインする").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(PLATFORM)
    expect(page.get_by_role("link", name=f"{USERNAME} としてログイン中")).to_be_visible()
    kpi = page.locator("article.kpi", has_text="利用満足度")
    expect(kpi.locator("[data-testid^=status-]")).to_contain_text("未測定")
    _shot(page, "03-project-before")
    kpi.get_by_role("link", name="実績を入力する").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("利用満足度")
    # A wrong value first: the form comes back with a Japanese message beside the field, nothing is stored.
    page.get_by_label("実績値").fill("とても高い")
    page.get_by_role("button", name="保存する").click()
    expect(page.locator("#f-value-error")).to_contain_text("解釈できません")
    expect(page.locator("#f-value")).to_have_attribute("aria-invalid", "true")
    _shot(page, "04-form-error")

    page.get_by_label("実績値").fill("８６")
    page.get_by_label("根拠（集計表の名称など）").fill("利用企業アンケート集計表")
    page.get_by_role("button", name="保存する").click()
    expect(page).to_have_url(re.compile(r"/projects/\d+\?saved="))
    expect(page.get_by_role("status")).to_contain_text("実績を保存しました")
    kpi = page.locator("article.kpi", has_text="利用満足度")
    expect(kpi.locator("[data-testid^=status-]")).to_contain_text("達成")
    expect(kpi.locator("[data-testid^=actual-]")).to_contain_text("86")
    _shot(page, "05-project-after")

    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("article.kpi", has_text="利用満足度").locator("[data-testid^=status-]")).to_contain_text(
        "Achieved"
    )
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    _shot(page, "06-dashboard-en")

    page.get_by_role("link", name="Downloads").click()
    with page.expect_download() as download_info:
        page.locator("[data-testid=xlsx-2026]").click()
    download = download_info.value
    target = ARTIFACTS / (download.suggested_filename or "evaluation_2026.xlsx")
    download.save_as(str(target))
    assert target.suffix == ".xlsx"
    with zipfile.ZipFile(target) as workbook:
        assert "xl/workbook.xml" in workbook.namelist()
    _shot(page, "07-downloads-en")


@pytest.mark.browser
def test_keyboard_only_reaches_the_content_and_the_search(server: str, browser_page: Page) -> None:
    page = browser_page
    page.goto(server + "/")
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#main$"))
    page.goto(server + "/search")
    page.get_by_label("検索語").last.fill("水素")
    page.get_by_label("検索語").last.press("Enter")
    expect(page.locator("ol.results mark").first).to_have_text("水素")
    _shot(page, "08-search")
