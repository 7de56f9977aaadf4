"""The member institutions' staff pages: an institution added through the form (its fee rule shown as % of
the base fee), bad input refused with its Japanese message on the field and nothing stored; an equipment
list (a CP932 CSV, an XLSX with merged header cells) uploaded, previewed with its counts, then imported
from the bytes kept on the server; a file with bad rows shows every error and cannot be imported; a
re-import withdraws the entry no longer listed; a seed added; the public, another department's editor and
a coordinator refused what they may not do, and nothing changes."""

import re

import pytest
from sqlalchemy import Engine, func, select
from tests.db_fingerprint import changed_tables, fingerprint
from tests.web.conftest import make_client

from keikaku.services.core.actors import PUBLIC, Actor, Role
from keikaku.services.platform.common import PLATFORM_DEPARTMENT
from keikaku.storage import platform as store
from keikaku.storage.accounts import AuditEntry
from keikaku.storage.uow import read_session

from .conftest import ADMIN, COORDINATOR, OTHER_EDITOR, OWNER
from .test_labsearch import HYOGO, OSAKA_CSV, _xlsx

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NEW = {
    "name": "京都市産業技術研究所",
    "prefecture": "京都府",
    "kind": "公設試",
    "contact": "075-000-0000",
    "fee_own": "0.8",
    "fee_union": "",
    "fee_other": "1.5",
}

API_NEW = {**NEW, "fee_own": 0.8, "fee_union": None, "fee_other": 1.5}


def _equipment(engine: Engine, institution_id: int) -> dict[str, bool]:
    """Name → withdrawn of an institution's entries."""
    with read_session(engine) as s:
        rows = s.execute(
            select(store.Equipment.name, store.Equipment.withdrawn).where(
                store.Equipment.institution_id == institution_id
            )
        ).all()
    return {name: bool(withdrawn) for name, withdrawn in rows}


