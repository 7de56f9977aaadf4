"""Communications pages: web analytics per property (monthly chart, imports), the registries of activity,
the newsletter's issues, the directories of firms and a firm's page.  Counts are public; who entered or
imported what is shown to the owning department's staff only; the forms are staff's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Engine

from keikaku.api.deps import ActorDep, EngineDep, Id, PageQuery, PerPageQuery
from keikaku.api.routers.imports import read_upload
from keikaku.services.communications.analytics import (
    add_property,
    departments_for,
    import_analytics,
    import_log,
    list_properties,
    monthly_figures,
)
from keikaku.services.communications.directories import PER_PAGE as FIRMS_PER_PAGE
from keikaku.services.communications.directories import import_directory, search_directory
from keikaku.services.communications.evidence import attach_evidence, entry_evidence
from keikaku.services.communications.figures import DIRECTORIES, KINDS
from keikaku.services.communications.firms import firm_page
from keikaku.services.communications.measures import bind_communication_measure
from keikaku.services.communications.newsletter import add_issue, add_reader_survey, issue_page, list_issues
from keikaku.services.communications.registries import (
    KIND_LABELS,
    EntryForm,
    add_entry,
    import_entries,
    list_entries,
)
from keikaku.services.communications.visits import VISITS, VISITS_NAME, import_visits, search_visits
from keikaku.services.core.actors import Actor, Permission
from keikaku.services.core.errors import NotFoundError, PermissionDeniedError, ServiceError
from keikaku.services.exchange import exporters
from keikaku.services.exchange.exporters import attachment
from keikaku.services.measures.coverage import kpi_coverage
from keikaku.web.charts import Bar, column_chart
from keikaku.web.render import query_string, render
from keikaku.web.routers.form_posts import errors_page, see_other, submit

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Form(max_length=1000)]
Upload = Annotated[UploadFile | None, File()]


def _page(
    request: Request,
    actor: ActorDep,
    engine: EngineDep,
    *,
    message: str | None = None,
    status: int = 200,
    notice: str | None = None,
) -> HTMLResponse:
    properties = []
    for prop in list_properties(engine=engine):
        _p, months = monthly_figures(prop.code, engine=engine)
        bars = [Bar(m.month.strftime("%Y-%m"), m.views, f"{m.views:,}") for m in months]
        chart = column_chart(
            bars,
            title=f"{prop.name} 月別閲覧数",
            desc="、".join(f"{b.label}: {b.text}" for b in bars) or "データなし",
            axis=lambda v: f"{v:,.0f}",
        )
        properties.append((prop, months, chart, import_log(prop.code, viewer=actor, engine=engine)))
    context = {
        "properties": properties,
        "entries": {kind: list_entries(kind, viewer=actor, engine=engine) for kind in KIND_LABELS},
        "kind_labels": KIND_LABELS,
        "issues": [issue_page(i.id, viewer=actor, engine=engine) for i in list_issues(viewer=actor, engine=engine)],
        "directories": {**DIRECTORIES, VISITS: VISITS_NAME},
        "staff": actor.can_anywhere(Permission.MANAGE_COMMUNICATIONS),
        "departments": departments_for(actor, engine=engine),
        "coverage": kpi_coverage(viewer=actor, engine=engine),
        "measure_kinds": KINDS,
        "can_bind": actor.can_anywhere(Permission.RECORD_ACTUAL),
        "notice": notice,
    }
    return errors_page(request, actor, "communications.html", context, message=message, status=status)


@router.get("/communications", response_class=HTMLResponse)
def overview(request: Request, engine: EngineDep, actor: ActorDep) -> HTMLResponse:
    """Page views per property and month, the registries, the newsletter; staff forms for those who may."""
    return _page(request, actor, engine, notice=request.query_params.get("done", "")[:200] or None)


def _submit(
    request: Request,
    actor: Actor,
    engine: Engine | None,
    work: Callable[[], object],
    to: str | Callable[[Any], str],
    *,
    passes: tuple[type[ServiceError], ...] = (PermissionDeniedError,),
    staff_only: bool = True,
) -> Response:
    """Run a form's service call (:func:`~keikaku.web.routers.form_posts.submit`), the communications staff's
    only unless ``staff_only`` is false: a refusal in ``passes`` propagates (403, 404), any other service error
    shows the page again with its message, and success redirects to ``to`` (or to ``to(result)``)."""
    if staff_only:
        _staff(actor)
    return submit(
        work,
        lambda result: see_other(to if isinstance(to, str) else to(result)),
        lambda exc: _page(request, actor, engine, message=exc.message, status=exc.http_status),
        passes=passes,
    )


def _staff(actor: ActorDep) -> None:
    if not actor.can_anywhere(Permission.MANAGE_COMMUNICATIONS):
        raise PermissionDeniedError("この操作を行う権限がありません", details={"permission": "manage_communications"})


@router.post("/communications/analytics", response_class=HTMLResponse)
def analytics_upload(
    *,
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    file: Upload = None,
    property_code: Text = "",
    period: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Import a GA4 / Matomo export for a property (the page again with every error when nothing was stored)."""

    def work() -> object:
        name, content = read_upload(file)
        return import_analytics(property_code, name, content, period=period or None, actor=actor, engine=engine)

    return _submit(request, actor, engine, work, lambda result: f"/communications?done=analytics.{result.outcome}")


