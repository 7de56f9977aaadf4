"""Every route × every role: allowed where it should be; 403, 401 or a login redirect everywhere else, and
then the database is exactly as it was.

The routes are read from the app itself, so a new route without a line in :data:`RULES` fails the test:
whoever adds a route must say here who may use it.  Each role is a real account logged in through the
login form (the public visitor is not logged in); requests carry a valid CSRF token, so that what is
tested is the role, not the CSRF check (tested in test_login.py and tests/security).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from tests.db_fingerprint import changed_tables, fingerprint

from keikaku.services.core.actors import PUBLIC, Role
from keikaku.services.exchange.initialize import initialize_database
from keikaku.storage import models as m
from keikaku.storage import web_models
from keikaku.storage.engine import make_engine
from keikaku.storage.uow import read_session
from keikaku.web import create_app
from keikaku.web.rate_limit import Rate
from keikaku.web.settings import WebSettings

from .conftest import add_user, csrf_from, login

ALL = frozenset({"public", "council", "contributor", "editor", "editor_other", "admin", "coordinator"})
STAFF = ALL - {"public"}
#: Signed-in staff who may read drafts of plans (a coordinator works on cases only).
PLAN_STAFF = STAFF - {"coordinator"}
ADMIN = frozenset({"admin"})
EDITORS = frozenset({"admin", "editor"})
COOPERATORS = frozenset({"admin", "contributor"})
COUNCIL = frozenset({"admin", "council"})
UPLOADERS = frozenset({"admin", "editor", "editor_other"})
#: A case's contents: coordinators, the platform's department (ものづくり支援課: "editor") and administrators.
CASES = frozenset({"admin", "editor", "coordinator"})
DONE = (200, 303)


@dataclass(frozen=True)
class Rule:
    """Who may use a route, and a request that is valid for it (so that only the role decides)."""

    allowed: frozenset[str]
    form: dict[str, str] | None = None
    json: dict[str, Any] | None = None
    query: str = ""
    #: Allowed roles get one of these statuses (redirects are not followed).
    ok: tuple[int, ...] = (200,)
    #: What a refused public visitor gets: 403, 401, or 303 to the login page.
    public_refusal: tuple[int, ...] = (403, 401, 303)
    #: What a refused signed-in role gets (404 where even the existence of a draft is not told).
    refusal: tuple[int, ...] = (403,)
    #: Path parameters that differ from the shared ones (e.g. another fiscal year).
    override: dict[str, str] = field(default_factory=dict)
    #: Send the entry workbook with a value for the shared KPI as the multipart field ``file``.
    upload: bool = False
    #: Send this text as the CSV file ``file`` (with ``form`` as the other fields).
    file_text: str | None = None


GA4_MATRIX = "# Start date: 20260501\n# End date: 20260531\nPage path and screen class,Views\n/,10\n"
FIRMS_MATRIX = "企業名,法人番号,府県,掲載年度\n行列工業株式会社,,京都府,2026\n"
POSTS_MATRIX = "日付,媒体,タイトル,URL\n2026-05-01,X,一括投稿,\n"
PARTICIPANTS_MATRIX = "氏名,メール,所属\n行列 花子,hanako@example.jp,株式会社ケイカク\n"
MEETINGS_MATRIX = "企業名,法人番号,相手先,日時,状態\n株式会社ケイカク,1010401011569,Acme Inc.,{event_day} 10:00,実施\n"
JUNK_DOCUMENT = "行列試験のメモ。計画書ではありません。\n"
MATRIX_CASE = {
    "firm": "行列試験株式会社",
    "corporate_number": "{corporate_number}",
    "topic": "相談{n}",
    "field": "材料",
    "phase": "技術開発",
}
MATRIX_INSTITUTION = {"name": "行列機関{counter}", "prefecture": "大阪府", "kind": "公設試", "fee_own": "0.8"}
EQUIPMENT_MATRIX = "機器名,分類,利用形態,料金\n行列試験機,材料試験,機器使用,1000\n"
EQUIPMENT_UPLOAD = {"upload_id": "{equipment_upload_id}"}
FORMS_MATRIX = "タイムスタンプ,本日の内容は役に立ちましたか\n2026/10/07 10:00:00,とても役に立った\n"


def read(**kw: Any) -> Rule:
    return Rule(ALL, **kw)


RULES: dict[tuple[str, str], Rule] = {
    # Public reading (published data; publication itself is tested in test_publication_web.py).
    ("GET", "/"): read(),
    ("GET", "/tree"): read(),
    ("GET", "/compare"): read(),
    ("GET", "/action-plan"): read(),
    ("GET", "/documents/{key}"): read(query="?line={line}"),
    # The original is a published document's: whoever may read the document (its plans' drafts: staff).
    ("GET", "/documents/{key}/pages/{page}.png"): read(query="?line={line}"),
    ("GET", "/documents/{key}/original"): read(),
    ("GET", "/plans"): read(),
    ("GET", "/plans/{plan_id}"): read(),
    ("GET", "/projects"): read(),
    ("GET", "/projects/{project_id}"): read(),
    ("GET", "/kpis/{kpi_id}"): read(),
    ("GET", "/partners"): read(),
    ("GET", "/partners/initiatives/{initiative_id}"): read(),
    ("GET", "/search"): read(query="?q=水素"),
    ("GET", "/downloads"): read(),
    ("GET", "/lang/{code}"): read(ok=(303,)),
    ("GET", "/api/v1/docs"): read(),
    ("GET", "/api/v1/openapi.json"): read(),
    ("GET", "/api/v1/dashboard"): read(),
    ("GET", "/api/v1/tree"): read(),
    ("GET", "/api/v1/action-plan"): read(),
    ("GET", "/api/v1/compare"): read(),
    ("GET", "/api/v1/plans"): read(),
    ("GET", "/api/v1/plans/{plan_id}"): read(),
    ("GET", "/api/v1/projects"): read(),
    ("GET", "/api/v1/projects/{project_id}"): read(),
    ("GET", "/api/v1/kpis/{kpi_id}"): read(),
    ("GET", "/api/v1/partners"): read(),
    ("GET", "/api/v1/partners/initiatives/{initiative_id}"): read(),
    ("GET", "/api/v1/search"): read(query="?q=水素"),
    ("GET", "/api/v1/documents/{key}"): read(query="?line={line}"),
    ("GET", "/api/v1/downloads"): read(),
    ("GET", "/api/v1/export/{fmt}"): read(query="?fiscal_year=2026"),
    # The FY2026 evaluation is not published: only those who may see drafts of evaluations get the report.
    ("GET", "/api/v1/reports/{identifier}"): Rule(
        COUNCIL, query="?fiscal_year=2026&format=html", refusal=(404,), public_refusal=(404,)
    ),
    # Accounts.
    ("GET", "/login"): Rule(ALL, ok=(200, 303)),
    ("POST", "/login"): Rule(ALL, form={"username": "nobody{n}", "password": "x" * 12}, ok=(401,)),
    ("POST", "/logout"): Rule(ALL, ok=(303,)),
    ("GET", "/account"): Rule(STAFF, public_refusal=(303,)),
    ("POST", "/account/password"): Rule(
        STAFF, form={"current_password": "wrong password!", "new_password": "x" * 12}, ok=(401,), public_refusal=(303,)
    ),
    # Actual values: bureau administrators, and department editors for their own departments' KPIs.
    ("POST", "/kpis/{kpi_id}"): Rule(
        frozenset({"admin", "editor"}), form={"fiscal_year": "2026", "value": "{n}", "reason": "試験"}, ok=(303,)
    ),
    ("POST", "/api/v1/kpis/{kpi_id}/actuals"): Rule(
        frozenset({"admin", "editor"}), json={"fiscal_year": "2026", "value": "{n}", "reason": "試験"}, ok=(201,)
    ),
    # Partner links: bureau administrators and department editors (links are not owned by a department).
    ("POST", "/partners/links/{link_id}"): Rule(
        frozenset({"admin", "editor", "editor_other"}), form={"action": "{link_action}"}, ok=(303,)
    ),
    ("POST", "/api/v1/partners/links/{link_id}"): Rule(
        frozenset({"admin", "editor", "editor_other"}), json={"action": "{link_action}"}, ok=(200,)
    ),
    # Projects and KPI targets: bureau administrators, and department editors for their own departments.
    ("GET", "/projects/{project_id}/edit"): Rule(EDITORS),
    ("GET", "/api/v1/projects/{project_id}/edit"): Rule(EDITORS),
    ("POST", "/projects/{project_id}/edit"): Rule(
        EDITORS,
        form={
            "name": "{project_name}",
            "budget_thousand_yen": "{n}000",
            "reason": "補正",
            "state": "{project_state}",
        },
        ok=DONE,
    ),
    ("PATCH", "/api/v1/projects/{project_id}"): Rule(
        EDITORS,
        json={"name": "{project_name}", "budget_thousand_yen": 7, "reason": "補正", "state": "{project_state}"},
    ),
    ("POST", "/projects/{project_id}/edit/kpis/{kpi_id}"): Rule(
        EDITORS, form={"text": "満足度：{n}%以上", "reason": "見直し", "state": "{kpi_state}"}, ok=DONE
    ),
    ("PUT", "/api/v1/kpis/{kpi_id}/target"): Rule(
        EDITORS, json={"text": "満足度：{n}%以上", "reason": "見直し", "state": "{kpi_state}"}
    ),
    # Cooperative projects: bureau administrators, and a member government's contributor for its own.
    ("GET", "/plans/{plan_id}/cooperative"): read(),
    ("GET", "/api/v1/plans/{plan_id}/cooperative-projects"): read(),
    ("POST", "/plans/{plan_id}/cooperative"): Rule(
        COOPERATORS, form={"name": "協調事業{n}", "member_government": "兵庫県"}, ok=DONE
    ),
    ("POST", "/api/v1/plans/{plan_id}/cooperative-projects"): Rule(
        COOPERATORS, json={"name": "協調事業{n}", "member_government": "兵庫県"}, ok=(201,)
    ),
    ("POST", "/cooperative/{cooperative_id}"): Rule(
        COOPERATORS,
        form={
            "plan_id": "{plan_id}",
            "name": "改名{n}",
            "member_government": "兵庫県",
            "reason": "改名",
            "state": "{coop_state}",
        },
        ok=DONE,
    ),
    ("PATCH", "/api/v1/cooperative-projects/{cooperative_id}"): Rule(
        COOPERATORS,
        json={
            "name": "改名{n}",
            "member_government": "兵庫県",
            "challenge": None,
            "field": None,
            "reason": "改名",
            "state": "{coop_state}",
        },
    ),
    ("POST", "/cooperative/{cooperative_id}/remove"): Rule(
        COOPERATORS, form={"plan_id": "{plan_id}", "reason": "中止", "state": "{coop_state}"}, ok=DONE
    ),
    ("DELETE", "/api/v1/cooperative-projects/{cooperative_id}"): Rule(
        COOPERATORS, query="?reason=中止&state={coop_state}", ok=(200, 204)
    ),
    # Comments on evaluations: council members and administrators write; signed-in staff read.
    ("GET", "/plans/{plan_id}/comments"): Rule(STAFF, query="?fiscal_year=2026"),
    ("GET", "/api/v1/plans/{plan_id}/comments"): Rule(STAFF, query="?fiscal_year=2026"),
    ("POST", "/plans/{plan_id}/comments"): Rule(
        COUNCIL, form={"fiscal_year": "2026", "body": "所見{n}"}, query="?fiscal_year=2026", ok=DONE
    ),
    ("POST", "/api/v1/plans/{plan_id}/comments"): Rule(
        COUNCIL, json={"fiscal_year": 2026, "body": "所見{n}"}, ok=(201,)
    ),
    # Importing actual values: whoever may record some; the file's rows decide the rest (all or nothing).
    ("GET", "/actuals/import"): read(),
    ("GET", "/api/v1/actuals/template"): Rule(
        frozenset({"admin", "editor", "editor_other"}), query="?fiscal_year=2026"
    ),
    ("POST", "/actuals/import"): Rule(EDITORS, upload=True),
    ("POST", "/api/v1/actuals/import"): Rule(EDITORS, upload=True),
    # Administration: the audit trail (administrators and council members, on the web and the API alike),
    # publication, year locks.
    ("GET", "/admin/audit"): Rule(COUNCIL),
    ("GET", "/admin/audit.csv"): Rule(COUNCIL),
    ("GET", "/admin/audit.xlsx"): Rule(COUNCIL),
    ("GET", "/api/v1/audit"): Rule(COUNCIL),
    ("GET", "/admin/publication"): Rule(ADMIN),
    ("POST", "/admin/publication"): Rule(
        ADMIN,
        form={"plan_id": "{plan_2023}", "target": "plan", "state": "published", "fiscal_year": "2023"},
        ok=DONE,
    ),
    ("POST", "/api/v1/plans/{plan_id}/publication"): Rule(
        ADMIN, json={"target": "plan", "state": "published"}, override={"plan_id": "{plan_2023}"}
    ),
    ("GET", "/api/v1/plans/{plan_id}/evaluation/coverage"): Rule(ADMIN, query="?fiscal_year=2026"),
    # Accounts (administrators only); the changes act on an account of its own, "target".
    ("GET", "/admin/users"): Rule(ADMIN),
    ("POST", "/admin/users"): Rule(
        ADMIN, form={"username": "matrix{n}", "roles": "council_member"}, ok=(201,), refusal=(403,)
    ),
    ("GET", "/admin/users/{username}"): Rule(ADMIN),
    ("POST", "/admin/users/{username}"): Rule(
        ADMIN, form={"roles": "council_member", "display_name": "委員{n}", "departments": ""}, ok=DONE
    ),
    ("POST", "/admin/users/{username}/state"): Rule(ADMIN, form={"action": "disable", "reason": "退職"}, ok=DONE),
    ("POST", "/admin/users/{username}/password"): Rule(ADMIN, form={"reason": "再発行"}),
    ("GET", "/api/v1/users"): Rule(ADMIN),
    ("GET", "/api/v1/users/{username}"): Rule(ADMIN),
    ("GET", "/admin/periods"): Rule(ADMIN),
    ("POST", "/admin/periods"): Rule(
        ADMIN, form={"action": "lock", "fiscal_year": "2030", "reason": "行列試験"}, ok=DONE
    ),
    ("GET", "/admin/thresholds"): Rule(ADMIN),
    ("POST", "/admin/thresholds"): Rule(
        ADMIN,
        form={
            "plan_id": "{plan_2023}",
            "mostly_achieved": "90",
            "ratings": "A:100, B:80, C:0",
            "score_cap": "100",
            "reason": "推進会議の決定",
        },
        ok=DONE,
    ),
    ("POST", "/api/v1/periods/{fiscal_year}/lock"): Rule(
        ADMIN, json={"reason": "確定"}, override={"fiscal_year": "2031"}, ok=(200, 201)
    ),
    # The world locks 2029 for this: the web form's lock of 2030 may run in another test process.
    ("POST", "/api/v1/periods/{fiscal_year}/reopen"): Rule(
        ADMIN, json={"reason": "再集計"}, override={"fiscal_year": "2029"}, ok=(200, 201)
    ),
    # Events: anyone registers on a published event's page and holds their ticket by its token; the
    # participant list (names) and check-in are the owning department's and administrators'.
    ("GET", "/events/{event_id}/register"): read(),
    ("POST", "/events/{event_id}/register"): Rule(
        ALL, form={"name": "参加者{n}", "email": "m{n}@example.jp", "consent": "yes"}, ok=(303, 409)
    ),
    ("GET", "/r/{token}"): read(),
    ("POST", "/r/{token}/cancel"): Rule(ALL, ok=(303,)),
    # Accepting an offered seat: the ticket's holder (the shared ticket has no offer: refused as a conflict).
    ("POST", "/r/{token}/accept"): Rule(ALL, ok=(409,)),
    ("GET", "/events/{event_id}/participants"): Rule(EDITORS),
    ("POST", "/events/{event_id}/checkins"): Rule(
        EDITORS, form={"token": "{checkin_token}", "day": "{event_day}"}, ok=(303,)
    ),
    ("GET", "/s/{token}"): read(override={"token": "{survey_token}"}),
    ("POST", "/s/{token}"): Rule(ALL, form={"invitation": ""}, override={"token": "{survey_token}"}),
    # Imports of events run elsewhere: the owning department's editors and administrators (all or nothing).
    ("GET", "/events/{event_id}/imports"): Rule(EDITORS),
    ("POST", "/events/{event_id}/imports/participants"): Rule(EDITORS, file_text=PARTICIPANTS_MATRIX),
    ("POST", "/events/{event_id}/imports/meetings"): Rule(EDITORS, file_text=MEETINGS_MATRIX),
    ("GET", "/surveys/{survey_id}/import"): Rule(EDITORS),
    ("POST", "/surveys/{survey_id}/import"): Rule(EDITORS, file_text=FORMS_MATRIX),
    ("POST", "/api/v1/events/{event_id}/imports/participants"): Rule(EDITORS, file_text=PARTICIPANTS_MATRIX),
    ("POST", "/api/v1/events/{event_id}/imports/meetings"): Rule(EDITORS, file_text=MEETINGS_MATRIX),
    ("POST", "/api/v1/surveys/{survey_id}/imports"): Rule(EDITORS, file_text=FORMS_MATRIX),
    ("POST", "/surveys/{survey_id}/import/mapping"): Rule(
        EDITORS, form={"source": "google_forms", "column": "所属", "question": ""}, ok=(303,)
    ),
    # A KPI's computed actual: counts for everyone (names only for staff, tested in tests/events).
    ("GET", "/kpis/{kpi_id}/measure"): read(),
    # The staff pages of events: the list and creation (any department's event managers; creating one for
    # another department's project is refused), a questionnaire of the event, binding and computing a measure.
    ("GET", "/events"): Rule(UPLOADERS),
    ("POST", "/events"): Rule(
        EDITORS, form={"project_id": "{project_id}", "name": "行列試験{n}", "start_date": "{event_day}"}, ok=(303,)
    ),
    ("POST", "/events/{event_id}/surveys"): Rule(EDITORS, form={"question": "useful5"}, ok=(303,)),
    ("GET", "/kpis/{kpi_id}/measure/edit"): Rule(EDITORS),
    ("POST", "/kpis/{kpi_id}/measure/edit"): Rule(
        EDITORS, form={"kind": "attended_people", "event": "{event_id}"}, ok=(303,)
    ),
    ("POST", "/kpis/{kpi_id}/measure/compute"): Rule(EDITORS, ok=(303,)),
    # The co-creation platform: かんさいラボサーチ and the consultation counts are public; a case's contents
    # are coordinators', ものづくり支援課's (the platform project's department: "editor") and administrators'.
    ("GET", "/labsearch"): read(query="?q=SEM"),
    ("GET", "/api/v1/labsearch"): read(query="?q=SEM"),
    ("GET", "/platform"): read(),
    ("GET", "/api/v1/platform/counts"): read(),
    ("GET", "/api/v1/platform/cases/{case_id}"): Rule(CASES),
    # The staff side: every case route is CASES'; everyone else (another department's editor, the public)
    # sees the counts above only, and a refused attempt changes nothing.
    ("GET", "/platform/cases"): Rule(CASES),
    ("POST", "/platform/cases"): Rule(CASES, form=MATRIX_CASE, ok=(303,)),
    ("GET", "/platform/cases/{case_id}"): Rule(CASES),
    ("GET", "/platform/cases/{case_id}/attachments/{attachment_id}"): Rule(CASES),
    ("POST", "/platform/cases/{case_id}/activities"): Rule(CASES, form={"kind": "メモ", "body": "記録{n}"}, ok=(303,)),
    ("POST", "/platform/cases/{case_id}/change"): Rule(
        CASES, form={"coordinator": "{handover_to}", "note": "引継ぎ"}, ok=(303,)
    ),
    ("POST", "/platform/cases/{case_id}/needs"): Rule(CASES, form={"title": "ニーズ{n}"}, ok=(303,)),
    ("POST", "/platform/cases/{case_id}/decisions"): Rule(
        CASES, form={"need_id": "{need_id}", "seed_id": "{seed_id}", "decision": "accepted"}, ok=(303,)
    ),
    ("POST", "/platform/cases/{case_id}/interviews"): Rule(
        CASES, form={"need_id": "{need_id}", "seed_id": "{seed_id}", "on": "2026-06-01"}, ok=(303,)
    ),
    ("GET", "/platform/interviews/{interview_id}"): Rule(CASES),
    ("POST", "/platform/interviews/{interview_id}"): Rule(CASES, form={"status": "実施"}, ok=(303,)),
    ("GET", "/platform/seeds/{seed_id}"): Rule(CASES),
    # The member institutions: those who see cases read them and add seeds; those who manage かんさいラボサーチ
    # (ものづくり支援課, administrators: EDITORS) add institutions and import equipment lists, in two steps.
    # The shared upload is the editor's and already imported: the commit answers 409.
    ("GET", "/platform/institutions"): Rule(CASES),
    ("POST", "/platform/institutions"): Rule(EDITORS, form=MATRIX_INSTITUTION, ok=(303,)),
    ("GET", "/platform/institutions/{institution_id}"): Rule(CASES),
    ("POST", "/platform/institutions/{institution_id}/imports"): Rule(EDITORS, file_text=EQUIPMENT_MATRIX, ok=(303,)),
    ("GET", "/platform/institutions/{institution_id}/imports/{upload_id}"): Rule(EDITORS, override=EQUIPMENT_UPLOAD),
    ("POST", "/platform/institutions/{institution_id}/imports/{upload_id}/commit"): Rule(
        EDITORS, ok=(409,), override=EQUIPMENT_UPLOAD
    ),
    ("POST", "/platform/institutions/{institution_id}/seeds"): Rule(
        CASES, form={"kind": "技術", "title": "シーズ{n}"}, ok=(303,)
    ),
    ("GET", "/api/v1/platform/institutions"): Rule(CASES),
    ("POST", "/api/v1/platform/institutions"): Rule(
        EDITORS, json={**MATRIX_INSTITUTION, "name": "行列API機関{counter}", "fee_own": 0.8}, ok=(201,)
    ),
    ("GET", "/api/v1/platform/institutions/{institution_id}"): Rule(CASES),
    ("POST", "/api/v1/platform/institutions/{institution_id}/imports"): Rule(
        EDITORS, file_text=EQUIPMENT_MATRIX, ok=(201,)
    ),
    ("GET", "/api/v1/platform/institutions/{institution_id}/imports/{upload_id}"): Rule(
        EDITORS, override=EQUIPMENT_UPLOAD
    ),
    ("POST", "/api/v1/platform/institutions/{institution_id}/imports/{upload_id}/commit"): Rule(
        EDITORS, ok=(409,), override=EQUIPMENT_UPLOAD
    ),
    ("POST", "/api/v1/platform/institutions/{institution_id}/seeds"): Rule(
        CASES, json={"kind": "技術", "title": "シーズ{n}"}, ok=(201,)
    ),
    ("POST", "/api/v1/platform/cases"): Rule(CASES, json=MATRIX_CASE, ok=(201,)),
    ("POST", "/api/v1/platform/cases/{case_id}/activities"): Rule(
        CASES, json={"kind": "メモ", "body": "記録{n}"}, ok=(201,)
    ),
    ("POST", "/api/v1/platform/interviews"): Rule(
        CASES, json={"need_id": "{need_id}", "seed_id": "{seed_id}", "on": "2026-06-01"}, ok=(201,)
    ),
    ("POST", "/api/v1/platform/interviews/{interview_id}/status"): Rule(CASES, json={"status": "実施"}),
    ("POST", "/api/v1/platform/decisions"): Rule(
        CASES, json={"need_id": "{need_id}", "seed_id": "{seed_id}", "decision": "rejected"}, ok=(201,)
    ),
    # Binding a platform measure to a KPI and computing it: those who record the KPI's actuals.
    ("POST", "/platform/measures"): Rule(
        EDITORS, form={"kpi_id": "{platform_kpi_id}", "kind": "platform_interviews_held"}, ok=(303,)
    ),
    # Communications: counts, registries, issues and directories are public; the owning department's
    # editors and administrators import and enter; the export with who entered what is staff's.
    ("GET", "/communications"): read(),
    ("POST", "/communications/analytics"): Rule(
        EDITORS, form={"property_code": "matrix"}, file_text=GA4_MATRIX, ok=(303,)
    ),
    ("POST", "/communications/properties"): Rule(
        EDITORS, form={"code": "site{n}", "name": "サイト{n}", "department": "{department}"}, ok=(303, 409)
    ),
    # Binding and computing a KPI's measure: those who record the KPI's actuals.
    ("POST", "/communications/measures"): Rule(
        EDITORS, form={"kpi_id": "{kpi_id}", "kind": "web_views", "property_code": "matrix"}, ok=(303,)
    ),
    ("POST", "/communications/entries"): Rule(
        EDITORS,
        form={
            "kind": "post",
            "entry_date": "2026-06-01",
            "medium": "X",
            "title": "投稿{n}",
            "department": "{department}",
        },
        ok=(303, 409),
    ),
    ("POST", "/communications/entries/import"): Rule(
        EDITORS, form={"kind": "post", "department": "{department}"}, file_text=POSTS_MATRIX, ok=(303,)
    ),
    ("POST", "/communications/directories/import"): Rule(
        EDITORS, form={"directory": "kansai_companies", "department": "{department}"}, file_text=FIRMS_MATRIX, ok=(303,)
    ),
    # A registry entry's evidence file: the owning department's staff attach and download it.
    ("POST", "/communications/entries/{record_id}/evidence"): Rule(EDITORS, file_text=POSTS_MATRIX, ok=(303,)),
    ("GET", "/communications/entries/{record_id}/evidence"): Rule(EDITORS),
    ("GET", "/communications/entries/{kind}.csv"): Rule(
        frozenset({"admin", "editor", "editor_other"}), override={"kind": "post"}
    ),
    ("POST", "/communications/newsletter"): Rule(
        EDITORS,
        form={"number": "{n}", "issue_date": "2026-07-01", "theme": "号{n}", "department": "{department}"},
        ok=(303, 409),
    ),
    ("POST", "/communications/newsletter/{issue_id}/survey"): Rule(EDITORS, ok=(303, 409), refusal=(403,)),
    ("GET", "/directories/{directory}"): read(query="?q=ケイカク"),
    ("GET", "/directories/{directory}/export"): read(query="?format=xlsx"),
    ("GET", "/firms/{entry_id}"): read(),
    ("GET", "/api/v1/directories/{directory}"): read(query="?q=ケイカク"),
    ("GET", "/api/v1/firms/{entry_id}"): read(),
    ("GET", "/api/v1/communications/properties/{property_code}/months"): read(),
    ("GET", "/api/v1/visit-destinations"): read(query="?q=工場"),
    # The yearly cycle: administrators open calls, see the board and send the reminders due; a department's
    # editors (and administrators) see its checklist and submit it; the calls' list is for staff.  The FY2026
    # call is open.
    ("GET", "/admin/cycle"): Rule(ADMIN),
    ("POST", "/admin/cycle"): Rule(ADMIN, form={"fiscal_year": "2023", "due_date": "2024-05-31"}, ok=(303, 409)),
    ("GET", "/admin/cycle/{fiscal_year}"): Rule(ADMIN, override={"fiscal_year": "2026"}),
    ("POST", "/admin/cycle/{fiscal_year}"): Rule(
        ADMIN, form={"note": "連絡{n}"}, override={"fiscal_year": "2026"}, ok=(303,)
    ),
    ("POST", "/admin/cycle/{fiscal_year}/withdraw"): Rule(
        ADMIN, form={"department": "{department}", "reason": "再提出"}, override={"fiscal_year": "2026"}, ok=(303, 409)
    ),
    # 「今すぐ督促を送る」: what the scheduled job does, run by an administrator (the board comes back).
    ("POST", "/admin/cycle/{fiscal_year}/remind"): Rule(ADMIN, override={"fiscal_year": "2026"}),
    ("GET", "/cycle"): Rule(PLAN_STAFF, ok=(303,)),
    ("GET", "/cycle/{fiscal_year}/checklist"): Rule(
        EDITORS, query="?department={department}", override={"fiscal_year": "2026"}
    ),
    ("POST", "/cycle/{fiscal_year}/checklist"): Rule(
        EDITORS,
        form={"department": "{department}", "confirm_incomplete": "yes"},
        override={"fiscal_year": "2026"},
        ok=(303, 409),
    ),
    ("GET", "/api/v1/cycle/calls"): Rule(PLAN_STAFF),
    ("POST", "/api/v1/cycle/calls"): Rule(ADMIN, json={"fiscal_year": 2023, "due_date": "2024-05-31"}, ok=(201, 409)),
    ("GET", "/api/v1/cycle/{fiscal_year}/board"): Rule(ADMIN, override={"fiscal_year": "2026"}),
    ("GET", "/api/v1/cycle/{fiscal_year}/checklist"): Rule(
        EDITORS, query="?department={department}", override={"fiscal_year": "2026"}
    ),
    ("POST", "/api/v1/cycle/{fiscal_year}/submissions"): Rule(
        EDITORS,
        json={"department": "{department}", "confirm_incomplete": True},
        override={"fiscal_year": "2026"},
        ok=(201, 409),
    ),
    # Ingest in the browser and the API: administrators and department editors upload (the junk file is
    # refused with its reason); an upload is its uploader's and the administrators' (others get 404); the
    # shared upload is discarded already, so storing or discarding it again is a 409 and changes nothing.
    ("GET", "/admin/ingest"): Rule(UPLOADERS),
    ("POST", "/admin/ingest"): Rule(UPLOADERS, file_text=JUNK_DOCUMENT, ok=(422,)),
    ("GET", "/admin/ingest/{upload_id}"): Rule(ADMIN, refusal=(403, 404)),
    ("POST", "/admin/ingest/{upload_id}/store"): Rule(ADMIN, ok=(409,), refusal=(403, 404)),
    ("POST", "/admin/ingest/{upload_id}/discard"): Rule(ADMIN, ok=(409,), refusal=(403, 404)),
    ("POST", "/api/v1/ingest"): Rule(UPLOADERS, file_text=JUNK_DOCUMENT, ok=(422,)),
    ("GET", "/api/v1/ingest/{upload_id}"): Rule(ADMIN, refusal=(403, 404)),
    ("POST", "/api/v1/ingest/{upload_id}/commit"): Rule(ADMIN, ok=(409,), refusal=(403, 404)),
    ("POST", "/api/v1/ingest/{upload_id}/discard"): Rule(ADMIN, ok=(409,), refusal=(403, 404)),
    # Each signed-in user's own API tokens (the public is sent to the login page); token 999999 is nobody's.
    ("GET", "/account/tokens"): Rule(STAFF),
    ("POST", "/account/tokens"): Rule(STAFF, form={"scope": "read", "name": "行列試験"}, ok=(201,)),
    ("POST", "/account/tokens/{token_id}/revoke"): Rule(STAFF, ok=(404,)),
    # A plan's revisions list drafts: staff only; publishing a revision is the administrators'.
    ("GET", "/plans/{plan_id}/revisions"): Rule(PLAN_STAFF),
    ("GET", "/api/v1/plans/{plan_id}/revisions"): Rule(PLAN_STAFF),
    ("POST", "/plans/{plan_id}/revisions/publish"): Rule(ADMIN, form={"reason": "行列試験"}, ok=(303,)),
}


@dataclass
class World:
    """The app, one logged-in client per role, and the values that fill the routes' parameters."""

    app: FastAPI
    engine: Engine
    clients: dict[str, TestClient]
    params: dict[str, Any]
    counter: list[int] = field(default_factory=lambda: [0])


def routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every route of the app, through included routers."""
    found: list[tuple[str, str]] = []

    def walk(items: list[Any], prefix: str) -> None:
        for item in items:
            if type(item).__name__ == "_IncludedRouter":
                walk(item.original_router.routes, prefix + (getattr(item.include_context, "prefix", "") or ""))
            elif getattr(item, "methods", None):
                found.extend((method, prefix + item.path) for method in sorted(item.methods - {"HEAD"}))

    walk(list(app.routes), "")
    return found


def _client(app: FastAPI, engine: Engine, username: str | None) -> TestClient:
    client = TestClient(app)
    client.__enter__()
    if username is None:
        client.headers["x-csrf-token"] = csrf_from(client.get("/login").text)
    else:
        login(client, username)
    return client


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    from argon2 import PasswordHasher, profiles

    from keikaku.services.governance import passwords

    passwords_before = passwords.PASSWORD_HASHER
    passwords.PASSWORD_HASHER = PasswordHasher.from_parameters(profiles.CHEAPEST)
    path = Path(tmp_path_factory.mktemp("matrix")) / "keikaku.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    initialize_database(engine=engine)
    # Every role posts to the public write pages from one address: their rate limit (tested in
    # tests/events/test_rate_limit.py) is off here.
    app = create_app(WebSettings(engine=engine, actor=PUBLIC, registration_rate=Rate(0, 60.0)))
    with TestClient(app) as probe:
        plans = {p["fiscal_year"]: p["id"] for p in probe.get("/api/v1/plans").json()["items"]}
        rows = probe.get(f"/api/v1/plans/{plans[2026]}").json()["rows"]["items"]
        platform = next(r for r in rows if r["code"] == "⑤")
        project = probe.get(f"/api/v1/projects/{platform['id']}").json()
        initiatives = [i for p in probe.get("/api/v1/partners").json()["programmes"] for i in p["initiatives"]]
        initiative = next(i for i in initiatives if "水素" in i["name"])
        probe.get(f"/api/v1/partners/initiatives/{initiative['id']}").raise_for_status()  # makes the suggestions
    with read_session(engine) as s:
        link_id = s.scalar(  # the public sees confirmed links only: the link is read from the database
            select(web_models.PartnerLink.id)
            .where(web_models.PartnerLink.initiative_id == initiative["id"])
            .order_by(web_models.PartnerLink.id)
        )
        department = s.scalar(
            select(m.Department.name)
            .join(m.ProjectDepartment, m.ProjectDepartment.department_id == m.Department.id)
            .where(m.ProjectDepartment.project_id == platform["id"])
        )
    assert department
    add_user(engine, "admin", Role.BUREAU_ADMIN)
    add_user(engine, "council", Role.COUNCIL_MEMBER)
    add_user(engine, "contributor", Role.MEMBER_CONTRIBUTOR, member_government="兵庫県")
    add_user(engine, "editor", Role.DEPARTMENT_EDITOR, departments=(department,))
    add_user(engine, "editor_other", Role.DEPARTMENT_EDITOR, departments=("国際交流課",))
    add_user(engine, "target", Role.COUNCIL_MEMBER)
    events = _events(engine, platform["id"], department, project["kpis"][0]["id"])
    events.update(_case(engine))
    add_user(engine, "coordinator", Role.COORDINATOR, institution="行列試験研究所")
    clients = {role: _client(app, engine, None if role == "public" else role) for role in ALL}
    events["platform_kpi_id"] = project["kpis"][1]["id"]
    comms = _communications(engine, department)
    _cycle(engine)
    upload_id = _discarded_upload(engine)
    _original(engine, project["source"]["document"])
    params = {
        "plan_id": plans[2026],
        "plan_2023": plans[2023],
        "project_id": platform["id"],
        "kpi_id": project["kpis"][0]["id"],
        "initiative_id": initiative["id"],
        "link_id": link_id,
        "key": project["source"]["document"],
        "line": project["source"]["line"],
        "page": "1",
        "fmt": "json",
        "identifier": "evaluation",
        "code": "ja",
        **events,
        **comms,
        "username": "target",
        "upload_id": upload_id,
        "token_id": "999999",
    }
    yield World(app, engine, clients, params)
    for client in clients.values():
        client.__exit__(None, None, None)
    engine.dispose()
    passwords.PASSWORD_HASHER = passwords_before


def _events(engine: Engine, project_id: int, department: str, kpi_id: int) -> dict[str, str]:
    """A published event of the platform project with two registrations, a survey, and a KPI bound to it."""
    import datetime as dt

    from keikaku.services.core.actors import SYSTEM
    from keikaku.services.events.manage import EventForm, create_event
    from keikaku.services.events.registrations import PersonForm, RegistrationForm, register
    from keikaku.services.measures.definitions import bind_measure
    from keikaku.services.surveys.responses import create_survey

    day = dt.date.today() + dt.timedelta(days=10)
    form = EventForm(project_id, "行列試験イベント", "seminar", day.isoformat(), department=department, published=True)
    event = create_event(form, actor=SYSTEM, engine=engine)
    tokens = [
        register(
            event.id, RegistrationForm(PersonForm(f"行列{i}", "", f"matrix{i}@example.jp")), actor=PUBLIC, engine=engine
        ).token
        for i in (1, 2)
    ]
    survey = create_survey(event.id, "", ["useful5"], actor=SYSTEM, engine=engine)
    bind_measure(kpi_id, "attended_people", [event.id], actor=SYSTEM, engine=engine)
    return {
        "event_id": str(event.id),
        "token": tokens[0],
        "checkin_token": tokens[1],
        "event_day": day.isoformat(),
        "survey_token": survey.token,
        "survey_id": str(survey.id),
    }


def _original(engine: Engine, key: str) -> None:
    """A one-page PDF as the original of the bundled document the platform project cites (the bundled data
    has none), so that its page image and its download answer."""
    from tests.ingest.pdfmaker import make_pdf

    from keikaku.storage.uow import unit_of_work

    content = make_pdf([["行列試験の原本"]])
    with unit_of_work(engine) as session:
        doc_id = session.scalar(select(m.Document.id).where(m.Document.key == key))
        assert doc_id is not None
        session.add(
            m.DocumentFile(
                document_id=doc_id,
                filename="matrix.pdf",
                media_type="application/pdf",
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                content=content,
            )
        )


def _case(engine: Engine) -> dict[str, str]:
    """A consultation of the platform (its contents are confidential) with a need, an institution's seed and
    an interview between them."""
    from stdnum.jp import cn

    from keikaku.services.core.actors import SYSTEM
    from keikaku.services.platform.cases import CaseForm, log_activity, open_case
    from keikaku.services.platform.institutions import InstitutionForm, add_institution
    from keikaku.services.platform.matching import SeedForm, add_seed, schedule_interview

    number = cn.calc_check_digit("120001077701") + "120001077701"
    form = CaseForm("行列試験株式会社", number, "試験の相談", "材料", "技術開発", need="破断面を観察したい")
    case = open_case(form, actor=SYSTEM, engine=engine)
    institution = add_institution(InstitutionForm("行列試験研究所", "大阪府", "公設試"), actor=SYSTEM, engine=engine)
    seed = add_seed(
        SeedForm(institution, "設備", "走査電子顕微鏡", "破断面を観察する", "材料"), actor=SYSTEM, engine=engine
    )
    interview = schedule_interview(case.need_ids[0], seed, "2026-06-01", actor=SYSTEM, engine=engine)
    logged = log_activity(
        case.id, "訪問", "訪問の記録", attachment=("memo.txt", "行列試験のメモ".encode()), actor=SYSTEM, engine=engine
    )
    return {
        "institution_id": str(institution),
        "equipment_upload_id": _equipment_upload(engine, institution),
        "case_id": str(case.id),
        "need_id": str(case.need_ids[0]),
        "seed_id": str(seed),
        "interview_id": str(interview),
        "attachment_id": str(logged.activities[-1].attachments[0].id),
        "corporate_number": number,
    }


def _equipment_upload(engine: Engine, institution_id: int) -> str:
    """An equipment list of the institution, uploaded by the editor and already imported."""
    from keikaku.storage.platform import EquipmentUpload
    from keikaku.storage.uow import unit_of_work

    with unit_of_work(engine) as session:
        row = EquipmentUpload(
            id="e" * 32,
            institution_id=institution_id,
            filename="matrix.csv",
            size=0,
            sha256="0" * 64,
            content=b"",
            report={
                "committed": True,
                "added": 1,
                "updated": 0,
                "withdrawn": 0,
                "rows": 1,
                "errors": [],
                "added_names": ["行列試験機"],
                "updated_names": [],
                "withdrawn_names": [],
            },
            status="committed",
            uploaded_by="editor",
        )
        session.add(row)
    return row.id


def _communications(engine: Engine, department: str) -> dict[str, str]:
    """A web property and a directory firm of the platform project's department."""
    from keikaku.services.communications.analytics import add_property
    from keikaku.services.communications.directories import import_directory, search_directory
    from keikaku.services.core.actors import SYSTEM

    add_property("matrix", "行列試験サイト", department, actor=SYSTEM, engine=engine)
    firms = "企業名,法人番号,府県,掲載年度\n株式会社ケイカク,1010401011569,大阪府,2026\n"
    import_directory("kansai_companies", "f.csv", firms.encode(), department, actor=SYSTEM, engine=engine)
    (firm,) = search_directory("kansai_companies", engine=engine)[0].items
    from keikaku.services.communications.newsletter import add_issue

    issue = add_issue("900", "2026-07-01", "行列試験号", department, published=True, actor=SYSTEM, engine=engine)
    from keikaku.services.communications.registries import EntryForm, add_entry

    listing = EntryForm("listing", "2026-06-01", "Crunchbase", "株式会社ケイカク")
    record = add_entry(listing, department, evidence=("listing.png", b"\x89PNG matrix"), actor=SYSTEM, engine=engine)
    return {
        "record_id": str(record.id),
        "issue_id": str(issue.id),
        "department": department,
        "property_code": "matrix",
        "directory": "kansai_companies",
        "entry_id": str(firm.id),
    }