def _upload(client: object, institution_id: int, name: str, content: bytes, media: str) -> str:
    """Upload a list; the preview's address."""
    response = client.post(  # type: ignore[attr-defined]
        f"/platform/institutions/{institution_id}/imports",
        files={"file": (name, content, media)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:800]
    location = response.headers["location"]
    assert re.fullmatch(rf"/platform/institutions/{institution_id}/imports/[0-9a-f]{{32}}", location), location
    return location


def _count(page: str, what: str) -> int:
    found = re.search(rf'data-testid="{what}">(\d+)<', page)
    assert found, (what, page[-3000:])
    return int(found.group(1))


def test_an_institution_is_added_through_the_page_with_its_fee_rule(engine: Engine) -> None:
    with make_client(engine, OWNER) as client:
        added = client.post("/platform/institutions", data=NEW, follow_redirects=False)
        assert added.status_code == 303, added.text[:800]
        page = client.get(added.headers["location"])
        assert page.status_code == 200 and NEW["name"] in page.text
        listing = client.get("/platform/institutions").text
        row = re.search(r'<tr data-testid="institution-\d+">.*?</tr>', listing, re.S)
        assert row and NEW["name"] in row.group(0) and "075-000-0000" in row.group(0)
        fees = re.findall(r'data-testid="fee-(\w+)">([\d.]+)%<', row.group(0))
        assert fees == [("own", "80"), ("union", "100"), ("other", "150")]
        twin = client.get("/api/v1/platform/institutions").json()["items"]
        assert [(i["name"], i["fee_rule"]) for i in twin] == [(NEW["name"], {"own": 0.8, "union": 1.0, "other": 1.5})]
    with read_session(engine) as s:
        assert s.scalar(select(func.count()).where(AuditEntry.action == "platform.institution.add")) == 1


BAD = [
    ({"fee_own": "-0.2"}, "料金の倍率（府県内の企業）「-0.2」は 0 から 10", "fee_own"),
    ({"fee_other": "50"}, "料金の倍率（その他の企業）「50」は 0 から 10", "fee_other"),
    ({"fee_union": "二割引"}, "料金の倍率（関西広域連合の区域の企業）「二割引」", "fee_union"),
    ({"fee_union": "nan"}, "料金の倍率（関西広域連合の区域の企業）「nan」", "fee_union"),
    ({"name": "  "}, "機関名を入力してください", "name"),
    ({"name": "大阪産業技術研究所"}, "機関「大阪産業技術研究所」は登録済みです", "name"),
    ({"prefecture": ""}, "府県を入力してください", "prefecture"),
    ({"kind": "民間企業"}, "機関の種別は", "kind"),
]


@pytest.mark.parametrize(("change", "message", "field"), BAD, ids=[f for _c, _m, f in BAD])
def test_bad_input_is_refused_on_its_field_and_nothing_is_stored(
    engine: Engine, institutes: dict[str, int], change: dict[str, str], message: str, field: str
) -> None:
    before = fingerprint(engine)
    with make_client(engine, OWNER) as client:
        response = client.post("/platform/institutions", data={**NEW, **change})
    assert response.status_code == 422 and message in response.text, response.text[-2500:]
    assert re.search(rf'name="{field}"[^>]*aria-invalid="true"', response.text), field  # the field is marked
    assert 'id="institution-error"' in response.text
    assert NEW["contact"] in response.text  # the form comes back with what was typed
    assert not changed_tables(before, fingerprint(engine))


def test_a_coordinator_reads_the_list_but_may_not_add(engine: Engine, institutes: dict[str, int]) -> None:
    before = fingerprint(engine)
    with make_client(engine, COORDINATOR) as client:
        listing = client.get("/platform/institutions")
        assert listing.status_code == 200 and "大阪産業技術研究所" in listing.text
        assert 'action="/platform/institutions"' not in listing.text  # no form to add one
        assert client.post("/platform/institutions", data=NEW).status_code == 403
        assert client.post("/api/v1/platform/institutions", json=API_NEW).status_code == 403
        upload = client.post(
            f"/platform/institutions/{institutes['osaka']}/imports",
            files={"file": ("osaka.csv", OSAKA_CSV.encode("cp932"), CSV)},
        )
        assert upload.status_code == 403
    assert not changed_tables(before, fingerprint(engine))


def test_a_csv_and_an_xlsx_are_previewed_then_imported_from_the_kept_bytes(
    engine: Engine, institutes: dict[str, int]
) -> None:
    osaka, hyogo = institutes["osaka"], institutes["hyogo"]
    with make_client(engine, OWNER) as client:
        preview = _upload(client, osaka, "osaka.csv", OSAKA_CSV.encode("cp932"), CSV)
        page = client.get(preview).text
        assert (_count(page, "rows"), _count(page, "added"), _count(page, "updated"), _count(page, "error-count")) == (
            3,
            3,
            0,
            0,
        )
        assert "走査電子顕微鏡（JSM-IT200）" in page and 'data-testid="commit"' in page
        assert _equipment(engine, osaka) == {}  # a preview stores nothing
        committed = client.post(preview + "/commit", follow_redirects=False)
        assert committed.status_code == 303
        assert 'data-testid="committed"' in client.get(committed.headers["location"]).text
        again = client.post(preview + "/commit")
        assert again.status_code == 409  # the same upload is imported once
        xlsx = _upload(client, hyogo, "hyogo.xlsx", _xlsx(HYOGO), XLSX)
        assert _count(client.get(xlsx).text, "added") == 2
        assert client.post(xlsx + "/commit", follow_redirects=False).status_code == 303
        institution = client.get(f"/platform/institutions/{osaka}").text
        assert "硬さ試験機" in institution and "6,000" in institution
        assert "掲載中 3 件、掲載終了 0 件" in institution
    assert set(_equipment(engine, osaka)) == {"走査電子顕微鏡", "X線回折装置", "硬さ試験機"}
    assert set(_equipment(engine, hyogo)) == {"走査型電子顕微鏡", "三次元測定機"}
    with read_session(engine) as s:
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.action.like("labsearch.%"))).all()
    assert sorted(actions) == ["labsearch.import", "labsearch.import", "labsearch.upload", "labsearch.upload"]


BAD_CSV = (
    "機器名,分類,型式,利用形態,料金,単位\n"
    "走査電子顕微鏡,電子顕微鏡,JSM-IT200,機器使用,6000,1時間\n"
    ",分析,SmartLab,依頼試験,12000,1試料\n"
    "硬さ試験機,材料試験,HM-200,貸出,-500,1時間\n"
)


