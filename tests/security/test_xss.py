"""Script in Japanese text entered through every write path is stored as data and never becomes markup.

Each write path that stores text — the actual-value form and API (note, evidence, correction reason), the
workbook import (the same cells), a curator's link note, an entering user's name (``--user`` on the
command line), an account's display name — is given the payloads; then every page that shows the text
(the KPI page, the project page, the partner initiative, search, the account header, the import report)
must show it escaped, under a Content-Security-Policy that allows no inline script; the JSON API and the
audit export hand it back verbatim, as data.  Payloads that can do harm only as a URL (``javascript:``)
are refused as evidence URLs with the database unchanged.
"""

import csv
import io
import unicodedata
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import Engine
from tests.web.workbooks import filled_workbook

from keikaku.services.actuals.record import ActualInput, set_actual
from keikaku.services.core.actors import Actor, Role
from keikaku.services.core.errors import ValidationError
from keikaku.services.governance.accounts import UserCreate, create_user, local_admin
from keikaku.services.governance.audit import export_audit

from .conftest import PASSWORD, assert_intact, csrf_from, find_ids, fingerprint, first_link_id, login, make_client

pytestmark = pytest.mark.usefixtures("cheap_hasher")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAYLOADS = [
    "<script>alert('関西')</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(document.cookie)",
    "＜script＞alert('全角')＜／script＞",  # NFKC makes this <script>…</script>
    "<svg/onload=alert('大阪')>",
    "'><iframe src=//evil.example></iframe>{{7*7}}",
]
FORBIDDEN_TAGS = frozenset({"script", "img", "iframe", "object", "embed", "frame", "base", "meta-refresh"})
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "data"})


