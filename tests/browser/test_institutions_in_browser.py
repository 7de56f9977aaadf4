"""The member institutions' staff pages in a real browser (issue 13): an administrator adds an institution
(a negative multiplier is refused first, the field marked), uploads a CP932 CSV equipment list, sees the
preview with its counts, imports it with 取り込む and sees the entries; a file with a bad row shows its
errors and offers no 取り込む.  Each page passes axe-core (WCAG 2.1 A/AA, heading order) and fits a 390 px
screen.  Screenshots are kept in test-artifacts/browser/."""

import pytest
from playwright.sync_api import Page, expect
from tests.cocreation.test_labsearch import OSAKA_CSV

from .conftest import ARTIFACTS, PASSWORD, USERNAME
from .test_pages_accessibility import PHONE, _problems, _too_wide

BAD_CSV = "機器名,分類,利用形態,料金\n硬さ試験機,材料試験,貸出,-500\n"


def _accessible(page: Page, name: str) -> None:
    assert _problems(page) == [], (name, _problems(page))
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    assert _too_wide(page) is None, name
    page.screenshot(path=str(ARTIFACTS / f"institutions-{name}.png"), full_page=True)
    if size:
        page.set_viewport_size(size)


@pytest.mark.browser
def test_an_administrator_adds_an_institution_and_imports_its_list(server: str, browser_page: Page) -> None:
    page = browser_page
    page.goto(server + "/login")
    page.get_by_label("ユーザー名").fill(USERNAME)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログインする").click()
    page.wait_for_load_state()
    page.goto(server + "/platform")
    page.get_by_role("link", name="会員機関").click()
    _accessible(page, "list-empty")
    form = page.locator("form[action='/platform/institutions']")
    form.get_by_label("機関名").fill("大阪産業技術研究所")
    form.get_by_label("府県", exact=True).fill("大阪府")
    form.get_by_label("連絡先").fill("06-0000-0000")
    form.get_by_label("府県内の企業").fill("-0.2")
    form.get_by_label("その他の企業").fill("1.5")
    form.get_by_role("button", name="登録する").click()
    expect(page.get_by_test_id("error")).to_contain_text("料金の倍率（府県内の企業）「-0.2」は 0 から 10")
    expect(page.get_by_label("府県内の企業")).to_have_attribute("aria-invalid", "true")
    _accessible(page, "list-error")
    page.get_by_label("府県内の企業").fill("0.8")
    page.get_by_role("button", name="登録する").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("大阪産業技術研究所")
    _accessible(page, "institution-empty")
    page.get_by_label("機器一覧のファイル（XLSX・CSV）").set_input_files(
        files=[{"name": "機器一覧.csv", "mimeType": "text/csv", "buffer": OSAKA_CSV.encode("cp932")}]
    )
    page.get_by_role("button", name="内容を確認する").click()
    expect(page.get_by_test_id("added")).to_have_text("3")
    expect(page.get_by_test_id("error-count")).to_have_text("0")
    _accessible(page, "preview")
    page.get_by_role("button", name="取り込む").click()
    expect(page.get_by_test_id("committed")).to_be_visible()
    page.get_by_role("link", name="機関のページへ").click()
    expect(page.get_by_test_id("equipment")).to_contain_text("走査電子顕微鏡")
    expect(page.get_by_test_id("equipment-counts")).to_have_text("掲載中 3 件、掲載終了 0 件")
    _accessible(page, "institution")
    page.get_by_label("機器一覧のファイル（XLSX・CSV）").set_input_files(
        files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": BAD_CSV.encode("cp932")}]
    )
    page.get_by_role("button", name="内容を確認する").click()
    expect(page.get_by_test_id("errors")).to_contain_text("「貸出」は機器使用・依頼試験・技術相談のどれでもありません")
    expect(page.get_by_test_id("errors")).to_contain_text("料金は0以上にしてください")
    expect(page.get_by_role("button", name="取り込む")).to_have_count(0)
    _accessible(page, "preview-errors")
    page.goto(server + "/platform/institutions")
    expect(page.get_by_test_id("institutions")).to_contain_text("80%")
    _accessible(page, "list")
