"""The catalogue: every string of the templates comes from it, both languages have the same keys, the switch works."""

import json
import re
from pathlib import Path

from fastapi.testclient import TestClient

import keikaku.locale
import keikaku.web
from keikaku.web import formatting as f

LOCALE = Path(keikaku.locale.__file__).parent
WEB = Path(keikaku.web.__file__).parent
DYNAMIC = (
    "error.",
    "status.",
    "kind.",
    "link.state.",
    "link.action.",
    "concept.",
    "actor.",
    "compare.kpi_",
    "form.",
    "fact.",
)


def _catalogue(lang: str) -> dict[str, str]:
    return json.loads((LOCALE / f"{lang}.json").read_text(encoding="utf-8"))


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    ja, en = _catalogue("ja"), _catalogue("en")
    assert set(ja) == set(en)
    for key in ja:
        assert set(re.findall(r"{(\w+)}", ja[key])) == set(re.findall(r"{(\w+)}", en[key])), key


def test_every_key_the_templates_use_exists() -> None:
    ja = _catalogue("ja")
    used: set[str] = set()
    for path in [*WEB.glob("templates/*.html"), *WEB.glob("*.py"), *WEB.glob("routers/*.py")]:
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_][a-z0-9_.-]*)["']""", path.read_text(encoding="utf-8")))
    static = {k for k in used if not k.endswith((".", "_"))}
    assert static - set(ja) == set()
    for prefix in DYNAMIC:
        assert any(k.startswith(prefix) for k in ja), prefix


def test_templates_hold_no_japanese_text_of_their_own() -> None:
    kana_or_kanji = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
    for path in WEB.glob("templates/*.html"):
        text = re.sub(r"{#.*?#}", "", path.read_text(encoding="utf-8"), flags=re.S)
        allowed = text.replace("①②③④⑤⑥⑦⑧⑨", "").replace("、", "").replace("（", "").replace("）", "")
        assert not kana_or_kanji.search(allowed), path.name


def test_language_switch_remembers_english(client: TestClient) -> None:
    response = client.get("/lang/en?next=/tree", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/tree"
    assert "lang=en" in response.headers["set-cookie"]
    page = client.get("/tree")
    assert '<html lang="en">' in page.text and "Policy tree" in page.text
    assert page.headers["content-language"] == "en"
    client.get("/lang/ja?next=/")
    assert '<html lang="ja">' in client.get("/").text


def test_formats() -> None:
    assert f.yen(100674) == "100,674千円" and f.yen(100674, "en") == "¥100,674 thousand" and f.yen(None) == "—"
    import datetime as dt

    assert str(f.date_both(dt.date(2026, 10, 7))) == '<time datetime="2026-10-07">令和8年10月7日（2026-10-07）</time>'
    assert f.era_date(dt.date(2019, 5, 1)) == "令和元年5月1日" and f.era_date(dt.date(2019, 4, 30)) == "平成31年4月30日"
    assert f.fiscal_year(2026) == "令和8年度（2026年度）" and f.fiscal_year(2026, "en") == "FY2026 (Reiwa 8)"
    assert f.number(32000, "件") == "32,000件" and f.number(79.5, "%") == "79.5%" and f.percent(0.932) == "93.2%"
