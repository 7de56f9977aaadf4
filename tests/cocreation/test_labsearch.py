"""かんさいラボサーチ: two institutions' lists in different layouts (CP932 CSV; XLSX with merged header
cells), all or nothing with every error's sheet/row/column, re-import withdraws; Japanese-aware search
(synonyms, widths and dashes, two-character words), facets, and the fee for the user's category."""

import io

import openpyxl
import pytest
from sqlalchemy import Engine
from tests.db_fingerprint import changed_tables, fingerprint

from keikaku.services.core.errors import PermissionDeniedError, ValidationError
from keikaku.services.platform.equipment_import import import_equipment
from keikaku.services.platform.labsearch import Filters, search

from .conftest import ADMIN, COORDINATOR, OWNER

OSAKA_CSV = (
    "機器名,分類,メーカー,型式,主な仕様,利用形態,料金,単位,利用条件,更新日\n"
    '走査電子顕微鏡,電子顕微鏡,日本電子,JSM-IT200,倍率10万倍,機器使用,"6,000",1時間,講習受講,2026/04/01\n'
    "X線回折装置,分析,リガク,SmartLab,粉末,依頼試験,12000,1試料,,2026/04/01\n"
    "硬さ試験機,材料試験,ミツトヨ,HM-200,ビッカース,機器使用,2000,1時間,,2026/04/01\n"
)


def _xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "機器一覧"
    sheet.append(["設備名称", "区分", "型番", "サービス", "使用料", None])
    sheet.append([None, None, None, None, "金額", "単位"])
    sheet.merge_cells("A1:A2")
    sheet.merge_cells("B1:B2")
    sheet.merge_cells("C1:C2")
    sheet.merge_cells("D1:D2")
    sheet.merge_cells("E1:F1")
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


HYOGO = [
    ["走査型電子顕微鏡", "電子顕微鏡", "ＪＳＭ－７８００Ｆ", "依頼試験", 8000, "1試料"],
    ["三次元測定機", "精密測定", "CRYSTA-Apex", "機器使用", 3000, "1時間"],
]


def _load(engine: Engine, institutes: dict[str, int]) -> None:
    osaka = import_equipment(
        institutes["osaka"], "osaka.csv", OSAKA_CSV.encode("cp932"), commit=True, actor=OWNER, engine=engine
    )
    hyogo = import_equipment(institutes["hyogo"], "hyogo.xlsx", _xlsx(HYOGO), commit=True, actor=ADMIN, engine=engine)
    assert (osaka.added, hyogo.added, osaka.errors, hyogo.errors) == (3, 2, (), ())


def test_two_layouts_import_and_search_folds_synonyms_widths_and_dashes(
    engine: Engine, institutes: dict[str, int]
) -> None:
    _load(engine, institutes)
    names = lambda q, **f: sorted(h.name for h in search(q, Filters(**f), engine=engine).hits)  # noqa: E731
    assert names("SEM") == ["走査型電子顕微鏡", "走査電子顕微鏡"]
    assert names("走査電子顕微鏡") == names("SEM")
    assert names("ＪＳＭ") == ["走査型電子顕微鏡", "走査電子顕微鏡"]
    for q in ("JSM-IT200", "ＪＳＭ－ＩＴ２００", "JSM IT200", "jsmit200"):
        assert names(q) == ["走査電子顕微鏡"], q
    assert names("XRD") == ["X線回折装置"]
    assert names("硬さ") == ["硬さ試験機"]  # a two-character word
    assert names("SEM", prefecture="兵庫県") == ["走査型電子顕微鏡"]
    result = search("SEM", engine=engine)
    assert dict(result.facets["mode"]) == {"機器使用": 1, "依頼試験": 1}
    assert dict(result.facets["institution"]) == {"兵庫県立工業技術センター": 1, "大阪産業技術研究所": 1}
    assert search("100%", engine=engine).total == 0  # LIKE wildcards are escaped


def test_the_fee_follows_the_institution_rule_for_the_user_category(engine: Engine, institutes: dict[str, int]) -> None:
    _load(engine, institutes)
    fee = lambda pref: search("JSM-IT200", user_prefecture=pref, engine=engine).hits[0].fee  # noqa: E731
    assert (fee("大阪府"), fee("京都府"), fee("東京都")) == (4800, 6000, 9000)


