"""What a new revision keeps from the revision it revises: the curated wording, where the document did not change.

A stored plan is more than its document's parse: people shorten KPI labels (「参加者数」 for the survey
sentence), name events (「BioJapan2026」 for 「BioJapanへの参加」), write summaries in their own words and
fill in what the document leaves out (a start year).  When a revised document is ingested, its parse says the
same things in the document's wording, so a plain comparison would report every curated field as changed and
the new revision would lose the curation.

The rule, in one place (ingest and the upload review both apply it before storing or comparing):

* **Figures always come from the new document**: budgets, targets, comparators, units, dates.
* **Words stay curated while the document says about the same thing**: a project's name, a KPI's label, an
  event's name and venue keep the old revision's value when the new document's wording is the same once
  folded (:func:`~keikaku.normalize.text.fold_for_search`) or at least :data:`SAME_WORDING` similar; a
  real rewording replaces them.
* **What the new document does not state is kept**: a title, summary, field, start year, event end or theme
  that the parse leaves empty keeps the old revision's value.
* **Events are kept**: an event the new document still lists (same start date, else same name; or the one
  undated event of each side) keeps its curated name, as the bureau's label of that event; an event the
  parse does not find stays too, since registrations, check-ins and surveys hang on it.  Removing an event is
  an edit, never a side effect of re-reading a document.

Projects are matched as the revision diff matches them (number, else name); KPIs by their document text, else
their label; events by their start date, else their name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import Session

from keikaku.domain import Component, Event, Kpi, Plan, PlanData, Project
from keikaku.normalize.text import fold_for_search

#: How similar (rapidfuzz ratio, 0–100, on folded text) two wordings must be to count as the same statement.
SAME_WORDING = 80.0

_T = TypeVar("_T")


def _folded(value: str | None) -> str:
    return fold_for_search(value or "")


def same_wording(old: str | None, new: str | None) -> bool:
    """Whether two wordings say the same thing: equal once folded, or at least :data:`SAME_WORDING` similar."""
    a, b = _folded(old), _folded(new)
    if not a or not b:
        return False
    return a == b or fuzz.ratio(a, b) >= SAME_WORDING


def _word(old: str | None, new: str | None) -> str | None:
    """The curated ``old`` while ``new`` says the same; ``new`` otherwise (and ``old`` if ``new`` is empty)."""
    if not new:
        return old
    return old if old and same_wording(old, new) else new


def _pair(old: Sequence[_T], new: Sequence[_T], keys: Sequence[Callable[[_T], object]]) -> list[tuple[_T, _T]]:
    """Pairs of (old, new), matched by the first key that gives an unmatched partner; each item used once."""
    pairs: list[tuple[_T, _T]] = []
    left, right = list(old), list(new)
    for key in keys:
        for item in list(right):
            k = key(item)
            if not k:
                continue
            partner = next((o for o in left if key(o) == k), None)
            if partner is not None:
                left.remove(partner)
                right.remove(item)
                pairs.append((partner, item))
    return pairs


def _kpi_text_key(kpi: Kpi) -> str:
    return _folded(kpi.text)


def _kpi_label_key(kpi: Kpi) -> str:
    return _folded(kpi.indicator)


def _keep_kpis(old: Sequence[Kpi], new: Sequence[Kpi]) -> None:
    pairs = _pair(old, new, [_kpi_text_key, _kpi_label_key])
    matched = {id(n) for _o, n in pairs}
    loose = [o for o in old if all(o is not p for p, _n in pairs)]
    for kpi in new:  # a KPI whose document text was reworded a little: the most similar old one
        if id(kpi) in matched:
            continue
        partner = next((o for o in loose if same_wording(o.text or o.indicator, kpi.text or kpi.indicator)), None)
        if partner is not None:
            loose.remove(partner)
            pairs.append((partner, kpi))
    for before, after in pairs:
        after.indicator = before.indicator
        after.reference = after.reference or before.reference
        after.derivation = after.derivation or before.derivation


def _event_date_key(event: Event) -> str:
    return event.start.isoformat() if event.start else ""


def _event_name_key(event: Event) -> str:
    return _folded(event.name)


def _keep_events(old: Sequence[Event], new: list[Event]) -> list[Event]:
    """Keep the curated names of the events the document still lists; return the old events it does not."""
    pairs = _pair(old, new, [_event_date_key, _event_name_key])
    undated_old = [o for o in old if o.start is None and all(o is not p for p, _n in pairs)]
    undated_new = [n for n in new if n.start is None and all(n is not q for _p, q in pairs)]
    if len(undated_old) == 1 and len(undated_new) == 1:  # the one undated event of each side
        pairs.append((undated_old[0], undated_new[0]))
    for before, after in pairs:
        after.name = before.name  # an event is its project's and its dates': the name is the bureau's label
        after.venue = _word(before.venue, after.venue)
        after.end = after.end or (before.end if after.start == before.start else None)
        after.theme = after.theme or before.theme
        after.note = after.note or before.note
    return [o for o in old if all(o is not p for p, _n in pairs)]


def _keep_part(before: Project | Component, after: Project | Component) -> None:
    after.summary = after.summary or before.summary
    _keep_kpis(before.kpis, after.kpis)
    after.events.extend(e.model_copy(deep=True) for e in _keep_events(before.events, after.events))


def _keep_project(before: Project, after: Project) -> None:
    after.name = _word(before.name, after.name) or after.name
    after.title = after.title or before.title
    after.field = after.field or before.field
    if after.start_fiscal_year is None:
        after.start_fiscal_year, after.year_count = before.start_fiscal_year, before.year_count
    _keep_part(before, after)
    for old_part, new_part in _pair(before.components, after.components, [lambda c: _folded(c.name)]):
        new_part.name = _word(old_part.name, new_part.name) or new_part.name
        _keep_part(old_part, new_part)


def keep_curated(old: Plan, new: Plan) -> Plan:
    """``new`` (a parsed revision, changed in place and returned) with the curation of ``old`` kept where the
    document still says the same (see the module docstring)."""
    from keikaku.services.plans.revisions import match_projects

    new.title = new.title or old.title
    pairs, _added, _removed = match_projects(old.projects, new.projects)
    for before, after in pairs:
        _keep_project(before, after)
    return new


def keep_stored_curation(session: Session, data: PlanData) -> None:
    """Apply :func:`keep_curated` to each parsed plan of ``data`` against the stored revision it revises: the
    published revision of its issuer and year, else the newest (nothing when the plan is new)."""
    from keikaku.services.exchange.bundle import document_keys, plan_load_options
    from keikaku.services.publication.revisions import is_published
    from keikaku.storage import models as m
    from keikaku.storage.convert import read_plan

    keys: dict[int, str] | None = None
    for plan in data.plans:
        rows = session.scalars(
            select(m.Plan)
            .where(m.Plan.issuer == plan.issuer, m.Plan.fiscal_year == plan.fiscal_year)
            .options(*plan_load_options())
            .order_by(m.Plan.revision.desc())
        ).all()
        if not rows:
            continue
        base = next((row for row in rows if is_published(session, row)), rows[0])
        keys = keys if keys is not None else document_keys(session)
        keep_curated(read_plan(base, keys), plan)