def _cycle(engine: Engine) -> None:
    """The FY2026 call for actuals, and FY2029 locked (for the reopening)."""
    import datetime as dt

    from keikaku.services.actuals.periods import lock_period
    from keikaku.services.core.actors import SYSTEM
    from keikaku.services.cycle.calls import open_call

    open_call(SYSTEM, 2026, dt.date(2027, 5, 31), engine=engine)
    lock_period(SYSTEM, 2029, reason="行列試験", engine=engine)


REVIEW = {
    "kind": "business_plan",
    "format": "text",
    "pages": None,
    "lines": 1,
    "found": {},
    "partial": False,
    "already_stored": False,
    "warnings": [],
    "plans": [],
    "revisions": [],
}


def _discarded_upload(engine: Engine) -> str:
    """An upload of the administrator's, already discarded (its review page reads; nothing more can be done)."""
    from keikaku.storage.uow import unit_of_work
    from keikaku.storage.uploads import IngestUpload

    with unit_of_work(engine) as session:
        row = IngestUpload(
            id="0" * 31 + "1",
            filename="matrix.txt",
            size=0,
            sha256="0" * 64,
            content=b"",
            review=REVIEW,
            status="discarded",
            uploaded_by="admin",
        )
        session.add(row)
    return row.id


def _fresh_values(world: World) -> dict[str, Any]:
    """Values that change as the tests write: state tokens, and a new cooperative project to act on."""
    from keikaku.services.core.actors import SYSTEM
    from keikaku.services.plans.cooperative import CooperativeInput, add_cooperative_project
    from keikaku.services.plans.edit import kpi_state, project_state
    from keikaku.storage import platform as platform_store

    plan_id, project_id, kpi_id = world.params["plan_id"], world.params["project_id"], world.params["kpi_id"]
    coop = add_cooperative_project(
        plan_id, CooperativeInput("試験用の協調事業", "兵庫県"), actor=SYSTEM, engine=world.engine
    )
    with read_session(world.engine) as s:
        name = s.scalar(select(m.Project.name).where(m.Project.id == project_id))
        in_charge = s.scalar(
            select(platform_store.Consultation.coordinator).where(
                platform_store.Consultation.id == int(world.params["case_id"])
            )
        )
    return {
        # A handover goes to an account that may hold cases, other than the one in charge now.
        "handover_to": "admin" if in_charge == "coordinator" else "coordinator",
        "project_state": project_state(project_id, engine=world.engine),
        "kpi_state": kpi_state(kpi_id, engine=world.engine),
        "project_name": name,
        "cooperative_id": coop.id,
        "coop_state": coop.state,
    }


