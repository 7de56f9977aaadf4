"""``/api/v1/kpis``: a KPI with its history, and recording an actual value."""

from __future__ import annotations

from fastapi import APIRouter, status

from keikaku.api.deps import ActorDep, EngineDep, Id
from keikaku.api.responses import FORBIDDEN
from keikaku.api.schemas.plans import ActualCreate, ActualValuePublic, KpiEntryPublic
from keikaku.services.actuals.form import ActualForm, submit_actual_form
from keikaku.services.plans.kpi_page import get_kpi_entry_page

router = APIRouter(tags=["KPI・実績"])


@router.get("/kpis/{kpi_id}", response_model=KpiEntryPublic, summary="KPI と実績の履歴")
def kpi(kpi_id: Id, engine: EngineDep, actor: ActorDep) -> KpiEntryPublic:
    """A KPI with its target, status, every recorded version and its values over the years."""
    return KpiEntryPublic.model_validate(get_kpi_entry_page(kpi_id, viewer=actor, engine=engine))


@router.post(
    "/kpis/{kpi_id}/actuals",
    response_model=ActualValuePublic,
    status_code=status.HTTP_201_CREATED,
    summary="実績を入力する",
    responses={
        **FORBIDDEN,
        409: {"description": "表示後にほかの人が更新した（expected_version が古い）、または年度が締められている"},
    },
)
def record_actual(kpi_id: Id, body: ActualCreate, engine: EngineDep, actor: ActorDep) -> ActualValuePublic:
    """Record an actual value (a new version when one exists; a changed value needs ``reason``).

    Invalid fields give 422 with ``details.fields``: field name → message.
    """
    fields = body.model_dump(exclude={"expected_version"})
    expected = "" if body.expected_version is None else str(body.expected_version)
    form = ActualForm(**fields, expected_version=expected)
    return ActualValuePublic.model_validate(submit_actual_form(kpi_id, form, actor=actor, channel="api", engine=engine))
