"""The API's response schemas cannot drift from the services' read models.

Every ``…Public`` schema of ``keikaku.api.schemas`` is either paired here with the read model it is
validated from (``from_attributes``), and then has exactly that model's fields (and the properties named
here), or listed in :data:`API_ONLY` with the reason it has no read model of its own.  A field added to a
read model and not to its schema, or the other way round, fails; so does a new schema not listed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import inspect
import pkgutil

import pytest
from pydantic import BaseModel

from keikaku.api import schemas
from keikaku.api.schemas.common import PublicModel

#: Schema → (read model "sub.module.Class" under keikaku.services, properties of the read model it also shows).
PAIRS: dict[str, tuple[str, tuple[str, ...]]] = {
    "common.SourcePublic": ("core.provenance.SourceRef", ()),
    "edits.EditResultPublic": ("plans.edit.EditResult", ()),
    "edits.CooperativeProjectPublic": ("plans.cooperative.CooperativePublic", ()),
    "edits.CommentPublic": ("publication.state.CommentPublic", ()),
    "edits.AuditEntryPublic": ("governance.audit.AuditRecord", ()),
    "edits.EvaluationCoveragePublic": ("evaluations.publishing.EvaluationCoverage", ("complete", "text")),
    "edits.PublicationStatePublic": ("publication.state.PublicationPublic", ()),
    "edits.PeriodLockPublic": ("actuals.periods.PeriodLockPublic", ()),
    "partners.LinkEventPublic": ("context.partners.LinkEventView", ()),
    "partners.InitiativeLinkPublic": ("context.partners.InitiativeLink", ()),
    "partners.InitiativePublic": ("context.partners.InitiativeView", ()),
    "partners.ProgrammePublic": ("context.partners.ProgrammeView", ()),
    "partners.InitiativePagePublic": ("context.partners.InitiativePage", ()),
    "partners.LinkDecisionPublic": ("context.partner_links.LinkDecision", ()),
    "search.SegmentPublic": ("search.query.Segment", ()),
    "search.SearchHitPublic": ("search.query.SearchHit", ()),
    "search.SearchResultsPublic": ("search.query.SearchResults", ("pages",)),
    "downloads.ReportPublic": ("evaluations.reports.ReportInfo", ()),
    "search.ContextLinePublic": ("context.documents.ContextLine", ()),
    "search.OriginalFilePublic": ("context.documents.OriginalFile", ()),
    "search.FactPublic": ("context.documents.Fact", ()),
    "search.DocumentPublic": ("context.documents.DocumentContext", ()),
    "overview.VisionTargetPublic": ("context.vision.VisionTarget", ()),
    "overview.VisionPublic": ("context.vision.VisionSummary", ()),
    "overview.ChallengeBudgetPublic": ("plans.overview.ChallengeBudget", ()),
    "overview.StatusCountPublic": ("plans.overview.StatusCount", ()),
    "overview.YearBudgetPublic": ("plans.overview.YearBudget", ()),
    "overview.DashboardPublic": ("plans.overview.Dashboard", ()),
    "overview.TreeKpiPublic": ("plans.overview.TreeKpi", ()),
    "overview.TreeNodePublic": ("plans.overview.TreeNode", ()),
    "overview.AimPublic": ("plans.overview.AimView", ()),
    "overview.TreeChallengePublic": ("plans.overview.TreeChallenge", ()),
    "overview.PolicyTreePublic": ("plans.overview.PolicyTree", ()),
    "overview.MatrixCellPublic": ("context.documents.MatrixCell", ()),
    "overview.ThemeRowPublic": ("context.documents.ThemeRow", ()),
    "overview.ColumnPublic": ("context.documents.MatrixColumn", ()),
    "overview.ActionPlanPublic": ("context.documents.ActionPlanMatrix", ()),
    "events.EventImportErrorPublic": ("events.imports.CellError", ()),
    "events.EventImportReportPublic": ("events.imports.ImportReport", ()),
    "events.SurveyImportReportPublic": ("surveys.forms_import.SurveyImportReport", ()),
    "plans.RevisionLabelPublic": ("plans.read.RevisionLabel", ()),
    "plans.PlanSummaryPublic": ("plans.read.PlanSummary", ()),
    "plans.PlanRowPublic": ("plans.read.PlanRowView", ()),
    "plans.SumCheckPublic": ("plans.read.SumCheckView", ("difference",)),
    "plans.WarningPublic": ("plans.read.WarningView", ()),
    "plans.PlanPagePublic": ("plans.read.PlanPage", ("consistent",)),
    "plans.ProjectListItemPublic": ("plans.project_list.ProjectListItem", ()),
    "plans.HistoryEntryPublic": ("plans.kpi_history.HistoryEntry", ()),
    "plans.SeriesPointPublic": ("plans.kpi_history.SeriesPoint", ()),
    "plans.KpiPublic": ("plans.project.KpiView", ()),
    "plans.EventPublic": ("plans.project.EventView", ()),
    "plans.ProjectLinkPublic": ("plans.project.LinkView", ()),
    "plans.ProjectPagePublic": ("plans.project.ProjectPage", ()),
    "plans.KpiEntryPublic": ("plans.kpi_page.KpiEntryPage", ()),
    "users.UserPublic": ("governance.accounts.AccountPublic", ()),
    "communications.MonthFigurePublic": ("communications.analytics.MonthFigure", ()),
    "communications.ListedFirmPublic": ("communications.directories.ListedFirm", ()),
    "communications.ListingPublic": ("communications.firms.Listing", ()),
    "communications.FirmPagePublic": ("communications.firms.FirmPage", ()),
    "cycle.CallPublic": ("cycle.calls.CallPublic", ()),
    "cycle.SubmissionPublic": ("cycle.checklist.SubmissionPublic", ()),
    "cycle.BoardRowPublic": ("cycle.board.BoardRow", ()),
    "cycle.StatusBoardPublic": ("cycle.board.StatusBoard", ()),
    "cycle.ChecklistItemPublic": ("cycle.checklist.ChecklistItem", ()),
    "ingest.RevisionRowPublic": ("plans.revisions.RevisionRow", ()),
    "ingest.RevisionsPublic": ("plans.revisions.RevisionsPage", ()),
    "ingest.UploadPublic": ("exchange.uploads.Upload", ()),
}

#: Schemas with no read model of their own, and why.
API_ONLY = {
    "common.ErrorDetailPublic": "the API's error envelope",
    "common.ErrorPublic": "the API's error envelope",
    "common.PageMetaPublic": "paging metadata of the API's lists (a core.paging.Paged without its items)",
    "edits.AuditPagePublic": "a page of audit records (Paged of AuditRecord)",
    "edits.ChangePublic": "one field of an EditResult's before/after dicts",
    "edits.CommentListPublic": "a list wrapper",
    "edits.CooperativeProjectListPublic": "a list wrapper",
    "edits.KpiTargetStatePublic": "the edit form's state token of one KPI",
    "edits.ProjectEditPublic": "the edit form: a project page cut down to what is editable",
    "imports.ImportCellErrorPublic": "a CellError without the internal 'forbidden' flag",
    "imports.ImportReportPublic": "an import report's public summary",
    "comparison.ComparisonPublic": "built from evaluation.yoy's Comparison, a value type of the engine",
    "downloads.DownloadPublic": "a file offered on /downloads",
    "downloads.DownloadsPublic": "a list wrapper",
    "comparison.KpiChangePublic": "built from evaluation.yoy",
    "comparison.KpiTargetPublic": "built from evaluation.yoy",
    "comparison.MatchPublic": "built from evaluation.yoy",
    "partners.PartnersPublic": "a list wrapper",
    "comparison.PlanItemPublic": "built from evaluation.yoy",
    "downloads.ReportOptionPublic": "a report's option (reports.base.ReportOption)",
    "plans.ActualValuePublic": "an actual's public summary (ActualPublic without evidence, for the public)",
    "plans.PlanFiltersPublic": "the plan page's filters dict",
    "plans.PlanListPublic": "a page of PlanSummary (Paged)",
    "plans.PlanRowsPublic": "a page of PlanRowView (Paged)",
    "plans.ProjectListPublic": "a page of ProjectListItem (Paged)",
    "users.UserListPublic": "a list wrapper",
    "communications.PropertyMonthsPublic": "a web property (its code and name) with its MonthFigure list",
    "communications.DirectoryPublic": "a page of a directory's search: its firms (Paged ListedFirm) and the facets",
    "communications.VisitsPublic": "a page of the visit destinations' search (Paged Visit) and the facets",
    "communications.VisitPublic": "a communications.visits.Visit without its contact (the staff's only)",
    "cycle.CallListPublic": "a list wrapper",
    "cycle.ChecklistPublic": "a Checklist with its progress and its page of items (Paged) flattened",
}


def _schemas() -> dict[str, type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {}
    for info in pkgutil.walk_packages(schemas.__path__, f"{schemas.__name__}."):
        module = importlib.import_module(info.name)
        short = info.name.removeprefix(f"{schemas.__name__}.")
        for name, obj in vars(module).items():
            ours = inspect.isclass(obj) and issubclass(obj, BaseModel) and obj.__module__ == info.name
            if ours and name.endswith("Public"):
                found[f"{short}.{name}"] = obj
    return found


def _read_model(path: str) -> type:
    module, _, name = f"keikaku.services.{path}".rpartition(".")
    return getattr(importlib.import_module(module), name)


def test_every_response_schema_is_paired_or_explained() -> None:
    found = set(_schemas())
    assert found - set(PAIRS) - set(API_ONLY) == set(), "pair these schemas with their read model, or explain"
    assert set(PAIRS) | set(API_ONLY) <= found, "schemas listed here that no longer exist"


@pytest.mark.parametrize("schema", sorted(PAIRS))
def test_a_schema_has_its_read_models_fields(schema: str) -> None:
    model_path, properties = PAIRS[schema]
    model = _read_model(model_path)
    assert dataclasses.is_dataclass(model), model_path
    wanted = {f.name for f in dataclasses.fields(model)} | set(properties)
    for prop in properties:
        assert isinstance(inspect.getattr_static(model, prop), property), f"{model_path}.{prop} is no property"
    assert set(_schemas()[schema].model_fields) == wanted, f"{schema} and {model_path} differ"


@dataclasses.dataclass
class Leaf:
    """A read model of the test below."""

    at: dt.datetime | None
    tags: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Node:
    """A recursive read model of the test below."""

    id: int
    leaves: list[Leaf]
    code: int
    children: list[Node] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Unknown:
    """A dataclass no schema is declared for."""

    value: int


@dataclasses.dataclass
class Orphan:
    """A read model one of whose fields is a dataclass with no schema."""

    leaf: Leaf
    none: Unknown | None


class LeafPublic(PublicModel, read_model=Leaf, defaults=True):
    """A leaf."""


class NodePublic(PublicModel, read_model=Node):
    """A node; its code shown as text."""

    code: str  # the schema's own annotation wins
    extra: int = 0  # and what it adds comes after the read model's fields


def test_a_schema_takes_its_read_models_fields_in_order() -> None:
    assert list(NodePublic.model_fields) == ["id", "leaves", "code", "children", "extra"]
    assert all(f.is_required() for name, f in NodePublic.model_fields.items() if name != "extra")
    assert not LeafPublic.model_fields["tags"].is_required()
    tree = Node(1, [Leaf(dt.datetime(2026, 4, 1, 9))], 7, [Node(2, [], 8)])
    with pytest.raises(ValueError, match="string"):
        NodePublic.model_validate(tree)  # code is an int in the read model, text in the schema
    tree.code, tree.children[0].code = "7", "8"  # type: ignore[assignment]
    assert NodePublic.model_validate(tree).model_dump(mode="json") == {
        "id": 1,
        "leaves": [{"at": "2026-04-01T09:00:00Z", "tags": []}],  # a moment with its offset
        "code": "7",
        "children": [{"id": 2, "leaves": [], "code": "8", "children": [], "extra": 0}],
        "extra": 0,
    }
    with pytest.raises(TypeError, match="has a response schema already"):

        class _AgainPublic(PublicModel, read_model=Leaf):
            """A second schema of one read model."""

    for _ in range(2):  # and a failed declaration leaves nothing behind
        with pytest.raises(TypeError, match="Unknown has no response schema"):

            class _OrphanPublic(PublicModel, read_model=Orphan):
                """Refers to a read model with no schema."""
