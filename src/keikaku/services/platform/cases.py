"""Consultations (相談案件), a case model as CiviCase's: a firm, topic, field, phase, coordinator in charge,
status and outcome, and a dated log of activities.

Confidentiality: a case's contents (firm, topic, log) are seen only by coordinators, the platform
department's editors and administrators (:func:`~keikaku.services.platform.common.can_view_cases`); every
view of a case is an audit record.  Everyone else gets :func:`case_counts` only.

A phase may move backwards or skip (a demonstration fails and the firm goes back to development): this is
allowed, recorded in the log and answered with a warning, not refused, so that the record follows what
happened.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Engine, distinct, func, select
from sqlalchemy.orm import Session

from keikaku.services.core.actors import Actor
from keikaku.services.core.db import checked_engine, ensure_schema
from keikaku.services.core.errors import ValidationError
from keikaku.services.core.free_text import clean_text, required_text
from keikaku.services.events.organisations import check_corporate_number, find_or_add_organisation
from keikaku.services.governance import audit
from keikaku.services.governance.accounts import clean_email
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.services.platform.attachments import AttachmentRef, add_attachment, attachments_of, check_attachment
from keikaku.services.platform.closing import send_survey, survey_link
from keikaku.services.platform.common import (
    CHOICES,
    choice,
    fiscal_year_bounds,
    load,
    load_viewed,
    parse_day,
    require_cases,
)
from keikaku.services.platform.coordinators import chosen_handler, handler_label, in_charge
from keikaku.storage import events as event_store
from keikaku.storage import platform as store
from keikaku.storage import surveys as survey_store
from keikaku.storage.uow import read_session, unit_of_work


@dataclass(frozen=True)
class CaseForm:
    """A consultation as a coordinator opens it."""

    firm: str
    corporate_number: str
    topic: str
    field: str
    phase: str
    coordinator: str = ""
    institution_id: int | None = None
    opened_on: str = ""
    need: str = ""
    contact_email: str = ""


@dataclass(frozen=True)
class ActivityPublic:
    """A line of a case's log."""

    kind: str
    on: dt.date
    body: str
    author: str
    attachments: tuple[AttachmentRef, ...] = ()


@dataclass(frozen=True)
class CasePublic:
    """A case with its log (for those who may see contents)."""

    id: int
    firm: str
    corporate_number: str | None
    topic: str
    field: str
    phase: str
    #: The coordinator in charge as recorded (an account's username).
    coordinator: str
    status: str
    closed: bool
    outcome: str | None
    opened_on: dt.date
    closed_on: dt.date | None
    institution: str | None
    activities: tuple[ActivityPublic, ...]
    need_ids: tuple[int, ...]
    warnings: tuple[str, ...] = ()
    contact_email: str | None = None
    #: The public link of the satisfaction survey sent when the case was closed.
    survey_link: str | None = None
    survey_responses: int = 0
    institution_id: int | None = None
    #: The coordinator in charge as shown: the account's display name and its institution.
    coordinator_name: str = ""
    coordinator_institution: str | None = None


def _case(session: Session, row: store.Consultation, warnings: tuple[str, ...] = ()) -> CasePublic:
    firm = session.get(event_store.Organisation, row.organisation_id)
    institution = session.get(store.Institution, row.institution_id) if row.institution_id else None
    logs = session.scalars(
        select(store.CaseActivity)
        .where(store.CaseActivity.case_id == row.id)
        .order_by(store.CaseActivity.on, store.CaseActivity.id)
    ).all()
    needs = session.scalars(select(store.Need.id).where(store.Need.case_id == row.id).order_by(store.Need.id)).all()
    files = attachments_of(session, (a.id for a in logs))
    survey = session.get(survey_store.Survey, row.survey_id) if row.survey_id else None
    answered = 0
    if survey is not None:
        answered = survey_store.count_responses(session, survey_store.SurveyResponse.survey_id == survey.id)
    return CasePublic(
        row.id,
        firm.name if firm else "",
        firm.corporate_number if firm else None,
        row.topic,
        row.field,
        row.phase,
        row.coordinator,
        row.status,
        row.status in store.CLOSED_STATUSES,
        row.outcome,
        row.opened_on,
        row.closed_on,
        institution.name if institution else None,
        tuple(ActivityPublic(a.kind, a.on, a.body or "", a.author, files.get(a.id, ())) for a in logs),
        tuple(needs),
        warnings,
        row.contact_email,
        survey_link(survey.public_token) if survey else None,
        answered,
        row.institution_id,
        *handler_label(session, row),
    )


