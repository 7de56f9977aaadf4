"""Organisations and people: the 法人番号 check, duplicates by folded name, fuzzy merge proposals.

A firm with a 法人番号 is found by it.  Without one (sole proprietors), a firm is found by its folded
name; names that are close but not equal are only *proposed* as duplicates (:func:`merge_proposals`),
never merged by keikaku.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from sqlalchemy import or_, select
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
#: Names or numbers looked up per query (the IN lists stay under every driver's limit).
_CHUNK = 900


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
    """The organisation of a name and 法人番号 (both checked), by the rule of :func:`resolve_organisations`."""
    clean = clean_text(name, "所属", limit=400, field="organisation")
    number = check_corporate_number(corporate_number)
    if clean is None and number is None:
        return None
    ids = resolve_organisations(session, [(clean, number)])
    return session.get(store.Organisation, ids[clean, number])


def resolve_organisations(
    session: Session, firms: Iterable[tuple[str | None, str | None]]
) -> dict[tuple[str | None, str | None], int]:
    """The organisation id of each (name, checked 法人番号) pair, found or added by the rule of
    :func:`find_or_add_organisation` — by 法人番号, else by folded
    name (taking on the number when it had none), else new — for a whole file at once: two queries and
    one insert, instead of two queries and a flush per firm.  A name given without a number also finds
    the firm of that name that has one (a list names a firm alike in every row, but gives its 法人番号 in
    some only), where the one-by-one rule would add a second firm."""
    pairs = [p for p in dict.fromkeys(firms) if p[0] or p[1]]
    numbers = sorted({n for _name, n in pairs if n})
    folded = sorted({fold_organisation_name(name) for name, _n in pairs if name})
    by_number: dict[str, store.Organisation] = {}
    by_folded: dict[str, list[store.Organisation]] = {}
    for start in range(0, max(len(numbers), len(folded)), _CHUNK):
        for row in session.scalars(
            select(store.Organisation).where(
                or_(
                    store.Organisation.corporate_number.in_(numbers[start : start + _CHUNK]),
                    store.Organisation.folded_name.in_(folded[start : start + _CHUNK]),
                )
            )
        ):
            if row.corporate_number:
                by_number[row.corporate_number] = row
            by_folded.setdefault(row.folded_name, []).append(row)
    chosen: dict[tuple[str | None, str | None], store.Organisation] = {}
    added: list[store.Organisation] = []
    for name, number in pairs:
        found = by_number.get(number) if number else None
        if found is None and name:
            key = fold_organisation_name(name)
            same = by_folded.get(key, [])
            found = next((r for r in same if r.corporate_number in (None, number)), None)
            if found is None and number is None and same:
                found = same[0]  # a row without the number names the firm known by its name and number
            if found is not None and number and found.corporate_number is None:
                found.corporate_number = number
                by_number[number] = found
        if found is None:
            found = store.Organisation(
                name=name or number or "",
                folded_name=fold_organisation_name(name or number or ""),
                corporate_number=number,
            )
            added.append(found)
            if number:
                by_number[number] = found
            by_folded.setdefault(found.folded_name, []).append(found)
        chosen[(name, number)] = found
    session.add_all(added)
    session.flush()
    return {pair: row.id for pair, row in chosen.items()}


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