def test_a_file_with_bad_rows_shows_every_error_and_cannot_be_imported(
    engine: Engine, institutes: dict[str, int]
) -> None:
    osaka = institutes["osaka"]
    with make_client(engine, OWNER) as client:
        preview = _upload(client, osaka, "bad.csv", BAD_CSV.encode("cp932"), CSV)
        page = client.get(preview).text
        assert _count(page, "error-count") == 3 and "誤りが 3 件あります" in page
        errors = re.findall(
            r"<tr><td lang=\"ja\">CSV</td><td class=\"num\">(\d+)</td><td lang=\"ja\">([^<]+)</td>", page
        )
        assert errors == [("3", "機器名"), ("4", "利用形態"), ("4", "料金")]
        assert "「貸出」は機器使用・依頼試験・技術相談のどれでもありません" in page
        assert 'data-testid="commit"' not in page
        before = fingerprint(engine)
        refused = client.post(preview + "/commit")
        assert refused.status_code == 422 and "誤りが 3 件あるファイルは取り込めません" in refused.text
        assert not changed_tables(before, fingerprint(engine))
        twin = client.post(f"/api/v1{preview}/commit")
        assert twin.status_code == 422 and len(twin.json()["error"]["details"]["errors"]) == 3
    assert _equipment(engine, osaka) == {}


def test_a_reimport_withdraws_the_entry_no_longer_listed(engine: Engine, institutes: dict[str, int]) -> None:
    osaka = institutes["osaka"]
    shorter = "\n".join(line for line in OSAKA_CSV.splitlines() if "硬さ試験機" not in line) + "\n"
    with make_client(engine, OWNER) as client:
        first = _upload(client, osaka, "osaka.csv", OSAKA_CSV.encode("cp932"), CSV)
        client.post(first + "/commit", follow_redirects=False)
        second = _upload(client, osaka, "osaka-2027.csv", shorter.encode("cp932"), CSV)
        page = client.get(second).text
        assert (_count(page, "added"), _count(page, "updated"), _count(page, "withdrawn")) == (0, 2, 1)
        assert re.search(r'data-testid="withdrawn_names"><li lang="ja">硬さ試験機（HM-200）</li>', page)
        assert client.post(second + "/commit", follow_redirects=False).status_code == 303
        institution = client.get(f"/platform/institutions/{osaka}").text
        assert "掲載中 2 件、掲載終了 1 件" in institution and 'data-testid="withdrawn"' in institution
        row = re.search(rf'<tr data-testid="institution-{osaka}">.*?</tr>', client.get("/platform/institutions").text)
        assert row and re.findall(r'<td class="num">(\d+)</td>', row.group(0)) == ["2", "1", "0"]
    assert _equipment(engine, osaka) == {"走査電子顕微鏡": False, "X線回折装置": False, "硬さ試験機": True}


def test_the_upload_is_its_uploaders_and_the_commit_takes_no_file(engine: Engine, institutes: dict[str, int]) -> None:
    osaka = institutes["osaka"]
    colleague = Actor("ものづくり担当2", frozenset({Role.DEPARTMENT_EDITOR}), frozenset({PLATFORM_DEPARTMENT}))
    with make_client(engine, OWNER) as client:
        preview = _upload(client, osaka, "osaka.csv", OSAKA_CSV.encode("cp932"), CSV)
    with make_client(engine, colleague) as other:
        assert other.get(preview).status_code == 404
        assert other.post(preview + "/commit").status_code == 404
        assert other.get(preview.replace(f"/{osaka}/", f"/{institutes['hyogo']}/")).status_code == 404
    with make_client(engine, ADMIN) as admin:
        sent = admin.post(  # a file sent with the commit is ignored: the kept bytes are imported
            preview + "/commit",
            files={"file": ("other.csv", BAD_CSV.encode("cp932"), CSV)},
            follow_redirects=False,
        )
        assert sent.status_code == 303
    assert set(_equipment(engine, osaka)) == {"走査電子顕微鏡", "X線回折装置", "硬さ試験機"}


def test_the_api_twin_stages_and_commits(engine: Engine, institutes: dict[str, int]) -> None:
    osaka = institutes["osaka"]
    with make_client(engine, ADMIN) as client:
        staged = client.post(
            f"/api/v1/platform/institutions/{osaka}/imports",
            files={"file": ("../../osaka.csv", OSAKA_CSV.encode("cp932"), CSV)},
        )
        assert staged.status_code == 201, staged.text
        body = staged.json()
        assert body["filename"] == "osaka.csv" and body["can_commit"] and body["report"]["added"] == 3
        done = client.post(f"/api/v1/platform/institutions/{osaka}/imports/{body['id']}/commit")
        assert done.status_code == 200 and done.json()["status"] == "committed"
        one = client.get(f"/api/v1/platform/institutions/{osaka}").json()
        assert one["institution"]["equipment_active"] == 3 and len(one["equipment"]) == 3
        wrong = client.post(
            f"/api/v1/platform/institutions/{osaka}/imports",
            files={"file": ("list.pdf", b"%PDF-1.4", "application/pdf")},
        )
        assert wrong.status_code == 422 and "xlsx" in wrong.json()["error"]["message"]
        created = client.post("/api/v1/platform/institutions", json=API_NEW)
        assert created.status_code == 201 and created.json()["fee_rule"] == {"own": 0.8, "union": 1.0, "other": 1.5}
        negative = client.post("/api/v1/platform/institutions", json={**API_NEW, "name": "別機関", "fee_own": -1})
        assert negative.status_code == 422 and "0 から 10" in negative.json()["error"]["message"]
        seed = client.post(
            f"/api/v1/platform/institutions/{osaka}/seeds",
            json={"kind": "設備", "title": "X線CTによる内部観察", "field": "材料", "phase": "実証"},
        )
        assert seed.status_code == 201 and seed.json()["institution"] == "大阪産業技術研究所"