def _log(session: Session, case_id: int, kind: str, on: dt.date, body: str | None, author: str) -> int:  # noqa: PLR0917
    row = store.CaseActivity(case_id=case_id, kind=kind, on=on, body=body, author=author[:200])
    session.add(row)
    session.flush()
    return row.id


def open_case(form: CaseForm, *, actor: Actor, engine: Engine | None = None) -> CasePublic:
    """Open a case for a firm (its 法人番号 checked; the firm is found or added as an organisation)."""
    require_cases(actor, manage=True)
    number = check_corporate_number(form.corporate_number)
    if number is None:
        raise ValidationError("法人番号を入力してください", details={"fields": {"corporate_number": "必須"}})
    topic = clean_text(form.topic, "相談内容", limit=400, field="topic")
    tech = clean_text(form.field, "技術分野", limit=100, field="field")
    if not topic or not tech:
        raise ValidationError("相談内容と技術分野を入力してください", details={"fields": {"topic": "必須"}})
    phase = choice(form.phase, store.PHASES, "フェーズ", "phase")
    opened = parse_day(form.opened_on, "受付日", "opened_on")
    try:
        email = clean_email(form.contact_email)
    except ValidationError as exc:
        raise ValidationError(
            f"連絡先メールアドレス: {exc.message}", details={"fields": {"contact_email": "連絡先メールアドレス"}}
        ) from None
    with unit_of_work(ensure_schema(engine)) as session:
        if form.institution_id is not None and session.get(store.Institution, form.institution_id) is None:
            raise ValidationError("選ばれた機関は登録されていません", details={"fields": {"institution_id": "機関"}})
        handler = in_charge(session, form.coordinator, actor)
        firm = find_or_add_organisation(session, form.firm or None, number)
        assert firm is not None  # a 法人番号 was given
        row = store.Consultation(
            organisation_id=firm.id,
            # A coordinator's case belongs to the coordinator's institution unless another is chosen.
            institution_id=form.institution_id if form.institution_id is not None else handler.institution_id,
            topic=topic,
            field=tech,
            phase=phase,
            coordinator=handler.username,
            coordinator_id=handler.user_id,
            status="受付",
            opened_on=opened,
            created_by=actor.recorded_name,
            contact_email=email,
        )
        session.add(row)
        session.flush()
        _log(session, row.id, "相談", opened, topic, actor.name)
        need = clean_text(form.need, "ニーズ", limit=4000, field="need")
        if need:
            session.add(
                store.Need(
                    case_id=row.id,
                    organisation_id=firm.id,
                    title=topic,
                    description=need,
                    field=tech,
                    phase=phase,
                    created_by=actor.recorded_name,
                )
            )
        session.flush()
        audit.record(
            session,
            actor,
            AuditAction.PLATFORM_CASE_OPEN,
            "platform_case",
            row.id,
            None,
            {"firm": firm.id, "phase": phase, "field": tech, "coordinator": handler.username},
        )
        return _case(session, row)


def get_case(case_id: int, *, actor: Actor, engine: Engine | None = None) -> CasePublic:
    """A case's contents, for those who may see them; the view is an audit record."""
    require_cases(actor)
    with unit_of_work(ensure_schema(engine)) as session:
        row = load_viewed(
            session,
            actor,
            store.Consultation,
            case_id,
            action=AuditAction.PLATFORM_CASE_VIEW,
            object_type="platform_case",
        )
        return _case(session, row)


@dataclass(frozen=True)
class CaseLine:
    """A row of the case list."""

    id: int
    firm: str
    topic: str
    phase: str
    status: str
    coordinator: str
    opened_on: dt.date


@dataclass(frozen=True)
class CaseFilters:
    """Filters of the case list; empty: any."""

    status_group: str = ""
    phase: str = ""
    field: str = ""
    institution_id: int | None = None
    fiscal_year: int | None = None
    coordinator: str = ""


