"""Pure domain model of keikaku: plans, projects, KPIs, vision, action plan, partner priorities.

Nothing here imports another keikaku package; everything else depends on this.
The Pydantic models double as the interchange format (``shared/spec/plan-data.schema.json``).
"""

from keikaku.domain.action_plan import ActionPlan, Actor, Theme, ThemeEntry
from keikaku.domain.bundle import DocumentKind, DocumentRef, PlanData
from keikaku.domain.kpi import Comparator, Kpi, KpiReference
from keikaku.domain.partner import Initiative, PartnerPriorities
from keikaku.domain.plan import Component, CooperativeProject, Event, Plan, Project
from keikaku.domain.provenance import Provenance, Warning, WarningCode
from keikaku.domain.vision import Aim, Challenge, Vision

__all__ = [
    "ActionPlan",
    "Actor",
    "Aim",
    "Challenge",
    "Comparator",
    "Component",
    "CooperativeProject",
    "DocumentKind",
    "DocumentRef",
    "Event",
    "Initiative",
    "Kpi",
    "KpiReference",
    "PartnerPriorities",
    "Plan",
    "PlanData",
    "Project",
    "Provenance",
    "Theme",
    "ThemeEntry",
    "Vision",
    "Warning",
    "WarningCode",
]