@router.post("/communications/properties", response_class=HTMLResponse)
def property_add(
    *,
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    code: Text = "",
    name: Text = "",
    url: Text = "",
    department: Text = "",
) -> Response:
    """Register a web property of a department."""

    def work() -> None:
        add_property(code, name, department, url=url or None, actor=actor, engine=engine)

    return _submit(request, actor, engine, work, "/communications?done=property.added")


@router.post("/communications/measures", response_class=HTMLResponse)
def measure_bind(
    *,
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    kpi_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
    kind: Text = "",
    property_code: Text = "",
    pages: Text = "",
    media: Text = "",
    audience: Text = "",
    option: Text = "",
) -> Response:
    """Bind a KPI to a communications measure and compute it (``option``: the directory, ranking or event
    kind the measure names); then the KPI's measure page."""

    def work() -> None:
        bind_communication_measure(
            kpi_id,
            kind,
            property_code=property_code or None,
            pages=pages.split(),
            media=[m for m in media.split(",") if m.strip()],
            audience=audience or None,
            directory=option or None,
            ranking=option or None,
            event_kind=option or None,
            compute=True,
            actor=actor,
            engine=engine,
        )

    return _submit(request, actor, engine, work, f"/kpis/{kpi_id}/measure", staff_only=False)


@router.post("/communications/entries", response_class=HTMLResponse)
def entry_add(
    *,
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    kind: Text = "",
    entry_date: Text = "",
    medium: Text = "",
    title: Text = "",
    url: Text = "",
    audience: Text = "",
    department: Text = "",
    evidence: Upload = None,
) -> Response:
    """Add a listing, a post or a PR occurrence, with its evidence (a URL, a file, or both)."""

    def work() -> None:
        given = read_upload(evidence) if evidence is not None and evidence.filename else None
        form = EntryForm(kind, entry_date, medium, title, url, audience)
        add_entry(form, department, evidence=given, actor=actor, engine=engine)

    return _submit(request, actor, engine, work, "/communications?done=entry.added")


@router.post("/communications/entries/import", response_class=HTMLResponse)
def entry_import(
    *, request: Request, engine: EngineDep, actor: ActorDep, file: Upload = None, kind: Text = "", department: Text = ""
) -> Response:
    """Import entries of one kind from CSV/XLSX (all or nothing)."""

    def work() -> None:
        name, content = read_upload(file)
        import_entries(kind, name, content, department, actor=actor, engine=engine)

    return _submit(request, actor, engine, work, "/communications?done=entry.imported")


@router.post("/communications/directories/import", response_class=HTMLResponse)
def directory_import(
    *,
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    file: Upload = None,
    directory: Text = "",
    department: Text = "",
) -> Response:
    """Import firms into a directory from CSV/XLSX (all or nothing, every error listed)."""

    def work() -> None:
        name, content = read_upload(file)
        if directory == VISITS:
            import_visits(name, content, department, actor=actor, engine=engine)
        else:
            import_directory(directory, name, content, department, actor=actor, engine=engine)

    return _submit(request, actor, engine, work, "/communications?done=directory.imported")


@router.post("/communications/entries/{record_id}/evidence", response_class=HTMLResponse)
def evidence_attach(
    *, request: Request, record_id: Id, engine: EngineDep, actor: ActorDep, file: Upload = None
) -> Response:
    """Give an entry its evidence file (one imported from a spreadsheet, say); a later file replaces it."""

    def work() -> None:
        name, content = read_upload(file)
        attach_evidence(record_id, name, content, actor=actor, engine=engine)

    return _submit(
        request,
        actor,
        engine,
        work,
        "/communications?done=entry.evidence",
        passes=(PermissionDeniedError, NotFoundError),
    )


@router.get("/communications/entries/{record_id}/evidence")
def evidence_download(record_id: Id, engine: EngineDep, actor: ActorDep) -> Response:
    """A registry entry's evidence file, for the owning department's staff."""
    file = entry_evidence(record_id, actor=actor, engine=engine)
    headers = {"Content-Disposition": attachment(file.filename), "Cache-Control": "private, no-store"}
    return Response(file.content, media_type=file.media_type, headers=headers)


