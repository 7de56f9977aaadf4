"""How a Google Forms / Microsoft Forms export maps to a survey: its columns to questions, the labels of
its choices to option codes; and the mappings saved per survey and kind of export.

The export is recognised by its columns: Google Forms starts with タイムスタンプ (Timestamp); Microsoft
Forms has ID, 開始時刻 and 完了時刻 (Start time, Completion time).  Their e-mail and name columns are not
read (the responses stay anonymous); every other column is one question of the survey.

A column is mapped to a question of the survey, and a choice's label to an option code:

1. what the caller gives (the mapping form, ``--map`` on the command line);
2. the mapping saved for this survey and this kind of export (:class:`SurveyImportMapping`);
3. the question's text or code (``本日の内容は役に立ちましたか？`` is ``本日の内容は役に立ちましたか``),
   and the option's label or code.

A column mapped to ``''`` (:data:`IGNORE`) is not imported.  Reading the responses is
:mod:`keikaku.services.surveys.forms_import`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from keikaku.services.core.actors import Actor
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import ValidationError
from keikaku.services.events.imports import fold_key, header_keys, text_of
from keikaku.services.governance import audit
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.services.surveys.bank import QuestionPublic
from keikaku.services.surveys.responses import SurveyPublic, get_survey
from keikaku.storage import event_imports as store
from keikaku.storage.uow import read_session, unit_of_work

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
#: The question code of a column that is not imported.
IGNORE = ""


@dataclass(frozen=True)
class SavedMapping:
    """The mapping saved for one survey and one kind of export."""

    source: str
    columns: dict[str, str]
    labels: dict[str, dict[str, str]]
    updated_by: str
    updated_at: dt.datetime


def header_key(header: str) -> str:
    """A header (or question text) as compared: normalised, without spaces and the final ？ or 。."""
    return header_keys(header)[0].rstrip("?？。.!！")


def _bare(header: str) -> str:
    return header_keys(header)[1].rstrip("?？。.!！")


def detect_source(headers: list[str]) -> str:
    """The kind of export a header row is, or :class:`ValidationError` naming the columns looked for."""
    keys = [header_key(h) for h in headers]
    if keys and keys[0] in GOOGLE_KEY:
        return store.GOOGLE_FORMS
    if MS_ID in keys and any(k in MS_DONE for k in keys):
        return store.MS_FORMS
    raise ValidationError(
        "Google フォーム（1列目がタイムスタンプ）または Microsoft Forms（ID・開始時刻・完了時刻の列）の"
        "回答ファイルではありません。フォームの「回答をダウンロード」で保存したファイルを使ってください",
        code="not_a_forms_export",
    )


def is_meta(source: str, header: str) -> bool:
    """Whether a column is the export's own (timestamp, ID, e-mail, name, points), not a question."""
    key = header_key(header)
    if source == store.GOOGLE_FORMS:
        return key in GOOGLE_KEY or key in GOOGLE_META
    return key == MS_ID or key in MS_META or key.startswith(MS_META_PREFIXES)


def auto_question(header: str, questions: tuple[QuestionPublic, ...]) -> str | None:
    """The question a header names by its text or code (near enough), or None."""
    full, bare = header_key(header), _bare(header)
    best: tuple[float, str] | None = None
    for q in questions:
        texts = {header_key(q.text), _bare(q.text)}
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


def options_text(q: QuestionPublic) -> str:
    """A question's options as named in an error (「はい／いいえ」)."""
    return "／".join(label for _c, label in q.options)


class OptionLabels:
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
        """The option code of a label, or None (a label found is remembered in :attr:`used`)."""
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


def saved_mapping_row(session: Session, survey_id: int, source: str) -> store.SurveyImportMapping | None:
    """The mapping saved for a survey and a kind of export, or None."""
    return session.scalar(
        select(store.SurveyImportMapping).where(
            store.SurveyImportMapping.survey_id == survey_id, store.SurveyImportMapping.source == source
        )
    )


def check_codes(survey: SurveyPublic, columns: Mapping[str, str], labels: Mapping[str, Mapping[str, str]]) -> None:
    """Refuse a mapping that names a question or an option the survey does not have."""
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
                    f"「{q.text}」の回答「{label}」に指定した選択肢「{option}」はありません（{options_text(q)}）",
                    code="unknown_option",
                )


def save_mapping(
    session: Session,
    survey_id: int,
    source: str,
    *,
    columns: Mapping[str, str],
    labels: Mapping[str, Mapping[str, str]],
    actor: Actor,
) -> store.SurveyImportMapping:
    """Merge columns and labels into the mapping saved for a survey and a kind of export (added if none)."""
    row = saved_mapping_row(session, survey_id, source)
    now = dt.datetime.now(dt.UTC)
    if row is None:
        row = store.SurveyImportMapping(survey_id=survey_id, source=source, columns={}, labels={})
        session.add(row)
    merged_labels: dict[str, Any] = {k: dict(v) for k, v in (row.labels or {}).items()}
    for code, mapping in labels.items():
        merged_labels.setdefault(code, {}).update({k: v for k, v in mapping.items() if v})
    row.columns = {**(row.columns or {}), **dict(columns)}
    row.labels = merged_labels
    row.updated_by, row.updated_at = actor.recorded_name, now
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
    check_codes(survey, clean_columns, clean_labels)
    with unit_of_work(eng) as session:
        row = save_mapping(session, survey_id, source, columns=clean_columns, labels=clean_labels, actor=actor)
        audit.record(
            session,
            actor,
            AuditAction.SURVEY_IMPORT_MAPPING,
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
