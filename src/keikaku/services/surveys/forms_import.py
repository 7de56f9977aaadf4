"""Importing survey responses from Google Forms (CSV) and Microsoft Forms (XLSX) exports.

The export is recognised by its columns: Google Forms starts with タイムスタンプ (Timestamp); Microsoft
Forms has ID, 開始時刻 and 完了時刻 (Start time, Completion time).  Their e-mail and name columns are not
read (the responses stay anonymous); every other column is one question of the survey.

**Mapping.**  A column is mapped to a question of the survey, and a choice's label to an option code:

1. what the caller gives (the mapping form, ``--map`` on the command line);
2. the mapping saved for this survey and this kind of export (:class:`SurveyImportMapping`);
3. the question's text or code (``本日の内容は役に立ちましたか？`` is ``本日の内容は役に立ちましたか``),
   and the option's label or code.

A column mapped to ``''`` is not imported.  After an import the mapping used is saved for the survey, so the
next file of the same form is read the same way even if its wording drifts.

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
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from keikaku.services.core.actors import Actor
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import ValidationError
from keikaku.services.events.imports import (
    JST,
    CellError,
    CellProblem,
    ImportReport,
    digest,
    fold_key,
    header_keys,
    read_sheets,
    text_of,
)
from keikaku.services.governance import audit
from keikaku.services.surveys.bank import QuestionPublic, check_answer
from keikaku.services.surveys.responses import SurveyPublic, get_survey
from keikaku.storage import event_imports as store
from keikaku.storage import surveys as survey_store
from keikaku.storage.uow import read_session, unit_of_work

KIND = "survey"
SOURCE_LABELS = {store.GOOGLE_FORMS: "Google フォーム", store.MS_FORMS: "Microsoft Forms"}
GOOGLE_KEY = frozenset({"タイムスタンプ", "timestamp"})
GOOGLE_META = frozenset({"メールアドレス", "emailaddress", "スコア", "score"})
MS_ID = "id"
MS_DONE = frozenset({"完了時刻", "completiontime"})
MS_META = frozenset(
    {
        "開始時刻",
        "starttime",
        "完了時刻",
        "completiontime",
        "メール",
        "email",
        "名前",
        "name",
        "最終変更時刻",
        "lastmodifiedtime",
        "合計ポイント",
        "totalpoints",
        "クイズのフィードバック",
        "quizfeedback",
    }
)
MS_META_PREFIXES = ("ポイント-", "points-", "フィードバック-", "feedback-")
#: Similarity (rapidfuzz ratio, 0–100) from which a header is taken for a question's text.
QUESTION_MATCH = 88
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
IGNORE = ""


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


@dataclass(frozen=True)
class SavedMapping:
    """The mapping saved for one survey and one kind of export."""

    source: str
    columns: dict[str, str]
    labels: dict[str, dict[str, str]]
    updated_by: str
    updated_at: dt.datetime


def _key(header: str) -> str:
    return header_keys(header)[0].rstrip("?？。.!！")


def _bare(header: str) -> str:
    return header_keys(header)[1].rstrip("?？。.!！")


def detect_source(headers: list[str]) -> str:
    """The kind of export a header row is, or :class:`ValidationError` naming the columns looked for."""
    keys = [_key(h) for h in headers]
    if keys and keys[0] in GOOGLE_KEY:
        return store.GOOGLE_FORMS
    if MS_ID in keys and any(k in MS_DONE for k in keys):
        return store.MS_FORMS
    raise ValidationError(
        "Google フォーム（1列目がタイムスタンプ）または Microsoft Forms（ID・開始時刻・完了時刻の列）の"
        "回答ファイルではありません。フォームの「回答をダウンロード」で保存したファイルを使ってください",
        code="not_a_forms_export",
    )


def _is_meta(source: str, header: str) -> bool:
    key = _key(header)
    if source == store.GOOGLE_FORMS:
        return key in GOOGLE_KEY or key in GOOGLE_META
    return key == MS_ID or key in MS_META or key.startswith(MS_META_PREFIXES)


def _auto_question(header: str, questions: tuple[QuestionPublic, ...]) -> str | None:
    """The question a header names by its text or code (near enough), or None."""
    full, bare = _key(header), _bare(header)
    best: tuple[float, str] | None = None
    for q in questions:
        texts = {_key(q.text), _bare(q.text)}
        if full in texts or bare in texts or full == q.code.lower():
            return q.code
        for text in texts:
            score = max(fuzz.ratio(full, text), fuzz.ratio(bare, text))
            shorter = min(len(bare), len(text))
            if shorter >= 8 and (text in full or bare in text):
                score = max(score, 95.0)
            if score >= QUESTION_MATCH and (best is None or score > best[0]):
                best = (score, q.code)
    return best[1] if best else None


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


def _options_text(q: QuestionPublic) -> str:
    return "／".join(label for _c, label in q.options)


class _Labels:
    """Label → option code of one question: given, saved, then the options' own labels and codes."""

    def __init__(self, q: QuestionPublic, given: Mapping[str, str], saved: Mapping[str, str]) -> None:
        self.q = q
        self.known: dict[str, str] = {}
        for code, label in q.options:
            self.known[fold_key(code)] = code
            self.known[fold_key(label)] = code
        self.known.update({fold_key(k): v for k, v in saved.items() if v})
        self.known.update({fold_key(k): v for k, v in given.items() if v})
        self.used: dict[str, str] = {}

    def code(self, label: str) -> str | None:
        found = self.known.get(fold_key(label))
        if found is not None:
            self.used[label] = found
        return found

    def split(self, source: str, cell: str) -> tuple[list[str], list[str]]:
        """(codes, unknown labels) of a cell; a multiple choice is 「A, B」 (Google) or 「A;B;」 (Microsoft)."""
        whole = self.code(cell)
        if whole is not None or self.q.kind != "multiple":
            return ([whole], []) if whole is not None else ([], [cell])
        separator = ";" if source == store.MS_FORMS or ";" in cell else ","
        joiner = ";" if separator == ";" else ", "
        tokens = [t.strip() for t in cell.split(separator) if t.strip()]
        codes: list[str] = []
        unknown: list[str] = []
        i = 0
        while i < len(tokens):
            for j in range(len(tokens), i, -1):  # the longest run of tokens that is a label (labels may hold commas)
                found = self.code(joiner.join(tokens[i:j]))
                if found is not None:
                    codes.append(found)
                    i = j
                    break
            else:
                unknown.append(tokens[i])
                i += 1
        return codes, unknown


