"""The API documentation page: Markdown rendered (never raw, never passing HTML through), in the page's language."""

import json
import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

import keikaku.locale
from keikaku.web.routers.api_docs import markdown_html, markdown_inline, operation_key

LOCALE = Path(keikaku.locale.__file__).parent
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
SECTION = re.compile(r'<section class="api-op"[^>]*>(.*?)</section>', re.S)


def _catalogue(lang: str) -> dict[str, str]:
    return json.loads((LOCALE / f"{lang}.json").read_text(encoding="utf-8"))


def _operations(client: TestClient) -> list[dict[str, Any]]:
    spec = client.get("/api/v1/openapi.json").json()
    return [op for methods in spec["paths"].values() for op in methods.values()]


def _without_japanese_parts(html: str) -> str:
    """The page's own text: data marked ``lang="ja"`` (parameter descriptions from the schema) taken out."""
    return re.sub(r'<span lang="ja">.*?</span>', "", html, flags=re.S)


def test_every_operation_has_its_summary_and_description_in_both_languages(client: TestClient) -> None:
    ja, en = _catalogue("ja"), _catalogue("en")
    operations = _operations(client)
    expected = {operation_key(op["operationId"], part) for op in operations for part in ("summary", "description")}
    assert {k for k in ja if k.startswith("apidocs.op.")} == expected  # none missing, none left over
    for op in operations:
        summary, description = (operation_key(op["operationId"], part) for part in ("summary", "description"))
        assert ja[summary] == op["summary"], summary  # the OpenAPI document and the Japanese page agree
        assert JAPANESE.search(ja[description]), description
        assert en[summary] and not JAPANESE.search(en[summary]), summary
        assert en[description] and en[description] != ja[description], description
    assert ja["apidocs.overview"] == client.get("/api/v1/openapi.json").json()["info"]["description"]


def test_the_japanese_page_renders_markdown_in_japanese(client: TestClient) -> None:
    page = client.get("/api/v1/docs?lang=ja")
    assert page.status_code == 200 and '<html lang="ja">' in page.text
    sections = SECTION.findall(page.text)
    assert len(sections) == len(_operations(client))
    assert "``" not in page.text and not re.search(r"`\w", page.text)  # no Markdown left raw
    assert "<li>金額の単位は千円です（<code>*_thousand_yen</code>）。</li>" in page.text
    record = next(s for s in sections if "POST /api/v1/kpis/{kpi_id}/actuals" in s)
    assert "実績を入力する" in record and "<code>reason</code>" in record and "<code>details.fields</code>" in record
    assert record.count("<p>") >= 2  # both paragraphs of the description, not only the first line
    for section in sections:
        text = re.sub(r"<code>.*?</code>|<[^>]+>", "", section)
        assert not re.search(r"\b(the|and|with|of)\b", text), text[:200]  # no English prose on the ja page


def test_the_english_page_speaks_english(client: TestClient) -> None:
    page = client.get("/api/v1/docs?lang=en")
    assert page.status_code == 200 and '<html lang="en">' in page.text
    sections = SECTION.findall(page.text)
    record = next(s for s in sections if "POST /api/v1/kpis/{kpi_id}/actuals" in s)
    assert "Record an actual value" in record and "<code>reason</code>" in record
    assert "<li>Amounts are in thousands of yen (<code>*_thousand_yen</code>).</li>" in page.text
    allowed = {"協調事業", "提出"}  # Japanese terms the English texts name on purpose
    for section in sections:
        heading_and_text = _without_japanese_parts(section.split("<table", 1)[0])
        for term in allowed:
            heading_and_text = heading_and_text.replace(term, "")
        assert not JAPANESE.search(heading_and_text), heading_and_text[:200]


def test_markdown_passes_no_html_through() -> None:
    html = str(markdown_html('<script>alert(1)</script>\n\n<img src=x onerror="alert(1)"> [x](javascript:alert(1))'))
    assert "<script" not in html and "<img" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html
    assert "<h1" not in str(markdown_html("# 見出し")) and "<h2" not in str(markdown_html("見出し\n---"))
    assert str(markdown_inline("`a` と **b**")) == "<code>a</code> と <strong>b</strong>"
    assert str(markdown_inline("<b>x</b>")) == "&lt;b&gt;x&lt;/b&gt;"
