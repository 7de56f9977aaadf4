"""Two editors with the same form open: the second is told (409), keeps their input, and both versions stay."""

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from keikaku.services.core.actors import Role

from .conftest import Ids, user_client

pytestmark = pytest.mark.usefixtures("cheap_hasher")

VERSION = re.compile(r'name="expected_version" value="(\d*)"')


def _form_version(client: TestClient, kpi_id: int) -> str:
    found = VERSION.search(client.get(f"/kpis/{kpi_id}").text)
    assert found
    return found.group(1)


def test_two_editors_correct_the_same_value(sqlite_loaded_engine: Engine, ids: Ids) -> None:
    kpi_id = ids.platform_kpis[1]
    first = user_client(sqlite_loaded_engine, "tanaka", Role.BUREAU_ADMIN)
    second = user_client(sqlite_loaded_engine, "sato", Role.BUREAU_ADMIN)
    seen_first, seen_second = _form_version(first, kpi_id), _form_version(second, kpi_id)
    assert seen_first == seen_second == "0"
    saved = first.post(f"/kpis/{kpi_id}", data={"fiscal_year": "2026", "value": "20", "expected_version": seen_first})
    assert saved.status_code == 200
    late = second.post(
        f"/kpis/{kpi_id}",
        data={"fiscal_year": "2026", "value": "24", "note": "二次集計", "expected_version": seen_second},
    )
    assert late.status_code == 409
    assert "tanaka さんが 20" in late.text and "あなたの入力は保存していません" in late.text
    assert 'value="24"' in late.text and "二次集計" in late.text  # the input comes back to be saved again
    assert VERSION.search(late.text).group(1) == "1"  # type: ignore[union-attr]
    history = second.get(f"/api/v1/kpis/{kpi_id}").json()["kpi"]["history"]
    assert [h["value"] for h in history] == [20]
    again = second.post(
        f"/kpis/{kpi_id}",
        data={"fiscal_year": "2026", "value": "24", "reason": "二次集計を反映", "expected_version": "1"},
    )
    assert again.status_code == 200
    history = second.get(f"/api/v1/kpis/{kpi_id}").json()["kpi"]["history"]
    assert [(h["value"], h["entered_by"]) for h in history] == [(20, "tanaka"), (24, "sato")]
    api = first.post(
        f"/api/v1/kpis/{kpi_id}/actuals",
        json={"fiscal_year": "2026", "value": "30", "reason": "再訂正", "expected_version": 1},
    )
    assert api.status_code == 409 and api.json()["error"]["details"]["current_version"] == 2
    first.close()
    second.close()
