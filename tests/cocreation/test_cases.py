"""Consultations: opening for a firm with a checked 法人番号, the log, handover, closing; who sees contents
(every view audited) and who sees counts only; bad input refused with nothing stored."""

import pytest
from sqlalchemy import Engine, select
from tests.db_fingerprint import changed_tables, fingerprint

from keikaku.services.core.actors import PUBLIC
from keikaku.services.core.errors import PermissionDeniedError, ValidationError
from keikaku.services.platform.cases import (
    CaseChange,
    CaseForm,
    case_counts,
    change_case,
    get_case,
    list_cases,
    log_activity,
    open_case,
)
from keikaku.storage.accounts import AuditEntry
from keikaku.storage.uow import read_session

from .conftest import ADMIN, COORDINATOR, COORDINATOR_2, COUNCIL, FIRM, OTHER_EDITOR, OWNER, corporate_number


def _open(engine: Engine, institutes: dict[str, int], **changes: str) -> int:
    values = {
        "firm": "株式会社ケイカク精工",
        "corporate_number": FIRM,
        "topic": "樹脂部品の破断面を観察したい",
        "field": "材料",
        "phase": "技術開発",
        "opened_on": "2026-05-12",
    }
    values.update(changes)
    return open_case(CaseForm(**values, institution_id=institutes["osaka"]), actor=COORDINATOR, engine=engine).id


def test_a_case_from_opening_to_closing_keeps_its_history(engine: Engine, institutes: dict[str, int]) -> None:
    case_id = _open(
        engine,
        institutes,
        corporate_number=f"{FIRM[:4]}-{FIRM[4:]}".translate(str.maketrans("0123456789-", "０１２３４５６７８９－")),
    )
    log_activity(case_id, "訪問", "工場を訪問し、破断品を受け取った", on="2026-05-20", actor=COORDINATOR, engine=engine)
    change_case(
        case_id,
        CaseChange(coordinator=COORDINATOR_2.name, note="担当替え", on="2026-06-01"),
        actor=COORDINATOR,
        engine=engine,
    )
    with pytest.raises(ValidationError, match="成果"):
        change_case(case_id, CaseChange(status="完了"), actor=COORDINATOR_2, engine=engine)
    closed = change_case(
        case_id, CaseChange(status="完了", outcome="依頼試験へ", on="2026-06-30"), actor=COORDINATOR_2, engine=engine
    )
    assert closed.corporate_number == FIRM  # full-width digits and a hyphen folded
    assert (closed.status, closed.closed, closed.outcome, closed.coordinator) == (
        "完了",
        True,
        "依頼試験へ",
        COORDINATOR_2.name,
    )
    kinds = [(a.kind, a.author) for a in closed.activities]
    assert kinds == [
        ("相談", COORDINATOR.name),
        ("訪問", COORDINATOR.name),
        ("引継ぎ", COORDINATOR.name),
        ("状態変更", COORDINATOR_2.name),  # 対応中 (set by the first activity) → 完了
        ("メモ", COORDINATOR_2.name),  # the satisfaction survey sent (tests/cocreation/test_closing.py)
    ]
    assert any(
        a.kind == "引継ぎ"
        and "山田コーディネーター（大阪産業技術研究所） → 佐藤コーディネーター（兵庫県立工業技術センター）" in a.body
        for a in closed.activities
    )


@pytest.mark.parametrize("viewer", [ADMIN, COORDINATOR, OWNER])
def test_coordinators_owners_and_admins_see_contents_and_each_view_is_audited(
    engine: Engine, institutes: dict[str, int], viewer: object
) -> None:
    case_id = _open(engine, institutes)
    seen = get_case(case_id, actor=viewer, engine=engine)  # type: ignore[arg-type]
    assert seen.topic == "樹脂部品の破断面を観察したい"
    assert list_cases(actor=viewer, engine=engine)[1] == 1  # type: ignore[arg-type]
    with read_session(engine) as s:
        views = s.scalars(select(AuditEntry).where(AuditEntry.action == "platform.case.view")).all()
        assert [(v.object_id, v.actor) for v in views] == [(str(case_id), viewer.name)]  # type: ignore[attr-defined]


@pytest.mark.parametrize("viewer", [PUBLIC, OTHER_EDITOR, COUNCIL])
def test_everyone_else_sees_counts_only_and_a_refused_attempt_changes_nothing(
    engine: Engine, institutes: dict[str, int], viewer: object
) -> None:
    case_id = _open(engine, institutes)
    _open(engine, institutes, topic="同じ企業の二件目", opened_on="2026-07-01")
    _open(engine, institutes, corporate_number=corporate_number("700110005901"), firm="別の会社", phase="実証")
    before = fingerprint(engine)
    for attempt in (
        lambda: get_case(case_id, actor=viewer, engine=engine),  # type: ignore[arg-type]
        lambda: list_cases(actor=viewer, engine=engine),  # type: ignore[arg-type]
        lambda: log_activity(case_id, "メモ", "のぞき見", actor=viewer, engine=engine),  # type: ignore[arg-type]
        lambda: change_case(case_id, CaseChange(status="保留"), actor=viewer, engine=engine),  # type: ignore[arg-type]
        lambda: open_case(CaseForm("x", FIRM, "x", "x", "実証"), actor=viewer, engine=engine),  # type: ignore[arg-type]
    ):
        with pytest.raises(PermissionDeniedError):
            attempt()
    assert not changed_tables(before, fingerprint(engine))
    counts = case_counts(2026, engine=engine)
    assert (counts.cases, counts.firms) == (3, 2)  # 延べ件数 and 実数
    assert dict((p, (n, f)) for p, n, f in counts.by_phase) == {
        "基礎研究": (0, 0),
        "技術開発": (2, 1),
        "実証": (1, 1),
        "事業化": (0, 0),
    }
    assert counts.by_institution == (("大阪産業技術研究所", 3, 2),)
    assert case_counts(2025, engine=engine).cases == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"corporate_number": FIRM[:-1] + str((int(FIRM[-1]) + 1) % 10)}, "チェックデジット"),
        ({"corporate_number": "12345"}, "13桁"),
        ({"corporate_number": ""}, "法人番号を入力"),
        ({"phase": "量産"}, "フェーズ"),
        ({"topic": ""}, "相談内容"),
        ({"opened_on": "5月12日"}, "日付"),
    ],
)
def test_bad_input_is_refused_with_the_reason_and_nothing_stored(
    engine: Engine, institutes: dict[str, int], changes: dict[str, str], message: str
) -> None:
    before = fingerprint(engine)
    with pytest.raises(ValidationError, match=message):
        _open(engine, institutes, **changes)
    assert not changed_tables(before, fingerprint(engine))


def test_a_phase_out_of_order_is_kept_with_a_warning(engine: Engine, institutes: dict[str, int]) -> None:
    case_id = _open(engine, institutes, phase="実証")
    back = change_case(case_id, CaseChange(phase="基礎研究"), actor=COORDINATOR, engine=engine)
    assert back.phase == "基礎研究"
    assert back.warnings and "順序どおりではありません" in back.warnings[0]
    assert any(a.body == "フェーズ: 実証 → 基礎研究" for a in back.activities)
    forward = change_case(case_id, CaseChange(phase="技術開発"), actor=COORDINATOR, engine=engine)
    assert forward.warnings == ()
