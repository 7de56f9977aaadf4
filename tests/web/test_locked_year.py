"""A locked (確定) fiscal year in the browser (issue 15): its forms are disabled under 「令和8年度は確定済みです（M月D日）」,
and a value sent anyway (a page opened before the lock) is refused under that heading, never as 「同時に変更されました」
or an error code, with what was typed shown again and nothing stored."""

import datetime as dt
import re

from fastapi.testclient import TestClient

from keikaku.normalize.date_style import month_day

from .conftest import Ids


def _lock(client: TestClient, year: int = 2026) -> str:
    """Lock the year as an administrator does on /admin/periods; the notice the pages should show."""
    response = client.post(
        "/admin/periods",
        data={"action": "lock", "fiscal_year": str(year), "reason": "評価確定"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    return f"令和{year - 2018}年度は確定済みです（{month_day(dt.datetime.now(dt.UTC))}）"


def _disabled(html: str, element_id: str) -> bool:
    tag = re.search(rf'<(?:input|textarea)[^>]*\bid="{element_id}"[^>]*>', html)
    assert tag is not None, element_id
    return " disabled" in tag.group(0)


def _refused_honestly(html: str, notice: str) -> None:
    assert notice in html
    for false_heading in ("同時に変更されました", "エラーコード", "period_locked", "入力内容に誤りがあります"):
        assert false_heading not in html, false_heading


def test_the_kpi_form_of_a_locked_year_is_disabled_and_a_forced_value_is_refused_and_kept(
    client: TestClient, ids: Ids
) -> None:
    kpi = ids.platform_kpis[0]
    before = client.get(f"/kpis/{kpi}").text
    assert not _disabled(before, "f-value") and 'data-testid="locked"' not in before
    stale = re.search(r'name="expected_version" value="(\d+)"', before)
    assert stale is not None
    notice = _lock(client)

    page = client.get(f"/kpis/{kpi}").text
    assert notice in page and 'data-testid="locked"' in page
    for name in ("fiscal_year", "value", "measured_on", "evidence_text", "note", "reason"):
        assert _disabled(page, f"f-{name}"), name
    assert re.search(r'<button type="submit" class="primary" disabled>', page)

    typed = {
        "fiscal_year": "令和8年度",
        "value": "８５",
        "measured_on": "令和8年6月30日",
        "evidence_text": "利用者アンケート（第2回）",
        "expected_version": stale.group(1),
    }
    refused = client.post(f"/kpis/{kpi}", data=typed, follow_redirects=False)
    assert refused.status_code == 409
    html = refused.text
    _refused_honestly(html, notice)
    assert 'role="alert"' in html and "保存していません" in html
    assert 'value="８５"' in html and "利用者アンケート（第2回）" in html  # what was typed, as typed
    listed = re.search(r'data-testid="typed">(.*?)</dl>', html, flags=re.S)
    assert listed is not None and "８５" in listed.group(1) and "令和8年6月30日" in listed.group(1)
    assert client.get(f"/api/v1/kpis/{kpi}").json()["kpi"]["history"] == []


def test_the_budget_and_targets_of_a_locked_year_are_disabled_and_refused(client: TestClient, ids: Ids) -> None:
    edit = f"/projects/{ids.platform}/edit"
    state = re.search(r'name="state" value="([^"]+)"', client.get(edit).text)
    assert state is not None
    notice = _lock(client)
    page = client.get(edit).text
    assert notice in page
    assert _disabled(page, "f-budget_thousand_yen") and _disabled(page, "f-national_subsidy_thousand_yen")
    assert not _disabled(page, "f-name")  # a project's name is no figure of the year's result
    target = ids.platform_kpis[0]
    assert _disabled(page, f"f-kpi-{target}-text")
    project = client.get(f"/api/v1/projects/{ids.platform}").json()

    # A browser leaves disabled fields out: renaming the project still works and keeps the budget.
    renamed = client.post(
        edit,
        data={"name": project["name"] + "（改称）", "reason": "名称の訂正", "state": state.group(1)},
        follow_redirects=False,
    )
    assert renamed.status_code == 303
    after = client.get(f"/api/v1/projects/{ids.platform}").json()
    assert after["name"] == project["name"] + "（改称）"  # full-width as typed
    assert after["budget_thousand_yen"] == project["budget_thousand_yen"]

    state = re.search(r'name="state" value="([^"]+)"', client.get(edit).text)
    assert state is not None
    forced = {"name": after["name"], "budget_thousand_yen": "１２，３４５", "reason": "増額", "state": state.group(1)}
    refused = client.post(edit, data=forced, follow_redirects=False)
    assert refused.status_code == 409
    _refused_honestly(refused.text, notice)
    assert 'value="１２，３４５"' in refused.text  # the amount as typed
    assert (
        client.get(f"/api/v1/projects/{ids.platform}").json()["budget_thousand_yen"] == project["budget_thousand_yen"]
    )

    kpi_state = re.search(rf'action="{edit}/kpis/{target}".*?name="state" value="([^"]+)"', page, flags=re.S)
    assert kpi_state is not None
    text = "満足度：９５％以上"
    target_refused = client.post(
        f"{edit}/kpis/{target}", data={"text": text, "reason": "目標の見直し", "state": kpi_state.group(1)}
    )
    assert target_refused.status_code == 409
    _refused_honestly(target_refused.text, notice)
    assert f'value="{text}"' in target_refused.text


def test_the_thresholds_of_a_locked_year_are_disabled_and_refused(client: TestClient, ids: Ids) -> None:
    page = "/admin/thresholds"
    shown = client.get(page).text
    assert 'value="A:100, B:80, C:0"' in shown and not _disabled(shown, f"f-t-{ids.plan_2026}-ratings")
    changed = client.post(
        page,
        data={
            "plan_id": ids.plan_2026,
            "mostly_achieved": "８５",
            "ratings": "S:110, A:100, B:80, C:0",
            "score_cap": "120",
            "reason": "推進会議（第1回）の決定",
        },
        follow_redirects=False,
    )
    assert changed.status_code == 303
    assert 'value="S:110, A:100, B:80, C:0"' in client.get(page).text
    wrong = client.post(
        page,
        data={
            "plan_id": ids.plan_2026,
            "mostly_achieved": "たくさん",
            "ratings": "A",
            "score_cap": "100",
            "reason": "x",
        },
    )
    assert wrong.status_code == 422 and 'value="たくさん"' in wrong.text and 'aria-invalid="true"' in wrong.text

    notice = _lock(client)
    locked = client.get(page).text
    assert notice in locked and _disabled(locked, f"f-t-{ids.plan_2026}-ratings")
    assert not _disabled(locked, f"f-t-{ids.plan_2023}-ratings")  # another year stays open
    typed = {
        "plan_id": ids.plan_2026,
        "mostly_achieved": "95",
        "ratings": "A:100, B:90, C:0",
        "score_cap": "100",
        "reason": "見直し",
    }
    refused = client.post(page, data=typed)
    assert refused.status_code == 409
    _refused_honestly(refused.text, notice)
    assert 'value="A:100, B:90, C:0"' in refused.text  # what was typed
    assert 'value="S:110, A:100, B:80, C:0"' in client.get(page).text  # nothing saved
