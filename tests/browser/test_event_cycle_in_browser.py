"""The forum's full cycle in a real browser, through the pages only (issue 12): the administrator creates the
event on the staff page; three people register on the public page until it is full and the third is
waitlisted; the first cancels and the waitlisted one is offered the seat by mail (caught by a real local SMTP
server), follows the mail's link and confirms; staff check two people in; two people answer the survey from
its public link; 参加者数 and the share of 「有益な情報を得られた」 are bound to measures and computed, and the
KPI page shows them with the evaluation status; the drill-down lists the attendees for staff, counts only
for the public; the page switches to English.  Screenshots are kept in test-artifacts/browser/."""

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from tests.smtp_server import Inbox

from .conftest import ARTIFACTS, PASSWORD, USERNAME, running_server

PROJECT = "グリーン分野のさらなる深化"
ATTENDED = "参加者数"  # target 220 人
SHARE = "有益な情報を得られたと回答した割合"  # target 70%
EVENT = "カーボンニュートラルフォーラム"
PEOPLE = (("大阪 一郎", "ichiro@example.jp"), ("京都 花子", "hanako@example.jp"), ("神戸 次郎", "jiro@example.jp"))


@pytest.fixture
def event_server(tmp_path: Path, smtp: Inbox) -> Iterator[str]:
    """The app with its mail going to the local SMTP server."""
    with running_server(tmp_path, KEIKAKU_SMTP_URL=smtp.url, KEIKAKU_REMINDER_INTERVAL="0") as base:
        yield base


def _shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"event-{name}.png"), full_page=True)


def _register(page: Page, base: str, event_url: str, name: str, email: str) -> str:
    """Register on the public page; the ticket's URL."""
    page.goto(base + event_url)
    page.get_by_label(re.compile("^氏名")).fill(name)
    page.get_by_label(re.compile("^メールアドレス")).fill(email)
    page.get_by_label("所属").fill("株式会社ケイカク")
    page.get_by_label("個人情報の取扱いに同意します").check()
    page.get_by_role("button", name="申し込む").click()
    expect(page).to_have_url(re.compile(r"/r/[\w-]+$"))
    return page.url


def _bind(page: Page, base: str, indicator: str, kind: str, question: str | None = None) -> None:
    """From the project page to the KPI, its measure form, bound to the event and computed."""
    page.goto(base + "/projects")
    page.get_by_role("link", name=PROJECT).first.click()
    kpi = page.locator("article.kpi").filter(has=page.get_by_role("heading", name=indicator, exact=True))
    kpi.get_by_role("link").last.click()
    page.get_by_test_id("measure-link").click()
    page.get_by_label("集計方法").select_option(label=kind)
    page.get_by_label(re.compile(EVENT)).check()
    if question is not None:
        page.get_by_label(re.compile("^設問")).select_option(label=question)
        options = page.locator("fieldset").filter(has_text=question)
        options.get_by_label("とても役に立った").check()
        options.get_by_label("役に立った", exact=True).check()
    page.get_by_role("button", name="設定して計算する").click()
    expect(page.get_by_test_id("computed")).to_be_visible()


