"""Administration pages: the audit trail (with its CSV/XLSX download), publication, fiscal-year locks.

How its forms behave (403, 422 with the input kept, 409 with the new state token, 303 after saving) is said
once, in :mod:`keikaku.web.forms`.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, BinaryIO, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from sqlalchemy import Engine

from keikaku.api.deps import (
    MAX_ID,
    MAX_YEAR,
    MIN_YEAR,
    ActorDep,
    EngineDep,
    PageQuery,
    PerPageQuery,
)
from keikaku.normalize.text import normalize_text
from keikaku.services.actuals.periods import lock_period, period_status, reopen_period
from keikaku.services.core.actors import Actor, require_admin
from keikaku.services.core.errors import ConflictError, ValidationError
from keikaku.services.core.paging import Paged
from keikaku.services.evaluations.publishing import evaluation_coverage, set_publication
from keikaku.services.exchange import exporters
from keikaku.services.governance.audit import list_audit
from keikaku.services.governance.audit_view import describe
from keikaku.services.plans.read import list_plans
from keikaku.services.publication import state as publication
from keikaku.web.forms import (
    ActorQuery,
    Field_,
    FieldError,
    PlanField,
    TextQuery,
    check_texts,
)
from keikaku.web.render import render, translator
from keikaku.web.routers.form_posts import errors_page

router = APIRouter(include_in_schema=False)

_SPOOL = 8 * 1024 * 1024
_CHUNK = 64 * 1024


# -- administration: the audit trail ----------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilters:
    """The audit page's filters (empty: all)."""

    object_type: str | None = None
    object_id: str | None = None
    actor: str | None = None
    action: str | None = None

    def as_query(self) -> dict[str, str]:
        """The filters as query parameters (for the download links)."""
        return {k: v for k, v in dataclasses.asdict(self).items() if v}


def _audit_filters(
    object_type: str | None, object_id: str | None, actor: str | None, action: str | None
) -> AuditFilters:
    def clean(value: str | None) -> str | None:
        return (normalize_text(value).strip() or None) if value else None

    return AuditFilters(clean(object_type), clean(object_id), clean(actor), clean(action))


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_trail(
    *,
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    object_type: TextQuery = None,
    object_id: TextQuery = None,
    actor_name: ActorQuery = None,
    action: TextQuery = None,
    page: PageQuery = 1,
    per_page: PerPageQuery = 50,
) -> HTMLResponse:
    """The audit trail, newest first: filtered by object (the per-object view), actor or action, paged (the
    service decides who may read it: :data:`~keikaku.services.core.actors.Permission.READ_AUDIT`)."""
    filters = _audit_filters(object_type, object_id, actor_name, action)
    result = list_audit(
        actor,
        object_type=filters.object_type,
        object_id=filters.object_id,
        actor=filters.actor,
        action=filters.action,
        limit=per_page,
        offset=(page - 1) * per_page,
        engine=engine,
    )
    lang = translator(request).lang  # actions, fields and times in words (services.governance.audit_view)
    paged = Paged([describe(entry, lang) for entry in result.entries], result.total, page, per_page)
    query = {k: v for k, v in filters.as_query().items() if k != "action"}  # the export has no action filter
    context = {"paged": paged, "filters": filters, "download_query": urlencode(query)}
    return render(request, actor, "admin_audit.html", context, json_url="/api/v1/audit")


def _chunks(handle: BinaryIO) -> Iterator[bytes]:
    try:
        while chunk := handle.read(_CHUNK):
            yield chunk
    finally:
        handle.close()


def _audit_download(
    fmt: Literal["csv", "xlsx"], actor: Actor, engine: Engine | None, filters: AuditFilters
) -> StreamingResponse:
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL)  # noqa: SIM115 - closed by the response's iterator
    options = {"object_type": filters.object_type, "object_id": filters.object_id, "actor": filters.actor}
    try:
        written = exporters.get("audit").write(spool, fmt, options, actor=actor, engine=engine)  # type: ignore[arg-type]
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    headers = {
        "content-disposition": exporters.attachment(written.filename),
        "cache-control": "private, no-store",
    }
    return StreamingResponse(_chunks(spool), media_type=written.media_type, headers=headers)  # type: ignore[arg-type]


@router.get("/admin/audit.csv")
def audit_csv(
    *,
    engine: EngineDep,
    actor: ActorDep,
    object_type: TextQuery = None,
    object_id: TextQuery = None,
    actor_name: ActorQuery = None,
) -> StreamingResponse:
    """The audit trail (filtered like the page) as CSV, UTF-8 with BOM, for auditors."""
    return _audit_download("csv", actor, engine, _audit_filters(object_type, object_id, actor_name, None))


@router.get("/admin/audit.xlsx")
def audit_xlsx(
    *,
    engine: EngineDep,
    actor: ActorDep,
    object_type: TextQuery = None,
    object_id: TextQuery = None,
    actor_name: ActorQuery = None,
) -> StreamingResponse:
    """The audit trail (filtered like the page) as an Excel workbook."""
    return _audit_download("xlsx", actor, engine, _audit_filters(object_type, object_id, actor_name, None))


