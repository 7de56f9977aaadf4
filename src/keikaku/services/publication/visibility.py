"""What one viewer may see, for the read services: which plans, which evaluations, which documents.

A plan, and a plan's evaluation of a fiscal year, are drafts until published (see
:mod:`keikaku.services.publication.state`); who sees drafts is :func:`~keikaku.services.publication.state.can_see_drafts`.
Every read service that pages and the API call builds one :class:`Visibility` per call
(:func:`visibility_for`) and applies it:

* lists, counts, totals and searches add :meth:`Visibility.plan_filter` to their ``select`` — a condition on
  the newest ``publications`` row of each plan, answered through that table's index, so a list of the
  national data's 17,880 plans needs no set of ids in Python;
* reads of "the plan of a year" (dashboards, lists, the tree, comparisons, downloads, reports, search) add
  :meth:`Visibility.current_filter`: the newest revision the viewer may see.  For staff that is the newest
  revision (``is_current``); for the public it is the newest *published* revision, so that a draft 第2版
  never takes the published 第1版 off the site until an administrator publishes it;
* a page that names a plan, project or KPI calls ``ensure_*_visible``, which raises the same
  :class:`~keikaku.services.core.errors.NotFoundError` as a missing object (a draft's existence is not told);
* achievement statuses, ratings, judgements and the actual values of a plan's fiscal year are the results of
  that year's evaluation: :meth:`Visibility.evaluation_visible` says whether they may be shown.

The vision, its challenges, the action plan and the partner agency's priorities are published documents:
always visible.  A source document is hidden when it is the source of plans only, and none of them is visible.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, exists, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from keikaku.services.core.actors import Actor
from keikaku.services.core.errors import NotFoundError
from keikaku.services.publication.state import can_see_drafts
from keikaku.storage import models as m
from keikaku.storage.accounts import Publication, PublicationState, PublishedObject, newest_publication
from keikaku.storage.in_lists import in_chunks
from keikaku.storage.prepared import Prepared

#: A column of integers: a mapped attribute (``Plan.id``) or any column expression.
IntColumn = ColumnElement[int] | InstrumentedAttribute[int]


def _newest_state(object_type: str, object_id: IntColumn, fiscal_year: IntColumn) -> ColumnElement[str]:
    """The state of the newest publication row of an object (``draft`` when it has none)."""
    newest = newest_publication(object_type, object_id, fiscal_year).with_only_columns(Publication.state)
    return func.coalesce(newest.scalar_subquery(), PublicationState.DRAFT.value)


def plan_published(plan_id: IntColumn | None = None, fiscal_year: IntColumn | None = None) -> ColumnElement[bool]:
    """A condition true for published plans (default columns: ``plans.id`` and ``plans.fiscal_year``)."""
    if plan_id is None and fiscal_year is None:
        return _plan_published_on_plans()
    return _published(plan_id if plan_id is not None else m.Plan.id, fiscal_year or m.Plan.fiscal_year)


def _published(plan_id: IntColumn, fiscal_year: IntColumn) -> ColumnElement[bool]:
    return _newest_state(PublishedObject.PLAN, plan_id, fiscal_year) == PublicationState.PUBLISHED.value


@cache  # SQL expressions are immutable: built once, not on every read of every page
def _plan_published_on_plans() -> ColumnElement[bool]:
    return _published(m.Plan.id, m.Plan.fiscal_year)


@cache  # the same condition for every viewer who does not see drafts (see _plan_published_on_plans)
def newest_published_revision() -> ColumnElement[bool]:
    """A condition on ``plans`` true for the newest published revision of each issuer's fiscal year: the plan
    is published and no later revision of the same issuer and year is."""
    newer = aliased(m.Plan)
    superseded = exists().where(
        newer.issuer == m.Plan.issuer,
        newer.fiscal_year == m.Plan.fiscal_year,
        newer.revision > m.Plan.revision,
        plan_published(newer.id, newer.fiscal_year),
    )
    return and_(plan_published(), ~superseded)


def newest_revision() -> ColumnElement[bool]:
    """A condition on ``plans`` true for the newest revision of each issuer's fiscal year, published or not."""
    return m.Plan.is_current.is_(True)


def current_revision(draft_plans: bool) -> ColumnElement[bool]:
    """The condition on ``plans`` of the revision a viewer reads as its year's plan: the newest for a viewer who
    sees drafts, the newest published for the others (:meth:`Visibility.current_filter`)."""
    return newest_revision() if draft_plans else newest_published_revision()


def visible_plans(draft_plans: bool) -> list[ColumnElement[bool]]:
    """The conditions on ``plans`` keeping those a viewer may see (:meth:`Visibility.plan_filter`)."""
    return [] if draft_plans else [plan_published()]


def evaluation_published(plan_id: IntColumn, fiscal_year: IntColumn) -> ColumnElement[bool]:
    """A condition true when the evaluation of ``plan_id`` for ``fiscal_year`` is published."""
    return _newest_state(PublishedObject.EVALUATION, plan_id, fiscal_year) == PublicationState.PUBLISHED.value