def _saved(session: Session, survey_id: int, source: str) -> store.SurveyImportMapping | None:
    return session.scalar(
        select(store.SurveyImportMapping).where(
            store.SurveyImportMapping.survey_id == survey_id, store.SurveyImportMapping.source == source
        )
    )


def _check_codes(survey: SurveyPublic, columns: Mapping[str, str], labels: Mapping[str, Mapping[str, str]]) -> None:
    by_code = {q.code: q for q in survey.questions}
    for header, code in columns.items():
        if code and code not in by_code:
            raise ValidationError(
                f"列「{header}」の設問「{code}」はこのアンケートにありません", code="unknown_question"
            )
    for code, mapping in labels.items():
        q = by_code.get(code)
        if q is None:
            raise ValidationError(f"設問「{code}」はこのアンケートにありません", code="unknown_question")
        known = {c for c, _l in q.options}
        for label, option in mapping.items():
            if option and option not in known:
                raise ValidationError(
                    f"「{q.text}」の回答「{label}」に指定した選択肢「{option}」はありません（{_options_text(q)}）",
                    code="unknown_option",
                )


def _save(
    session: Session,
    survey_id: int,
    source: str,
    *,
    columns: Mapping[str, str],
    labels: Mapping[str, Mapping[str, str]],
    actor: Actor,
) -> store.SurveyImportMapping:
    row = _saved(session, survey_id, source)
    now = dt.datetime.now(dt.UTC)
    if row is None:
        row = store.SurveyImportMapping(survey_id=survey_id, source=source, columns={}, labels={})
        session.add(row)
    merged_labels: dict[str, Any] = {k: dict(v) for k, v in (row.labels or {}).items()}
    for code, mapping in labels.items():
        merged_labels.setdefault(code, {}).update({k: v for k, v in mapping.items() if v})
    row.columns = {**(row.columns or {}), **dict(columns)}
    row.labels = merged_labels
    row.updated_by, row.updated_at = actor.name[:200], now
    session.flush()
    return row