def list_cases(
    *,
    actor: Actor,
    status_group: str = "",
    filters: CaseFilters | None = None,
    page: int = 1,
    per_page: int = 50,
    engine: Engine | None = None,
) -> tuple[list[CaseLine], int]:
    """Cases, newest first, filtered (``status_group``: 対応中 / 完了 / all; phase, field, institution, the fiscal
    year opened, coordinator); the total count."""
    require_cases(actor)
    f = filters or CaseFilters(status_group=status_group)
    c = store.Consultation
    conditions: list[ColumnElement[bool]] = []
    if f.status_group == "完了":
        conditions.append(c.status.in_(store.CLOSED_STATUSES))
    elif f.status_group == "対応中":
        conditions.append(c.status.in_(store.OPEN_STATUSES))
    for column, value in ((c.phase, f.phase), (c.field, f.field), (c.coordinator, f.coordinator)):
        if value:
            conditions.append(column == value)
    if f.institution_id is not None:
        conditions.append(c.institution_id == f.institution_id)
    if f.fiscal_year is not None:
        start, end = fiscal_year_bounds(f.fiscal_year)
        conditions.extend((c.opened_on >= start, c.opened_on <= end))
    with read_session(checked_engine(engine)) as session:
        # The count and the page read the cases alone (every case has its firm); the firms' names are read
        # for the page's cases only.
        total = int(session.scalar(select(func.count(c.id)).where(*conditions)) or 0)
        ids = list(
            session.scalars(
                select(c.id)
                .where(*conditions)
                .order_by(c.opened_on.desc(), c.id.desc())
                .limit(per_page)
                .offset((max(page, 1) - 1) * per_page)
            )
        )
        found = {
            case.id: (case, name)
            for case, name in session.execute(
                select(c, event_store.Organisation.name)
                .join(event_store.Organisation, event_store.Organisation.id == c.organisation_id)
                .where(c.id.in_(ids))
            )
        }
        rows = [found[i] for i in ids if i in found]
        lines = [CaseLine(c.id, name, c.topic, c.phase, c.status, c.coordinator, c.opened_on) for c, name in rows]
        return lines, total


def log_activity(
    case_id: int,
    kind: str,
    body: str,
    *,
    on: str = "",
    attachment: tuple[str, bytes] | None = None,
    actor: Actor,
    engine: Engine | None = None,
) -> CasePublic:
    """Add a dated line to a case's log, written by ``actor``, with an attachment (``(file name, content)``,
    checked by the upload safety) if given."""
    require_cases(actor, manage=True)
    chosen = choice(kind, CHOICES["activity_kinds"], "記録の種類", "kind")
    text = required_text(body, "記録の内容", limit=4000, field="body")
    day = parse_day(on, "日付", "on")
    name = check_attachment(*attachment) if attachment else None
    with unit_of_work(ensure_schema(engine)) as session:
        row = load(session, store.Consultation, case_id)
        activity_id = _log(session, case_id, chosen, day, text, actor.name)
        if attachment and name:
            add_attachment(session, activity_id, name, attachment[1], actor)
        if row.status == "受付":
            row.status = "対応中"
        session.flush()
        audit.record(
            session,
            actor,
            AuditAction.PLATFORM_CASE_ACTIVITY,
            "platform_case",
            case_id,
            None,
            {"kind": chosen, "file": name},
        )
        return _case(session, row)


@dataclass(frozen=True)
class CaseChange:
    """A change of a case: any of status, outcome, phase, and a handover to another coordinator."""

    status: str = ""
    outcome: str = ""
    phase: str = ""
    coordinator: str = ""
    note: str = ""
    on: str = ""


