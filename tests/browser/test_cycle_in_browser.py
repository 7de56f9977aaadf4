"""The yearly cycle in a real browser, through the pages only (issue 15): the administrator opens the call for
actuals and creates two department editors; one signs in with its one-time password, is made to change it,
fills its checklist and submits (提出) with the confirmation while a KPI is unmeasured; 「今すぐ督促を送る」
sends the reminder to the other department, caught by a real local SMTP server, and the mail's link leads to
that checklist; the publishing guard warns at incomplete coverage; the year is finalised (確定) with a reason
and the evaluation published; the public sees the unmeasured KPI grey (未測定), not red (未達).

The server's own reminder job is off (``KEIKAKU_REMINDER_INTERVAL=0``), so that the button is what sends.
Screenshots are kept in test-artifacts/browser/."""

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect
from tests.smtp_server import Inbox

from .conftest import ARTIFACTS, PASSWORD, USERNAME, running_server

#: Two departments of the bundled FY2026 plan: the one that submits (its project has two KPIs) and one that does not.
SUBMITTING = "グリーン産業振興課"
LATE = "経済交流促進課"
PROJECT = "グリーン分野のさらなる深化"
MEASURED = "参加者数"  # target 220 人
UNMEASURED = "有益な情報を得られたと回答した割合"
NEW_PASSWORD = "グリーン課の新しい合言葉-2026"
REASON = "令和8年度の実績を締め切り、評価を確定するため（審議会了承済み）"
JST = dt.timezone(dt.timedelta(hours=9))


@pytest.fixture
def cycle_server(tmp_path: Path, smtp: Inbox) -> Iterator[str]:
    """The app with its mail going to the local SMTP server, and without its own reminder job."""
    with running_server(tmp_path, KEIKAKU_SMTP_URL=smtp.url, KEIKAKU_REMINDER_INTERVAL="0") as base:
        yield base


def _shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"cycle-{name}.png"), full_page=True)


def _sign_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログインする").click()


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="ログアウト").click()
    expect(page.get_by_role("link", name="ログイン", exact=True)).to_be_visible()


def _board_row(page: Page, department: str) -> Locator:
    return page.locator("tbody tr").filter(has=page.get_by_role("rowheader", name=department))


def _create_editor(page: Page, base: str, username: str, department: str, email: str) -> str:
    """Create a department editor on /admin/users; the one-time password shown once."""
    page.goto(base + "/admin/users")
    form = page.locator("form[action='/admin/users']")
    form.get_by_label("ユーザー名").fill(username)
    form.get_by_label("担当課 編集者").check()
    form.get_by_label("担当課", exact=True).fill(department)
    form.get_by_label("メールアドレス").fill(email)
    form.get_by_role("button", name="作成する").click()
    expect(page.get_by_test_id("created")).to_contain_text(f"アカウント {username} を作成しました")
    password = page.get_by_test_id("one-time-password").inner_text().strip()
    assert len(password) >= 12
    return password


