"""The exporter registry: every registered exporter, in every format it offers, writes its file with the
format's media type, file name extension, encoding and BOM, and with the formulas stored in the data
neutralised; a file saved to disk appears whole; and no module outside the one writer writes CSV or XLSX."""

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, update
from tests.conftest import Templates, _fresh_engine
from tests.events.conftest import BEFORE, add_event, forum_project
from tests.security.test_formula_injection import assert_csv_safe, assert_workbook_safe

from keikaku.reports.files import KINDS, FileFormat, media_type
from keikaku.services.communications.directories import import_directory
from keikaku.services.communications.registries import EntryForm, add_entry
from keikaku.services.communications.visits import VISITS, import_visits
from keikaku.services.core.actors import PUBLIC, Actor
from keikaku.services.events.registrations import PersonForm, RegistrationForm, register
from keikaku.services.exchange import exporters
from keikaku.services.governance.accounts import local_admin
from keikaku.storage import models as m
from keikaku.storage.uow import unit_of_work

SRC = Path(__file__).resolve().parents[3] / "src" / "keikaku"
FORMULA = "=1+cmd|' /C calc'!A0"

#: Each exporter's options in the test; an exporter registered without a line here fails the test.
OPTIONS: dict[str, dict[str, object]] = {
    "data": {"fiscal_year": 2026},
    "audit": {},
    "actuals_template": {"fiscal_year": 2026},
    "evaluation": {"fiscal_year": 2026},
    "comparison": {"before": 2023, "after": 2026},
    "participants": {},  # the event id is added by the fixture
    "registry_entries": {"kind": "listing"},
    "directory": {"directory": "kansai_companies"},
}
#: Exporters whose cells put the stored text after something else (the comparison: 「3 事業名」), so no cell
#: starts with the formula: they are checked for safety only.
PREFIXED = {"comparison"}
CASES = [(e.identifier, fmt) for e in exporters.all_exporters() for fmt in e.formats]


@pytest.fixture(scope="module")
def hostile(
    tmp_path_factory: pytest.TempPathFactory, templates: Templates
) -> Iterator[tuple[Engine, Actor, dict[str, dict[str, object]]]]:
    """The Kansai data, with a formula in a project's name, a participant's organisation, a registry entry,
    a firm's products and a visit destination's theme, written by an administrator whose name is a formula."""
    engine = _fresh_engine(f"sqlite:///{tmp_path_factory.mktemp('exporters') / 'k.db'}", "loaded", templates)
    admin = local_admin({"USER": "auditor"})
    evil = Actor(name=FORMULA, roles=admin.roles, departments=admin.departments)
    forum = forum_project(engine)
    with unit_of_work(engine) as session:
        session.execute(update(m.Project).where(m.Project.code == "3").values(name=FORMULA))
        session.execute(update(m.Kpi).where(m.Kpi.indicator == "参加者数").values(indicator=FORMULA))
    event = add_event(engine, forum)
    person = PersonForm("山田 花子", "", "h@example.jp")
    register(event.id, RegistrationForm(person, organisation=FORMULA), actor=PUBLIC, engine=engine, now=BEFORE)
    add_entry(
        EntryForm("listing", "2026-06-01", "Crunchbase", FORMULA, "https://x.example/"),
        forum.department,
        actor=evil,
        engine=engine,
    )
    firms = f"企業名,法人番号,府県,業種,製品,受賞,掲載年度\n株式会社ケイカク,,大阪府,機械,{FORMULA},,2025\n"
    import_directory("kansai_companies", "f.csv", firms.encode(), forum.department, actor=evil, engine=engine)
    visits = f"視察先,府県,テーマ,対応言語,連絡先\n神戸医療産業都市,兵庫県,{FORMULA},日本語,\n"
    import_visits("v.csv", visits.encode(), forum.department, actor=evil, engine=engine)
    options = {**OPTIONS, "participants": {"event_id": event.id}}
    yield engine, admin, options
    engine.dispose()


