"""The question bank: standard questions with stable option codes, so that answers compare across events
and years, and renaming a label never splits the statistics (answers store codes, not labels)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from keikaku.normalize.text import normalize_text
from keikaku.services.core.errors import ValidationError
from keikaku.services.core.free_text import clean_text
from keikaku.storage import surveys as store

#: The standard Japanese 5-point scale of usefulness, best first; the codes never change.
USEFULNESS = (
    ("very_useful", "とても役に立った"),
    ("useful", "役に立った"),
    ("neutral", "どちらともいえない"),
    ("not_useful", "あまり役に立たなかった"),
    ("not_at_all", "全く役に立たなかった"),
)
#: The top-2 box of :data:`USEFULNESS`: what 「役に立った」と回答した割合 counts.
TOP2 = ("very_useful", "useful")

#: The standard 5-point scale of satisfaction (a newsletter's readers), best first; the codes never change.
SATISFACTION = (
    ("satisfied", "満足"),
    ("rather_satisfied", "やや満足"),
    ("neutral", "どちらともいえない"),
    ("rather_dissatisfied", "やや不満"),
    ("dissatisfied", "不満"),
)
#: The top-2 box of :data:`SATISFACTION`: what 読者満足度 counts.
SATISFIED = ("satisfied", "rather_satisfied")

STANDARD: tuple[tuple[str, str, str, tuple[tuple[str, str], ...]], ...] = (
    ("useful5", "本日の内容は役に立ちましたか", "scale5", USEFULNESS),
    ("info5", "有益な情報を得ることができましたか", "scale5", USEFULNESS),
    (
        "interest",
        "関心を持った分野（複数選択可）",
        "multiple",
        (("hydrogen", "水素"), ("battery", "蓄電池"), ("bio", "バイオ"), ("other", "その他")),
    ),
    (
        "attribute",
        "ご所属",
        "single",
        (("firm", "企業"), ("public", "行政・公的機関"), ("academia", "大学・研究機関"), ("other", "その他")),
    ),
    ("reader5", "本号の内容に満足しましたか", "scale5", SATISFACTION),
    ("platform5", "関西広域産業共創プラットフォームのご利用に満足しましたか", "scale5", SATISFACTION),
    ("meetings", "商談・面談の件数", "number", ()),
    ("comment", "ご意見・ご感想（自由記述）", "text", ()),
)


@dataclass(frozen=True)
class QuestionPublic:
    """A question of the bank."""

    id: int
    code: str
    text: str
    kind: str
    options: tuple[tuple[str, str], ...]

    def label(self, code: str | None) -> str | None:
        """The label of an option code."""
        return next((label for c, label in self.options if c == code), code)


def public(row: store.Question) -> QuestionPublic:
    """The public view of a question row."""
    options: list[Any] = row.options or []
    return QuestionPublic(row.id, row.code, row.text, row.kind, tuple((o["code"], o["label"]) for o in options))


def ensure_standard_questions(session: Session) -> dict[str, store.Question]:
    """The standard questions, added to the bank when missing (in the caller's transaction)."""
    rows = {q.code: q for q in session.scalars(select(store.Question)).all()}
    for code, text, kind, options in STANDARD:
        if code not in rows:
            row = store.Question(
                code=code, text=text, kind=kind, options=[{"code": c, "label": label} for c, label in options]
            )
            session.add(row)
            rows[code] = row
    session.flush()
    return rows


def check_answer(question: QuestionPublic, raw: list[str]) -> tuple[list[str], float | None, str | None]:
    """(option codes, number, text) of an answer given as form values; empty: a blank answer.

    Raises :class:`ValidationError` for a code outside the options, or a number that is not one.
    """
    values = [v.strip() for v in raw if v and v.strip()]
    field: dict[str, object] = {"fields": {f"q{question.id}": question.text}}
    if question.kind in ("scale5", "single", "multiple"):
        known = {c for c, _label in question.options}
        wrong = [v for v in values if v not in known]
        if wrong:
            raise ValidationError(
                f"「{question.text}」の回答「{wrong[0]}」は選択肢にありません",
                code="answer_out_of_scale",
                details=field,
            )
        if question.kind != "multiple" and len(values) > 1:
            raise ValidationError(f"「{question.text}」は1つだけ選んでください", details=field)
        return sorted(set(values)), None, None
    if question.kind == "number":
        if not values:
            return [], None, None
        text = normalize_text(values[0]).replace(",", "")
        try:
            number = float(text)
        except ValueError as exc:
            raise ValidationError(f"「{question.text}」は数値で回答してください", details=field) from exc
        return [], number, None
    return [], None, clean_text(" ".join(values), question.text, limit=4000, field=f"q{question.id}")
