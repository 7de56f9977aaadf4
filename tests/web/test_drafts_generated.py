"""Generated from the app's route table: no GET route shows the public anything of a draft plan.

Every GET route is tried as the public visitor.  A route whose path names a plan, project, KPI or document
is filled with the draft's and must answer 404 (or send an anonymous visitor to the login page, for staff
pages).  A route without such a parameter, asked for the draft's fiscal year and word, must not answer with
the draft's project or title (the search box may repeat the word typed).  A route with any other parameter must be listed in :data:`UNRELATED`
with the reason it cannot show a plan, so that a new route cannot be forgotten.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from tests.services.drafts import WORD, Draft, add_draft_plan
from tests.web.conftest import make_client
from tests.web.test_route_matrix import routes

from keikaku.services.core.actors import PUBLIC
from keikaku.services.search.index import forget_checks
from keikaku.web import create_app
from keikaku.web.settings import WebSettings

#: Parameters that name (a part of) a plan, filled with the draft's.
NAMING = {"plan_id", "project_id", "kpi_id", "key"}
#: Parameters that cannot name a plan, and why; a route with any other parameter fails until listed here.
UNRELATED = {
    "initiative_id": "a partner initiative belongs to the partner agency's programme, not to a plan",
    "code": "a language code",
    "event_id": "a managed event has its own publication (tests/events: an unpublished event is not found)",
    "token": "a participant's or respondent's secret link, not an id to guess",
    "survey_id": "a questionnaire of a managed event (its import page is the event's staff's: the route matrix)",
    "directory": "a directory of firms, which is no plan's (tests/communications)",
    "kind": "a kind of registry entry (listing, post, pr)",
    "entry_id": "a firm listed in a directory, not a plan's",
    "record_id": "a registry entry (its evidence file is its department's staff's: the route matrix)",
    "issue_id": "a newsletter issue, published on its own",
    "property_code": "a web-analytics property, not a plan's",
    "username": "an account (administrators only; the route matrix checks who may open it)",
    "fiscal_year": "a call for actuals' year: its board and checklists are staff's only (the route matrix)",
    "fmt": "filled with json/csv: an export of the draft's year must not contain it (checked below)",
    "case_id": "a consultation of the co-creation platform: not a plan's; staff only (the route matrix)",
    "interview_id": "an interview (面談) of the co-creation platform: not a plan's; staff only (the route matrix)",
    "attachment_id": "a file of a consultation's log: not a plan's; staff only (the route matrix)",
    "seed_id": "an institution's seed of the co-creation platform: not a plan's; staff only (the route matrix)",
    "identifier": "a report type: filled with evaluation/comparison (checked below)",
    "upload_id": "a document (or an institution's equipment list) uploaded for review: its uploader's and the "
    "administrators' only (the route matrix)",
    "institution_id": "a member institution of the co-creation platform: not a plan's; staff only (the route matrix)",
    "page": "a page of the document named by key, which is filled with the draft's (tests/web/test_sources.py)",
}
FILL = {
    "fmt": "json",
    "identifier": "evaluation",
    "code": "ja",
    "directory": "kansai_companies",
    "kind": "post",
    "entry_id": "1",
    "record_id": "1",
    "upload_id": "0" * 32,
    "property_code": "overseas",
    "fiscal_year": "2027",
    "page": "1",
}
#: Query parameters a route needs to answer at all (the rest is ignored by routes that don't take it).
QUERY = "fiscal_year=2027&before=2026&after=2027&format=html&q=" + WORD + "&line=2"
#: Texts found only in the draft plan.
DRAFT_TEXTS = ("量子技術の実装支援", "量子技術事業計画")
#: What the public may be told instead of 404 on a page that names a draft: staff pages send it to log in.
REFUSED = {404, 401, 403, 303}


@pytest.fixture
def public(loaded_engine: Engine) -> Iterator[tuple[TestClient, Draft]]:
    draft = add_draft_plan(loaded_engine)
    forget_checks()
    with make_client(loaded_engine, PUBLIC) as client:
        yield client, draft
    forget_checks()


def _gets() -> list[str]:
    app = create_app(WebSettings())
    return sorted({path for method, path in routes(app) if method == "GET"})


def test_every_parameter_is_classified() -> None:
    unknown = {
        (path, name)
        for path in _gets()
        for name in re.findall(r"{(\w+)}", path)
        if name not in NAMING and name not in UNRELATED
    }
    assert not unknown, f"classify these path parameters in UNRELATED or NAMING: {sorted(unknown)}"


def test_no_route_shows_the_public_a_draft(public: tuple[TestClient, Draft]) -> None:
    client, draft = public
    values = {"plan_id": draft.plan, "project_id": draft.project, "kpi_id": draft.kpi, "key": draft.document}
    leaks = []
    for path in _gets():
        names = set(re.findall(r"{(\w+)}", path))
        staff_only = {"case_id", "survey_id", "interview_id", "seed_id", "attachment_id", "institution_id"}
        if names & {"initiative_id", "event_id", "token", "username", *staff_only}:
            continue  # not a plan's (see UNRELATED)
        url = path.format(**{**FILL, **values}) + "?" + QUERY
        response = client.get(url, follow_redirects=False)
        if names & NAMING:
            if response.status_code not in REFUSED:
                leaks.append(f"{url}: {response.status_code}")
        else:
            body = response.content.decode("utf-8", errors="replace")
            leaks.extend(f"{url}: shows {text}" for text in DRAFT_TEXTS if text in body)
    assert not leaks, "the public sees the draft on: " + "; ".join(leaks)
