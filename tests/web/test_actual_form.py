"""Entering actual values through the form: valid values are recorded and change the status; invalid values
come back with Japanese messages beside each field and nothing is stored."""

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient

from keikaku.services.actuals.parse import ActualValueError, check_measured_on, measurement_bounds

from .conftest import Ids


def _kpi(client: TestClient, kpi_id: int) -> dict:
    return client.get(f"/api/v1/kpis/{kpi_id}").json()["kpi"]


def test_form_lists_labelled_fields(client: TestClient, ids: Ids) -> None:
    html = client.get(f"/kpis/{ids.platform_kpis[0]}").text
    for name in ("fiscal_year", "value", "measured_on", "evidence_text", "evidence_url", "note", "reason"):
        assert f'<label for="f-{name}">' in html and f'id="f-{name}"' in html
    assert 'value="2026"' in html  # the KPI's fiscal year is filled in
    assert 'method="post" action="/kpis/' in html


def test_valid_value_is_recorded_and_changes_the_status(client: TestClient, ids: Ids) -> None:
    satisfaction = ids.platform_kpis[0]
    assert _kpi(client, satisfaction)["status"] == "未測定"
    response = client.post(
        f"/kpis/{satisfaction}",
        data={
            "fiscal_year": "令和８年度",
            "value": "８５",
            "measured_on": "R8.6.30",
            "evidence_text": "利用者アンケート",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/projects/{ids.platform}?saved={satisfaction}#kpi-{satisfaction}"
    page = client.get(response.headers["location"])
    assert "実績を保存しました" in page.text
    status = re.search(rf'data-testid="status-{satisfaction}">(.*?)</dd>', page.text, flags=re.S)
    assert status is not None and "達成" in status.group(1) and "未測定" not in status.group(1)
    kpi = _kpi(client, satisfaction)
    assert kpi["actual"] == 85 and kpi["status"] == "達成"
    assert kpi["history"][0]["entered_by"] == "テスト編集者" and kpi["history"][0]["channel"] == "web"
    statuses = {s["status"]: s["count"] for s in client.get("/api/v1/dashboard").json()["kpi_statuses"]}
    assert statuses["達成"] == 1


def test_invalid_values_come_back_with_messages_and_nothing_is_stored(client: TestClient, ids: Ids) -> None:
    kpi_id = ids.platform_kpis[1]
    response = client.post(
        f"/kpis/{kpi_id}",
        data={
            "fiscal_year": "2025",
            "value": "たくさん",
            "measured_on": "2026-13-45",
            "evidence_url": "javascript:alert(1)",
        },
    )
    assert response.status_code == 422
    html = response.text
    for name in ("fiscal_year", "value", "measured_on", "evidence_url"):
        match = re.search(rf'<p class="field-error" id="f-{name}-error" lang="ja">(.*?)</p>', html, flags=re.S)
        assert match is not None, name
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", match.group(1)), name  # a Japanese message
        assert f'id="f-{name}"' in html and 'aria-invalid="true"' in html
    assert 'value="たくさん"' in html  # what was typed is shown again
    assert 'class="error-summary" role="alert"' in html
    assert _kpi(client, kpi_id)["history"] == []
    empty = client.post(f"/kpis/{kpi_id}", data={"fiscal_year": "", "value": ""})
    assert (
        empty.status_code == 422 and "実績値を入力してください" in empty.text and "年度を入力してください" in empty.text
    )
    assert _kpi(client, kpi_id)["history"] == []


def test_a_count_rejects_a_share_and_a_negative(client: TestClient, ids: Ids) -> None:
    matchings = ids.platform_kpis[1]
    for value in ("-3", "50%"):
        response = client.post(f"/kpis/{matchings}", data={"fiscal_year": "2026", "value": value})
        assert response.status_code == 422 and 'id="f-value-error"' in response.text
    assert _kpi(client, matchings)["history"] == []


def test_a_correction_needs_a_reason_and_keeps_the_earlier_value(client: TestClient, ids: Ids) -> None:
    kpi_id = ids.platform_kpis[1]
    assert client.post(f"/kpis/{kpi_id}", data={"fiscal_year": "2026", "value": "20"}).status_code == 200
    again = client.post(f"/kpis/{kpi_id}", data={"fiscal_year": "2026", "value": "26"})
    assert again.status_code == 422 and 'id="f-reason-error"' in again.text
    assert len(_kpi(client, kpi_id)["history"]) == 1
    fixed = client.post(f"/kpis/{kpi_id}", data={"fiscal_year": "2026", "value": "26", "reason": "集計漏れを訂正"})
    assert fixed.status_code == 200
    kpi = _kpi(client, kpi_id)
    assert [h["value"] for h in kpi["history"]] == [20, 26] and kpi["history"][1]["reason"] == "集計漏れを訂正"
    assert kpi["actual"] == 26 and kpi["status"] == "達成"
    assert "集計漏れを訂正" in client.get(f"/kpis/{kpi_id}").text


def test_monthly_values_add_up(client: TestClient, ids: Ids) -> None:
    access = ids.platform_kpis[2]
    for month, value in (("4", "3,000"), ("5", "２，５００")):
        assert (
            client.post(f"/kpis/{access}", data={"fiscal_year": "2026", "value": value, "month": month}).status_code
            == 200
        )
    kpi = _kpi(client, access)
    assert kpi["actual"] == 5500 and kpi["monthly"] == {"4": 3000.0, "5": 2500.0}


def test_the_public_cannot_record(public_client: TestClient) -> None:
    kpi = public_client.get("/api/v1/projects?fiscal_year=2026&challenge=2").json()["items"][0]
    project = public_client.get(f"/api/v1/projects/{kpi['id']}").json()
    kpi_id = project["kpis"][0]["id"]
    html = public_client.get(f"/kpis/{kpi_id}").text
    assert "閲覧専用" in html and 'method="post"' not in html
    response = public_client.post(f"/kpis/{kpi_id}", data={"fiscal_year": "2026", "value": "90"})
    assert response.status_code == 403
    api = public_client.post(f"/api/v1/kpis/{kpi_id}/actuals", json={"fiscal_year": "2026", "value": "90"})
    assert api.status_code == 403 and api.json()["error"]["code"] == "forbidden"
    assert public_client.get(f"/api/v1/kpis/{kpi_id}").json()["kpi"]["history"] == []


def test_recording_through_the_api(client: TestClient, ids: Ids) -> None:
    kpi_id = ids.platform_kpis[0]
    created = client.post(f"/api/v1/kpis/{kpi_id}/actuals", json={"fiscal_year": "2026", "value": "70%"})
    assert created.status_code == 201 and created.json()["value"] == 70 and created.json()["channel"] == "api"
    bad = client.post(f"/api/v1/kpis/{kpi_id}/actuals", json={"fiscal_year": "2026", "value": "120%"})
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "invalid_form"
    assert "value" in bad.json()["error"]["details"]["fields"]
    missing = client.post("/api/v1/kpis/999999/actuals", json={"fiscal_year": "2026", "value": "1"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "kpi_not_found"


def test_the_form_fields_carry_their_input_hints(client: TestClient, ids: Ids) -> None:
    html = client.get(f"/kpis/{ids.platform_kpis[1]}").text
    assert 'inputmode="numeric"' in html and 'autocomplete="off"' in html and "&#34;" not in html


def test_the_measurement_date_hint_gives_a_date_the_form_accepts(client: TestClient, ids: Ids) -> None:
    """Issue 15: the hint's example (令和9年3月31日) was refused as a future date."""
    kpi_id = ids.platform_kpis[0]
    hint = re.search(r'<p class="hint" id="f-measured_on-hint">(.*?)</p>', client.get(f"/kpis/{kpi_id}").text)
    assert hint is not None
    era = re.search(r"令和\d+年\d+月\d+日", hint.group(1))
    iso = re.search(r"\d{4}-\d\d-\d\d", hint.group(1))
    assert era is not None and iso is not None
    assert iso.group(0) <= dt.date.today().isoformat()  # today or earlier
    saved = client.post(
        f"/kpis/{kpi_id}",
        data={"fiscal_year": "2026", "value": "85", "measured_on": era.group(0)},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    assert _kpi(client, kpi_id)["history"][0]["measured_on"] == iso.group(0)


def test_a_measurement_date_outside_its_year_is_refused_in_the_house_style(client: TestClient, ids: Ids) -> None:
    kpi_id = ids.platform_kpis[1]
    early = client.post(f"/kpis/{kpi_id}", data={"fiscal_year": "2026", "value": "3", "measured_on": "R8.3.31"})
    assert early.status_code == 422
    assert (
        "測定日 令和8年3月31日（2026-03-31） が 令和8年度（2026年度）の開始（令和8年4月1日（2026-04-01））より前です"
        in early.text
    )
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    future = client.post(
        f"/kpis/{kpi_id}", data={"fiscal_year": "2026", "value": "3", "measured_on": tomorrow.isoformat()}
    )
    assert future.status_code == 422 and f"（{tomorrow.isoformat()}） が未来の日付です" in future.text
    assert _kpi(client, kpi_id)["history"] == []


def test_a_measurement_date_lies_in_its_fiscal_year_up_to_today() -> None:
    today = dt.date(2026, 12, 2)
    assert measurement_bounds(2026, today) == (dt.date(2026, 4, 1), today)
    assert measurement_bounds(2025, today) == (dt.date(2025, 4, 1), dt.date(2026, 3, 31))
    assert measurement_bounds(2027, today) is None
    check_measured_on(2025, dt.date(2026, 3, 31), today)
    with pytest.raises(ActualValueError, match=r"令和8年4月1日（2026-04-01） が 令和7年度（2025年度）の終わり"):
        check_measured_on(2025, dt.date(2026, 4, 1), today)