def _fill(template: str, values: dict[str, Any]) -> str:
    return template.format(**values)


def _body(rule: Rule, values: dict[str, Any], engine: Engine) -> dict[str, Any]:
    if rule.file_text is not None:
        files = {"file": ("matrix.csv", _fill(rule.file_text, values).encode(), "text/csv")}
        return {"files": files, "data": {k: _fill(v, values) for k, v in (rule.form or {}).items()}}
    if rule.upload:
        from .workbooks import filled_workbook

        # With a reason, so that it also records over a value another rule may have entered first.
        content = filled_workbook(engine, {values["kpi_id"]: {"実績値": "5", "訂正理由": "行列試験"}})
        return {"files": {"file": ("実績.xlsx", content, "application/octet-stream")}}
    if rule.form is not None:
        return {"data": {k: _fill(v, values) for k, v in rule.form.items()}}
    if rule.json is not None:
        return {"json": {k: _fill(v, values) if isinstance(v, str) else v for k, v in rule.json.items()}}
    return {}


def test_every_route_has_a_rule(world: World) -> None:
    present = {(method, path) for method, path in routes(world.app)}
    missing = sorted(present - RULES.keys())
    stale = sorted(RULES.keys() - present)
    assert not missing, f"routes without a rule in RULES: {missing}"
    assert not stale, f"rules of routes that no longer exist: {stale}"


