"""``/api/v1/labsearch`` (かんさいラボサーチ, public), ``/api/v1/platform/counts`` (aggregate counts, public)
and ``/api/v1/platform/cases/{case_id}`` (a case's contents: coordinators, ものづくり支援課, administrators)."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Query

from keikaku.api.deps import ActorDep, EngineDep, Id, PageQuery
from keikaku.services.platform.cases import case_counts, get_case
from keikaku.services.platform.labsearch import Filters, search

router = APIRouter(tags=["共創プラットフォーム"])

Text = Annotated[str, Query(max_length=200)]
Year = Annotated[int, Query(ge=1989, le=2100, description="年度（西暦）")]


@router.get("/labsearch", summary="かんさいラボサーチ（機器・サービスの検索）")
def labsearch(
    *,
    engine: EngineDep,
    q: Text = "",
    prefecture: Text = "",
    institution: Text = "",
    category: Text = "",
    mode: Text = "",
    user_prefecture: Text = "",
    page: PageQuery = 1,
) -> dict[str, Any]:
    """The same results as the page ``/labsearch``: hits with the fee for the user's prefecture, and facets."""
    result = search(
        q, Filters(prefecture, institution, category, mode), page=page, user_prefecture=user_prefecture, engine=engine
    )
    return dataclasses.asdict(result)


@router.get("/platform/counts", summary="相談件数（延べ件数・実数）")
def counts(*, engine: EngineDep, fiscal_year: Year = 2026) -> dict[str, Any]:
    """Aggregate counts of the consultations of a fiscal year (no names, no topics)."""
    return dataclasses.asdict(case_counts(fiscal_year, engine=engine))


@router.get("/platform/cases/{case_id}", summary="相談案件")
def case(*, case_id: Id, engine: EngineDep, actor: ActorDep) -> dict[str, Any]:
    """A case with its log; the view is an audit record."""
    return dataclasses.asdict(get_case(case_id, actor=actor, engine=engine))
