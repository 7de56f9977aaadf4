"""Seeds for a need (why: shared terms; rejected pairs never again), interviews that must link a need and a
seed, and 面談数 / 延べ相談件数 computed into the KPI's actual like the events' measures, with drill-down."""

import pytest
from sqlalchemy import Engine, select
from tests.db_fingerprint import changed_tables, fingerprint

from keikaku.services.core.actors import PUBLIC
from keikaku.services.core.errors import ValidationError
from keikaku.services.measures.compute import compute_kpi, drill_down
from keikaku.services.measures.definitions import bind_measure
from keikaku.services.platform.cases import CaseForm, get_case, open_case
from keikaku.services.platform.matching import (
    SeedForm,
    add_need,
    add_seed,
    decide,
    schedule_interview,
    set_interview_status,
    suggest_seeds,
)
from keikaku.storage import models as m
from keikaku.storage.uow import read_session

from .conftest import ADMIN, COORDINATOR, FIRM, OWNER


def _seeds(engine: Engine, institutes: dict[str, int]) -> dict[str, int]:
    items = {
        "sem": (
            "設備",
            "走査電子顕微鏡による破断面観察",
            "樹脂や金属の破断面を高倍率で観察し、破壊の原因を調べる",
            "材料",
        ),
        "xrd": ("設備", "X線回折による結晶構造解析", "粉末試料の結晶相を同定する", "材料"),
        "iot": ("技術", "工場設備のIoT化支援", "センサーで設備の稼働状況を見える化する", "情報"),
    }
    return {
        key: add_seed(
            SeedForm(institutes["osaka"], kind, title, text, tech, "技術開発"), actor=COORDINATOR, engine=engine
        )
        for key, (kind, title, text, tech) in items.items()
    }


def test_suggestions_rank_by_text_explain_themselves_and_forget_rejections(
    engine: Engine, institutes: dict[str, int]
) -> None:
    seeds = _seeds(engine, institutes)
    need = add_need(
        "樹脂部品の破断面を観察したい",
        "割れた部品の破断面から破壊の原因を知りたい",
        field="材料",
        phase="技術開発",
        actor=COORDINATOR,
        engine=engine,
    )
    found = suggest_seeds(need, actor=COORDINATOR, engine=engine)
    assert found[0].id == seeds["sem"]
    assert {"破断", "観察"} <= set(found[0].shared)  # words as Sudachi cuts them
    assert seeds["iot"] not in [s.id for s in found]  # nothing in common: not suggested
    decide(need, seeds["sem"], "rejected", actor=COORDINATOR, engine=engine)
    assert seeds["sem"] not in [s.id for s in suggest_seeds(need, actor=COORDINATOR, engine=engine)]


def test_an_interview_needs_a_need_and_a_seed(engine: Engine, institutes: dict[str, int]) -> None:
    seeds = _seeds(engine, institutes)
    before = fingerprint(engine)
    with pytest.raises(ValidationError, match="ニーズとシーズの両方"):
        schedule_interview(None, seeds["sem"], "2026-06-01", actor=COORDINATOR, engine=engine)
    with pytest.raises(ValidationError, match="ニーズ 999"):
        schedule_interview(999, seeds["sem"], "2026-06-01", actor=COORDINATOR, engine=engine)
    assert not changed_tables(before, fingerprint(engine))


def _platform_kpi(engine: Engine) -> int:
    with read_session(engine) as s:
        kpi = s.scalar(
            select(m.Kpi.id)
            .join(m.Project, m.Project.id == m.Kpi.project_id)
            .join(m.Plan, m.Plan.id == m.Project.plan_id)
            .where(m.Plan.fiscal_year == 2026, m.Kpi.indicator == "マッチング（面談数）")
        )
    assert kpi is not None
    return kpi


def test_interviews_held_become_the_kpi_actual_with_a_drill_down(
    loaded_engine: Engine, institutes_loaded: dict[str, int]
) -> None:
    engine = loaded_engine
    seeds = _seeds(engine, institutes_loaded)
    case = open_case(
        CaseForm(
            "株式会社ケイカク精工",
            FIRM,
            "破断面の観察",
            "材料",
            "技術開発",
            opened_on="2026-05-12",
            need="破断面を観察したい",
        ),
        actor=COORDINATOR,
        engine=engine,
    )
    need = case.need_ids[0]
    held = [
        schedule_interview(need, seeds[k], d, actor=COORDINATOR, engine=engine)
        for k, d in (("sem", "2026-06-01"), ("xrd", "2026-07-01"))
    ]
    other = schedule_interview(need, seeds["iot"], "2026-07-02", actor=COORDINATOR, engine=engine)
    outside = schedule_interview(need, seeds["iot"], "2027-04-02", actor=COORDINATOR, engine=engine)  # FY2027
    for interview in (*held, outside):
        set_interview_status(interview, "実施", outcome="試料を預かる", actor=COORDINATOR, engine=engine)
    set_interview_status(other, "中止", actor=COORDINATOR, engine=engine)
    kpi = _platform_kpi(engine)
    with pytest.raises(ValidationError, match="イベントを選びません"):
        bind_measure(kpi, "platform_interviews_held", [1], actor=ADMIN, engine=engine)
    bind_measure(kpi, "platform_interviews_held", [], actor=OWNER, engine=engine)
    computed = compute_kpi(kpi, actor=OWNER, engine=engine)
    assert (computed.value, computed.records, computed.outcome) == (2.0, 2, "recorded")
    public = drill_down(kpi, viewer=PUBLIC, engine=engine)
    assert public.counts == (("2026-06", 1), ("2026-07", 1)) and public.names is None
    staff = drill_down(kpi, viewer=COORDINATOR, engine=engine)
    assert staff.names == (
        ("破断面の観察", "走査電子顕微鏡による破断面観察", "2026-06-01"),
        ("破断面の観察", "X線回折による結晶構造解析", "2026-07-01"),
    )
    assert [a.kind for a in get_case(case.id, actor=COORDINATOR, engine=engine).activities].count("面談") == 3


def test_binding_and_computing_from_the_form_is_one_transaction(
    loaded_engine: Engine, institutes_loaded: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from keikaku.services.measures import compute
    from keikaku.services.measures.compute import bind_and_compute
    from keikaku.services.measures.definitions import current_measure

    engine = loaded_engine
    kpi = _platform_kpi(engine)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise ValidationError("集計できませんでした")

    monkeypatch.setattr(compute, "evaluate", broken)
    with pytest.raises(ValidationError, match="集計できません"):
        bind_and_compute(kpi, "platform_interviews_held", [], actor=OWNER, engine=engine)
    assert current_measure(kpi, engine=engine) is None  # the bind went with the failed computation
    monkeypatch.undo()
    done = bind_and_compute(kpi, "platform_interviews_held", [], actor=OWNER, engine=engine)
    assert (done.value, done.outcome) == (0.0, "recorded")
    assert current_measure(kpi, engine=engine).kind == "platform_interviews_held"  # type: ignore[union-attr]
