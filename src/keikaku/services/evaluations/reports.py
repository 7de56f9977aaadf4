"""Rendering reports: the service side of the report contract.

:class:`DatabaseReportSource` answers a report's questions (an evaluation, a comparison) from the
database; :func:`render_report` looks the report up in the registry, checks the options and renders.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Engine

from keikaku.evaluation.views import PlanEvaluation
from keikaku.evaluation.yoy import Comparison
from keikaku.reports import RenderedReport, ReportOptionError, all_reports, get
from keikaku.reports.base import ReportOption
from keikaku.services.core.actors import PUBLIC, Actor, Permission, require
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import NotFoundError, ValidationError
from keikaku.services.evaluations.run import evaluate_fiscal_year
from keikaku.services.plans.compare import compare_fiscal_years
from keikaku.services.publication.visibility import visibility_for
from keikaku.storage.uow import read_session


@dataclass(frozen=True)
class ReportInfo:
    """A registered report as the CLI, the web and the docs list it."""

    identifier: str
    title: str
    description: str
    options: tuple[ReportOption, ...]


class DatabaseReportSource:
    """The :class:`~keikaku.reports.base.ReportSource` over the database, acting as (and seen by) one actor.

    The actor sees only the plans and evaluations published to it: a hidden plan is a missing plan, and an
    evaluation not yet published cannot be reported on.
    """

    def __init__(self, actor: Actor, engine: Engine | None = None) -> None:
        self.actor = actor
        self.engine = engine

    def evaluation(self, fiscal_year: int, issuer: str | None = None) -> PlanEvaluation:
        """The evaluation of the year's plan; several plans need ``issuer``."""
        evaluations = evaluate_fiscal_year(
            fiscal_year, issuer=issuer, actor=self.actor, visible_to=self.actor, engine=self.engine
        )
        vis = visibility_for(self.actor)
        if not vis.draft_evaluations:
            with read_session(ensure_schema(self.engine)) as session:
                evaluations = [e for e in evaluations if vis.evaluation_visible(session, e.plan_id, fiscal_year)]
            if not evaluations:
                raise NotFoundError(f"{fiscal_year}年度の評価は公表されていません", code="evaluation_not_published")
        if len(evaluations) > 1:
            issuers = "、".join(e.issuer or "" for e in evaluations)
            raise ValidationError(
                f"{fiscal_year}年度には計画が {len(evaluations)} 件あります。発行者を指定してください（{issuers}）",
                code="issuer_required",
            )
        return evaluations[0]

    def is_draft(self, plan_id: int, fiscal_year: int) -> bool:
        """Whether the public cannot read this evaluation yet: staff's report of it is a preview (案)."""
        with read_session(ensure_schema(self.engine)) as session:
            return not visibility_for(PUBLIC).evaluation_visible(session, plan_id, fiscal_year)

    def comparison(self, before: int, after: int, issuer: str | None = None) -> Comparison:
        """The comparison of two years' plans."""
        require(self.actor, Permission.VIEW)
        return compare_fiscal_years(before, after, viewer=self.actor, issuer=issuer, engine=self.engine)


def list_reports() -> list[ReportInfo]:
    """Every registered report type."""
    return [ReportInfo(r.identifier, r.title, r.description, r.options) for r in all_reports()]


def render_report(
    identifier: str, options: Mapping[str, object], *, actor: Actor = PUBLIC, engine: Engine | None = None
) -> RenderedReport:
    """Render a registered report with the given options (strings are parsed; unknown options are errors)."""
    require(actor, Permission.VIEW)
    try:
        report = get(identifier)
    except KeyError as exc:
        raise NotFoundError(str(exc.args[0]), code="report_not_found") from None
    try:
        parsed = report.parse_options(options)
    except ReportOptionError as exc:
        raise ValidationError(str(exc), code="invalid_report_option") from None
    return report.render(DatabaseReportSource(actor, engine), parsed)
