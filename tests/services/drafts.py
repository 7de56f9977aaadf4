"""A draft plan for the publication tests: the union's FY2027 plan, stored as ``keikaku ingest`` stores one
(with its document's text), and therefore not published."""

from dataclasses import dataclass

from sqlalchemy import Engine, select

from keikaku import domain as d
from keikaku.domain.kpi import Comparator
from keikaku.services.exchange.bundle import import_plan_data
from keikaku.storage import models as m
from keikaku.storage.uow import unit_of_work

ISSUER = "関西広域連合 広域産業振興局"
DOCUMENT = "draft_business_plan_2027"
TEXT = (
    "令和9年度 量子技術事業計画（案） 合計 600千円\n"
    "1 量子技術の実装支援 500千円\n"
    "  KPI 実証件数 5件以上\n"
    "  量子技術フォーラム 2027年6月 大阪\n"
)
#: A word found only in the draft plan (the bundled data never says it).
WORD = "量子"


@dataclass(frozen=True)
class Draft:
    """Ids of the draft plan, its project and KPI, and its document's key."""

    plan: int
    project: int
    kpi: int
    document: str = DOCUMENT
    fiscal_year: int = 2027


def _at(line: int) -> d.Provenance:
    return d.Provenance(document=DOCUMENT, line=line, excerpt=TEXT.splitlines()[line - 1].strip())


def add_draft_plan(engine: Engine) -> Draft:
    """Store the draft FY2027 plan of the union (one project, one KPI) and return its ids."""
    plan = d.Plan(
        fiscal_year=2027,
        issuer=ISSUER,
        title="令和9年度 量子技術事業計画（案）",
        total_budget_thousand_yen=500,
        provenance=_at(1),
        warnings=[
            d.Warning(
                code="budget_sum_mismatch", message="合計 600千円 と事業の計 500千円 が一致しません", provenance=_at(1)
            )
        ],
        projects=[
            d.Project(
                code="1",
                name="量子技術の実装支援",
                budget_thousand_yen=500,
                challenge=1,
                provenance=_at(2),
                kpis=[
                    d.Kpi(
                        indicator="実証件数",
                        comparator=Comparator.GE,
                        target=5,
                        unit="件",
                        target_fiscal_year=2027,
                        provenance=_at(3),
                    )
                ],
                events=[d.Event(name="量子技術フォーラム", venue="大阪", provenance=_at(4))],
            )
        ],
    )
    document = d.DocumentRef(
        id=DOCUMENT, title=plan.title, issuer=ISSUER, kind=d.DocumentKind.BUSINESS_PLAN, fiscal_year=2027, lines=4
    )
    with unit_of_work(engine) as session:
        result = import_plan_data(
            session, d.PlanData(documents=[document], plans=[plan]), document_texts={DOCUMENT: TEXT}
        )
        plan_id = result.plan_ids[0]
        project = session.scalar(select(m.Project.id).where(m.Project.plan_id == plan_id))
        kpi = session.scalar(select(m.Kpi.id).where(m.Kpi.project_id == project))
    assert project is not None and kpi is not None
    return Draft(plan_id, project, kpi)
