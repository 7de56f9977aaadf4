"""The platform's records counted for a KPI's fiscal year: what the measures of the platform kinds find.

``platform_cases`` (延べ相談件数: cases opened), ``platform_firms`` (実数: distinct firms of those cases),
``platform_matchings`` (accepted need–seed pairs decided in the year), ``platform_interviews_held`` (面談数:
interviews held in the year), ``labsearch_accesses`` (かんさいラボサーチ's own counted page views of the year,
:mod:`keikaku.services.platform.accesses`), and ``platform_satisfaction`` (利用満足度: the top-2 box, 満足 and
やや満足, over the non-blank answers to the satisfaction question of the surveys sent when the year's cases
were closed; n is shown).  The drill-down counts per month (per answer for 利用満足度) for everyone; names are
for those who see cases (:func:`~keikaku.services.platform.common.can_view_cases`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from keikaku.services.platform.common import fiscal_year_bounds
from keikaku.services.surveys.bank import SATISFACTION, SATISFIED
from keikaku.storage import events as event_store
from keikaku.storage import platform as store
from keikaku.storage import surveys as survey_store

SATISFACTION_KIND = "platform_satisfaction"
#: かんさいラボサーチ's own count of its accesses.
ACCESS_KIND = "labsearch_accesses"
#: The satisfaction question of the bank the case surveys ask.
SATISFACTION_QUESTION = "platform5"


def _dated(kind: str) -> tuple[Any, list[Any]]:
    """(the date column, the conditions) of the records a kind counts."""
    if kind in ("platform_cases", "platform_firms"):
        return store.Consultation.opened_on, []
    if kind == SATISFACTION_KIND:
        return store.Consultation.closed_on, [store.Consultation.survey_id.is_not(None)]
    if kind == "platform_matchings":
        return store.MatchDecision.decided_on, [store.MatchDecision.decision == "accepted"]
    if kind == ACCESS_KIND:
        return store.LabAccess.day, []
    return store.Interview.on, [store.Interview.status == store.HELD]


def figure(session: Session, kind: str, fiscal_year: int) -> tuple[float, int]:
    """(value, records) of a platform kind for a fiscal year (利用満足度: :func:`satisfaction`)."""
    if kind == SATISFACTION_KIND:
        found = satisfaction(session, fiscal_year)
        return found.value, found.responses
    start, end = fiscal_year_bounds(fiscal_year)
    column, conditions = _dated(kind)
    where = [column >= start, column <= end, *conditions]
    records = int(session.scalar(select(func.count()).where(*where).select_from(column.class_)) or 0)
    if kind == "platform_firms":
        firms = session.scalar(select(func.count(distinct(store.Consultation.organisation_id))).where(*where))
        return float(firms or 0), records
    return float(records), records


@dataclass(frozen=True)
class Satisfaction:
    """利用満足度 of a fiscal year: top-2 share of the non-blank answers, n, blanks, and surveys sent."""

    value: float
    satisfied: int
    answered: int
    responses: int
    sent: int
    by_answer: tuple[tuple[str, int], ...]

    @property
    def response_rate(self) -> float | None:
        """Responses per survey sent."""
        return round(self.responses / self.sent, 3) if self.sent else None


def satisfaction(session: Session, fiscal_year: int) -> Satisfaction:
    """利用満足度 over the surveys of the cases closed in ``fiscal_year`` (see the module)."""
    start, end = fiscal_year_bounds(fiscal_year)
    c = store.Consultation
    surveys = select(c.survey_id).where(c.closed_on >= start, c.closed_on <= end, c.survey_id.is_not(None))
    sent = int(session.scalar(select(func.count()).select_from(surveys.subquery())) or 0)
    response, answer = survey_store.SurveyResponse, survey_store.SurveyAnswer
    responses = int(
        session.scalar(select(func.count()).select_from(response).where(response.survey_id.in_(surveys))) or 0
    )
    question = session.scalar(
        select(survey_store.Question.id).where(survey_store.Question.code == SATISFACTION_QUESTION)
    )
    found = dict(
        session.execute(
            select(answer.option_code, func.count())
            .join(response, response.id == answer.response_id)
            .where(response.survey_id.in_(surveys), answer.question_id == question, answer.option_code.is_not(None))
            .group_by(answer.option_code)
        ).all()
    )
    answered = sum(int(n) for n in found.values())
    hits = sum(int(found.get(code, 0)) for code in SATISFIED)
    rows = [(("★ " if code in SATISFIED else "") + label, int(found.get(code, 0))) for code, label in SATISFACTION]
    return Satisfaction(
        round(100.0 * hits / answered, 1) if answered else 0.0,
        hits,
        answered,
        responses,
        sent,
        (*rows, ("無回答", responses - answered)),
    )


def by_month(session: Session, kind: str, fiscal_year: int) -> list[tuple[str, int]]:
    """Records per month (YYYY-MM) of the fiscal year; for 利用満足度, answers per option and the blanks."""
    if kind == SATISFACTION_KIND:
        return list(satisfaction(session, fiscal_year).by_answer)
    start, end = fiscal_year_bounds(fiscal_year)
    column, conditions = _dated(kind)
    days = session.scalars(select(column).where(column >= start, column <= end, *conditions)).all()
    months: dict[str, int] = {}
    for day in sorted(days):
        key = f"{day:%Y-%m}"
        months[key] = months.get(key, 0) + 1
    return list(months.items())


def names(session: Session, kind: str, fiscal_year: int) -> list[tuple[str, str, str]]:
    """(firm, what, date) of each record, for staff who see cases (accesses have no names: per day and page)."""
    start, end = fiscal_year_bounds(fiscal_year)
    org = event_store.Organisation
    if kind == ACCESS_KIND:
        a = store.LabAccess
        pages = session.execute(
            select(a.page, a.day, func.count())
            .where(a.day >= start, a.day <= end)
            .group_by(a.day, a.page)
            .order_by(a.day, a.page)
        ).all()
        return [(page, str(n), day.isoformat()) for page, day, n in pages]
    if kind in ("platform_cases", "platform_firms", SATISFACTION_KIND):
        c = store.Consultation
        column, conditions = _dated(kind)
        rows = session.execute(
            select(org.name, c.topic, column)
            .join(org, org.id == c.organisation_id)
            .where(column >= start, column <= end, *conditions)
            .order_by(column, c.id)
        ).all()
        return [(a, b, d.isoformat()) for a, b, d in rows]
    pair = store.MatchDecision if kind == "platform_matchings" else store.Interview  # a need and a seed
    column, conditions = _dated(kind)
    rows = session.execute(
        select(store.Need.title, store.Seed.title, column)
        .join(store.Need, store.Need.id == pair.need_id)
        .join(store.Seed, store.Seed.id == pair.seed_id)
        .where(column >= start, column <= end, *conditions)
        .order_by(column, pair.id)
    ).all()
    return [(a, b, day.isoformat()) for a, b, day in rows]
