"""What a measure finds (:class:`Figure`), and the rules that make the figures of attendance and of an answer
share from their counts, the same for one KPI (:func:`keikaku.services.measures.compute.evaluate`) and for a
whole year in bulk (:mod:`keikaku.services.measures.recompute`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """What a measure finds: the value, and for a share its numerator, n (non-blank), blanks, response rate."""

    value: float
    records: int
    numerator: float | None = None
    denominator: float | None = None
    blanks: int | None = None
    response_rate: float | None = None
    #: What the number means beyond itself (a rank's direction).
    note: str | None = None


def attendance_figure(kind: str, people: int, person_days: int, marks: int) -> Figure:
    """The people (``attended_people``) or the person-days who came, over the check-in marks counted."""
    return Figure(float(people if kind == "attended_people" else person_days), marks)


def share_figure(hits: int, answered: int, responses: int, people: int) -> Figure:
    """An answer share: the responses choosing a counted option over those answering the question (a percentage
    to one decimal, 0 when nobody answered), the blanks, and the responses over the people who attended."""
    return Figure(
        value=round(100.0 * hits / answered, 1) if answered else 0.0,
        records=responses,
        numerator=float(hits),
        denominator=float(answered),
        blanks=responses - answered,
        response_rate=round(responses / people, 3) if people else None,
    )
