"""The staff pages of the platform: a coordinator opens a case (法人番号 checked), logs, writes a need, sees
ranked seeds with their shared terms, rejects one (never suggested again), schedules and holds an interview,
moves the phase out of order (kept, with a warning) and closes the case, which sends its survey; the firm
answers it and 利用満足度 is computed with n.  Every bad input is refused with its Japanese message and
stores nothing; an editor of another department and the public are refused and nothing changes."""

import re

import pytest
from sqlalchemy import Engine, select
from tests.db_fingerprint import changed_tables, fingerprint
from tests.web.conftest import make_client

from keikaku.services.core.actors import PUBLIC
from keikaku.services.platform.counts import satisfaction
from keikaku.storage import events as event_store
from keikaku.storage import platform as store
from keikaku.storage.accounts import AuditEntry
from keikaku.storage.uow import read_session

from .conftest import COORDINATOR, FIRM, OTHER_EDITOR
from .test_matching_and_measures import _seeds

CASE = {
    "firm": "株式会社ケイカク精工",
    "corporate_number": FIRM,
    "topic": "樹脂部品の破断面を観察したい",
    "field": "材料",
    "phase": "技術開発",
    "opened_on": "2026-05-12",
    "contact_email": "tanto@keikaku.example.jp",
    "need": "割れた部品の破断面から破壊の原因を知りたい",
}


def _case_id(location: str) -> int:
    found = re.fullmatch(r"/platform/cases/(\d+)", location)
    assert found, location
    return int(found.group(1))


def test_a_coordinators_case_through_the_pages(engine: Engine, institutes: dict[str, int]) -> None:
    seeds = _seeds(engine, institutes)
    with make_client(engine, COORDINATOR) as client:
        opened = client.post("/platform/cases", data=CASE, follow_redirects=False)
        assert opened.status_code == 303, opened.text[:500]
        case_id = _case_id(opened.headers["location"])
        logged = client.post(
            f"/platform/cases/{case_id}/activities",
            data={"kind": "訪問", "body": "工場で破断品を受け取った", "on": "2026-05-20"},
            follow_redirects=False,
        )
        assert logged.status_code == 303
        page = client.get(f"/platform/cases/{case_id}")
        assert page.status_code == 200 and "工場で破断品を受け取った" in page.text
        assert "走査電子顕微鏡による破断面観察" in page.text and "破断" in page.text  # a shared term shown
        with read_session(engine) as s:
            need_id = s.scalar(select(store.Need.id).where(store.Need.case_id == case_id))
        rejected = client.post(
            f"/platform/cases/{case_id}/decisions",
            data={"need_id": str(need_id), "seed_id": str(seeds["xrd"]), "decision": "rejected"},
            follow_redirects=False,
        )
        assert rejected.status_code == 303
        assert "X線回折による結晶構造解析" not in client.get(f"/platform/cases/{case_id}").text
        scheduled = client.post(
            f"/platform/cases/{case_id}/interviews",
            data={"need_id": str(need_id), "seed_id": str(seeds["sem"]), "on": "2026-06-01"},
            follow_redirects=False,
        )
        assert scheduled.status_code == 303
        interview = scheduled.headers["location"]
        held = client.post(interview, data={"status": "実施", "outcome": "試料を預かった"}, follow_redirects=False)
        assert held.status_code == 303 and "実施" in client.get(interview).text
        skipped = client.post(f"/platform/cases/{case_id}/change", data={"phase": "事業化", "on": "2026-06-10"})
        assert skipped.status_code == 200 and "順序どおりではありません" in skipped.text
        closed = client.post(
            f"/platform/cases/{case_id}/change",
            data={"status": "完了", "outcome": "依頼試験へ", "on": "2026-06-30"},
            follow_redirects=False,
        )
        assert closed.status_code == 303
        page = client.get(f"/platform/cases/{case_id}").text
        link = re.search(r'data-testid="survey-link">[^<]*/s/([\w-]+)<', page)
        assert link, page[-2000:]
    with read_session(engine) as s:
        mail = s.scalars(
            select(event_store.OutboxMail).where(event_store.OutboxMail.recipient == CASE["contact_email"])
        )
        assert any(f"/s/{link.group(1)}" in (m.body or "") for m in mail)
        views = s.scalars(select(AuditEntry).where(AuditEntry.action == "platform.case.view")).all()
        assert len(views) == 3  # each of the three openings of the case page is an audit record
    with make_client(engine, PUBLIC) as firm:
        survey = firm.get(f"/s/{link.group(1)}")
        assert survey.status_code == 200
        question = re.search(r'name="q(\d+)" value="satisfied"', survey.text)
        assert question, survey.text[:2000]
        answered = firm.post(f"/s/{link.group(1)}", data={f"q{question.group(1)}": "satisfied", "invitation": ""})
        assert answered.status_code == 200
        again = firm.post(f"/s/{link.group(1)}", data={f"q{question.group(1)}": "dissatisfied", "invitation": ""})
        assert "既に回答いただいています" in again.text  # a case's survey takes one answer: its firm's
    with read_session(engine) as s:
        found = satisfaction(s, 2026)
    assert (found.value, found.satisfied, found.answered, found.sent) == (100.0, 1, 1, 1)


BAD = [
    ({"corporate_number": "1234567890123"}, "チェックデジット"),
    ({"corporate_number": "12345"}, "13桁"),
    ({"phase": "研究"}, "フェーズ"),
    ({"opened_on": "2026-13-01"}, "受付日"),
    ({"contact_email": "tanto"}, "連絡先メールアドレス"),
]