def _neutralised(texts: list[str]) -> bool:
    return any(t.startswith("'" + FORMULA[:5]) for t in texts)


@pytest.mark.parametrize(("identifier", "fmt"), CASES)
def test_every_exporter_writes_its_format(
    hostile: tuple[Engine, Actor, dict[str, dict[str, object]]], identifier: str, fmt: FileFormat
) -> None:
    engine, admin, options = hostile
    file = exporters.get(identifier).render(fmt, options[identifier], actor=admin, engine=engine)
    assert file.media_type == media_type(fmt) == KINDS[fmt].media_type
    assert file.filename.endswith(f".{fmt.value}") and "/" not in file.filename
    content = file.content
    if fmt is FileFormat.CSV:
        assert content.startswith(b"\xef\xbb\xbf") and KINDS[fmt].bom
        text = content.decode("utf-8-sig")
        assert "\r\n" in text
        assert _neutralised(assert_csv_safe(text, identifier)), identifier
    elif fmt is FileFormat.XLSX:
        assert content.startswith(b"PK\x03\x04")
        texts = assert_workbook_safe(content, identifier)
        assert identifier in PREFIXED or _neutralised(texts), identifier
    elif fmt is FileFormat.JSON:
        assert not content.startswith(b"\xef\xbb\xbf")
        assert FORMULA in json.dumps(json.loads(content), ensure_ascii=False)  # JSON keeps the text as stored
    elif fmt is FileFormat.HTML:
        assert b"<html" in content[:500].lower()
    else:
        assert content.startswith(b"%PDF")


def test_the_visit_destinations_are_a_directory_too(
    hostile: tuple[Engine, Actor, dict[str, dict[str, object]]],
) -> None:
    engine, admin, _options = hostile
    file = exporters.get("directory").render(
        "csv", {"directory": VISITS, "with_contact": True}, actor=admin, engine=engine
    )
    assert file.filename == f"{VISITS}.csv" and file.media_type == media_type("csv")
    fields = assert_csv_safe(file.content.decode("utf-8-sig"), "visits")
    assert "連絡先" in fields and _neutralised(fields)


def test_every_registered_exporter_is_tested() -> None:
    assert {e.identifier for e in exporters.all_exporters()} == set(OPTIONS)
    with pytest.raises(ValueError, match="既に登録されています"):
        exporters.register(exporters.DATA)


def test_a_saved_file_appears_whole_and_matches_the_download(
    hostile: tuple[Engine, Actor, dict[str, dict[str, object]]], tmp_path: Path
) -> None:
    engine, admin, options = hostile
    exporter = exporters.get("data")
    out = tmp_path / "data.csv"
    written = exporter.save(out, "csv", options["data"], actor=admin, engine=engine)
    assert out.read_bytes() == exporter.render("csv", options["data"], actor=admin, engine=engine).content
    assert written.counts["plans"] == 1 and written.filename == "keikaku_2026.csv"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv"]  # no partial file left behind


#: How a module would write a spreadsheet file itself: a CSV writer, a workbook, a BOM, a partial file.
WRITERS = re.compile(r"csv\.writer\(|\bWorkbook\(|[\"']\\ufeff[\"']\s*[+)]|\.partial[\"']|encoding=\"utf-8-sig\"")


def test_no_module_outside_the_one_writer_writes_csv_or_xlsx() -> None:
    writers = {
        path.relative_to(SRC).as_posix()
        for path in SRC.rglob("*.py")
        if WRITERS.search(path.read_text(encoding="utf-8"))
    }
    assert writers == {"reports/files.py"}


#: The XLSX media type spelled out; only the one writer names it.
XLSX_LITERAL = "spreadsheetml.sheet"


def test_only_the_one_writer_spells_the_xlsx_media_type() -> None:
    spelling = {
        path.relative_to(SRC).as_posix()
        for path in SRC.rglob("*.py")
        if XLSX_LITERAL in path.read_text(encoding="utf-8")
    }
    assert spelling == {"reports/files.py"}
