"""Importing survey responses from Google Forms (CSV) and Microsoft Forms (XLSX) exports.

The export is recognised, and its columns mapped to the survey's questions (what the caller gives, the
mapping saved for the survey, the questions' own texts), by :mod:`keikaku.services.surveys.forms_mapping`.
After an import the mapping used is saved for the survey, so the next file of the same form is read the
same way even if its wording drifts.

**All or nothing.**  Every wrong cell is reported with its sheet, row and column: a column no question is
mapped to, an answer outside the question's options (「6」 on a 5-point scale), a number that is not one, a
required question left blank.  With any error nothing is imported.

**Idempotent.**  Each response keeps the export's key: Google's タイムスタンプ with its occurrence in the
file (two answers in the same second stay two), Microsoft's ID.  Importing the same file again adds
nothing; a later export of the same form adds only the new responses.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import Engine, select

from keikaku.normalize.date_style import JST
from keikaku.services.core.actors import Actor
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import ValidationError
from keikaku.services.events.imports import (
    CellError,
    CellProblem,
    ImportReport,
    digest,
    read_sheets,
    text_of,
)
from keikaku.services.governance import audit
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.services.measures.follow import ANSWERS, follow_records
from keikaku.services.surveys.bank import QuestionPublic, check_answer
from keikaku.services.surveys.forms_mapping import (
    IGNORE,
    MS_DONE,
    MS_ID,
    OptionLabels,
    auto_question,
    check_codes,
    detect_source,
    header_key,
    is_meta,
    options_text,
    save_mapping,
    saved_mapping_row,
)
from keikaku.services.surveys.responses import get_survey
from keikaku.storage import event_imports as store
from keikaku.storage import surveys as survey_store
from keikaku.storage.uow import unit_of_work

KIND = "survey"
_TIMESTAMP_FORMATS = (
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%y %H:%M:%S",
    "%m/%d/%y %H:%M",
    "%Y/%m/%d",
    "%Y-%m-%d",
)


@dataclass
class SurveyImportReport(ImportReport):
    """An import of form responses: the export's kind, how its columns were read, what could not be mapped."""

    source: str = ""
    survey_id: int = 0
    #: header → question code ('' = not imported), as used.
    columns: dict[str, str] = field(default_factory=dict)
    #: headers no question is mapped to (map them, or choose not to import them).
    unmapped_columns: list[str] = field(default_factory=list)
    #: question code → labels found in the file that are none of its options.
    unmapped_labels: dict[str, list[str]] = field(default_factory=dict)


def _timestamp(value: object) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    else:
        text = re.sub(r"\s*(GMT|UTC)[+-]?\d*(:\d\d)?$", "", text_of(value, limit=60))
        for pattern in _TIMESTAMP_FORMATS:
            try:
                moment = dt.datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
        else:
            raise CellProblem(f"「{text}」を日時として読めません（2026/10/07 15:30:00 の形）")
    local = moment if moment.tzinfo else moment.replace(tzinfo=JST)
    return local.astimezone(dt.UTC)


@dataclass
class _Response:
    key: str
    submitted_at: dt.datetime
    answers: list[tuple[int, list[str], float | None, str | None]]


