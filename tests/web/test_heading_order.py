"""Headings never skip a level (axe's heading-order, issue 15): the KPI blocks were h4 right after an h2."""

import re
from itertools import pairwise

from fastapi.testclient import TestClient

from .conftest import Ids


def _levels(html: str) -> list[int]:
    main = html[html.index("<main") :]
    return [int(level) for level in re.findall(r"<h([1-6])[\s>]", main)]


def _skips(levels: list[int]) -> list[tuple[int, int]]:
    return [(a, b) for a, b in pairwise(levels) if b > a + 1]


def test_project_and_kpi_pages_keep_heading_order(client: TestClient, ids: Ids) -> None:
    pages = [f"/projects/{ids.platform}", f"/projects/{ids.component}", f"/kpis/{ids.platform_kpis[0]}"]
    for path in pages:
        for lang in ("ja", "en"):
            levels = _levels(client.get(f"{path}?lang={lang}").text)
            assert levels[0] == 1 and _skips(levels) == [], (path, levels)
    project = _levels(client.get(f"/projects/{ids.platform}").text)
    assert 3 in project and 4 not in project  # the KPIs sit under the h2 「成果目標（KPI）」
    refused = client.post(f"/kpis/{ids.platform_kpis[0]}", data={"fiscal_year": "", "value": ""})
    assert _skips(_levels(refused.text)) == []
