"""The actual-value form: every field checked on its own, so each error can be shown next to its field.

The values arrive as users type them (``１，２００``, ``令和8年度``, ``R8.10.7``); they are read with
:mod:`keikaku.normalize` and checked with the same rules the actual-value service applies
(:mod:`keikaku.services.actuals.parse`).  When any field is wrong nothing is stored and
:class:`~keikaku.services.core.errors.ValidationError` carries ``details["fields"]``: field name → Japanese
message.  When every field is right the value is recorded by :func:`keikaku.services.actuals.record.set_actual`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from keikaku.domain.fiscal import fiscal_year_bounds, fiscal_year_of
from keikaku.evaluation.achievement import format_value
from keikaku.normalize.date_style import era_date
from keikaku.normalize.dates import parse_date
from keikaku.normalize.eras import parse_fiscal_year
from keikaku.normalize.errors import NormalizeError
from keikaku.normalize.text import normalize_text
from keikaku.services.actuals.parse import (
    ActualValueError,
    check_fiscal_year,
    check_measured_on,
    check_month,
    check_url,
    measurement_bounds,
    parse_actual,
)
from keikaku.services.actuals.record import ActualInput, ActualPublic, set_actual
from keikaku.services.core.actors import Actor, Permission, require
from keikaku.services.core.db import checked_engine
from keikaku.services.core.errors import NotFoundError, ValidationError
from keikaku.services.core.free_text import has_control_characters
from keikaku.services.plans.kpis import KpiRef, find_kpi
from keikaku.storage import actuals as store
from keikaku.storage import models as m
from keikaku.storage.uow import read_session

MAX_TEXT = 2000
MAX_REASON = 1000
FIELDS = ("fiscal_year", "value", "month", "measured_on", "evidence_text", "evidence_url", "note", "reason")


@dataclass(frozen=True)
class ActualForm:
    """The form's fields as typed (empty string: not given)."""

    fiscal_year: str = ""
    value: str = ""
    month: str = ""
    measured_on: str = ""
    evidence_text: str = ""
    evidence_url: str = ""
    note: str = ""
    reason: str = ""
    #: The version of the value the user saw (optimistic locking; empty: not checked).  A hidden field.
    expected_version: str = ""


def _kpi_year(session: Session, kpi_id: int) -> int | None:
    """The fiscal year of a plan KPI's plan (None for a vision target); NotFoundError if there is no such KPI."""
    row = session.execute(
        select(m.Kpi.id, m.Kpi.vision_id, m.Plan.fiscal_year)
        .outerjoin(m.Project, m.Project.id == m.Kpi.project_id)
        .outerjoin(m.Plan, m.Plan.id == m.Project.plan_id)
        .where(m.Kpi.id == kpi_id, m.Kpi.initiative_id.is_(None))
    ).first()
    if row is None:
        raise NotFoundError(f"KPI（ID {kpi_id}）はありません", code="kpi_not_found")
    return None if row.vision_id is not None else row.fiscal_year


def _year(raw: str, errors: dict[str, str]) -> int | None:
    text = normalize_text(raw).strip()
    if not text:
        errors["fiscal_year"] = "年度を入力してください"
        return None
    try:
        return parse_fiscal_year(text)
    except NormalizeError:
        errors["fiscal_year"] = f"「{raw.strip()}」を年度として解釈できません（例: 2026、令和8年度）"
        return None


def _month(ref: KpiRef, raw: str, errors: dict[str, str]) -> int | None:
    text = normalize_text(raw).strip().removesuffix("月")
    if not text:
        return None
    if not text.isdigit():
        errors["month"] = "月は 1〜12 の数字で入力してください"
        return None
    try:
        return check_month(ref, int(text)) or None
    except ActualValueError as exc:
        errors["month"] = exc.reason
        return None


def measured_on_example(fiscal_year: int | None, today: dt.date | None = None) -> dt.date:
    """The measurement date the form's hint and messages give as their example, one the form accepts for
    ``fiscal_year``: its last valid day (today, or the year's 31 March once the year is over).  A year that
    has not begun has no valid day yet; its first day is given."""
    year = fiscal_year if fiscal_year is not None else fiscal_year_of(today or dt.date.today())
    bounds = measurement_bounds(year, today)
    return bounds[1] if bounds else fiscal_year_bounds(year)[0]


def example_text(day: dt.date) -> str:
    """How a date may be typed, for a message: ``令和8年12月2日、2026-12-02``."""
    return f"{era_date(day)}、{day.isoformat()}"


