"""A partner agency's priorities (e.g. 近畿経済産業局 重点施策) and their initiatives."""

from pydantic import Field

from keikaku.domain.base import DomainModel
from keikaku.domain.kpi import Kpi
from keikaku.domain.provenance import Provenance


class Initiative(DomainModel):
    """One initiative (重点取組) with its contact department and phone and its numeric targets."""

    name: str
    code: str | None = None
    parent: str | None = None
    priority_area: str | None = None
    department: str | None = None
    phone: str | None = None
    targets: list[Kpi] = Field(default_factory=list)
    provenance: Provenance | None = None


class PartnerPriorities(DomainModel):
    """A partner agency's priorities for one fiscal year."""

    issuer: str
    fiscal_year: int
    title: str | None = None
    priority_areas: list[str] = Field(default_factory=list)
    initiatives: list[Initiative] = Field(default_factory=list)
    provenance: Provenance | None = None