def test_one_bad_row_imports_nothing_and_every_error_is_listed(engine: Engine, institutes: dict[str, int]) -> None:
    bad = _xlsx([*HYOGO, ["恒温恒湿槽", "", "PR-3J", "貸出", -100, "1日"]])
    preview = import_equipment(institutes["hyogo"], "hyogo.xlsx", bad, commit=False, actor=OWNER, engine=engine)
    assert [str(e) for e in preview.errors] == [
        "シート「機器一覧」5行目「分類」: 必須です",
        "シート「機器一覧」5行目「利用形態」: 「貸出」は機器使用・依頼試験・技術相談のどれでもありません",
        "シート「機器一覧」5行目「料金」: 料金は0以上にしてください",
    ]
    before = fingerprint(engine)
    with pytest.raises(ValidationError, match="3 件の誤り") as caught:
        import_equipment(institutes["hyogo"], "hyogo.xlsx", bad, commit=True, actor=OWNER, engine=engine)
    assert len(caught.value.details["errors"]) == 3  # type: ignore[arg-type]
    assert not changed_tables(before, fingerprint(engine))
    with pytest.raises(PermissionDeniedError):
        import_equipment(institutes["hyogo"], "hyogo.xlsx", _xlsx(HYOGO), commit=True, actor=COORDINATOR, engine=engine)


def test_a_reimport_updates_and_withdraws_without_deleting(engine: Engine, institutes: dict[str, int]) -> None:
    _load(engine, institutes)
    lines = OSAKA_CSV.splitlines()
    changed = "\n".join([lines[0], lines[1].replace('"6,000"', "6500"), lines[3]]) + "\n"
    preview = import_equipment(
        institutes["osaka"], "osaka.csv", changed.encode("utf-8"), commit=False, actor=OWNER, engine=engine
    )
    assert (preview.committed, preview.added, preview.updated, preview.withdrawn) == (False, 0, 2, 1)
    assert search("XRD", engine=engine).total == 1  # the preview wrote nothing
    done = import_equipment(
        institutes["osaka"], "osaka.csv", changed.encode("utf-8"), commit=True, actor=OWNER, engine=engine
    )
    assert (done.committed, done.withdrawn) == (True, 1)
    assert search("XRD", engine=engine).total == 0
    assert search("JSM-IT200", engine=engine).hits[0].base_fee == 6500
    from keikaku.storage import platform as store
    from keikaku.storage.uow import read_session

    with read_session(engine) as s:
        assert [r.withdrawn for r in s.query(store.Equipment).filter_by(name="X線回折装置")] == [True]


def test_the_bigram_index_follows_a_reimport_and_only_confirmed_entries_match(
    engine: Engine, institutes: dict[str, int]
) -> None:
    from sqlalchemy import select

    from keikaku.services.platform.labsearch import grams
    from keikaku.storage import platform as store
    from keikaku.storage.uow import read_session

    _load(engine, institutes)
    renamed = OSAKA_CSV.replace("JSM-IT200", "JSM-IT510").replace("硬さ試験機", "微小硬さ試験機")
    import_equipment(institutes["osaka"], "osaka.csv", renamed.encode("utf-8"), commit=True, actor=OWNER, engine=engine)
    names = lambda q: sorted(h.name for h in search(q, engine=engine).hits)  # noqa: E731
    assert names("JSM-IT200") == []
    assert names("ＪＳＭ－ＩＴ５１０") == ["走査電子顕微鏡"]
    assert names("微小硬さ") == ["微小硬さ試験機"]
    assert names("硬さ") == ["微小硬さ試験機"]
    assert names("ｘ") == ["X線回折装置", "三次元測定機"]  # one character (CRYSTA-APEX has one too): text tested
    assert names("SEX") == []  # "SE" of SEM's synonym group text is there, "SEX" is not
    with read_session(engine) as session:
        texts = {i: t for i, t in session.execute(select(store.Equipment.id, store.Equipment.search_text))}
        stored = session.execute(select(store.EquipmentGram.equipment_id, store.EquipmentGram.gram)).all()
    assert {(i, g) for i, g in stored} == {(i, g) for i, t in texts.items() for g in grams(t)}
