"""Uploads and downloads: zip bombs and oversized files refused quickly with nothing stored, file names of
uploads kept as data, file-name-like parameters of downloads unable to reach the file system.
"""

import io
import os
import re
import time
import tracemalloc
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from tests.web.workbooks import filled_csv, filled_workbook

from keikaku.services.actuals.import_sheet import import_actuals
from keikaku.services.actuals.template import build_template
from keikaku.services.actuals.upload_safety import MAX_FILENAME, check_upload, check_xlsx_archive, safe_filename
from keikaku.services.core.actors import Actor, Role
from keikaku.services.core.errors import ValidationError
from keikaku.web import create_app

from .conftest import (
    Route,
    app_routes,
    assert_intact,
    find_ids,
    fingerprint,
    first_link_id,
    make_client,
    required_query,
    sample_path,
    warm_up,
)

pytestmark = pytest.mark.usefixtures("cheap_hasher")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ADMIN = Actor("取込担当", frozenset({Role.BUREAU_ADMIN}))
BOMB_SIZE = 300 * 1024 * 1024
ROW = b'<row r="2"><c r="A2" t="inlineStr"><is><t>' + b"A" * 60 + b"</t></is></c></row>"


def _zip(entries: dict[str, bytes], *, level: int = 6) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return out.getvalue()


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A real entry workbook whose 実績 sheet XML expands to 300 MB (about 1 MB compressed)."""
    engine_dir = tmp_path_factory.mktemp("bomb")
    template = _template(engine_dir)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(template)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in source.infolist():
            if item.filename != "xl/worksheets/sheet2.xml":
                bomb.writestr(item, source.read(item.filename))
                continue
            chunk = ROW * 16_000
            with bomb.open("xl/worksheets/sheet2.xml", "w", force_zip64=True) as sheet:
                sheet.write(b'<?xml version="1.0"?><worksheet><sheetData>')
                written = 0
                while written < BOMB_SIZE:
                    sheet.write(chunk)
                    written += len(chunk)
                sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def _template(folder: Path) -> bytes:
    from keikaku.services.exchange.initialize import initialize_database
    from keikaku.storage.engine import make_engine

    engine = make_engine(f"sqlite:///{folder / 'bomb.sqlite3'}")
    try:
        initialize_database(engine=engine)
        return build_template(2026, viewer=None, engine=engine).content
    finally:
        engine.dispose()


@pytest.fixture
def small_uploads(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """Uploads limited to 100 kB (the limit is read when the app and the service start their work)."""
    monkeypatch.setenv("KEIKAKU_MAX_UPLOAD_BYTES", "100000")
    yield 100_000


# --- zip bombs --------------------------------------------------------------------------------------------


def test_a_zip_bomb_is_refused_before_it_is_inflated(sqlite_loaded_engine: Engine, zip_bomb: bytes) -> None:
    assert len(zip_bomb) < 5 * 1024 * 1024
    with zipfile.ZipFile(io.BytesIO(zip_bomb)) as archive:
        assert sum(i.file_size for i in archive.infolist()) > BOMB_SIZE  # it really is a bomb
    before = fingerprint(sqlite_loaded_engine)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(ValidationError, match="zip 爆弾") as refused:
            import_actuals("実績.xlsx", zip_bomb, actor=ADMIN, engine=sqlite_loaded_engine)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert refused.value.code == "zip_bomb"
    assert "xl/worksheets/sheet2.xml" in refused.value.message and "上限 100 倍" in refused.value.message
    assert elapsed < 2 and peak < 20 * 1024 * 1024, (elapsed, peak)
    assert_intact(sqlite_loaded_engine, before, "zip bomb")


def test_a_zip_bomb_uploaded_on_the_web_and_the_api_is_refused_quickly(
    sqlite_loaded_engine: Engine, zip_bomb: bytes
) -> None:
    with make_client(sqlite_loaded_engine) as client:
        warm_up(client)
        before = fingerprint(sqlite_loaded_engine)
        started = time.perf_counter()
        page = client.post("/actuals/import", files={"file": ("実績.xlsx", zip_bomb, XLSX)})
        api = client.post("/api/v1/actuals/import", files={"file": ("実績.xlsx", zip_bomb, XLSX)})
        assert time.perf_counter() - started < 5
        assert page.status_code == 422 and "zip 爆弾の疑いがあるため読み込みません" in page.text
        assert api.status_code == 422 and api.json()["error"]["code"] == "zip_bomb"
        assert_intact(sqlite_loaded_engine, before, "zip bomb upload")


def _institution_imports(engine: Engine) -> tuple[str, str]:
    """The page's and the API's upload routes of a new institution's equipment list."""
    from keikaku.services.platform.institutions import InstitutionForm, add_institution

    institution = add_institution(InstitutionForm("安全確認研究所", "大阪府", "公設試"), actor=ADMIN, engine=engine)
    return f"/platform/institutions/{institution}/imports", f"/api/v1/platform/institutions/{institution}/imports"