def _owned_by_context(doc_id: IntColumn) -> ColumnElement[bool]:
    """True when a document is the source of the vision, a challenge, the action plan or a partner programme."""
    tables: tuple[type[m.Vision | m.Challenge | m.ActionPlan | m.PartnerProgramme], ...] = (
        m.Vision,
        m.Challenge,
        m.ActionPlan,
        m.PartnerProgramme,
    )
    return or_(*(exists().where(table.source_document_id == doc_id) for table in tables))


# The statements of the answers about one object, built once (per kind of viewer where it matters) and run on
# the driver (keikaku.storage.prepared): a page asks them on every request.
_EVALUATION_STATE = Prepared(
    newest_publication(PublishedObject.EVALUATION, bindparam("plan_id"), bindparam("fiscal_year")).with_only_columns(
        Publication.state
    )
)
_EVALUATION_ROWS = Prepared(
    select(Publication.object_id, Publication.fiscal_year, Publication.id, Publication.state).where(
        Publication.object_type == PublishedObject.EVALUATION,
        Publication.object_id.in_(bindparam("plan_ids", expanding=True)),
    )
)


@cache
def _current_plan_statement(draft_plans: bool) -> Prepared:
    """The id of a plan if it is the revision the viewer reads as its year's plan."""
    return Prepared(select(m.Plan.id).where(m.Plan.id == bindparam("plan_id"), current_revision(draft_plans)))


@cache
def _visible_plan_statement(draft_plans: bool) -> Prepared:
    """The id of a plan if the viewer may see it."""
    return Prepared(select(m.Plan.id).where(m.Plan.id == bindparam("plan_id"), *visible_plans(draft_plans)))


@cache
def _hidden_documents_statement() -> Prepared:
    """The ids of the documents hidden from a viewer who does not see drafts (see :meth:`Visibility.document_filter`)."""
    return Prepared(select(m.Document.id).where(~_document_published(m.Document.id)))


def _document_published(doc: IntColumn) -> ColumnElement[bool]:
    """True for a document that is not the source of plans only, all of them unpublished (see
    :meth:`Visibility.document_filter`)."""
    cited = exists().where(m.Plan.source_document_id == doc)
    cited_visibly = exists().where(m.Plan.source_document_id == doc, plan_published())
    return or_(~cited, cited_visibly, _owned_by_context(doc))


