"""Actual values of KPIs: entry, correction (a new version, never an overwrite), history and listing.

Each public function opens one unit of work.  Entry paths (CLI ``keikaku actual set``, the Excel/CSV
import, later the web form) all end in :func:`record_actual`, which checks the value against its KPI and
appends a version with who, when, why and the evidence.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from keikaku.evaluation.achievement import format_value
from keikaku.services.actuals import periods
from keikaku.services.actuals.parse import (
    ActualValueError,
    ParsedValue,
    check_fiscal_year,
    check_measured_on,
    check_month,
    check_url,
    parse_actual,
)
from keikaku.services.core.actors import RECORDED_NAME_LENGTH, Actor, Permission, require
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import ConflictError, PermissionDeniedError, ValidationError
from keikaku.services.governance import audit
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.services.plans.kpis import (
    KpiRef,
    check_department,
    current_plans,
    find_kpi,
    plan_kpi_refs,
    vision_kpi_refs,
)
from keikaku.services.publication.visibility import Visibility, visibility_for
from keikaku.storage import actuals as store
from keikaku.storage.uow import read_session, unit_of_work

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
#: How an actual value came in ("computed": from the records behind a KPI measure, services.measures).
CHANNELS = ("cli", "xlsx", "csv", "web", "api", "computed")
#: The longest text each field of an actual value may hold, whichever way it came in (the API's schema, the
#: form, the import and the command line all stop at these).
TEXT_LIMITS = {"evidence_text": 2000, "evidence_url": 2000, "note": 2000, "reason": 1000}
_TEXT_LABELS = {"evidence_text": "根拠", "evidence_url": "根拠 URL", "note": "備考", "reason": "訂正の理由"}


def text_limit_error(name: str, value: object) -> str | None:
    """Why ``value`` is too long for the field ``name`` of an actual value (None when it fits)."""
    text = "" if value is None else str(value)
    limit = TEXT_LIMITS[name]
    if len(text) <= limit:
        return None
    return f"{_TEXT_LABELS[name]}は {limit:,} 文字以内にしてください（{len(text):,} 文字）"


def check_text_limits(data: ActualInput) -> None:
    """Raise :class:`ActualValueError` for a text field longer than :data:`TEXT_LIMITS` allows."""
    for name in TEXT_LIMITS:
        problem = text_limit_error(name, getattr(data, name))
        if problem:
            raise ActualValueError(problem)


@dataclass(frozen=True)
class AttachmentInput:
    """A file given as evidence."""

    filename: str
    content: bytes
    media_type: str | None = None


@dataclass(frozen=True)
class ActualInput:
    """An actual value to record: the KPI (id or indicator name), the year, the value and its evidence.

    ``value`` may be a number or text as users write it (``1,200人``, ``七十``, ``80%``); a share may be given
    as ``numerator`` and ``denominator`` instead.  ``month`` (1–12) records a monthly figure of a KPI counted
    over the year.  ``reason`` is required when the value replaces an earlier one.
    """

    kpi: int | str
    fiscal_year: int
    value: object = None
    numerator: object = None
    denominator: object = None
    month: int | None = None
    measured_on: dt.date | None = None
    evidence_text: str | None = None
    evidence_url: str | None = None
    attachment: AttachmentInput | None = None
    note: str | None = None
    reason: str | None = None
    #: Optimistic locking: the version of this KPI's value for the year (and month) the user last saw, 0 when
    #: there was none.  None: not checked (the command line and imports, which act on files, not on a view).
    expected_version: int | None = None


@dataclass(frozen=True)
class ActualPublic:
    """One version of an actual value, as shown to users."""

    id: int
    kpi_id: int
    kpi_label: str
    fiscal_year: int
    month: int | None
    version: int
    value: float
    unit: str | None
    numerator: float | None
    denominator: float | None
    measured_on: dt.date | None
    evidence_text: str | None
    evidence_url: str | None
    attachment_name: str | None
    note: str | None
    reason: str | None
    channel: str
    entered_by: str
    entered_at: dt.datetime

    @property
    def display(self) -> str:
        """The value with its unit (``80件``)."""
        return format_value(self.value, self.unit)


@dataclass(frozen=True)
class KpiActualsPublic:
    """A KPI with its current values for a year: the whole-year value and any monthly values."""

    kpi: KpiRef
    annual: ActualPublic | None
    monthly: dict[int, ActualPublic] = field(default_factory=dict)


def _public(row: store.ActualValue, ref: KpiRef) -> ActualPublic:
    return ActualPublic(
        id=row.id,
        kpi_id=row.kpi_id,
        kpi_label=ref.label,
        fiscal_year=row.fiscal_year,
        month=row.month or None,
        version=row.version,
        value=row.value,
        unit=ref.unit,
        numerator=row.numerator,
        denominator=row.denominator,
        measured_on=row.measured_on,
        evidence_text=row.evidence_text,
        evidence_url=row.evidence_url,
        attachment_name=row.attachment.filename if row.attachment else None,
        note=row.note,
        reason=row.reason,
        channel=row.channel,
        entered_by=row.entered_by,
        entered_at=row.entered_at,
    )


def actor_name(actor: Actor) -> str:
    """The name recorded as ``entered_by``; an actor without a name cannot record anything."""
    name = (actor.name or "").strip()
    if not name or actor.is_public:
        raise PermissionDeniedError("実績を入力するには利用者名が必要です", code="forbidden")
    return name[:RECORDED_NAME_LENGTH]


def _attachment(session: Session, attachment: AttachmentInput, user: str) -> store.ActualAttachment:
    if len(attachment.content) > MAX_ATTACHMENT_BYTES:
        raise ActualValueError(f"添付ファイルが大きすぎます（上限 {MAX_ATTACHMENT_BYTES // (1024 * 1024)}MB）")
    if not attachment.content:
        raise ActualValueError(f"添付ファイル「{attachment.filename}」が空です")
    media_type = attachment.media_type or mimetypes.guess_type(attachment.filename)[0] or "application/octet-stream"
    row = store.ActualAttachment(
        filename=attachment.filename[-400:],
        media_type=media_type,
        size=len(attachment.content),
        sha256=hashlib.sha256(attachment.content).hexdigest(),
        content=attachment.content,
        uploaded_by=user,
    )
    session.add(row)
    return row


def _same(row: store.ActualValue, parsed: ParsedValue, data: ActualInput) -> bool:
    return (
        row.value == parsed.value
        and row.numerator == parsed.numerator
        and row.denominator == parsed.denominator
        and row.measured_on == data.measured_on
        and (row.evidence_text or None) == (data.evidence_text or None)
        and (row.evidence_url or None) == (check_url(data.evidence_url))
        and (row.note or None) == (data.note or None)
        and data.attachment is None
    )


def record_actual(
    session: Session, ref: KpiRef, data: ActualInput, *, user: str, channel: str, now: dt.datetime | None = None
) -> tuple[store.ActualValue, bool]:
    """Check and append one actual value in the caller's session: (the row, whether a version was added).

    A value equal in every field to the current version adds nothing.  A different value for a period that
    already has one is a correction and needs ``data.reason``.  With ``data.expected_version`` the new row
    is that version + 1, so that a concurrent writer who saw the same version meets the unique constraint
    instead of stacking a version on top unseen.  Raises :class:`ActualValueError`.
    """
    check_fiscal_year(ref, data.fiscal_year)
    month = check_month(ref, data.month)
    parsed = parse_actual(ref, data.value, data.numerator, data.denominator)
    check_measured_on(data.fiscal_year, data.measured_on)
    check_text_limits(data)
    url = check_url(data.evidence_url)
    if data.expected_version is not None:
        version = data.expected_version + 1
    else:
        version = store.next_version(session, ref.id, data.fiscal_year, month)
    if version > 1:
        versions = [v for v in store.value_versions(session, ref.id, data.fiscal_year) if v.month == month]
        # With optimistic locking, the version the user saw is the one corrected: when another writer has
        # committed a newer one meanwhile, this write then meets the unique version and is a 409 conflict,
        # audited, never a 422 for the other writer's value (on PostgreSQL each statement sees new commits).
        seen = [v for v in versions if v.version == data.expected_version]
        (current,) = seen[-1:] if seen else versions[-1:]
        if _same(current, parsed, data):
            return current, False
        if not (data.reason or "").strip():
            raise ActualValueError(
                f"{data.fiscal_year}年度{f'{month}月' if month else ''}の実績 "
                f"{format_value(current.value, ref.unit)} が既にあります。訂正する場合は理由を指定してください"
            )
    row = store.ActualValue(
        kpi_id=ref.id,
        fiscal_year=data.fiscal_year,
        month=month,
        version=version,
        value=parsed.value,
        numerator=parsed.numerator,
        denominator=parsed.denominator,
        measured_on=data.measured_on,
        evidence_text=(data.evidence_text or "").strip() or None,
        evidence_url=url,
        attachment=_attachment(session, data.attachment, user) if data.attachment else None,
        note=(data.note or "").strip() or None,
        reason=(data.reason or "").strip() or None,
        channel=channel,
        entered_by=user,
        entered_at=now or dt.datetime.now(dt.UTC),
    )
    session.add(row)
    return row, True


def _current_value(session: Session, kpi_id: int, fiscal_year: int, month: int) -> float | None:
    versions = [v for v in store.value_versions(session, kpi_id, fiscal_year) if v.month == month]
    return versions[-1].value if versions else None


def audit_actual(
    session: Session,
    actor: Actor,
    ref: KpiRef,
    row: store.ActualValue,
    previous: float | None,
    *,
    file: str | None = None,
) -> None:
    """The audit entry of a recorded actual value: ``actual.set`` for a first value, ``actual.correct`` after;
    a value imported from a workbook or CSV names its ``file``."""
    after: dict[str, object] = {
        "value": row.value,
        "version": row.version,
        "kpi": ref.indicator,
        "channel": row.channel,
    }
    if file:
        after["file"] = file
    audit.record(
        session,
        actor,
        AuditAction.ACTUAL_CORRECT if row.version > 1 else AuditAction.ACTUAL_SET,
        "actual_value",
        f"{ref.id}:{row.fiscal_year}:{row.month}",
        None if previous is None else {"value": previous},
        after,
        row.reason,
    )


def current_version(kpi_id: int, fiscal_year: int, month: int | None = None, *, engine: Engine | None = None) -> int:
    """The version of a KPI's current value for a year (and month); 0 when none is recorded.

    Forms and API clients send it back as ``expected_version`` (optimistic locking).
    """
    with read_session(ensure_schema(engine)) as session:
        return store.next_version(session, kpi_id, fiscal_year, month or 0) - 1


def _version_taken(session: Session, kpi_id: int, data: ActualInput, month: int) -> bool:
    """Whether the version a write built on ``data.expected_version`` would have added exists (another writer
    committed it first: the unique version stopped this one)."""
    wanted = (data.expected_version or 0) + 1
    return any(
        v.month == month and v.version == wanted for v in store.value_versions(session, kpi_id, data.fiscal_year)
    )


def _conflict(session: Session, ref: KpiRef, data: ActualInput, month: int) -> ConflictError:
    """The error telling the second of two editors that the value changed since they looked."""
    rows = [v for v in store.value_versions(session, ref.id, data.fiscal_year) if v.month == month]
    current = rows[-1] if rows else None
    period = f"{data.fiscal_year}年度{f'{month}月' if month else ''}"
    if current is None:
        message = f"{ref.label} の{period}の実績は、表示した後に取り消されています。画面を読み込み直してください"
        details: dict[str, object] = {"current_version": 0}
    else:
        message = (
            f"{ref.label} の{period}の実績は、表示した後に {current.entered_by} さんが "
            f"{format_value(current.value, ref.unit)} に更新しました（版 {current.version}）。"
            "あなたの入力は保存していません。現在の値を確認し、必要なら理由を添えてもう一度保存してください"
        )
        details = {
            "current_version": current.version,
            "current_value": current.value,
            "current_entered_by": current.entered_by,
            "current_entered_at": current.entered_at.isoformat(),
        }
    return ConflictError(
        message, details={**details, "expected_version": data.expected_version, "kpi_id": ref.id, "month": month}
    )


def _record_conflict(eng: Engine, actor: Actor, ref: KpiRef, data: ActualInput, error: ConflictError) -> None:
    """Keep the refused value in the audit trail (its own transaction), so that nothing entered is lost."""
    month = data.month or 0
    attempted = {
        "value": str(data.value) if data.value is not None else None,
        "numerator": str(data.numerator) if data.numerator is not None else None,
        "denominator": str(data.denominator) if data.denominator is not None else None,
        "note": data.note,
        "evidence_text": data.evidence_text,
        "expected_version": data.expected_version,
        "kpi": ref.indicator,
    }
    with unit_of_work(eng) as session:
        audit.record(
            session,
            actor,
            AuditAction.ACTUAL_CONFLICT,
            "actual_value",
            f"{ref.id}:{data.fiscal_year}:{month}",
            {k: error.details.get(k) for k in ("current_version", "current_value", "current_entered_by")},
            attempted,
            data.reason,
        )


def set_actual(data: ActualInput, *, actor: Actor, channel: str = "cli", engine: Engine | None = None) -> ActualPublic:
    """Record an actual value (a new version if one exists; see :func:`record_actual`); one transaction.

    The actor needs the ``record_actual`` permission for the KPI's departments.  With
    ``data.expected_version`` set, the write is refused with :class:`ConflictError` when the current version
    differs (someone saved meanwhile); the refused value is kept in the audit trail as ``actual.conflict``.
    Two writes racing past that check meet the database's unique version and the loser gets the same error.
    """
    who = actor_name(actor)
    if channel not in CHANNELS:
        raise ValidationError(f"入力経路 {channel!r} は使えません")
    eng = ensure_schema(engine)
    ref: KpiRef | None = None
    try:
        with unit_of_work(eng) as session:
            ref = find_kpi(session, data.fiscal_year, str(data.kpi))
            require(actor, Permission.RECORD_ACTUAL, departments=ref.departments)
            periods.ensure_open(session, data.fiscal_year, ref.plan_id)
            month = data.month or 0
            seen = store.next_version(session, ref.id, data.fiscal_year, month) - 1
            if data.expected_version is None:
                # The version this write builds on is read once, here: a writer who commits after this point
                # makes the write a 409 (it meets the unique version), never a 422 decided by a later read.
                data = dataclasses.replace(data, expected_version=seen)
            elif seen != data.expected_version:
                raise _conflict(session, ref, data, month)
            previous = _current_value(session, ref.id, data.fiscal_year, month)
            try:
                row, added = record_actual(session, ref, data, user=who, channel=channel)
            except ActualValueError as exc:
                raise ValidationError(f"{ref.label}: {exc.reason}", code="invalid_actual") from exc
            session.flush()
            if added:
                audit_actual(session, actor, ref, row, previous)
            return _public(row, ref)
    except IntegrityError as exc:
        if ref is None:
            raise
        month = data.month or 0
        with read_session(eng) as session:
            # A conflict only when another writer took the version this write was to add; any other
            # constraint is a fault, not something the editor could resolve by reloading.
            if not _version_taken(session, ref.id, data, month):
                raise
            error = _conflict(session, ref, data, month)
        _record_conflict(eng, actor, ref, data, error)
        raise error from exc
    except ConflictError as exc:
        if ref is not None and exc.code == "conflict" and "current_version" in exc.details:
            _record_conflict(eng, actor, ref, data, exc)
        raise


def actual_history(
    kpi: int | str, fiscal_year: int, *, month: int | None = None, engine: Engine | None = None
) -> list[ActualPublic]:
    """Every version of a KPI's actual values for a year, oldest first (corrections keep earlier values)."""
    eng = ensure_schema(engine)
    with read_session(eng) as session:
        ref = find_kpi(session, fiscal_year, str(kpi))
        rows = store.value_versions(session, ref.id, fiscal_year)
        if month is not None:
            rows = [r for r in rows if r.month == month]
        return [_public(r, ref) for r in rows]