def test_an_institutions_equipment_list_goes_through_the_upload_safety(
    sqlite_loaded_engine: Engine, zip_bomb: bytes
) -> None:
    """The staff page and the API of an equipment list import: a zip bomb and a file that is neither XLSX nor
    CSV are refused before anything is read or kept; a hostile name is kept as data only."""
    web, api = _institution_imports(sqlite_loaded_engine)
    with make_client(sqlite_loaded_engine) as client:
        before = fingerprint(sqlite_loaded_engine)
        page = client.post(web, files={"file": ("機器.xlsx", zip_bomb, XLSX)})
        assert page.status_code == 422 and "zip 爆弾の疑いがあるため読み込みません" in page.text
        assert client.post(api, files={"file": ("機器.xlsx", zip_bomb, XLSX)}).json()["error"]["code"] == "zip_bomb"
        script = client.post(api, files={"file": ("機器.html", b"<script>", "text/html")})
        assert script.status_code == 422 and script.json()["error"]["code"] == "file_type"
        assert_intact(sqlite_loaded_engine, before, "equipment list uploads")
        listing = "機器名,分類,利用形態\nSEM,顕微鏡,機器使用\n".encode()
        named = client.post(api, files={"file": ("../../etc/機器.csv", listing, "text/csv")})
        assert named.status_code == 201 and named.json()["filename"] == "機器.csv"


def test_an_oversized_equipment_list_is_refused_with_its_size(sqlite_loaded_engine: Engine, small_uploads: int) -> None:
    web, api = _institution_imports(sqlite_loaded_engine)
    padded = "機器名,分類,利用形態\n".encode() + b"#" * (small_uploads + 1000)
    with make_client(sqlite_loaded_engine) as client:
        before = fingerprint(sqlite_loaded_engine)
        over = client.post(web, files={"file": ("機器.csv", padded, "text/csv")})
        assert over.status_code == 422 and f"上限 {small_uploads:,} バイト" in over.text
        assert (
            client.post(api, files={"file": ("機器.csv", padded, "text/csv")}).json()["error"]["code"]
            == "file_too_large"
        )
        assert_intact(sqlite_loaded_engine, before, "oversized equipment lists")


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ({f"xl/media/{i}.xml": b"" for i in range(1001)}, "ファイルが多すぎます"),
        ({"../../etc/cron.d/x": b"x"}, "「..」を含む名前"),
        ({"/etc/passwd": b"x"}, "絶対パスの名前"),
        ({"C:/Windows/x.xml": b"x"}, "絶対パスの名前"),
        ({"xl\\..\\..\\x.xml": b"x"}, "バックスラッシュを含む名前"),
        ({"xl/\x1bsheet.xml": b"x"}, "制御文字を含む名前"),  # zipfile itself cuts a name at a NUL
        ({"/".join(["d"] * 12) + "/x.xml": b"x"}, "8 階層より深い名前"),
    ],
    ids=["entries", "dotdot", "absolute", "drive", "backslash", "control", "deep"],
)
def test_unsafe_archives_are_refused(entries: dict[str, bytes], message: str) -> None:
    with pytest.raises(ValidationError, match=message) as refused:
        check_upload("実績.xlsx", _zip(entries))
    assert refused.value.code == "unsafe_archive"


def test_the_expanded_total_and_duplicate_entries_are_limited() -> None:
    noise = os.urandom(200_000)  # incompressible: the ratio is fine, only the total is too large
    with pytest.raises(ValidationError, match="展開後の大きさが上限を超えます") as total:
        check_xlsx_archive(_zip({f"xl/{i}.bin": noise for i in range(5)}), max_total=500_000)
    assert total.value.code == "zip_bomb"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive, pytest.warns(UserWarning, match="Duplicate name"):
        archive.writestr("xl/workbook.xml", b"<a/>")
        archive.writestr("xl/workbook.xml", b"<b/>")
    with pytest.raises(ValidationError, match="2 つあります"):
        check_upload("a.xlsx", out.getvalue())
    with pytest.raises(ValidationError, match="Excel ブック"):
        check_upload("a.xlsx", b"PK\x03\x04 truncated")