def save_import_mapping(
    survey_id: int,
    source: str,
    columns: Mapping[str, str],
    labels: Mapping[str, Mapping[str, str]] | None = None,
    *,
    actor: Actor,
    engine: Engine | None = None,
) -> SavedMapping:
    """Save (merge into) a survey's mapping of one kind of export: columns → question codes ('' = not
    imported), and per question code labels → option codes.  Those who manage the survey's event."""
    if source not in store.FORM_SOURCES:
        raise ValidationError("取り込むフォームの種類（google_forms か ms_forms）を選んでください")
    eng = ensure_schema(engine)
    survey = get_survey(survey_id, actor=actor, engine=eng)
    clean_columns = {text_of(k, limit=400): (v or "").strip() for k, v in columns.items() if text_of(k, limit=400)}
    clean_labels = {
        code: {text_of(k, limit=400): (v or "").strip() for k, v in mapping.items() if text_of(k, limit=400)}
        for code, mapping in (labels or {}).items()
    }
    _check_codes(survey, clean_columns, clean_labels)
    with unit_of_work(eng) as session:
        row = _save(session, survey_id, source, columns=clean_columns, labels=clean_labels, actor=actor)
        audit.record(
            session,
            actor,
            "survey.import_mapping",
            "survey",
            survey_id,
            None,
            {"source": source, "columns": clean_columns, "labels": clean_labels},
        )
        return SavedMapping(
            source, dict(row.columns), {k: dict(v) for k, v in row.labels.items()}, row.updated_by, row.updated_at
        )


def saved_mappings(survey_id: int, *, actor: Actor, engine: Engine | None = None) -> list[SavedMapping]:
    """A survey's saved mappings, one per kind of export."""
    eng = ensure_schema(engine)
    get_survey(survey_id, actor=actor, engine=eng)
    with read_session(eng) as session:
        rows = session.scalars(
            select(store.SurveyImportMapping)
            .where(store.SurveyImportMapping.survey_id == survey_id)
            .order_by(store.SurveyImportMapping.source)
        ).all()
        return [
            SavedMapping(
                r.source,
                dict(r.columns or {}),
                {k: dict(v) for k, v in (r.labels or {}).items()},
                r.updated_by,
                r.updated_at,
            )
            for r in rows
        ]


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
    _check_codes(survey, given_columns, given_labels)
    by_code = {q.code: q for q in survey.questions}
    from openpyxl.utils import get_column_letter

    with unit_of_work(eng) as session:
        saved = _saved(session, survey_id, source)
        saved_columns: dict[str, str] = dict(saved.columns) if saved else {}
        saved_labels: dict[str, dict[str, str]] = {k: dict(v) for k, v in (saved.labels or {}).items()} if saved else {}
        # Which column is which question.
        mapped: dict[int, QuestionPublic] = {}
        taken: dict[str, str] = {}
        key_index = 0 if source == store.GOOGLE_FORMS else next(i for i, h in enumerate(headers) if _key(h) == MS_ID)
        done_index = next((i for i, h in enumerate(headers) if _key(h) in MS_DONE), None)
        seen_headers: set[str] = set()
        for index, header in enumerate(headers):
            if not header or _is_meta(source, header):
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
                code = _auto_question(header, survey.questions)
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
            q.code: _Labels(q, given_labels.get(q.code, {}), saved_labels.get(q.code, {}))
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
                                f"回答「{unknown[0]}」は「{q.text}」の{scale}（{_options_text(q)}）にありません。"
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
        who = actor.name[:200]
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
        _save(session, survey_id, source, columns=report.columns, labels=used_labels, actor=actor)
        report.added = len(rows)
        audit.record(
            session,
            actor,
            "survey.import_responses",
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
        report.applied = True
    return report