@dataclass
class Visibility:
    """What one viewer may see, with the answers about single objects remembered for the call."""

    viewer: Actor
    draft_plans: bool
    draft_evaluations: bool
    _plans: dict[int, bool] = field(default_factory=dict, repr=False)
    _evaluations: dict[tuple[int, int], bool] = field(default_factory=dict, repr=False)
    _current: dict[int, bool] = field(default_factory=dict, repr=False)

    @property
    def restricted(self) -> bool:
        """True when some plans may be hidden from this viewer (drafts are)."""
        return not self.draft_plans

    # -- plans --------------------------------------------------------------------------------------------

    def plan_filter(
        self, plan_id: IntColumn | None = None, fiscal_year: IntColumn | None = None
    ) -> list[ColumnElement[bool]]:
        """Conditions for ``select(...).where(*...)`` keeping the plans the viewer may see (none: every plan).

        ``plan_id``/``fiscal_year`` name the plan's columns when the statement reads them from another table.
        """
        return [] if self.draft_plans else [plan_published(plan_id, fiscal_year)]

    def current_filter(self) -> list[ColumnElement[bool]]:
        """Conditions on ``plans`` keeping, of each issuer's fiscal year, the one revision this viewer reads as
        "the plan of the year": the newest for those who see drafts, the newest published for the others.

        Every read of a year's plan goes through it (pages, the API, the dashboard, downloads, reports,
        search); a plan named by id stays readable under :meth:`plan_filter` (an older published revision
        keeps its address).
        """
        return [current_revision(self.draft_plans)]

    def reads_as_current(self, session: Session, plan_id: int) -> bool:
        """Whether the plan is the revision this viewer reads as its year's plan (:meth:`current_filter`):
        the one whose statuses the pages show."""
        if plan_id not in self._current:
            stmt = _current_plan_statement(self.draft_plans)
            self._current[plan_id] = stmt.first(session, plan_id=plan_id) is not None
        return self._current[plan_id]

    def remember_current(self, plan_id: int, current: bool) -> None:
        """Record the answer of :meth:`reads_as_current` for a plan, read with other facts of it."""
        self._current[plan_id] = current

    def restrict(self, stmt: Select[tuple[object, ...]]) -> Select[tuple[object, ...]]:
        """``stmt`` (which selects from ``plans``) keeping only the plans the viewer may see."""
        return stmt.where(*self.plan_filter())

    def plan_visible(self, session: Session, plan_id: int) -> bool:
        """Whether the viewer may see the plan (False for a plan that does not exist)."""
        if plan_id not in self._plans:
            stmt = _visible_plan_statement(self.draft_plans)
            self._plans[plan_id] = stmt.first(session, plan_id=plan_id) is not None
        return self._plans[plan_id]

    def ensure_plan_visible(self, session: Session, plan_id: int) -> m.Plan:
        """The plan, or the NotFoundError of a missing plan when it does not exist or is hidden."""
        plan = session.get(m.Plan, plan_id)
        if plan is None or not (self.draft_plans or self.plan_visible(session, plan_id)):
            raise NotFoundError(f"事業計画（ID {plan_id}）はありません", code="plan_not_found")
        return plan

    def ensure_project_visible(self, session: Session, project_id: int) -> int:
        """The project's plan id, or the NotFoundError of a missing project when it does not exist or is hidden."""
        plan_id = session.scalar(select(m.Project.plan_id).where(m.Project.id == project_id))
        if plan_id is None or not (self.draft_plans or self.plan_visible(session, plan_id)):
            raise NotFoundError(f"事業（ID {project_id}）はありません", code="project_not_found")
        return int(plan_id)

    def ensure_kpi_visible(self, session: Session, kpi_id: int) -> int | None:
        """The KPI's plan id (None for a vision or partner target, always visible), or the NotFoundError of a
        missing KPI when it does not exist or belongs to a hidden plan."""
        row = session.execute(
            select(m.Kpi.id, m.Project.plan_id)
            .outerjoin(m.Project, m.Project.id == m.Kpi.project_id)
            .where(m.Kpi.id == kpi_id)
        ).first()
        hidden = row is not None and row.plan_id is not None and not self.draft_plans
        if row is None or (hidden and not self.plan_visible(session, row.plan_id)):
            raise NotFoundError(f"KPI（ID {kpi_id}）はありません", code="kpi_not_found")
        return None if row.plan_id is None else int(row.plan_id)

    # -- evaluations --------------------------------------------------------------------------------------

    def evaluation_visible(self, session: Session, plan_id: int, fiscal_year: int) -> bool:
        """Whether the viewer may see the evaluation of ``plan_id`` for ``fiscal_year`` (statuses, actuals)."""
        if self.draft_evaluations:
            return True
        key = (plan_id, fiscal_year)
        if key not in self._evaluations:
            state = _EVALUATION_STATE.scalar(session, plan_id=plan_id, fiscal_year=fiscal_year)
            self._evaluations[key] = state == PublicationState.PUBLISHED
        return self._evaluations[key]

    def evaluation_reads(self, plan_id: int, fiscal_year: int) -> list[tuple[Prepared, dict[str, Any]]]:
        """The read :meth:`evaluation_visible` makes for the pair (none when it needs none), to be read ahead
        with a page's others."""
        if self.draft_evaluations or (plan_id, fiscal_year) in self._evaluations:
            return []
        return [(_EVALUATION_STATE, {"plan_id": plan_id, "fiscal_year": fiscal_year})]

    def load_evaluations(self, session: Session, pairs: Iterable[tuple[int, int]]) -> None:
        """Answer :meth:`evaluation_visible` for many (plan id, fiscal year) pairs in one statement."""
        wanted = {pair for pair in pairs if pair not in self._evaluations}
        if self.draft_evaluations or not wanted:
            return
        newest: dict[tuple[int, int], tuple[int, str]] = {}
        plan_ids = sorted({plan_id for plan_id, _year in wanted})
        for chunk in in_chunks(plan_ids):
            rows = _EVALUATION_ROWS.rows(session, plan_ids=chunk)
            for plan_id, year, row_id, state in rows:
                key = (plan_id, year)
                if key in wanted and (key not in newest or newest[key][0] < row_id):
                    newest[key] = (row_id, state)
        for key in wanted:
            self._evaluations[key] = key in newest and newest[key][1] == PublicationState.PUBLISHED

    # -- documents ----------------------------------------------------------------------------------------

    def document_filter(self, doc_id: IntColumn | None = None) -> list[ColumnElement[bool]]:
        """Conditions keeping the source documents the viewer may see (none: every document).

        A document is hidden when plans cite it, none of them is visible, and it is not the source of the
        vision, a challenge, the action plan or a partner programme (those are published documents).
        """
        if self.draft_plans:
            return []
        return [_document_published(doc_id if doc_id is not None else m.Document.id)]

    def hidden_document_ids(self, session: Session) -> list[int]:
        """The ids of the documents hidden from the viewer (few: documents are files someone loaded)."""
        if self.draft_plans:
            return []
        return sorted(_hidden_documents_statement().scalars(session))

    def document_visible(self, session: Session, doc_id: int) -> bool:
        """Whether the viewer may see a source document (its lines and the facts taken from them)."""
        if self.draft_plans:
            return True
        return session.scalar(select(m.Document.id).where(m.Document.id == doc_id, *self.document_filter())) is not None


def visibility_for(viewer: Actor) -> Visibility:
    """What ``viewer`` may see: built once per service call."""
    return Visibility(
        viewer, can_see_drafts(viewer, PublishedObject.PLAN), can_see_drafts(viewer, PublishedObject.EVALUATION)
    )