def test_a_seed_is_added_from_the_institution_page(engine: Engine, institutes: dict[str, int]) -> None:
    osaka = institutes["osaka"]
    seed = {"kind": "技術", "title": "めっき皮膜の密着性評価", "description": "剥離試験", "field": "表面処理"}
    with make_client(engine, COORDINATOR) as client:
        before = fingerprint(engine)
        missing = client.post(f"/platform/institutions/{osaka}/seeds", data={**seed, "title": ""})
        assert missing.status_code == 422 and "シーズ名を入力してください" in missing.text
        assert re.search(r'name="title"[^>]*aria-invalid="true"', missing.text)
        assert not changed_tables(before, fingerprint(engine))
        added = client.post(
            f"/platform/institutions/{osaka}/seeds", data={**seed, "phase": "技術開発"}, follow_redirects=False
        )
        assert added.status_code == 303
        location = added.headers["location"]
        assert re.fullmatch(r"/platform/seeds/\d+", location)
        assert "めっき皮膜の密着性評価" in client.get(location).text
        institution = client.get(f"/platform/institutions/{osaka}").text
        assert f'href="{location}"' in institution
        assert 'enctype="multipart/form-data"' not in institution  # a coordinator imports no equipment lists


@pytest.mark.parametrize("actor", [PUBLIC, OTHER_EDITOR], ids=["public", "other department"])
def test_others_are_refused_and_nothing_changes(engine: Engine, institutes: dict[str, int], actor: Actor) -> None:
    osaka = institutes["osaka"]
    with make_client(engine, OWNER) as owner:
        preview = _upload(owner, osaka, "osaka.csv", OSAKA_CSV.encode("cp932"), CSV)
    before = fingerprint(engine)
    refused = (401, 403, 303)
    with make_client(engine, actor) as other:
        for path in ("/platform/institutions", f"/platform/institutions/{osaka}", preview):
            assert other.get(path, follow_redirects=False).status_code in refused, path
        posts = [
            ("/platform/institutions", {"data": NEW}),
            (f"/platform/institutions/{osaka}/seeds", {"data": {"kind": "技術", "title": "覗き見"}}),
            (preview + "/commit", {}),
            (
                f"/platform/institutions/{osaka}/imports",
                {"files": {"file": ("o.csv", OSAKA_CSV.encode("cp932"), CSV)}},
            ),
        ]
        for path, body in posts:
            assert other.post(path, follow_redirects=False, **body).status_code in refused, path
        assert other.get("/api/v1/platform/institutions").status_code in (401, 403)
    assert not changed_tables(before, fingerprint(engine))
    assert _equipment(engine, osaka) == {}


def test_a_preview_that_no_longer_holds_is_not_imported(engine: Engine, institutes: dict[str, int]) -> None:
    """Two lists previewed for one institution; once one is imported, the other's preview (three entries to
    add) is out of date: its commit is refused with 409 and nothing changes."""
    osaka = institutes["osaka"]
    with make_client(engine, OWNER) as client:
        first = _upload(client, osaka, "a.csv", OSAKA_CSV.encode("cp932"), CSV)
        second = _upload(client, osaka, "b.csv", OSAKA_CSV.encode("utf-8"), CSV)
        assert client.post(first + "/commit", follow_redirects=False).status_code == 303
        before = fingerprint(engine)
        stale = client.post(second + "/commit")
        assert stale.status_code == 409 and "もう一度アップロードして確認してください" in stale.text
        assert 'data-testid="commit"' not in stale.text and "もう一度アップロードしてください" in stale.text
        assert not changed_tables(before, fingerprint(engine))
        again = _upload(client, osaka, "b.csv", OSAKA_CSV.encode("utf-8"), CSV)
        page = client.get(again).text
        assert (_count(page, "added"), _count(page, "updated")) == (0, 3)
