"""Schemas of the partner agency's priorities and their links to the union's projects and themes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from keikaku.api.schemas.common import Moment, PublicModel, SourcePublic


class LinkEventPublic(PublicModel):
    """A decision about a link."""

    action: str
    state_before: str | None
    state_after: str
    actor: str
    note: str | None
    at: Moment


class InitiativeLinkPublic(PublicModel):
    """A link from an initiative to a union project or an action-plan theme."""

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
    decided_at: Moment | None
    events: list[LinkEventPublic]


class InitiativePublic(PublicModel):
    """A partner initiative with its targets and links."""

    id: int
    name: str
    code: str | None
    parent: str | None
    priority_area: str | None
    department: str | None
    phone: str | None
    targets: list[str]
    links: list[InitiativeLinkPublic]
    source: SourcePublic | None


class ProgrammePublic(PublicModel):
    """A partner agency's priorities for one fiscal year."""

    id: int
    issuer: str
    fiscal_year: int
    title: str | None
    priority_areas: list[str]
    initiatives: list[InitiativePublic]
    source: SourcePublic | None


class PartnersPublic(BaseModel):
    """Every current partner programme."""

    programmes: list[ProgrammePublic]


class InitiativePagePublic(PublicModel):
    """One initiative with the history of its links' decisions."""

    initiative: InitiativePublic
    programme_id: int
    programme_title: str | None
    issuer: str
    fiscal_year: int


class LinkDecisionCreate(BaseModel):
    """A curator's decision about a link."""

    action: Literal["confirm", "remove", "restore"]
    note: str = Field("", max_length=1000)


class LinkDecisionPublic(PublicModel):
    """The link after a decision."""

    link_id: int
    initiative_id: int
    state: str
    changed: bool
    decided_by: str
    decided_at: Moment | None