@pytest.mark.browser
def test_the_yearly_cycle_from_the_call_to_the_public_page(cycle_server: str, smtp: Inbox, browser_page: Page) -> None:
    page, base = browser_page, cycle_server
    due = dt.datetime.now(JST).date() + dt.timedelta(days=3)  # the before reminder (7 days) is due today

    # The administrator opens the FY2026 call and sees every department on the board, none submitted.
    _sign_in(page, base, USERNAME, PASSWORD)
    page.goto(base + "/admin/cycle")
    call = page.locator("form[action='/admin/cycle']")
    call.get_by_label("年度").select_option("2026")
    call.get_by_label("提出期限").fill(due.isoformat())
    call.get_by_label("期限前の督促（日前）").fill("7")
    call.get_by_role("button", name="実績照会を開始する").click()
    expect(page.get_by_role("status")).to_contain_text("実績照会を開始しました")
    expect(page.get_by_role("heading", level=1)).to_contain_text("令和8年度")
    for department in (SUBMITTING, LATE):
        expect(_board_row(page, department)).to_have_attribute("data-state", "in_progress")
    expect(page.get_by_test_id("count-submitted")).to_have_text("0")
    expect(page.locator("p.lead time")).to_have_attribute("datetime", due.isoformat())  # not its tags as text

    # Two department editors, created in the browser; each one-time password is shown once.
    one_time = _create_editor(page, base, "green-editor", SUBMITTING, "green@example.jp")
    _create_editor(page, base, "koryu-editor", LATE, "koryu@example.jp")
    expect(page.locator("tbody tr", has_text="green-editor")).to_contain_text("パスワード変更")
    _shot(page, "01-editors")
    _sign_out(page)

    # The editor signs in with the one-time password and is made to change it before anything else.
    _sign_in(page, base, "green-editor", one_time)
    expect(page).to_have_url(base + "/account")
    expect(page.get_by_role("status")).to_contain_text("新しいパスワードに変更してください")
    page.goto(base + "/cycle")
    expect(page).to_have_url(re.compile(re.escape(base) + r"/account"))  # not let through to the checklist
    page.get_by_label("現在のパスワード").fill(one_time)
    page.get_by_label("新しいパスワード").fill(NEW_PASSWORD)
    page.get_by_role("button", name="変更する").click()
    expect(page.get_by_role("status")).to_contain_text("パスワードを変更しました")
    _shot(page, "02-password-changed")

    # Its checklist (from the staff navigation): two KPIs, none measured; it fills one.
    page.get_by_role("navigation", name=re.compile("職員")).get_by_role("link", name="実績照会").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(SUBMITTING)
    expect(page.get_by_test_id("checklist-progress")).to_contain_text("2件中0件測定済み")
    page.get_by_role("link", name=MEASURED, exact=True).click()
    page.get_by_label("実績値").fill("２５０")
    page.get_by_label("根拠（集計表の名称など）").fill("フォーラム受付名簿")
    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_role("status")).to_contain_text("実績を保存しました")
    page.goto(base + "/cycle")
    expect(page.get_by_test_id("checklist-progress")).to_contain_text("2件中1件測定済み")
    expect(page.locator("tr[data-measured=no]")).to_contain_text(UNMEASURED)
    value = page.locator("tr[data-measured=yes] td").last
    expect(value).to_have_text("250人")
    ink, paper = value.locator("span").evaluate(
        "e => [getComputedStyle(e).color, getComputedStyle(e.closest('td')).backgroundColor]"
    )
    assert ink != "rgb(255, 255, 255)", (ink, paper)  # the value is legible (it was white on white)

    # 提出 with a KPI unmeasured needs the confirmation: without it, refused beside the box.
    page.get_by_role("button", name="提出する").click()
    expect(page.locator(".field-error")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text(SUBMITTING)
    page.get_by_label("未測定の KPI が 1 件あることを確認し、このまま提出します").check()
    page.get_by_role("button", name="提出する").click()
    expect(page.get_by_role("status")).to_contain_text("提出しました")
    expect(page.locator("section[aria-labelledby=submit-h]")).to_contain_text("提出済みです")
    _shot(page, "03-submitted")
    _sign_out(page)

    # The administrator's board: one submitted; 「今すぐ督促を送る」 reaches the late department's editor only.
    _sign_in(page, base, USERNAME, PASSWORD)
    page.goto(base + "/admin/cycle/2026")
    expect(_board_row(page, SUBMITTING)).to_have_attribute("data-state", "submitted")
    expect(_board_row(page, LATE)).to_have_attribute("data-state", "in_progress")
    expect(page.get_by_test_id("count-submitted")).to_have_text("1")
    assert smtp.messages == []
    page.get_by_role("button", name="今すぐ督促を送る").click()
    expect(page.get_by_test_id("reminded")).to_contain_text("督促を")
    (reminder,) = smtp.to("koryu@example.jp")
    assert smtp.to("green@example.jp") == []
    assert LATE in reminder["Subject"] and "提出期限" in reminder["Subject"]
    body = reminder.get_content()
    assert f"{due.year}-{due.month:02d}-{due.day:02d}" in body
    _shot(page, "04-reminded")
    page.get_by_role("button", name="今すぐ督促を送る").click()  # once only, however often it is pressed
    expect(page.get_by_test_id("reminded")).to_contain_text("送るべき督促はありませんでした")
    assert len(smtp.to("koryu@example.jp")) == 1
    link = re.search(r"http://\S+/cycle/2026/checklist\?department=\S+", body)
    assert link is not None
    page.goto(link.group(0))  # the mail's link leads to the late department's checklist
    expect(page.get_by_role("heading", level=1)).to_contain_text(LATE)

    # The publishing guard: coverage first, and no publishing while incomplete without the confirmation.
    page.goto(base + "/admin/cycle/2026")
    page.get_by_role("link", name="評価の公表（公開の管理）").click()
    plan = page.locator("div[id^='evaluation-'][id$='-2026']")
    coverage = plan.get_by_test_id("publish-coverage")
    expect(coverage).to_contain_text(re.compile(r"\d+件中1件測定済み"))
    expect(plan.get_by_role("note")).to_contain_text("未測定の KPI が")
    plan.get_by_label("変更の理由").fill("中間公表")
    plan.get_by_role("button", name="評価を公開する").click()
    expect(page.locator(".field-error")).to_be_visible()
    _shot(page, "05-guard")

    # 確定: the year locked with a reason, from the board's link; the board says so.
    page.goto(base + "/admin/cycle/2026")
    page.get_by_role("link", name="年度の確定（理由を添えて確定する）").click()
    year = page.locator("#year-2026")
    year.get_by_label("変更の理由").fill(REASON)
    year.get_by_role("button", name=re.compile("^令和8年度.*を確定する$")).click()
    expect(page.locator("#year-2026")).to_contain_text("確定済み")
    expect(page.locator("#year-2026")).to_contain_text(REASON)
    page.goto(base + "/admin/cycle/2026")
    expect(page.get_by_test_id("board-year-state")).to_contain_text("令和8年度は確定済みです")

    # 公表: with the reason and the explicit confirmation.
    page.goto(base + "/admin/publication")
    plan = page.locator("div[id^='evaluation-'][id$='-2026']")
    plan.get_by_label("変更の理由").fill("確定後の公表（測定できなかった KPI は未測定として表示）")
    plan.get_by_label(re.compile("しか測定されていないことを確認して公表します")).check()
    plan.get_by_role("button", name="評価を公開する").click()
    expect(page.get_by_role("status")).to_contain_text("公開の状態を変更しました")
    expect(plan).to_contain_text("評価の公開を取り下げる")
    _shot(page, "06-published")
    _sign_out(page)

    # The public: the measured KPI is 達成, the unmeasured one grey 未測定 — never red 未達.
    page.goto(base + "/projects")
    page.get_by_role("link", name=PROJECT).first.click()
    measured = page.locator("article.kpi").filter(has=page.get_by_role("heading", name=MEASURED, exact=True))
    unmeasured = page.locator("article.kpi").filter(has=page.get_by_role("heading", name=UNMEASURED))
    expect(measured.locator(".status")).to_have_text("達成")
    badge = unmeasured.locator(".status")
    expect(badge).to_have_text("未測定")
    expect(badge).to_have_class(re.compile("status-not-measured"))
    colour = badge.evaluate("e => getComputedStyle(e).backgroundColor")
    red, green, blue = (int(c) for c in re.findall(r"\d+", colour)[:3])
    assert max(red, green, blue) - min(red, green, blue) <= 24, colour  # grey: no hue
    expect(page.locator(".status-not-achieved")).to_have_count(0)
    expect(page.get_by_test_id("coverage").first).to_contain_text("2件中1件測定済み")
    _shot(page, "07-public-project")
