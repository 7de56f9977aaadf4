"""Schemas of the partner agency's priorities and their links to the union's projects and themes: each takes its
fields from its read model in :mod:`keikaku.services.context.partners` (``read_model=``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from keikaku.api.schemas.common import PublicModel
from keikaku.services.context import partners as views
from keikaku.services.context.partner_links import LinkDecision


class LinkEventPublic(PublicModel, read_model=views.LinkEventView):
    """A decision about a link."""


class InitiativeLinkPublic(PublicModel, read_model=views.InitiativeLink):
    """A link from an initiative to a union project or an action-plan theme."""


class InitiativePublic(PublicModel, read_model=views.InitiativeView):
    """A partner initiative with its targets and links."""


class ProgrammePublic(PublicModel, read_model=views.ProgrammeView):
    """A partner agency's priorities for one fiscal year."""


class PartnersPublic(BaseModel):
    """Every current partner programme."""

    programmes: list[ProgrammePublic]


class InitiativePagePublic(PublicModel, read_model=views.InitiativePage):
    """One initiative with the history of its links' decisions."""


class LinkDecisionCreate(BaseModel):
    """A curator's decision about a link."""

    action: Literal["confirm", "remove", "restore"]
    note: str = Field("", max_length=1000)


class LinkDecisionPublic(PublicModel, read_model=LinkDecision):
    """The link after a decision."""