def _export(exporter: str, fmt: str, options: dict[str, Any], actor: Actor, engine: Engine | None) -> Response:
    """An exporter's file as a download, named by the exporter."""
    file = exporters.get(exporter).render(fmt, options, actor=actor, engine=engine)
    headers = {"content-disposition": attachment(file.filename)}
    return Response(file.content, media_type=file.media_type, headers=headers)


@router.get("/communications/entries/{kind}.csv")
def entry_export(kind: str, engine: EngineDep, actor: ActorDep) -> Response:
    """The staff's CSV of a registry with who entered each entry (an audit record)."""
    if kind not in KIND_LABELS:
        raise NotFoundError("その記録はありません")
    return _export("registry_entries", "csv", {"kind": kind}, actor, engine)


@router.post("/communications/newsletter", response_class=HTMLResponse)
def newsletter_add(
    *,
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    number: Text = "",
    issue_date: Text = "",
    theme: Text = "",
    copies: Text = "",
    subscribers: Text = "",
    department: Text = "",
    published: Text = "",
) -> Response:
    """Record a newsletter issue."""

    def work() -> None:
        add_issue(
            number,
            issue_date,
            theme,
            department,
            copies=copies,
            subscribers=subscribers,
            published=published == "yes",
            actor=actor,
            engine=engine,
        )

    return _submit(request, actor, engine, work, "/communications?done=newsletter.added")


@router.post("/communications/newsletter/{issue_id}/survey")
def newsletter_survey(issue_id: Id, engine: EngineDep, actor: ActorDep) -> Response:
    """Give an issue its reader survey (the public link appears once the issue is published)."""
    add_reader_survey(issue_id, actor=actor, engine=engine)
    return see_other("/communications?done=newsletter.survey")


def _facets(request: Request, *names: str) -> dict[str, str | None]:
    return {name: request.query_params.get(name, "")[:200] or None for name in names}


@router.get("/directories/{directory}/export")
def directory_export(request: Request, directory: str, engine: EngineDep, actor: ActorDep) -> Response:
    """A directory (matching ``q`` and the facets) as CSV with BOM (``?format=csv``) or XLSX
    (``?format=xlsx``); the visit destinations' contacts with ``?contact=1`` for staff (an audit record)."""
    fmt = request.query_params.get("format", "csv")[:8]
    q = request.query_params.get("q", "")[:200]
    options = {"directory": directory[:40], "q": q, "with_contact": request.query_params.get("contact") == "1"}
    if directory != VISITS:
        options["filters"] = _facets(request, "prefecture", "industry", "award")
    return _export("directory", fmt, options, actor, engine)


@router.get("/directories/{directory}", response_class=HTMLResponse)
def directory(
    *,
    request: Request,
    directory: str,
    engine: EngineDep,
    actor: ActorDep,
    page: PageQuery = 1,
    per_page: PerPageQuery = FIRMS_PER_PAGE,
) -> HTMLResponse:
    """A page of a directory with Japanese search and facets (firms: prefecture, industry, award; visit
    destinations: prefecture, language); the page links keep the search and the chosen values."""
    q = request.query_params.get("q", "")[:200]
    if directory == VISITS:
        chosen = _facets(request, "prefecture", "languages")
        visits, facets = search_visits(
            q,
            prefecture=chosen["prefecture"],
            language=chosen["languages"],
            page=page,
            per_page=per_page,
            viewer=actor,
            engine=engine,
        )
        staff = actor.can_anywhere(Permission.MANAGE_COMMUNICATIONS)
        context: dict[str, object] = {"code": VISITS, "name": VISITS_NAME, "visits": visits, "facets": facets}
        context |= {"q": q, "chosen": chosen, "staff": staff}
        return render(
            request, actor, "visits.html", context, json_url="/api/v1/visit-destinations" + query_string(request)
        )
    chosen = _facets(request, "prefecture", "industry", "award")
    firms, facets = search_directory(directory[:40], q, page=page, per_page=per_page, engine=engine, **chosen)
    context = {"code": directory, "name": DIRECTORIES[directory], "firms": firms, "facets": facets, "q": q}
    context |= {"chosen": chosen}
    return render(
        request,
        actor,
        "directory.html",
        context,
        json_url=f"/api/v1/directories/{directory[:40]}" + query_string(request),
    )


@router.get("/firms/{entry_id}", response_class=HTMLResponse)
def firm(request: Request, entry_id: Id, engine: EngineDep, actor: ActorDep) -> HTMLResponse:
    """A listed firm: its facts, its directories, counts of its consultations, events and meetings, and its
    database listings (the same counts as its JSON twin, from the same service)."""
    page = firm_page(entry_id, engine=engine)
    return render(request, actor, "firm.html", {"page": page}, json_url=f"/api/v1/firms/{entry_id}")