CASES = sorted((method, path, role) for (method, path) in RULES for role in sorted(ALL))


@pytest.mark.parametrize(("method", "path", "role"), CASES, ids=[f"{m} {p} {r}" for m, p, r in CASES])
def test_route_for_role(world: World, method: str, path: str, role: str) -> None:
    rule = RULES[(method, path)]
    world.counter[0] += 1
    n = world.counter[0]
    values = {**world.params, "n": str(n % 90 + 1), "counter": str(n), "link_action": "confirm" if n % 2 else "restore"}
    values.update(_fresh_values(world))
    values.update({k: _fill(v, values) for k, v in rule.override.items()})
    url = _fill(path, values) + _fill(rule.query, values)
    client = world.clients[role]
    if path == "/logout":
        client = _client(world.app, world.engine, None if role == "public" else role)
    before = fingerprint(world.engine)
    response = client.request(method, url, follow_redirects=False, **_body(rule, values, world.engine))
    if role in rule.allowed:
        assert response.status_code in rule.ok, (role, url, response.status_code, response.text[:300])
        return
    expected = rule.public_refusal if role == "public" else rule.refusal
    assert response.status_code in expected, (role, url, response.status_code, response.text[:300])
    if response.status_code == 303:
        assert response.headers["location"].startswith("/login")
    changed = changed_tables(before, fingerprint(world.engine))
    assert not changed, f"{role} was refused {method} {url} but these tables changed: {changed}"