# --- oversized uploads ------------------------------------------------------------------------------------


def test_oversized_uploads_are_refused_and_other_routes_keep_their_limit(
    sqlite_loaded_engine: Engine, small_uploads: int
) -> None:
    valid = filled_workbook(sqlite_loaded_engine, {})
    padded = valid + b"\0" * (small_uploads - len(valid) + 20_000)  # over the upload limit, within the envelope
    with make_client(sqlite_loaded_engine, max_body=2048) as client:
        kpi_id = find_ids(client).platform_kpis[1]
        warm_up(client)
        before = fingerprint(sqlite_loaded_engine)
        over = client.post("/actuals/import", files={"file": ("実績.xlsx", padded, XLSX)})
        assert over.status_code == 422
        assert f"大きすぎます（{len(padded):,} バイト、上限 {small_uploads:,} バイト）" in over.text
        api = client.post("/api/v1/actuals/import", files={"file": ("実績.xlsx", padded, XLSX)})
        assert api.status_code == 422 and api.json()["error"]["code"] == "file_too_large"
        huge = b"x" * (small_uploads + 200_000)  # beyond the upload limit and its envelope: cut off at the door
        assert client.post("/actuals/import", files={"file": ("a.csv", huge, "text/csv")}).status_code == 413
        streamed = client.post(
            "/api/v1/actuals/import",
            content=iter([b"x" * 65_536] * 6),
            headers={"content-type": "multipart/form-data; boundary=x"},
        )
        assert streamed.status_code == 413 and streamed.json()["error"]["code"] == "request_too_large"
        # Only the upload routes take upload-sized bodies: the entry form keeps the 2 kB limit.
        form = client.post(f"/kpis/{kpi_id}", data={"fiscal_year": "2026", "value": "1", "note": "あ" * 5000})
        assert form.status_code == 413
        sideways = client.post("/actuals/import/", files={"file": ("a.csv", b"x" * 10_000, "text/csv")})
        assert sideways.status_code == 413
        assert_intact(sqlite_loaded_engine, before, "oversized uploads")
        accepted = client.post("/actuals/import", files={"file": ("実績.xlsx", valid, XLSX)})
        assert accepted.status_code == 200  # a workbook within the limit passes the 2 kB body limit
    with pytest.raises(ValidationError, match="空です"):
        check_upload("a.csv", b"")


# --- file names -------------------------------------------------------------------------------------------

HOSTILE_NAMES = {
    "../../etc/passwd.xlsx": "passwd.xlsx",
    "..\\..\\x.xlsx": "x.xlsx",
    "/var/lib/keikaku/keikaku.sqlite3.xlsx": "keikaku.sqlite3.xlsx",
    "a\x00.csv.xlsx": "a.csv.xlsx",
    "報告\r\nSet-Cookie: x=1.xlsx": "報告Set-Cookie: x=1.xlsx",
    "\u202excod.xlsx": "xcod.xlsx",
    "....//....//x.xlsx": "x.xlsx",
    "..": "upload",
    "../../x.csv": "x.csv",
    "あ" * 1000 + ".xlsx": "あ" * (MAX_FILENAME - 5) + ".xlsx",
}


@pytest.mark.parametrize(("raw", "expected"), list(HOSTILE_NAMES.items()), ids=range(len(HOSTILE_NAMES)))
def test_upload_names_are_data_only(raw: str, expected: str) -> None:
    name = safe_filename(raw)
    assert name == expected and len(name) <= MAX_FILENAME
    assert "/" not in name and "\\" not in name and not any(ord(c) < 32 for c in name)


