"""The three-year action plan (アクションプラン): themes × periods × actors."""

from enum import StrEnum

from pydantic import Field

from keikaku.domain.base import DomainModel
from keikaku.domain.provenance import Provenance


class Actor(StrEnum):
    """Who acts in a matrix cell: the union (関西広域連合) or the member governments (構成府県市)."""

    UNION = "union"
    MEMBER_GOVERNMENTS = "member_governments"


class ThemeEntry(DomainModel):
    """One cell of a theme's matrix: a period (``2024``, ``2025``, ``2026-``) and an actor."""

    period: str
    actor: Actor
    theme_of_period: str | None = None
    actions: list[str] = Field(default_factory=list)
    provenance: Provenance | None = None


class Theme(DomainModel):
    """One of the action plan's themes (取組項目) with its desired state (ありたい姿)."""

    name: str
    desired_state: str | None = None
    entries: list[ThemeEntry] = Field(default_factory=list)
    provenance: Provenance | None = None


class ActionPlan(DomainModel):
    """The action plan: its title, publication, covered fiscal years and themes."""

    title: str | None = None
    issuer: str | None = None
    published: str | None = None
    start_fiscal_year: int | None = None
    end_fiscal_year: int | None = None
    themes: list[Theme] = Field(default_factory=list)
    provenance: Provenance | None = None