def import_form_responses(
    survey_id: int,
    filename: str,
    content: bytes,
    *,
    actor: Actor,
    columns: Mapping[str, str] | None = None,
    labels: Mapping[str, Mapping[str, str]] | None = None,
    engine: Engine | None = None,
) -> SurveyImportReport:
    """Check every row of a Google Forms / Microsoft Forms export and import it in one transaction.

    ``columns`` and ``labels`` add to (and override) the saved mapping for this file; the mapping used is
    saved for the survey when the import succeeds.
    """
    eng = ensure_schema(engine)
    survey = get_survey(survey_id, actor=actor, engine=eng)  # the permission check, before the file is read
    name, sheets = read_sheets(filename, content)
    sheet = next((s for s in sheets if s.rows), sheets[0])
    if not sheet.rows:
        raise ValidationError(f"「{name}」に回答がありません", code="empty_table")
    header_row = sheet.rows[0]
    headers = ["" if v is None else text_of(v, limit=400) for v in header_row.cells]
    source = detect_source(headers)
    report = SurveyImportReport(name, KIND, sha256=digest(content), source=source, survey_id=survey_id)
    given_columns = {text_of(k, limit=400): (v or "").strip() for k, v in (columns or {}).items()}
    given_labels = {code: dict(m) for code, m in (labels or {}).items()}
    check_codes(survey, given_columns, given_labels)
    by_code = {q.code: q for q in survey.questions}
    from openpyxl.utils import get_column_letter

    with unit_of_work(eng) as session:
        saved = saved_mapping_row(session, survey_id, source)
        saved_columns: dict[str, str] = dict(saved.columns) if saved else {}
        saved_labels: dict[str, dict[str, str]] = {k: dict(v) for k, v in (saved.labels or {}).items()} if saved else {}
        # Which column is which question.
        mapped: dict[int, QuestionPublic] = {}
        taken: dict[str, str] = {}
        key_index = (
            0 if source == store.GOOGLE_FORMS else next(i for i, h in enumerate(headers) if header_key(h) == MS_ID)
        )
        done_index = next((i for i, h in enumerate(headers) if header_key(h) in MS_DONE), None)
        seen_headers: set[str] = set()
        for index, header in enumerate(headers):
            if not header or is_meta(source, header):
                continue
            letter = get_column_letter(index + 1)
            if header in seen_headers:
                report.add_error(
                    CellError(
                        sheet.name,
                        header_row.number,
                        header,
                        "同じ見出しの列が2つあります。見出しを変えてください",
                        letter,
                    )
                )
                continue
            seen_headers.add(header)
            if header in given_columns:
                code: str | None = given_columns[header]
            elif header in saved_columns:
                code = saved_columns[header]
            else:
                code = auto_question(header, survey.questions)
            if code is None:
                report.unmapped_columns.append(header)
                report.add_error(
                    CellError(
                        sheet.name,
                        header_row.number,
                        header,
                        "この列に当たる設問がありません。対応表で設問を選ぶか「取り込まない」を選んでください",
                        letter,
                    )
                )
                continue
            report.columns[header] = code
            if code == IGNORE:
                continue
            if code in taken:
                report.add_error(
                    CellError(
                        sheet.name,
                        header_row.number,
                        header,
                        f"設問「{by_code[code].text}」には列「{taken[code]}」も当たっています。どちらか一方にしてください",
                        letter,
                    )
                )
                continue
            taken[code] = header
            mapped[index] = by_code[code]
        for q in survey.questions:
            if q.code not in taken:
                if q.id in survey.required:
                    report.add_error(
                        CellError(sheet.name, header_row.number, "", f"必須の設問「{q.text}」の列がありません")
                    )
                else:
                    report.notes.append(f"設問「{q.text}」の列はありません（無回答として扱います）")
        labels_of = {
            q.code: OptionLabels(q, given_labels.get(q.code, {}), saved_labels.get(q.code, {}))
            for q in mapped.values()
            if q.kind in ("scale5", "single", "multiple")
        }
        existing = set(
            session.scalars(
                select(store.SurveyImportKey.source_key).where(
                    store.SurveyImportKey.survey_id == survey_id, store.SurveyImportKey.source == source
                )
            ).all()
        )
        occurrences: dict[str, int] = {}
        keys_in_file: dict[str, int] = {}
        responses: list[_Response] = []
        unknown_seen: set[tuple[str, str]] = set()
        key_letter = get_column_letter(key_index + 1)
        for row in sheet.rows[1:]:
            cells = row.cells
            report.rows += 1
            before = report.error_count

            def cell(index: int | None, _cells: tuple[object, ...] = cells) -> object:
                return _cells[index] if index is not None and index < len(_cells) else None

            try:
                raw_key = text_of(cell(key_index), limit=150)
            except CellProblem as exc:
                report.add_error(CellError(sheet.name, row.number, headers[key_index], str(exc), key_letter))
                continue
            if not raw_key:
                report.add_error(
                    CellError(
                        sheet.name, row.number, headers[key_index], "空欄です（回答の識別に使います）", key_letter
                    )
                )
                continue
            submitted = dt.datetime.now(dt.UTC)
            try:
                if source == store.GOOGLE_FORMS:
                    submitted = _timestamp(cell(key_index))
                    occurrences[raw_key] = occurrences.get(raw_key, 0) + 1
                    key = f"{raw_key}#{occurrences[raw_key]}"
                else:
                    key = raw_key
                    if cell(done_index) not in (None, ""):
                        submitted = _timestamp(cell(done_index))
            except CellProblem as exc:
                index = key_index if source == store.GOOGLE_FORMS else done_index or key_index
                report.add_error(
                    CellError(sheet.name, row.number, headers[index], str(exc), get_column_letter(index + 1))
                )
                continue
            if key in keys_in_file:
                report.add_error(
                    CellError(
                        sheet.name,
                        row.number,
                        headers[key_index],
                        f"同じ ID の回答が {keys_in_file[key]}行目にもあります",
                        key_letter,
                    )
                )
                continue
            keys_in_file[key] = row.number
            answers: list[tuple[int, list[str], float | None, str | None]] = []
            for index, q in mapped.items():
                header, letter = headers[index], get_column_letter(index + 1)
                try:
                    text = text_of(cell(index), limit=4000)
                except CellProblem as exc:
                    report.add_error(CellError(sheet.name, row.number, header, str(exc), letter))
                    continue
                if not text:
                    if q.id in survey.required:
                        report.add_error(
                            CellError(sheet.name, row.number, header, f"必須の設問「{q.text}」が空欄です", letter)
                        )
                    continue
                values = [text]
                if q.code in labels_of:
                    values, unknown = labels_of[q.code].split(source, text)
                    if unknown:
                        scale = "5段階の選択肢" if q.kind == "scale5" else "選択肢"
                        report.add_error(
                            CellError(
                                sheet.name,
                                row.number,
                                header,
                                f"回答「{unknown[0]}」は「{q.text}」の{scale}（{options_text(q)}）にありません。"
                                "対応表で選択肢を指定できます",
                                letter,
                            )
                        )
                        for label in unknown:
                            if (q.code, label) not in unknown_seen:
                                unknown_seen.add((q.code, label))
                                report.unmapped_labels.setdefault(q.code, []).append(label)
                        continue
                try:
                    codes, number, free = check_answer(q, values)
                except ValidationError as exc:
                    report.add_error(CellError(sheet.name, row.number, header, exc.message, letter))
                    continue
                answers.append((q.id, codes, number, free))
            if report.error_count > before:
                continue
            if key in existing:
                report.unchanged += 1
                continue
            responses.append(_Response(key, submitted, answers))
        if not report.rows:
            raise ValidationError(f"「{name}」に回答の行がありません", code="empty_table")
        if report.failed:
            return report
        who = actor.recorded_name
        rows = [
            survey_store.SurveyResponse(
                survey_id=survey_id, channel="import", entered_by=who, submitted_at=r.submitted_at
            )
            for r in responses
        ]
        session.add_all(rows)
        session.flush()
        answer_rows: list[survey_store.SurveyAnswer] = []
        for response, row_ in zip(responses, rows, strict=True):
            for question_id, codes, number, free in response.answers:
                answer_rows.extend(
                    survey_store.SurveyAnswer(response_id=row_.id, question_id=question_id, option_code=c)
                    for c in codes
                )
                if number is not None or free:
                    answer_rows.append(
                        survey_store.SurveyAnswer(
                            response_id=row_.id, question_id=question_id, number=number, text=free
                        )
                    )
        session.add_all(answer_rows)
        session.add_all(
            [
                store.SurveyImportKey(survey_id=survey_id, source=source, source_key=r.key[:200], response_id=row_.id)
                for r, row_ in zip(responses, rows, strict=True)
            ]
        )
        used_labels = {code: labels.used for code, labels in labels_of.items() if labels.used}
        save_mapping(session, survey_id, source, columns=report.columns, labels=used_labels, actor=actor)
        report.added = len(rows)
        audit.record(
            session,
            actor,
            AuditAction.SURVEY_IMPORT_RESPONSES,
            "survey",
            survey_id,
            None,
            {
                "file": name,
                "sha256": report.sha256,
                "source": source,
                "rows": report.rows,
                "added": report.added,
                "unchanged": report.unchanged,
            },
        )
        if rows:
            follow_records(session, ANSWERS, survey_ids=[survey_id])
        report.applied = True
    return report
