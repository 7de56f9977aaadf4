"""Communications in a real browser: register the overseas site, import a GA4 file and see its 閲覧数
computed on the KPI's page with its chart; add two database listings and see the count; publish a
newsletter issue, answer its survey and see 読者満足度; search the Kansai Companies Profile and open a
firm's page.  Screenshots are kept in test-artifacts/browser/."""

import re

import pytest
from playwright.sync_api import Page, expect

from .conftest import ARTIFACTS, PASSWORD, USERNAME

GA4 = b"""# Start date: 20260501
# End date: 20260531
Page path and screen class,Views,Active users
,"1,530",812
/,900,500
/en/invest/,430,200
/en/visit/,200,112
"""
FIRMS = "企業名,法人番号,府県,業種,製品,受賞,掲載年度\n株式会社ケイカク,1010401011569,大阪府,機械,水素バルブ,,2025\n"


def _shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _bind(page: Page, indicator: str, kind: str, **fields: str) -> None:
    page.goto(page.url.split("/", 3)[0] + "//" + page.url.split("/", 3)[2] + "/communications")
    form = page.locator("form[action='/communications/measures']")
    form.locator("select[name=kpi_id]").select_option(label=indicator)
    form.locator("select[name=kind]").select_option(kind)
    for name, value in fields.items():
        target = form.locator(f"[name={name}]")
        if target.evaluate("e => e.tagName") == "SELECT":
            target.select_option(value)
        else:
            target.fill(value)
    form.locator("button[type=submit]").click()


@pytest.mark.browser
def test_communications_from_files_to_kpis(server: str, browser_page: Page) -> None:
    page = browser_page
    page.goto(server + "/login")
    page.get_by_label("ユーザー名").fill(USERNAME)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログインする").click()
    page.goto(server + "/communications")
    site = page.locator("form[action='/communications/properties']")
    site.get_by_label("コード（英数字）").fill("overseas")
    site.get_by_label("サイト名").fill("Your Gateway to Kansai Business")
    site.locator("button[type=submit]").click()
    upload = page.locator("form[action='/communications/analytics']")
    upload.locator("input[type=file]").set_input_files({"name": "may.csv", "mimeType": "text/csv", "buffer": GA4})
    upload.locator("button[type=submit]").click()
    expect(page.get_by_test_id("notice")).to_contain_text("取り込みました")
    expect(page.locator("section[data-property=overseas] svg[role=img]")).to_be_visible()
    expect(page.locator("section[data-property=overseas] table")).to_contain_text("1,530")
    _shot(page, "comms-01-imported")

    _bind(page, "海外向けWEBサイト閲覧数", "web_views", property_code="overseas")
    expect(page.get_by_test_id("computed")).to_contain_text("1,530")
    expect(page.locator("svg[role=img]")).to_be_visible()
    _shot(page, "comms-02-kpi-views")

    page.goto(server + "/communications")
    for title, url in (
        ("株式会社ケイカク", "https://www.crunchbase.com/o/keikaku"),
        ("関西ロボ", "https://dealroom.co/r"),
    ):
        entry = page.locator("form[action='/communications/entries']")
        entry.locator("select[name=kind]").select_option("listing")
        entry.locator("input[name=entry_date]").fill("2026-06-01")
        entry.locator("input[name=medium]").fill("Crunchbase")
        entry.locator("input[name=title]").fill(title)
        entry.locator("input[name=url]").fill(url)
        entry.locator("button[type=submit]").click()
        expect(page.get_by_test_id("notice")).to_contain_text("記録を追加しました")
    expect(page.locator("section[data-kind=listing] h3")).to_contain_text("(2)")
    # (the bundled plan has no listings KPI: the startup project's ranking KPI hosts the count here)
    _bind(page, "Global Startup Ecosystem Ranking", "listings")
    expect(page.get_by_test_id("computed")).to_contain_text("2")
    _shot(page, "comms-03-listings")

    page.goto(server + "/communications")
    issue = page.locator("form[action='/communications/newsletter']")
    issue.locator("input[name=number]").fill("45")
    issue.locator("input[name=issue_date]").fill("2026-09-01")
    issue.locator("input[name=theme]").fill("水素")
    issue.locator("input[name=published]").check()
    issue.locator("button[type=submit]").click()
    page.locator("tr[data-issue='45']").locator("button[type=submit]").click()
    page.locator("tr[data-issue='45']").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("読者アンケート")
    page.get_by_label("満足", exact=True).check()
    page.get_by_role("button").last.click()
    _shot(page, "comms-04-answered")
    _bind(page, "情報紙の読者満足度", "newsletter_satisfaction")
    expect(page.get_by_test_id("computed")).to_contain_text("100")
    _shot(page, "comms-05-satisfaction")

    page.goto(server + "/communications")
    firms = page.locator("form[action='/communications/directories/import']")
    firms.locator("input[type=file]").set_input_files(
        {"name": "firms.csv", "mimeType": "text/csv", "buffer": FIRMS.encode("cp932")}
    )
    firms.locator("button[type=submit]").click()
    expect(page.get_by_test_id("notice")).to_contain_text("名簿を取り込みました")
    page.goto(server + "/directories/kansai_companies")
    search = page.locator("form[action='/directories/kansai_companies']")
    search.locator("input[name=q]").fill("水素")
    search.locator("button[type=submit]").click()
    page.get_by_role("link", name="株式会社ケイカク").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("株式会社ケイカク")
    expect(page.locator("dl").first).to_contain_text("1010401011569")
    expect(page.get_by_test_id("consultations")).to_have_text("0")  # a count, never a consultation
    assert re.search(r"/firms/\d+$", page.url)
    _shot(page, "comms-06-firm")