def change_case(case_id: int, change: CaseChange, *, actor: Actor, engine: Engine | None = None) -> CasePublic:
    """Move a case's status, phase or outcome, or hand it over; each change is a line of the log.

    Closing (完了) needs an outcome.  A phase out of order is kept with a warning (see the module).
    """
    require_cases(actor, manage=True)
    day = parse_day(change.on, "日付", "on")
    note = clean_text(change.note, "メモ", limit=2000) or ""
    with unit_of_work(ensure_schema(engine)) as session:
        row = load(session, store.Consultation, case_id)
        before = {"status": row.status, "phase": row.phase, "outcome": row.outcome, "coordinator": row.coordinator}
        warnings: list[str] = []
        if change.outcome:
            row.outcome = choice(change.outcome, store.OUTCOMES, "成果", "outcome")
        if change.phase:
            phase = choice(change.phase, store.PHASES, "フェーズ", "phase")
            step = store.PHASES.index(phase) - store.PHASES.index(row.phase)
            if step < 0 or step > 1:
                warnings.append(
                    f"フェーズが順序どおりではありません（{row.phase} → {phase}）。記録しましたが、内容を確認してください"
                )
            if phase != row.phase:
                _log(session, case_id, "状態変更", day, f"フェーズ: {row.phase} → {phase}", actor.name)
            row.phase = phase
        if change.coordinator.strip():
            new = chosen_handler(session, change.coordinator)
            if new.username != row.coordinator:
                old = handler_label(session, row)
                was = f"{old[0]}（{old[1]}）" if old[1] else old[0]
                _log(session, case_id, "引継ぎ", day, f"{was} → {new.label}。{note}".rstrip("。"), actor.name)
                row.coordinator, row.coordinator_id = new.username, new.user_id
        if change.status:
            status = choice(change.status, store.STATUSES, "状態", "status")
            if status in store.CLOSED_STATUSES and not row.outcome:
                raise ValidationError("完了にするには成果を選んでください", details={"fields": {"outcome": "必須"}})
            if status != row.status:
                _log(session, case_id, "状態変更", day, f"状態: {row.status} → {status}", actor.name)
            row.status = status
            row.closed_on = day if status in store.CLOSED_STATUSES else None
            if status in store.CLOSED_STATUSES and send_survey(session, row, actor):
                _log(session, case_id, "メモ", day, "満足度アンケートを送付", actor.name)
        after = {"status": row.status, "phase": row.phase, "outcome": row.outcome, "coordinator": row.coordinator}
        if after == before:
            raise ValidationError("変更する項目を選んでください")
        session.flush()
        audit.record(
            session, actor, AuditAction.PLATFORM_CASE_CHANGE, "platform_case", case_id, before, after, note or None
        )
        return _case(session, row, tuple(warnings))


@dataclass(frozen=True)
class CaseCounts:
    """Aggregate counts anyone may see: 延べ件数 (cases) and 実数 (distinct firms), overall and by group."""

    fiscal_year: int
    cases: int
    firms: int
    by_phase: tuple[tuple[str, int, int], ...]
    by_field: tuple[tuple[str, int, int], ...]
    by_institution: tuple[tuple[str, int, int], ...]
    by_status: tuple[tuple[str, int, int], ...]


def case_counts(fiscal_year: int, *, engine: Engine | None = None) -> CaseCounts:
    """Counts of the cases opened in ``fiscal_year``: (group, 延べ, 実数) rows; no names, no topics."""
    start, end = fiscal_year_bounds(fiscal_year)
    c = store.Consultation
    window = (c.opened_on >= start, c.opened_on <= end)
    with read_session(ensure_schema(engine)) as session:

        def grouped(column: object) -> tuple[tuple[str, int, int], ...]:
            rows = session.execute(
                select(column, func.count(), func.count(distinct(c.organisation_id)))  # type: ignore[call-overload]
                .where(*window)
                .group_by(column)
                .order_by(column)
            ).all()
            return tuple((str(k or "（未設定）"), int(n), int(f)) for k, n, f in rows)

        total, firms = session.execute(
            select(func.count(), func.count(distinct(c.organisation_id))).where(*window)
        ).one()
        institution = select(store.Institution.name).where(store.Institution.id == c.institution_id).scalar_subquery()
        phases = dict((k, (n, f)) for k, n, f in grouped(c.phase))
        return CaseCounts(
            fiscal_year,
            int(total),
            int(firms),
            tuple((p, *phases.get(p, (0, 0))) for p in store.PHASES),
            grouped(c.field),
            grouped(institution),
            grouped(c.status),
        )
