"""A report of an unpublished evaluation is a preview for staff: titled and watermarked 案; once published, not."""

import io

from openpyxl import load_workbook
from sqlalchemy import Engine, select

from keikaku.services.core.actors import Actor, Role
from keikaku.services.evaluations.reports import render_report
from keikaku.services.publication.state import publish_evaluation
from keikaku.storage import models as m
from keikaku.storage.uow import read_session

ADMIN = Actor("管理者", frozenset({Role.BUREAU_ADMIN}))
COUNCIL = Actor("委員", frozenset({Role.COUNCIL_MEMBER}))


def _report(engine: Engine, actor: Actor, fmt: str) -> bytes:
    return render_report("evaluation", {"fiscal_year": 2026, "format": fmt}, actor=actor, engine=engine).content


def test_an_unpublished_evaluation_is_a_watermarked_preview(sqlite_loaded_engine: Engine) -> None:
    eng = sqlite_loaded_engine
    for actor in (ADMIN, COUNCIL):
        html = _report(eng, actor, "html").decode()
        assert "事業評価報告書（案）" in html and 'class="draft"' in html and "公表前の評価です" in html
    workbook = load_workbook(io.BytesIO(_report(eng, ADMIN, "xlsx")))
    assert all("（案）" in str(ws.cell(row=1, column=1).value) for ws in workbook.worksheets)
    with read_session(eng) as session:
        plan_id = session.scalar(select(m.Plan.id).where(m.Plan.fiscal_year == 2026))
    publish_evaluation(ADMIN, int(plan_id or 0), 2026, engine=eng)
    html = _report(eng, ADMIN, "html").decode()
    assert "（案）" not in html and 'class="draft"' not in html
    workbook = load_workbook(io.BytesIO(_report(eng, ADMIN, "xlsx")))
    assert not any("（案）" in str(ws.cell(row=1, column=1).value) for ws in workbook.worksheets)
