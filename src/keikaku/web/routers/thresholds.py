"""Administration: each plan's evaluation thresholds (概ね達成の基準, 評価区分, 達成率の上限), changed with a reason.

How its forms behave (403, 422 with the input kept, 303 after saving) is said once, in :mod:`keikaku.web.forms`.
A plan whose fiscal year is locked (確定) shows its form disabled under 「令和8年度は確定済みです（12月2日）」:
the thresholds decide the year's ratings.  A change sent anyway is refused (409) under that heading, with what
was typed kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine

from keikaku.api.deps import ActorDep, EngineDep
from keikaku.normalize.text import normalize_text
from keikaku.services.actuals.periods import lock_in_force, lock_notice
from keikaku.services.core.actors import Actor, require_admin
from keikaku.services.core.errors import ConflictError, NotFoundError, ValidationError
from keikaku.services.evaluations.presentation import Thresholds
from keikaku.services.evaluations.run import current_thresholds, set_thresholds
from keikaku.services.plans.read import list_plans
from keikaku.web.forms import Errors, Field_, FieldError, PlanField, check_texts
from keikaku.web.routers.form_posts import errors_page

router = APIRouter(include_in_schema=False)

_RATING = re.compile(r"([^:：\s]{1,10})\s*[:：]\s*(\d{1,3}(?:\.\d+)?)\s*%?")


@dataclass(frozen=True)
class ThresholdsForm:
    """The thresholds form as typed: shares in percent (``90``), ratings as ``A:100, B:80, C:0``."""

    mostly_achieved: str = ""
    ratings: str = ""
    score_cap: str = ""
    reason: str = ""


def _percent(value: float) -> str:
    return f"{value * 100:g}"


def form_of(thresholds: Thresholds) -> ThresholdsForm:
    """The form filled in with thresholds in force."""
    ratings = ", ".join(f"{label}:{_percent(minimum)}" for label, minimum in thresholds.ratings)
    return ThresholdsForm(_percent(thresholds.mostly_achieved), ratings, _percent(thresholds.score_cap))


def _share(raw: str) -> float | None:
    text = normalize_text(raw).replace("%", "").replace(" ", "").strip()
    try:
        return float(text) / 100
    except ValueError:
        return None


def parse_form(form: ThresholdsForm, prefix: str) -> tuple[Thresholds | None, Errors]:
    """The thresholds a form gives, or the fields that are wrong (Japanese messages)."""
    errors: Errors = {}
    mostly, cap = _share(form.mostly_achieved), _share(form.score_cap)
    if mostly is None:
        errors[f"{prefix}mostly_achieved"] = FieldError("達成率を数字（%）で入力してください（例: 90）")
    if cap is None:
        errors[f"{prefix}score_cap"] = FieldError("達成率の上限を数字（%）で入力してください（例: 100）")
    parts = [p for p in re.split(r"[,、，\n]", normalize_text(form.ratings)) if p.strip()]
    matches = [_RATING.fullmatch(p.strip()) for p in parts]
    if not parts or not all(matches):
        errors[f"{prefix}ratings"] = FieldError("評価区分は「A:100, B:80, C:0」の形で入力してください")
    if errors or mostly is None or cap is None:
        return None, errors
    ratings = tuple((m.group(1), float(m.group(2)) / 100) for m in matches if m)
    try:
        return Thresholds(mostly_achieved=mostly, ratings=ratings, score_cap=cap), {}
    except ValueError as exc:
        return None, {f"{prefix}ratings": FieldError(str(exc))}


def _page(
    request: Request,
    actor: Actor,
    engine: Engine | None,
    *,
    typed: dict[int, ThresholdsForm] | None = None,
    errors: Errors | None = None,
    message: str | None = None,
    refused: dict[int, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    require_admin(actor, "判定基準の管理画面")
    rows: list[dict[str, Any]] = []
    for plan in list_plans(per_page=100, viewer=actor, engine=engine).items:
        lock = lock_in_force(plan.fiscal_year, plan.id, engine=engine)
        form = (typed or {}).get(plan.id) or form_of(
            current_thresholds(plan.fiscal_year, issuer=plan.issuer, engine=engine)
        )
        notice = lock_notice(lock) if lock else None
        rows.append({"plan": plan, "form": form, "lock_notice": notice, "refused": (refused or {}).get(plan.id)})
    return errors_page(
        request, actor, "admin_thresholds.html", {"rows": rows}, errors=errors, message=message, status=status
    )


@router.get("/admin/thresholds", response_class=HTMLResponse)
def thresholds_admin(request: Request, engine: EngineDep, actor: ActorDep) -> HTMLResponse:
    """Each plan's thresholds in force, with a form to change them (administrators)."""
    return _page(request, actor, engine)


@router.post("/admin/thresholds", response_class=HTMLResponse)
def change_thresholds(
    *,
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    plan_id: PlanField,
    mostly_achieved: Field_ = "",
    ratings: Field_ = "",
    score_cap: Field_ = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Set a plan's thresholds (a new version; the earlier ones stay readable), with a reason."""
    require_admin(actor, "判定基準の変更")
    plan = next((p for p in list_plans(per_page=100, viewer=actor, engine=engine).items if p.id == plan_id), None)
    if plan is None:
        raise NotFoundError(f"計画 {plan_id} は見つかりません")
    form = ThresholdsForm(mostly_achieved, ratings, score_cap, reason)
    prefix = f"t-{plan_id}-"
    thresholds, errors = parse_form(form, prefix)
    errors |= check_texts(request, {"reason": reason}, prefix)
    if not reason.strip():
        errors[f"{prefix}reason"] = FieldError("変更の理由を入力してください")
    if thresholds is None or errors:
        return _page(request, actor, engine, typed={plan_id: form}, errors=errors, status=422)
    try:
        set_thresholds(plan.fiscal_year, thresholds, actor=actor, reason=reason, issuer=plan.issuer, engine=engine)
    except ConflictError as exc:
        if exc.code != "period_locked":
            raise
        notice = str(exc.details.get("notice") or exc.message)
        return _page(
            request, actor, engine, typed={plan_id: form}, message=exc.message, refused={plan_id: notice}, status=409
        )
    except ValidationError as exc:
        errors = {f"{prefix}ratings": FieldError(exc.message)}
        return _page(request, actor, engine, typed={plan_id: form}, errors=errors, status=422)
    return RedirectResponse(f"/admin/thresholds?done=1#plan-{plan_id}", status_code=303)
