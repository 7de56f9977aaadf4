"""Organisations and people: the 法人番号 check, duplicates by folded name, fuzzy merge proposals.

A firm with a 法人番号 is found by it.  Without one (sole proprietors), a firm is found by its folded
name; names that are close but not equal are only *proposed* as duplicates (:func:`merge_proposals`),
never merged by keikaku.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.jp import cn

from keikaku.normalize.organisations import fold_organisation_name
from keikaku.normalize.text import normalize_text
from keikaku.services.core.errors import ValidationError
from keikaku.services.core.free_text import clean_text
from keikaku.storage import events as store

#: Similarity (0–100, rapidfuzz's ratio of folded names) from which two firms are proposed as one.
MERGE_THRESHOLD = 90


def check_corporate_number(raw: str | None) -> str | None:
    """The 法人番号 as 13 digits (full-width digits and hyphens accepted), None when not given.

    Raises :class:`ValidationError` with the reason: wrong length, not digits, or a wrong check digit.
    """
    if raw is None or not raw.strip():
        return None
    text = normalize_text(raw).replace("-", "").replace(" ", "")
    field: dict[str, object] = {"fields": {"corporate_number": "法人番号を確認してください"}}
    try:
        return str(cn.validate(text))
    except InvalidLength as exc:
        raise ValidationError(f"法人番号「{raw}」は13桁ではありません（{len(text)}桁）", details=field) from exc
    except InvalidFormat as exc:
        raise ValidationError(f"法人番号「{raw}」に数字以外の文字が含まれています", details=field) from exc
    except InvalidChecksum as exc:
        raise ValidationError(
            f"法人番号「{raw}」はチェックデジット（先頭の1桁）が正しくありません。番号を確認してください", details=field
        ) from exc
    except StdnumError as exc:  # pragma: no cover - the module raises only the three above
        raise ValidationError(f"法人番号「{raw}」は正しくありません", details=field) from exc


def find_or_add_organisation(
    session: Session, name: str | None, corporate_number: str | None
) -> store.Organisation | None:
    """The organisation with this 法人番号, else the one with this folded name (and no other 法人番号), else a new one."""
    clean = clean_text(name, "所属", limit=400, field="organisation")
    number = check_corporate_number(corporate_number)
    if clean is None and number is None:
        return None
    if number is not None:
        found = session.scalar(select(store.Organisation).where(store.Organisation.corporate_number == number))
        if found is not None:
            return found
    folded = fold_organisation_name(clean or number or "")
    if clean is not None:
        same = session.scalars(select(store.Organisation).where(store.Organisation.folded_name == folded)).all()
        for row in same:
            if row.corporate_number in (None, number):
                if number is not None and row.corporate_number is None:
                    row.corporate_number = number
                return row
    row = store.Organisation(name=clean or number or "", folded_name=folded, corporate_number=number)
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class MergeProposal:
    """Two organisations that may be the same firm, with the similarity of their folded names."""

    keep_id: int
    keep_name: str
    other_id: int
    other_name: str
    score: float


def merge_proposals(session: Session, *, threshold: int = MERGE_THRESHOLD) -> list[MergeProposal]:
    """Pairs of organisations without 法人番号 whose folded names are close; for staff to decide on."""
    rows = session.scalars(
        select(store.Organisation).where(store.Organisation.corporate_number.is_(None)).order_by(store.Organisation.id)
    ).all()
    names = [r.folded_name for r in rows]
    found: list[MergeProposal] = []
    for i, row in enumerate(rows):
        for _match, score, j in process.extract(row.folded_name, names, scorer=fuzz.ratio, score_cutoff=threshold):
            if j > i:
                found.append(MergeProposal(row.id, row.name, rows[j].id, rows[j].name, float(score)))
    return found