def test_hostile_upload_names_reach_neither_the_file_system_nor_the_page(
    sqlite_loaded_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workdir = tmp_path / "cwd" / "a" / "b"  # deep enough for ../../ to stay inside tmp_path
    workdir.mkdir(parents=True)
    monkeypatch.chdir(workdir)
    with make_client(sqlite_loaded_engine) as client:
        kpi_id = find_ids(client).platform_kpis[1]
        for value, raw in enumerate(HOSTILE_NAMES, start=1):
            content = (
                filled_csv(sqlite_loaded_engine, {kpi_id: {"実績値": value, "訂正理由": "再集計"}})
                if raw.endswith(".csv")
                else filled_workbook(sqlite_loaded_engine, {kpi_id: {"実績値": value, "訂正理由": "再集計"}})
            )
            name = raw if raw.endswith((".xlsx", ".csv")) else raw + ".xlsx"
            api = client.post("/api/v1/actuals/import", files={"file": (name, content, XLSX)})
            assert api.status_code == 200, (raw, api.text)
            assert api.json()["filename"] == safe_filename(sent_as(name)), raw
            page = client.post("/actuals/import", files={"file": (name, content, XLSX)})
            assert page.status_code == 200 and "../" not in page.text and "..\\" not in page.text
        # A name too long for the multipart parser (5,000 characters) is refused as malformed.
        too_long = client.post("/api/v1/actuals/import", files={"file": ("あ" * 5000 + ".xlsx", b"x", XLSX)})
        assert too_long.status_code == 400
        history = client.get(f"/api/v1/kpis/{kpi_id}").json()["kpi"]["history"]
        assert len(history) == len(HOSTILE_NAMES)  # every import recorded its value (the second ones unchanged)
    assert [p for p in (tmp_path / "cwd").rglob("*") if p.is_file()] == []  # nothing written where names pointed


def sent_as(name: str) -> str:
    """The name the server receives: clients percent-encode ``"``, CR and LF (and httpx NUL) in a multipart name."""
    for char, escaped in (('"', "%22"), ("\r", "%0D"), ("\n", "%0A"), ("\x00", "%00")):
        name = name.replace(char, escaped)
    return name


# --- downloads --------------------------------------------------------------------------------------------

TRAVERSALS = [
    "../../../../etc/passwd",
    "..%2f..%2f..%2fetc%2fpasswd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "%252e%252e%252fetc%252fpasswd",
    "....//....//etc/passwd",
    "..\\..\\..\\windows\\win.ini",
    "%c0%ae%c0%ae%c0%afetc%c0%afpasswd",
    "evaluation/../../../../etc/passwd",
]
SAFE_DISPOSITION_NAME = r'^attachment; filename="[A-Za-z0-9._-]+"; filename\*=UTF-8\'\'[A-Za-z0-9._%-]+$'


def _downloads(routes: list[Route]) -> list[Route]:
    """Routes whose answer is a file: they have a path parameter that names one, or a template/export."""
    found = [r for r in routes if "GET" in r.methods and r.path.startswith("/api/v1/") and _is_file_route(r)]
    assert {r.path for r in found} >= {"/api/v1/export/{fmt}", "/api/v1/reports/{identifier}"}
    return found


def _is_file_route(route: Route) -> bool:
    return any(word in route.path for word in ("export", "reports", "template", "documents"))


def _assert_no_file_leak(response: Any, where: str) -> None:
    assert response.status_code < 500, where
    assert b"root:x:0:0" not in response.content and b"[fonts]" not in response.content, where
    disposition = response.headers.get("content-disposition")
    if disposition is not None:
        assert response.status_code == 200, where
        assert re.match(SAFE_DISPOSITION_NAME, disposition), (where, disposition)
        assert ".." not in disposition and "/" not in unquote(disposition.split("''", 1)[1]), (where, disposition)


def test_file_like_parameters_of_downloads_cannot_traverse(sqlite_loaded_engine: Engine) -> None:
    routes = _downloads(app_routes(create_app()))
    with make_client(sqlite_loaded_engine) as client:
        ids = find_ids(client)
        link_id = first_link_id(client, ids)
        warm_up(client)
        before = fingerprint(sqlite_loaded_engine)
        tried = 0
        for route in routes:
            # The route as it is, and each of its file-like parameters replaced by a traversal.
            valid = client.get(sample_path(route, ids, link_id), params=required_query(route))
            _assert_no_file_leak(valid, route.path)
            text_params = [p.name for p in route.path_params] + [
                p.name for p in route.query if p.annotation in (str, str | None) or hasattr(p.annotation, "__members__")
            ]
            for param in text_params:
                for attack in TRAVERSALS:
                    if param in {p.name for p in route.path_params}:
                        url, query = sample_path(route, ids, link_id, **{param: attack}), required_query(route)
                    else:
                        url, query = sample_path(route, ids, link_id), required_query(route, **{param: unquote(attack)})
                    response = client.get(url, params=query)
                    _assert_no_file_leak(response, f"{route.path} {param}={attack}")
                    tried += 1
        assert tried >= 40
        for attack in TRAVERSALS:
            static = client.get(f"/static/{attack}")
            assert static.status_code == 404 and b"root:x:0:0" not in static.content, attack
            source = client.get(f"/static/{attack.replace('etc/passwd', 'app.py').replace('etc%2fpasswd', 'app.py')}")
            assert source.status_code == 404 and b"def create_app" not in source.content, attack
        assert_intact(sqlite_loaded_engine, before, "download traversal")


def test_every_download_names_its_file_safely(client: TestClient) -> None:
    for url in (
        "/api/v1/export/csv",
        "/api/v1/export/json?fiscal_year=2026",
        "/api/v1/reports/evaluation?format=xlsx&fiscal_year=2026",
        "/api/v1/reports/comparison?format=xlsx&before=2023&after=2026",
        "/api/v1/actuals/template?fiscal_year=2026&format=csv",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_no_file_leak(response, url)
        assert "content-disposition" in response.headers, url


# --- cell contents --------------------------------------------------------------------------------------


def test_control_characters_in_imported_cells_are_refused_on_both_databases(loaded_engine: Engine) -> None:
    """A CSV can carry NUL, which PostgreSQL cannot store: refused per cell, as the entry form refuses it."""
    with make_client(loaded_engine) as client:
        kpi_id = find_ids(client).platform_kpis[1]
        warm_up(client)
        before = fingerprint(loaded_engine)
        cells = {"実績値": 5, "備考": "備考\x00", "根拠・出典": "集計\x1b[31m", "根拠URL": "https://example.jp/\x00"}
        content = filled_csv(loaded_engine, {kpi_id: cells})
        response = client.post("/api/v1/actuals/import", files={"file": ("nul.csv", content, "text/csv")})
        assert response.status_code == 422, response.text
        errors = response.json()["error"]["details"]["errors"]
        assert {(e["sheet"], e["column"]) for e in errors} == {
            ("CSV", "備考"),
            ("CSV", "根拠・出典"),
            ("CSV", "根拠URL"),
        }
        assert all(e["reason"] == "使用できない制御文字が含まれています" for e in errors)
        assert_intact(loaded_engine, before, "control characters")


def test_a_csv_with_a_utf8_bom_and_shift_jis_bytes_is_a_clear_error_everywhere(
    loaded_engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A BOM says UTF-8; Shift_JIS after it is named, with the file, on the API, the web and the CLI."""
    import subprocess
    import sys

    with make_client(loaded_engine) as client:
        kpi_id = find_ids(client).platform_kpis[1]
        warm_up(client)
        good = filled_csv(loaded_engine, {kpi_id: {"実績値": 5, "備考": "再集計"}})
        # What a user gets when Excel's Shift_JIS text is pasted into a UTF-8 file: BOM, then cp932 bytes.
        mixed = b"\xef\xbb\xbf" + good[3:].decode("utf-8").encode("cp932")
        before = fingerprint(loaded_engine)
        api = client.post("/api/v1/actuals/import", files={"file": ("実績_混在.csv", mixed, "text/csv")})
        page = client.post("/actuals/import", files={"file": ("実績_混在.csv", mixed, "text/csv")})
        assert api.status_code == 422, api.text
        error = api.json()["error"]
        assert error["code"] == "bad_encoding" and error["details"]["file"] == "実績_混在.csv"
        assert "「実績_混在.csv」" in error["message"] and "UTF-8" in error["message"]
        assert "Shift_JIS" in error["message"]
        assert page.status_code == 422 and "「実績_混在.csv」" in page.text and "Shift_JIS" in page.text
        assert_intact(loaded_engine, before, "BOM followed by Shift_JIS")
    path = tmp_path / "実績_混在.csv"
    path.write_bytes(mixed)
    env = {**os.environ, "KEIKAKU_DATABASE_URL": loaded_engine.url.render_as_string(hide_password=False)}
    cli = subprocess.run(
        [sys.executable, "-m", "keikaku.cli.app", "actuals", "import", str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert cli.returncode == 2, cli.stderr
    assert "Traceback" not in cli.stderr
    assert cli.stderr.strip().startswith("エラー: 「実績_混在.csv」") and "Shift_JIS" in cli.stderr
    assert_intact(loaded_engine, before, "BOM followed by Shift_JIS on the command line")
