"""Read models of the partner agency's priorities (近畿経済産業局 重点施策) with their links to union projects
and action-plan themes, and of one initiative with the history of its links' decisions."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from keikaku.services.context.partner_links import refresh_suggestions
from keikaku.services.core.actors import Actor
from keikaku.services.core.db import checked_engine
from keikaku.services.core.errors import NotFoundError
from keikaku.services.core.provenance import DocumentLabel, SourceRef, document_keys, source_of
from keikaku.services.plans.kpis import display_code
from keikaku.services.publication.visibility import Visibility, visibility_for
from keikaku.storage import models as m
from keikaku.storage import web_models as w
from keikaku.storage.uow import read_session


@dataclass(frozen=True)
class LinkEventView:
    """One decision about a link."""

    action: str
    state_before: str | None
    state_after: str
    actor: str
    note: str | None
    at: dt.datetime


@dataclass
class InitiativeLink:
    """A link from an initiative to a project or a theme, with its state and what the two share."""

    id: int
    target_kind: str
    target_id: int
    target_name: str
    target_code: str
    fiscal_year: int | None
    score: float
    shared_terms: list[str]
    state: str
    decided_by: str | None
    decided_at: dt.datetime | None
    events: list[LinkEventView] = field(default_factory=list)


@dataclass
class InitiativeView:
    """An initiative with its targets and links."""

    id: int
    name: str
    code: str | None
    parent: str | None
    priority_area: str | None
    department: str | None
    phone: str | None
    targets: list[str]
    links: list[InitiativeLink]
    source: SourceRef | None


@dataclass
class ProgrammeView:
    """A partner agency's priorities for one fiscal year."""

    id: int
    issuer: str
    fiscal_year: int
    title: str | None
    priority_areas: list[str]
    initiatives: list[InitiativeView]
    source: SourceRef | None


def _targets(session: Session, initiative_ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    for kpi in session.scalars(
        select(m.Kpi).where(m.Kpi.initiative_id.in_(initiative_ids)).order_by(m.Kpi.initiative_id, m.Kpi.position)
    ):
        out[kpi.initiative_id or 0].append(kpi.text or kpi.indicator)
    return out


def _links(
    session: Session, initiative_ids: list[int], with_events: bool, vis: Visibility
) -> dict[int, list[InitiativeLink]]:
    """Each initiative's links; a link to a project of a plan hidden from the viewer is left out, and the public
    sees only the links a curator confirmed (suggestions and removed ones are the staff's)."""
    states = ("confirmed",) if vis.viewer.is_public else ("confirmed", "suggested", "removed")
    links = session.scalars(
        select(w.PartnerLink)
        .where(w.PartnerLink.initiative_id.in_(initiative_ids), w.PartnerLink.state.in_(states))
        .order_by(w.PartnerLink.initiative_id, w.PartnerLink.score.desc(), w.PartnerLink.id)
    ).all()
    project_ids = [link.project_id for link in links if link.project_id]
    theme_ids = [link.theme_id for link in links if link.theme_id]
    projects = {
        r.id: r
        for r in session.execute(
            select(m.Project.id, m.Project.code, m.Project.name, m.Plan.fiscal_year)
            .join(m.Plan, m.Plan.id == m.Project.plan_id)
            .where(m.Project.id.in_(project_ids), *vis.plan_filter())
        )
    }
    themes = {t.id: t.name for t in session.execute(select(m.Theme.id, m.Theme.name).where(m.Theme.id.in_(theme_ids)))}
    out: dict[int, list[InitiativeLink]] = defaultdict(list)
    for link in links:
        if link.project_id is not None:
            p = projects.get(link.project_id)
            if p is None:
                continue
            kind, target_id, name, code, year = "project", p.id, p.name, display_code(p.code), p.fiscal_year
        else:
            kind, target_id, name, code, year = (
                "theme",
                link.theme_id or 0,
                themes.get(link.theme_id or 0, ""),
                "",
                None,
            )
        item = InitiativeLink(
            link.id,
            kind,
            target_id,
            name,
            code,
            year,
            link.score,
            list(link.shared_terms or []),
            link.state,
            link.decided_by,
            link.decided_at,
        )
        if with_events:
            item.events = [
                LinkEventView(e.action, e.state_before, e.state_after, e.actor, e.note, e.at) for e in link.events
            ]
        out[link.initiative_id].append(item)
    return out


def _initiative(
    row: m.Initiative, targets: list[str], links: list[InitiativeLink], keys: dict[int, DocumentLabel]
) -> InitiativeView:
    return InitiativeView(
        row.id,
        row.name,
        row.code,
        row.parent_name,
        row.priority_area,
        row.department,
        row.phone,
        targets,
        links,
        source_of(row, keys),
    )


def get_partner_priorities(*, viewer: Actor, engine: Engine | None = None) -> list[ProgrammeView]:
    """Every current partner programme with its initiatives, targets and links (suggestions refreshed first).

    The priorities are a published document; links to projects of plans hidden from ``viewer`` are left out.
    """
    eng = checked_engine(engine)
    vis = visibility_for(viewer)
    refresh_suggestions(engine=eng)
    with read_session(eng) as session:
        keys = document_keys(session)
        programmes = session.scalars(
            select(m.PartnerProgramme)
            .where(m.PartnerProgramme.is_current.is_(True))
            .order_by(m.PartnerProgramme.fiscal_year.desc(), m.PartnerProgramme.id)
        ).all()
        out = []
        for programme in programmes:
            ids = [i.id for i in programme.initiatives]
            targets = _targets(session, ids)
            links = _links(session, ids, with_events=False, vis=vis)
            out.append(
                ProgrammeView(
                    programme.id,
                    programme.issuer,
                    programme.fiscal_year,
                    programme.title,
                    list(programme.priority_areas or []),
                    [_initiative(i, targets.get(i.id, []), links.get(i.id, []), keys) for i in programme.initiatives],
                    source_of(programme, keys),
                )
            )
        return out


@dataclass
class InitiativePage:
    """One initiative, its programme, and its links with the history of every decision."""

    initiative: InitiativeView
    programme_id: int
    programme_title: str | None
    issuer: str
    fiscal_year: int


def get_initiative_page(initiative_id: int, *, viewer: Actor, engine: Engine | None = None) -> InitiativePage:
    """An initiative with its links and their decisions; NotFoundError if there is none.

    Links to projects of plans hidden from ``viewer`` are left out.
    """
    eng = checked_engine(engine)
    vis = visibility_for(viewer)
    refresh_suggestions(engine=eng)
    with read_session(eng) as session:
        row = session.get(m.Initiative, initiative_id)
        if row is None:
            raise NotFoundError(f"重点施策（ID {initiative_id}）はありません", code="initiative_not_found")
        keys = document_keys(session)
        view = _initiative(
            row,
            _targets(session, [row.id]).get(row.id, []),
            _links(session, [row.id], with_events=True, vis=vis).get(row.id, []),
            keys,
        )
        programme = row.programme
        return InitiativePage(view, programme.id, programme.title, programme.issuer, programme.fiscal_year)