def _template_values(client: TestClient, fmt: str) -> dict[str, str]:
    """KPI id → the entry template's 現在の実績 for FY2026 (annual rows), as one role downloads it."""
    import csv
    import io

    import openpyxl

    response = client.get(f"/api/v1/actuals/template?fiscal_year=2026&format={fmt}")
    assert response.status_code == 200, response.text[:300]
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
        return {r["KPI ID"]: r["現在の実績"] for r in rows if not r["月"]}
    sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)["実績"]
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    key, current = header.index("KPI ID"), header.index("現在の実績")
    return {str(r[key]): r[current] or "" for r in rows}


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_entry_template_shows_each_role_only_the_values_it_may_see(world: World, fmt: str) -> None:
    """FY2026's evaluation is unpublished: its values are the recording department's and the draft readers'."""
    from keikaku.services.actuals.record import ActualInput, set_actual
    from keikaku.services.core.actors import SYSTEM

    kpi_id = str(world.params["kpi_id"])
    recorded = set_actual(
        ActualInput(kpi=int(kpi_id), fiscal_year=2026, value="7", reason="マトリクス試験"),
        actor=SYSTEM,
        engine=world.engine,
    )
    seen = {role: _template_values(world.clients[role], fmt) for role in ("admin", "editor", "editor_other")}
    assert recorded.display and seen["admin"][kpi_id] == recorded.display  # administrators see drafts
    assert seen["editor"][kpi_id] == recorded.display  # the KPI's own department records it
    assert seen["editor_other"][kpi_id] == ""  # another department: as hidden as on the KPI page
    page = world.clients["editor_other"].get(f"/api/v1/kpis/{kpi_id}").json()["kpi"]
    assert page["actual"] is None and page["history"] == []
    assert set(seen["editor_other"]) == set(seen["admin"])  # the same KPIs, to fill in
    shown = {k for k, v in seen["editor_other"].items() if v}
    assert shown <= {k for k, v in seen["admin"].items() if v}