# -- administration: publication --------------------------------------------------------------------------


def _publication_page(
    request: Request, actor: Actor, engine: Engine | None, *, typed: Mapping[str, str] | None = None, **extra: Any
) -> HTMLResponse:
    require_admin(actor, "公開の管理画面")
    states = publication.publication_states(actor=actor, engine=engine)
    plans = list_plans(per_page=100, viewer=actor, engine=engine).items
    context = {
        "plans": plans,
        "states": {(s.object_type, s.object_id, s.fiscal_year): s for s in states},
        # The guard shows each evaluation's coverage before the publish button (issue 15).
        "coverage": {p.id: evaluation_coverage(p.id, p.fiscal_year, actor=actor, engine=engine) for p in plans},
        "typed": typed or {},
    }
    return errors_page(request, actor, "admin_publication.html", context, **extra)


@router.get("/admin/publication", response_class=HTMLResponse)
def publication_admin(request: Request, engine: EngineDep, actor: ActorDep) -> HTMLResponse:
    """Each plan and its evaluation: published or draft, with forms to publish and to withdraw."""
    return _publication_page(request, actor, engine)


@router.post("/admin/publication", response_class=HTMLResponse)
def change_publication(
    *,
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    plan_id: PlanField,
    target: Annotated[Literal["plan", "evaluation"], Form()],
    state: Annotated[Literal["published", "draft"], Form()],
    fiscal_year: Annotated[int, Form(ge=MIN_YEAR, le=MAX_YEAR)],
    reason: Field_ = "",
    confirm_incomplete: Field_ = "",
) -> Response:
    """Publish or withdraw a plan or its evaluation of a fiscal year (administrators; withdrawing needs a reason).

    Publishing an evaluation whose coverage is incomplete needs a reason and the confirmation box ticked.
    """
    key = f"{target}-{plan_id}-{fiscal_year}"
    errors = check_texts(request, {"reason": reason}, f"{key}-")
    message = None
    if not errors:
        try:
            set_publication(
                actor,
                target,
                plan_id,
                state,
                fiscal_year=fiscal_year,
                reason=reason or None,
                confirm_incomplete=confirm_incomplete == "yes",
                engine=engine,
            )
        except ValidationError as exc:
            field = "confirm" if exc.code == "coverage_confirmation_required" else "reason"
            errors, message = {f"{key}-{field}": FieldError(exc.message)}, exc.message
        else:
            return RedirectResponse(f"/admin/publication?done={state}#{key}", status_code=303)
    typed = {"key": key, "reason": reason}
    return _publication_page(request, actor, engine, typed=typed, errors=errors, message=message, status=422)


# -- administration: fiscal-year locks --------------------------------------------------------------------


def _periods_page(request: Request, actor: Actor, engine: Engine | None, **extra: Any) -> HTMLResponse:
    require_admin(actor, "年度の確定の管理画面")
    locks = period_status(engine=engine)
    whole = {lock.fiscal_year: lock for lock in locks if lock.plan_id is None}
    years = sorted(
        {p.fiscal_year for p in list_plans(per_page=100, viewer=actor, engine=engine).items} | set(whole), reverse=True
    )
    context = {"years": years, "whole": whole, "plan_locks": [lock for lock in locks if lock.plan_id is not None]}
    return errors_page(request, actor, "admin_periods.html", context, **extra)


@router.get("/admin/periods", response_class=HTMLResponse)
def periods_admin(request: Request, engine: EngineDep, actor: ActorDep) -> HTMLResponse:
    """Each fiscal year: open or locked (by whom, when, why), with forms to lock it and to reopen it."""
    return _periods_page(request, actor, engine)


@router.post("/admin/periods", response_class=HTMLResponse)
def change_period(
    *,
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    action: Annotated[Literal["lock", "reopen"], Form()],
    fiscal_year: Annotated[int, Form(ge=MIN_YEAR, le=MAX_YEAR)],
    plan_id: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
    reason: Field_ = "",
) -> Response:
    """Lock (確定) or reopen a fiscal year (or one plan's year), each with a reason (administrators)."""
    require_admin(actor, "年度の確定")
    key = f"{action}-{fiscal_year}" + (f"-{plan_id}" if plan_id else "")
    errors = check_texts(request, {"reason": reason}, f"{key}-")
    if not errors and action == "lock" and not reason.strip():
        errors = {f"{key}-reason": FieldError("確定の理由を入力してください")}
    if errors:
        return _periods_page(request, actor, engine, errors=errors, status=422)
    try:
        if action == "lock":
            lock_period(actor, fiscal_year, plan_id=plan_id, reason=reason or None, engine=engine)
        else:
            reopen_period(actor, fiscal_year, reason, plan_id=plan_id, engine=engine)
    except ConflictError as exc:
        return _periods_page(request, actor, engine, message=exc.message, status=409)
    except ValidationError as exc:
        errors = {f"{key}-reason": FieldError(exc.message)}
        return _periods_page(request, actor, engine, errors=errors, message=exc.message, status=422)
    return RedirectResponse(f"/admin/periods?done={action}#year-{fiscal_year}", status_code=303)