@pytest.mark.browser
def test_the_forum_from_creation_to_the_computed_kpi(event_server: str, smtp: Inbox, browser_page: Page) -> None:
    page, base = browser_page, event_server
    day = dt.date.today() + dt.timedelta(days=20)

    # The administrator creates the forum (capacity 2) from the staff navigation.
    page.goto(base + "/login")
    page.get_by_label("ユーザー名").fill(USERNAME)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログインする").click()
    page.get_by_role("navigation", name=re.compile("職員")).get_by_role("link", name="イベント").click()
    value = page.locator("#e-project_id option", has_text=PROJECT).first.get_attribute("value")
    assert value
    page.get_by_label("事業").select_option(value)
    page.get_by_label("イベント名").fill(EVENT)
    page.get_by_label("種別").select_option(label="フォーラム")
    page.get_by_label("開始日").fill(day.isoformat())
    page.get_by_label("会場").fill("大阪府立国際会議場")
    page.get_by_label(re.compile("^定員")).fill("２")
    page.get_by_label("公開して申込を受け付ける").check()
    page.get_by_role("button", name="作成する").click()
    expect(page.get_by_role("status")).to_contain_text("イベントを作成しました")
    staff_url = page.url.split("?")[0]
    event_url = page.get_by_test_id("register-link").get_attribute("href")
    assert event_url
    _shot(page, "01-created")

    # The public (another browser context, not signed in) registers until full; the third is waitlisted.
    browser = page.context.browser
    assert browser is not None
    visitor = browser.new_context(locale="ja-JP").new_page()
    tickets = [_register(visitor, base, event_url, name, email) for name, email in PEOPLE[:2]]
    expect(visitor.get_by_test_id("status")).to_have_text("受付済")
    visitor.goto(base + event_url)
    expect(visitor.get_by_test_id("seats-left")).to_contain_text("残り 0 席")
    _register(visitor, base, event_url, *PEOPLE[2])
    expect(visitor.get_by_test_id("status")).to_have_text("キャンセル待ち")
    _shot(visitor, "02-waitlisted")
    assert "【受付完了】" in smtp.to(PEOPLE[0][1])[0]["Subject"]
    assert "【キャンセル待ち】" in smtp.to(PEOPLE[2][1])[0]["Subject"]

    # The first cancels; the waitlisted one is offered the seat by mail and confirms it from the mail's link.
    visitor.goto(tickets[0])
    visitor.get_by_role("button", name="申込をキャンセルする").click()
    expect(visitor.get_by_test_id("status")).to_have_text("キャンセル")
    offers = [m for m in smtp.to(PEOPLE[2][1]) if "【繰上げのご案内】" in m["Subject"]]
    assert len(offers) == 1
    link = re.search(r"http://\S+/r/[\w-]+", offers[0].get_content())
    assert link is not None
    visitor.goto(link.group(0))
    expect(visitor.get_by_test_id("status")).to_have_text("繰上げ（回答待ち）")
    visitor.get_by_role("button", name="参加を確定する").click()
    expect(visitor.get_by_test_id("status")).to_have_text("受付済")
    assert len([m for m in smtp.to(PEOPLE[2][1]) if "【受付完了】" in m["Subject"]]) == 1
    _shot(visitor, "03-promoted")

    # Staff check the two seated people in by ticking the list.
    page.goto(staff_url)
    for name in (PEOPLE[1][0], PEOPLE[2][0]):
        page.locator("tbody tr", has_text=name).get_by_role("button", name="受付する").click()
    expect(page.get_by_test_id("attendance")).to_contain_text("参加者 2 人")
    expect(page.locator("tbody tr", has_text=PEOPLE[0][0])).to_contain_text("キャンセル")

    # The questionnaire from the bank; two answers from its public link (one useful, one not).
    page.get_by_label("有益な情報を得ることができましたか").check()
    page.get_by_role("button", name="アンケートを作成する").click()
    expect(page.get_by_role("status")).to_contain_text("アンケートを作成しました")
    survey_url = page.get_by_test_id("survey-link").first.get_attribute("href")
    assert survey_url
    _shot(page, "04-checked-in")
    for answer in ("とても役に立った", "どちらともいえない"):
        visitor.goto(base + survey_url)
        visitor.get_by_label(answer, exact=True).check()
        visitor.get_by_role("button", name="回答を送信する").click()
        expect(visitor.get_by_test_id("thanks")).to_be_visible()

    # Both KPIs bound to their measures and computed: 2 attendees, 1 of 2 answers (50%); both short of target.
    _bind(page, base, ATTENDED, "参加者数（実人数）")
    expect(page.get_by_test_id("computed")).to_contain_text("2")
    names = page.get_by_test_id("names")
    expect(names).to_contain_text(PEOPLE[1][0])
    expect(names).to_contain_text(PEOPLE[2][0])
    expect(names).not_to_contain_text(PEOPLE[0][0])
    _shot(page, "05-drill-down")
    _bind(page, base, SHARE, "回答の割合", "有益な情報を得ることができましたか")
    expect(page.get_by_test_id("computed")).to_contain_text("50")
    expect(page.get_by_test_id("computed")).to_contain_text("n=2")
    page.get_by_role("link", name="KPI に戻る").click()
    expect(page.locator("[data-testid^=actual-]")).to_contain_text("50")
    expect(page.locator("[data-testid^=status-]")).to_contain_text("未達")
    page.goto(base + "/projects")
    page.get_by_role("link", name=PROJECT).first.click()
    attended = page.locator("article.kpi").filter(has=page.get_by_role("heading", name=ATTENDED, exact=True))
    expect(attended.locator("[data-testid^=actual-]")).to_contain_text("2")
    expect(attended.locator("[data-testid^=status-]")).to_contain_text("未達")
    _shot(page, "06-kpis")

    # The public's drill-down: counts only, never a name; then in English.
    kpi_link = attended.get_by_role("link").last.get_attribute("href")
    assert kpi_link
    visitor.goto(base + kpi_link + "/measure")
    expect(visitor.get_by_test_id("computed")).to_contain_text("2")
    expect(visitor.get_by_test_id("names")).to_have_count(0)
    for name, _email in PEOPLE:
        expect(visitor.locator("main")).not_to_contain_text(name)
    visitor.get_by_role("link", name="English").click()
    expect(visitor.get_by_test_id("computed")).to_contain_text("Computed from records")
    _shot(visitor, "07-english")
    visitor.context.close()