def _date(raw: str, fiscal_year: int | None, errors: dict[str, str]) -> dt.date | None:
    text = normalize_text(raw).strip()
    if not text:
        return None
    try:
        day = parse_date(text, fiscal_year=fiscal_year).date
    except NormalizeError:
        example = example_text(measured_on_example(fiscal_year))
        errors["measured_on"] = f"「{raw.strip()}」を日付として解釈できません（例: {example}）"
        return None
    if fiscal_year is not None:
        try:
            check_measured_on(fiscal_year, day)
        except ActualValueError as exc:
            errors["measured_on"] = exc.reason
            return None
    return day


def _lengths(form: ActualForm, errors: dict[str, str]) -> None:
    for name in FIELDS:
        if has_control_characters(getattr(form, name)):
            errors[name] = "使用できない制御文字が含まれています"
    for name, limit in (("evidence_text", MAX_TEXT), ("note", MAX_TEXT), ("reason", MAX_REASON)):
        if len(getattr(form, name)) > limit and name not in errors:
            errors[name] = f"{limit}文字以内で入力してください"


def _needs_reason(
    session: Session, ref: KpiRef, year: int, month: int | None, *, value: float, reason: str
) -> str | None:
    if reason.strip():
        return None
    versions = [v for v in store.value_versions(session, ref.id, year) if v.month == (month or 0)]
    if versions and versions[-1].value != value:
        return (
            f"既に実績 {format_value(versions[-1].value, ref.unit)} が入力されています。訂正する理由を入力してください"
        )
    return None


def _expected_version(raw: str, errors: dict[str, str]) -> int | None:
    text = raw.strip()
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        errors["expected_version"] = "画面の版番号が正しくありません。ページを読み込み直してください"
        return None
    return int(text)


def check_actual_form(kpi_id: int, form: ActualForm, *, engine: Engine | None = None) -> dict[str, str]:
    """Field name → Japanese message for every wrong field (empty when the form can be recorded)."""
    eng = checked_engine(engine)
    errors: dict[str, str] = {}
    _lengths(form, errors)
    if errors:
        return errors
    with read_session(eng) as session:
        plan_year = _kpi_year(session, kpi_id)
        year = _year(form.fiscal_year, errors)
        lookup_year = plan_year if plan_year is not None else (year or 2000)
        ref = find_kpi(session, lookup_year, str(kpi_id))
        if year is not None:
            try:
                check_fiscal_year(ref, year)
            except ActualValueError as exc:
                errors["fiscal_year"] = exc.reason
                year = None
        month = _month(ref, form.month, errors)
        value: float | None = None
        if not normalize_text(form.value).strip():
            errors["value"] = "実績値を入力してください"
        else:
            try:
                value = parse_actual(ref, form.value).value
            except ActualValueError as exc:
                errors["value"] = exc.reason
        _date(form.measured_on, year, errors)
        try:
            check_url(form.evidence_url)
        except ActualValueError as exc:
            errors["evidence_url"] = exc.reason
        expected = _expected_version(form.expected_version, errors)
        if year is not None and value is not None and "month" not in errors:
            seen = store.next_version(session, ref.id, year, month or 0) - 1
            stale = expected is not None and expected != seen  # set_actual reports the conflict instead
            message = None if stale else _needs_reason(session, ref, year, month, value=value, reason=form.reason)
            if message:
                errors["reason"] = message
    return errors


def submit_actual_form(
    kpi_id: int, form: ActualForm, *, actor: Actor, channel: str = "web", engine: Engine | None = None
) -> ActualPublic:
    """Check every field; record the value as ``actor`` when all are right, else raise with field messages."""
    eng = checked_engine(engine)
    with read_session(eng) as session:
        plan_year = _kpi_year(session, kpi_id)
        ref = find_kpi(session, plan_year if plan_year is not None else 2000, str(kpi_id))
    require(actor, Permission.RECORD_ACTUAL, departments=ref.departments)
    errors = check_actual_form(kpi_id, form, engine=eng)
    if errors:
        raise ValidationError(
            "入力内容に誤りがあります。各項目のメッセージを確認してください",
            code="invalid_form",
            details={"fields": errors},
        )
    year = parse_fiscal_year(normalize_text(form.fiscal_year).strip())
    month_text = normalize_text(form.month).strip().removesuffix("月")
    measured = normalize_text(form.measured_on).strip()
    data = ActualInput(
        kpi=kpi_id,
        fiscal_year=year,
        value=form.value,
        month=int(month_text) if month_text else None,
        measured_on=parse_date(measured, fiscal_year=year).date if measured else None,
        # Free text is stored as typed (full-width （） stay full-width); only the edges are trimmed.
        evidence_text=form.evidence_text.strip() or None,
        evidence_url=form.evidence_url.strip() or None,
        note=form.note.strip() or None,
        reason=form.reason.strip() or None,
        expected_version=int(form.expected_version) if form.expected_version.strip() else None,
    )
    return set_actual(data, actor=actor, channel=channel, engine=eng)