class _Elements(HTMLParser):
    """The elements of a page as a browser would parse them: (tag, attributes)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def active_markup(html: str) -> list[str]:
    """Elements that could run script: forbidden tags, event-handler attributes, ``javascript:`` URLs."""
    parser = _Elements()
    parser.feed(html)
    problems = []
    for tag, attrs in parser.found:
        if tag in FORBIDDEN_TAGS:
            problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                problems.append(f"<{tag} {name}=…>")
            if name in URL_ATTRIBUTES and (value or "").strip().lower().startswith(("javascript:", "data:text")):
                problems.append(f"<{tag} {name}={value}>")
    return problems


def stored(text: str) -> str:
    """What the services keep of typed free text: exactly what was typed, trimmed (issue 15)."""
    return text.strip()


def assert_inert(response: Any, where: str) -> None:
    """The page has no markup from the payloads and runs no inline script."""
    assert active_markup(response.text) == [], where
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "object-src 'none'" in csp, where
    assert response.headers["x-content-type-options"] == "nosniff"


def searched(text: str) -> str:
    """What the search echoes of a query: normalised, as searching compares (NFKC, like ``normalize_text``)."""
    return unicodedata.normalize("NFKC", text)


def assert_shown_escaped(html: str, text: str, where: str, kept: Callable[[str], str] = stored) -> None:
    """``text`` (as ``kept`` keeps it) is on the page, escaped: the payload was rendered, and rendered inert."""
    assert str(escape(kept(text))) in html, (where, text)


def _post_form(client: TestClient, page: str, action: str, data: dict[str, str]) -> Any:
    token = csrf_from(client.get(page).text)
    return client.post(action, data={**data, "csrf_token": token}, follow_redirects=False)


def test_payloads_from_every_write_path_are_escaped_wherever_they_are_shown(sqlite_loaded_engine: Engine) -> None:
    engine = sqlite_loaded_engine
    create_user(
        UserCreate("kanri", [Role.BUREAU_ADMIN], display_name=PAYLOADS[1] + "管理者", password=PASSWORD),
        actor=local_admin({"USER": "test"}),
        engine=engine,
    )
    with make_client(engine) as client:
        ids = find_ids(client)
        first_kpi, second_kpi, third_kpi = ids.platform_kpis
        link_id = first_link_id(client, ids)
        login(client, "kanri")
        client.headers.pop("x-csrf-token")
        # The web form: note and evidence, then a correction with a reason.
        page = f"/kpis/{first_kpi}"
        fields = {"fiscal_year": "2026", "value": "70", "note": PAYLOADS[0], "evidence_text": PAYLOADS[3]}
        assert _post_form(client, page, page, fields).status_code == 303
        correction = {**fields, "value": "75", "reason": PAYLOADS[0] + "訂正"}
        assert _post_form(client, page, page, correction).status_code == 303
        # The API: the same fields as JSON.
        token = {"x-csrf-token": csrf_from(client.get("/account").text)}
        body = {"fiscal_year": "2026", "value": "30", "note": PAYLOADS[4], "evidence_text": PAYLOADS[5]}
        api = client.post(f"/api/v1/kpis/{second_kpi}/actuals", json=body, headers=token)
        assert api.status_code == 201, api.text
        body = {**body, "value": "31", "reason": PAYLOADS[3] + "再集計"}
        assert client.post(f"/api/v1/kpis/{second_kpi}/actuals", json=body, headers=token).status_code == 201
        # The workbook import: note, evidence and reason cells, in two rounds (the reason needs a previous value).
        for value, reason in ((100, None), (120, PAYLOADS[5] + "取込訂正")):
            cells = {"実績値": value, "備考": PAYLOADS[1], "根拠・出典": PAYLOADS[4], "訂正理由": reason}
            content = filled_workbook(engine, {third_kpi: cells})
            imported = client.post(
                "/actuals/import",
                data={"csrf_token": csrf_from(client.get("/actuals/import").text)},
                files={"file": (PAYLOADS[1] + ".xlsx", content, XLSX)},
            )
            assert imported.status_code == 200, imported.text
            assert_inert(imported, "import report")
            assert_shown_escaped(imported.text, PAYLOADS[1] + ".xlsx", "import report file name")
        # A cell the import refuses is echoed in the report, escaped.
        wrong = filled_workbook(engine, {first_kpi: {"実績値": 1, "測定日": PAYLOADS[0]}})
        refused = client.post(
            "/actuals/import",
            data={"csrf_token": csrf_from(client.get("/actuals/import").text)},
            files={"file": ("wrong.xlsx", wrong, XLSX)},
        )
        assert refused.status_code == 422 and "日付として解釈できません" in refused.text
        assert_inert(refused, "import errors")
        assert_shown_escaped(refused.text, PAYLOADS[0], "import errors")
        # A curator's note on a partner link.
        initiative = f"/partners/initiatives/{ids.initiative_startup}"
        decided = _post_form(
            client, initiative, f"/partners/links/{link_id}", {"action": "confirm", "note": PAYLOADS[3] + "確認"}
        )
        assert decided.status_code == 303
        # The name of whoever entered a value on the command line (free text, ``--user``).
        cli_user = Actor(name=PAYLOADS[1] + "入力者", roles=frozenset({Role.BUREAU_ADMIN}))
        set_actual(
            ActualInput(kpi=first_kpi, fiscal_year=2026, value=80, reason="再確認"), actor=cli_user, engine=engine
        )

        pages = {
            page: [correction["reason"], cli_user.name],
            f"/kpis/{second_kpi}": [body["reason"]],
            f"/kpis/{third_kpi}": [PAYLOADS[5] + "取込訂正"],
            f"/projects/{ids.platform}": [correction["reason"], body["reason"], cli_user.name],
            initiative: [PAYLOADS[3] + "確認"],
            "/account": [PAYLOADS[1] + "管理者"],
            "/": [PAYLOADS[1] + "管理者"],
        }
        for url, texts in pages.items():
            response = client.get(url)
            assert response.status_code == 200, url
            assert_inert(response, url)
            for text in texts:
                assert_shown_escaped(response.text, text, url)
        for payload in PAYLOADS:
            found = client.get("/search", params={"q": payload})
            assert found.status_code == 200
            assert_inert(found, f"search {payload}")
            assert_shown_escaped(found.text, payload, "search box", searched)

        # The JSON API hands the text back verbatim, as JSON (never as a page).
        history = client.get(f"/api/v1/kpis/{first_kpi}").json()["kpi"]["history"]
        assert {h["note"] for h in history} >= {stored(PAYLOADS[0])}
        assert {h["evidence_text"] for h in history} >= {stored(PAYLOADS[3])}
        as_json = client.get(f"/api/v1/kpis/{third_kpi}")
        assert as_json.headers["content-type"] == "application/json"
        assert stored(PAYLOADS[1]) in {h["note"] for h in as_json.json()["kpi"]["history"]}

    # The audit export keeps the text as it was entered (escaping is the pages' job, not the data's).
    out = io.BytesIO()
    export_audit(local_admin({"USER": "test"}), "csv", out, engine=engine)
    rows = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    reasons = {row[8] for row in rows[1:]}
    assert {stored(correction["reason"]), stored(PAYLOADS[3] + "確認")} <= reasons
    assert cli_user.name in {row[2] for row in rows[1:]}


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        " JaVaScRiPt:alert(1)",
        "ｊａｖａｓｃｒｉｐｔ:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        'https://example.jp/"onmouseover=alert(1) x=',
    ],
)
def test_script_urls_are_refused_as_evidence_with_the_data_intact(sqlite_loaded_engine: Engine, url: str) -> None:
    engine = sqlite_loaded_engine
    with make_client(engine) as client:
        kpi_id = find_ids(client).platform_kpis[1]
        before = fingerprint(engine)
        form = client.post(f"/kpis/{kpi_id}", data={"fiscal_year": "2026", "value": "3", "evidence_url": url})
        api = client.post(
            f"/api/v1/kpis/{kpi_id}/actuals", json={"fiscal_year": "2026", "value": "3", "evidence_url": url}
        )
        content = filled_workbook(engine, {kpi_id: {"実績値": 3, "根拠URL": url}})
        imported = client.post("/api/v1/actuals/import", files={"file": ("url.xlsx", content, XLSX)})
        assert (form.status_code, api.status_code, imported.status_code) == (422, 422, 422)
        assert_inert(form, "form")
        assert "根拠 URL は http:// または https://" in form.text
        assert api.json()["error"]["details"]["fields"]["evidence_url"].startswith("根拠 URL は")
        (cell,) = imported.json()["error"]["details"]["errors"]
        assert cell["column"] == "根拠URL"
        assert_intact(engine, before, url)


def test_usernames_cannot_carry_markup(sqlite_loaded_engine: Engine) -> None:
    before = fingerprint(sqlite_loaded_engine)
    for payload in PAYLOADS:
        with pytest.raises(ValidationError, match="ユーザー名"):
            create_user(
                UserCreate(payload, [Role.COUNCIL_MEMBER], password=PASSWORD),
                actor=local_admin({"USER": "test"}),
                engine=sqlite_loaded_engine,
            )
    assert_intact(sqlite_loaded_engine, before, "usernames")


def test_the_markup_check_sees_every_payload_unescaped() -> None:
    """The page check is not vacuous: each payload, put in a page unescaped, is caught."""
    for payload in PAYLOADS:
        text = searched(payload)  # the full-width one is markup only once normalised, as the search echoes it
        assert active_markup(f"<p>{text}</p>") or active_markup(f'<a href="{text}">x</a>'), payload
    assert active_markup(f"<p>{escape(stored(PAYLOADS[1]))}</p>") == []


def test_a_directorys_imported_text_is_escaped_on_its_pages_and_verbatim_in_its_twins(
    sqlite_loaded_engine: Engine,
) -> None:
    """Firms' products and awards come from a spreadsheet: the directory page, its page links, the firm's
    page show them inert; the JSON twins hand them back as typed."""
    import csv as csv_module

    from keikaku.services.communications.directories import import_directory, search_directory
    from keikaku.services.core.actors import PUBLIC, SYSTEM

    engine = sqlite_loaded_engine
    out = io.StringIO()
    writer = csv_module.writer(out)
    writer.writerow(["企業名", "府県", "製品", "受賞", "掲載年度"])
    for n, payload in enumerate(PAYLOADS):
        writer.writerow([f"試験工業{n}", "大阪府", payload, payload, 2026])
    import_directory("kansai_companies", "x.csv", out.getvalue().encode(), "広報課", actor=SYSTEM, engine=engine)
    firms, _facets = search_directory("kansai_companies", engine=engine, per_page=100)
    with make_client(engine, PUBLIC) as client:
        for n, payload in enumerate(PAYLOADS):  # a page of one firm, with its page links and facets
            listing = client.get("/directories/kansai_companies", params={"per_page": 1, "page": n + 1})
            assert listing.status_code == 200
            assert_inert(listing, f"directory {payload}")
            assert_shown_escaped(listing.text, payload, "directory award")
        for firm in firms.items:
            page = client.get(f"/firms/{firm.id}")
            assert_inert(page, f"firm {firm.id}")
            assert_shown_escaped(page.text, firm.products or "", "firm products")
            assert client.get(f"/api/v1/firms/{firm.id}").json()["firm"]["products"] == firm.products
        twin = client.get("/api/v1/directories/kansai_companies", params={"per_page": 100}).json()
        assert {f["products"] for f in twin["firms"]} == {stored(p) for p in PAYLOADS}
