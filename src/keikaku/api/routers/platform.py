"""``/api/v1/labsearch`` (かんさいラボサーチ, public), ``/api/v1/platform/counts`` (aggregate counts, public),
``/api/v1/platform/cases/{case_id}`` (a case's contents: coordinators, ものづくり支援課, administrators), and the
JSON twins of the staff pages' writes: opening a case, logging an activity, scheduling an interview and
marking it, deciding on a suggested pair."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from keikaku.api.deps import ActorDep, EngineDep, Id, LabsearchQueryDep
from keikaku.api.schemas.platform import (
    ActivityCreate,
    CaseCreate,
    DecisionCreate,
    InterviewCreate,
    InterviewStatusUpdate,
)
from keikaku.services.platform.cases import CaseForm, case_counts, get_case, log_activity, open_case
from keikaku.services.platform.interviews import get_interview
from keikaku.services.platform.labsearch import search
from keikaku.services.platform.matching import decide, schedule_interview, set_interview_status, suggest_seeds

router = APIRouter(tags=["共創プラットフォーム"])

Year = Annotated[int, Query(ge=1989, le=2100, description="年度（西暦）")]


@router.get("/labsearch", summary="かんさいラボサーチ（機器・サービスの検索）")
def labsearch(*, engine: EngineDep, query: LabsearchQueryDep) -> dict[str, Any]:
    """The same results as the page ``/labsearch``: hits with the fee for the user's prefecture, and facets."""
    result = search(query.q, query.filters, page=query.page, user_prefecture=query.user_prefecture, engine=engine)
    return dataclasses.asdict(result)


@router.get("/platform/counts", summary="相談件数（延べ件数・実数）")
def counts(*, engine: EngineDep, fiscal_year: Year = 2026) -> dict[str, Any]:
    """Aggregate counts of the consultations of a fiscal year (no names, no topics)."""
    return dataclasses.asdict(case_counts(fiscal_year, engine=engine))


@router.get("/platform/cases/{case_id}", summary="相談案件")
def case(*, case_id: Id, engine: EngineDep, actor: ActorDep) -> dict[str, Any]:
    """A case with its log; the view is an audit record."""
    return dataclasses.asdict(get_case(case_id, actor=actor, engine=engine))


@router.post("/platform/cases", status_code=status.HTTP_201_CREATED, summary="相談を受け付ける")
def create_case(*, body: CaseCreate, engine: EngineDep, actor: ActorDep) -> dict[str, Any]:
    """Open a case for a firm, as the page ``/platform/cases`` does (422 for an invalid 法人番号)."""
    form = CaseForm(
        body.firm,
        body.corporate_number,
        body.topic,
        body.field,
        body.phase,
        body.coordinator,
        body.institution_id,
        body.opened_on,
        body.need,
        body.contact_email,
    )
    return dataclasses.asdict(open_case(form, actor=actor, engine=engine))


@router.post("/platform/cases/{case_id}/activities", status_code=status.HTTP_201_CREATED, summary="対応を記録する")
def create_activity(*, case_id: Id, body: ActivityCreate, engine: EngineDep, actor: ActorDep) -> dict[str, Any]:
    """Add a dated line to a case's log; the case with its log."""
    return dataclasses.asdict(log_activity(case_id, body.kind, body.body, on=body.on, actor=actor, engine=engine))


@router.post("/platform/interviews", status_code=status.HTTP_201_CREATED, summary="面談を予定する")
def create_interview(*, body: InterviewCreate, engine: EngineDep, actor: ActorDep) -> dict[str, Any]:
    """Schedule a 面談 linking a need and a seed (422 when either is missing)."""
    interview_id = schedule_interview(
        body.need_id,
        body.seed_id,
        body.on,
        firm_participants=body.firm_participants,
        institution_participants=body.institution_participants,
        actor=actor,
        engine=engine,
    )
    return dataclasses.asdict(get_interview(interview_id, actor=actor, engine=engine))


@router.post("/platform/interviews/{interview_id}/status", summary="面談の状態を記録する")
def interview_status(
    *, interview_id: Id, body: InterviewStatusUpdate, engine: EngineDep, actor: ActorDep
) -> dict[str, Any]:
    """Mark an interview held (a line of its case's log), cancelled or no-show."""
    set_interview_status(interview_id, body.status, outcome=body.outcome, actor=actor, engine=engine)
    return dataclasses.asdict(get_interview(interview_id, actor=actor, engine=engine))


@router.post("/platform/decisions", status_code=status.HTTP_201_CREATED, summary="マッチングを判断する")
def create_decision(*, body: DecisionCreate, engine: EngineDep, actor: ActorDep) -> dict[str, Any]:
    """Accept or reject a suggested pair; the need's seeds suggested after it."""
    decide(body.need_id, body.seed_id, body.decision, actor=actor, engine=engine)
    found = suggest_seeds(body.need_id, actor=actor, engine=engine)
    return {"decision": body.decision, "suggestions": [dataclasses.asdict(s) for s in found]}
