"""Entering actual values through the form: valid values are recorded and change the status; invalid values
come back with Japanese messages beside each field and nothing is stored."""

import re

from fastapi.testclient import TestClient

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