def list_actuals(
    fiscal_year: int, *, department: str | None = None, viewer: Actor | None = None, engine: Engine | None = None
) -> list[KpiActualsPublic]:
    """The KPIs of a year's plans (and the vision's targets) with their current values.

    With ``viewer``, a KPI's values are left out unless the viewer may see them: its plan's evaluation of
    the year is visible to the viewer (published, or the viewer sees drafts), or the viewer records the
    KPI's values (their own department's).  Without, every value (the local command line).
    """
    eng = ensure_schema(engine)
    with read_session(eng) as session:
        name = check_department(session, department)
        refs = plan_kpi_refs(session, current_plans(session, fiscal_year), name)
        if name is None:
            refs += vision_kpi_refs(session)
        return _with_values(session, refs, fiscal_year, viewer)


def _values_visible(session: Session, ref: KpiRef, fiscal_year: int, viewer: Actor | None, vis: Visibility) -> bool:
    if viewer is None or ref.plan_id is None:  # vision targets are published with the vision
        return True
    if viewer.can(Permission.RECORD_ACTUAL, departments=ref.departments):
        return True
    return vis.evaluation_visible(session, ref.plan_id, fiscal_year)


def _with_values(
    session: Session, refs: Sequence[KpiRef], fiscal_year: int, viewer: Actor | None = None
) -> list[KpiActualsPublic]:
    vis = visibility_for(viewer) if viewer is not None else None
    if vis is not None:
        hidden = {r.id for r in refs if not _values_visible(session, r, fiscal_year, viewer, vis)}
    else:
        hidden = set()
    by_id = {r.id: r for r in refs if r.id not in hidden}
    annual: dict[int, ActualPublic] = {}
    monthly: dict[int, dict[int, ActualPublic]] = {}
    for row in store.current_values(session, by_id, [fiscal_year]):
        public = _public(row, by_id[row.kpi_id])
        if row.month:
            monthly.setdefault(row.kpi_id, {})[row.month] = public
        else:
            annual[row.kpi_id] = public
    return [KpiActualsPublic(ref, annual.get(ref.id), monthly.get(ref.id, {})) for ref in refs]