@pytest.mark.parametrize(("change", "message"), BAD, ids=[m for _c, m in BAD])
def test_bad_input_names_the_field_and_stores_nothing(
    engine: Engine, institutes: dict[str, int], change: dict[str, str], message: str
) -> None:
    before = fingerprint(engine)
    with make_client(engine, COORDINATOR) as client:
        response = client.post("/platform/cases", data={**CASE, **change})
    assert response.status_code == 422 and message in response.text
    assert CASE["topic"] in response.text  # the form comes back with what was typed
    assert not changed_tables(before, fingerprint(engine))


def test_an_interview_needs_both_a_need_and_a_seed(engine: Engine, institutes: dict[str, int]) -> None:
    _seeds(engine, institutes)
    with make_client(engine, COORDINATOR) as client:
        case_id = _case_id(client.post("/platform/cases", data=CASE, follow_redirects=False).headers["location"])
        before = fingerprint(engine)
        response = client.post(f"/platform/cases/{case_id}/interviews", data={"need_id": "", "seed_id": "1"})
    assert response.status_code == 422 and "ニーズとシーズの両方が必要です" in response.text
    assert set(changed_tables(before, fingerprint(engine))) <= {"audit_log"}  # the page shown again is a view


@pytest.mark.parametrize("actor", [OTHER_EDITOR, PUBLIC], ids=["other department", "public"])
def test_others_see_counts_only_and_change_nothing(engine: Engine, institutes: dict[str, int], actor: object) -> None:
    with make_client(engine, COORDINATOR) as client:
        case_id = _case_id(client.post("/platform/cases", data=CASE, follow_redirects=False).headers["location"])
    before = fingerprint(engine)
    with make_client(engine, actor) as other:  # type: ignore[arg-type]
        assert other.get("/platform/cases").status_code in (401, 403, 303)
        assert other.get(f"/platform/cases/{case_id}").status_code in (401, 403, 303)
        refused = other.post(f"/platform/cases/{case_id}/activities", data={"kind": "メモ", "body": "覗き見"})
        assert refused.status_code in (401, 403, 303)
        counts = other.get("/platform?fiscal_year=2026")
        assert counts.status_code == 200 and 'class="cases">1<' in counts.text
        assert CASE["firm"] not in counts.text and CASE["topic"] not in counts.text
    assert not changed_tables(before, fingerprint(engine))


def test_an_attachment_passes_the_upload_safety_and_is_the_staffs_only(
    engine: Engine, institutes: dict[str, int]
) -> None:
    with make_client(engine, COORDINATOR) as client:
        case_id = _case_id(client.post("/platform/cases", data=CASE, follow_redirects=False).headers["location"])
        before = fingerprint(engine)
        refused = client.post(
            f"/platform/cases/{case_id}/activities",
            data={"kind": "メモ", "body": "実行ファイル"},
            files={"attachment": ("../../setup.exe", b"MZ", "application/octet-stream")},
        )
        assert refused.status_code == 422 and "添付ファイル「setup.exe」の種類" in refused.text  # the path dropped
        assert set(changed_tables(before, fingerprint(engine))) <= {"audit_log"}
        logged = client.post(
            f"/platform/cases/{case_id}/activities",
            data={"kind": "依頼試験", "body": "試験成績書を受け取った"},
            files={"attachment": ("..\\成績書.pdf", b"%PDF-1.4 test", "application/pdf")},
            follow_redirects=False,
        )
        assert logged.status_code == 303
        link = re.search(
            r'href="(/platform/cases/\d+/attachments/\d+)" class="attachment">成績書.pdf<',
            client.get(f"/platform/cases/{case_id}").text,
        )
        assert link
        download = client.get(link.group(1))
        assert download.content == b"%PDF-1.4 test"
        # Named in both forms: an ASCII stand-in, and the Japanese name for clients that read RFC 5987.
        assert download.headers["content-disposition"] == (
            "attachment; filename=\"___.pdf\"; filename*=UTF-8''%E6%88%90%E7%B8%BE%E6%9B%B8.pdf"
        )
    with make_client(engine, OTHER_EDITOR) as other:
        assert other.get(link.group(1)).status_code == 403
    with read_session(engine) as s:
        assert s.scalars(select(AuditEntry.action).where(AuditEntry.action == "platform.attachment.view")).all() == [
            "platform.attachment.view"
        ]


def test_the_case_list_pages_and_keeps_its_filters(engine: Engine, institutes: dict[str, int]) -> None:
    from keikaku.services.platform.cases import CaseForm, open_case
    from keikaku.web.routers.platform_cases import PER_PAGE

    for i in range(PER_PAGE + 1):
        form = CaseForm(f"株式会社ページ{i}", FIRM, f"相談{i}", "材料", "技術開発", opened_on="2026-05-12")
        open_case(form, actor=COORDINATOR, engine=engine)
    with make_client(engine, COORDINATOR) as client:
        first = client.get("/platform/cases?phase=技術開発")
        assert first.status_code == 200, first.text[:300]
        assert first.text.count('href="/platform/cases/') == PER_PAGE
        assert "page=2" in first.text and "phase=" in first.text.split("page=2")[0].rsplit("href=", 1)[-1]
        second = client.get("/platform/cases?phase=技術開発&page=2")
        assert second.status_code == 200 and second.text.count('href="/platform/cases/') == 1
