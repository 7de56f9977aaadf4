"""The interchange bundle: everything keikaku reads or writes as one JSON document."""

from enum import StrEnum

from pydantic import Field

from keikaku.domain.action_plan import ActionPlan
from keikaku.domain.base import DomainModel
from keikaku.domain.partner import PartnerPriorities
from keikaku.domain.plan import Plan
from keikaku.domain.provenance import Warning
from keikaku.domain.vision import Vision


class DocumentKind(StrEnum):
    """The kinds of source document keikaku knows."""

    BUSINESS_PLAN = "business_plan"
    VISION = "vision"
    ACTION_PLAN = "action_plan"
    PARTNER_PRIORITIES = "partner_priorities"
    OTHER = "other"


class DocumentRef(DomainModel):
    """A source document: ``id`` is what provenance records refer to."""

    id: str | None = None
    title: str | None = None
    issuer: str | None = None
    kind: DocumentKind
    fiscal_year: int | None = None
    published: str | None = None
    sha256: str | None = None
    path: str | None = None
    pages: int | None = None
    lines: int | None = None


class PlanData(DomainModel):
    """A bundle in the interchange format (``shared/spec/plan-data.schema.json``)."""

    documents: list[DocumentRef] = Field(default_factory=list)
    vision: Vision | None = None
    action_plan: ActionPlan | None = None
    partner_priorities: list[PartnerPriorities] = Field(default_factory=list)
    plans: list[Plan] = Field(default_factory=list)
    warnings: list[Warning] = Field(default_factory=list)

    def to_json_dict(self) -> dict[str, object]:
        """JSON-ready dict in the interchange format (ISO dates, no None-only noise removed)."""
        return self.model_dump(mode="json", exclude_none=False)
