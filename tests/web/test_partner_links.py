"""Partner initiatives linked to union projects and themes by content; curators confirm or remove links."""

from fastapi.testclient import TestClient
from sqlalchemy import select

from keikaku.services.context.partner_links import Candidate, features, refresh_suggestions, similarities
from keikaku.services.core.actors import Actor, Permission, Role
from keikaku.storage.accounts import AuditEntry
from keikaku.storage.uow import read_session

from .conftest import Ids


def _links(client: TestClient, initiative_id: int) -> list[dict]:
    return client.get(f"/api/v1/partners/initiatives/{initiative_id}").json()["initiative"]["links"]


def test_similarity_finds_the_expected_links(client: TestClient, ids: Ids) -> None:
    startup = {(link["target_kind"], link["target_name"]) for link in _links(client, ids.initiative_startup)}
    assert ("project", "関西スタートアップ・エコシステムの推進") in startup
    assert ("theme", "スタートアップ") in startup
    assert any("万博" in name for kind, name in startup if kind == "project")
    hydrogen = {(link["target_kind"], link["target_name"]) for link in _links(client, ids.initiative_hydrogen)}
    assert ("project", "グリーン分野のさらなる深化") in hydrogen  # the カーボンニュートラル forum
    assert ("theme", "カーボンニュートラル") in hydrogen
    link = next(x for x in _links(client, ids.initiative_hydrogen) if x["target_kind"] == "project")
    assert link["state"] == "suggested" and "green" in link["shared_terms"]
    html = client.get("/partners").text
    assert "水素利活用促進プロジェクト" in html and "グリーン・脱炭素" in html


def test_features_fold_languages_onto_concepts() -> None:
    assert "startup" in features("「Global Startup EXPO 2025」の推進")[0]
    assert "startup" in features("関西スタートアップ・エコシステムの推進")[0]
    assert (
        "green" in features("水素利活用促進プロジェクト")[0]
        and "green" in features("カーボンニュートラル先進技術フォーラム")[0]
    )
    scored = similarities(
        [(1, "水素の利活用")],
        [Candidate("project", 1, "脱炭素フォーラム"), Candidate("project", 2, "伝統工芸の販路開拓")],
    )[1]
    assert scored[0][1].id == 1 and scored[0][0] > scored[1][0]


def test_confirm_remove_restore_are_recorded_and_kept(client: TestClient, ids: Ids) -> None:
    first, second = _links(client, ids.initiative_startup)[:2]
    response = client.post(
        f"/partners/links/{first['id']}",
        data={
            "action": "confirm",
            "note": "担当課と確認済み",
            "next": f"/partners/initiatives/{ids.initiative_startup}",
        },
        follow_redirects=False,
    )
    assert (
        response.status_code == 303
        and response.headers["location"] == f"/partners/initiatives/{ids.initiative_startup}"
    )
    removed = client.post(f"/api/v1/partners/links/{second['id']}", json={"action": "remove"})
    assert removed.status_code == 200 and removed.json()["state"] == "removed" and removed.json()["changed"]
    again = client.post(f"/api/v1/partners/links/{second['id']}", json={"action": "remove"})
    assert again.json()["changed"] is False
    links = {link["id"]: link for link in _links(client, ids.initiative_startup)}
    assert links[first["id"]]["state"] == "confirmed" and links[first["id"]]["decided_by"] == "テスト編集者"
    assert [e["action"] for e in links[first["id"]]["events"]] == ["suggest", "confirm"]
    assert links[first["id"]]["events"][1]["note"] == "担当課と確認済み"
    assert links[second["id"]]["state"] == "removed"
    # Recomputing suggestions neither revives the removed link nor touches the confirmed one.
    refresh_suggestions(force=True, engine=client.app.state.settings.engine)  # type: ignore[attr-defined]
    links = {link["id"]: link for link in _links(client, ids.initiative_startup)}
    assert links[second["id"]]["state"] == "removed" and links[first["id"]]["state"] == "confirmed"
    restored = client.post(f"/api/v1/partners/links/{second['id']}", json={"action": "restore"})
    assert restored.json()["state"] == "suggested"
    assert client.post(f"/api/v1/partners/links/{second['id']}", json={"action": "explode"}).status_code == 422


def test_the_public_cannot_curate(client: TestClient, public_client: TestClient) -> None:
    initiative = client.get("/api/v1/partners").json()["programmes"][0]["initiatives"][4]
    link = initiative["links"][0]  # a suggestion (候補): staff see it, the public does not
    public = public_client.get("/api/v1/partners").json()["programmes"][0]["initiatives"][4]
    assert all(x["state"] == "confirmed" for x in public["links"])
    html = public_client.get(f"/partners/initiatives/{initiative['id']}").text
    assert f'action="/partners/links/{link["id"]}"' not in html
    assert public_client.post(f"/partners/links/{link['id']}", data={"action": "remove"}).status_code == 403
    assert public_client.post(f"/api/v1/partners/links/{link['id']}", json={"action": "remove"}).status_code == 403


def test_a_department_editor_may_curate_but_a_council_member_may_not() -> None:
    editor = Actor("課の編集者", frozenset({Role.DEPARTMENT_EDITOR}), frozenset({"ものづくり支援課"}))
    council = Actor("委員", frozenset({Role.COUNCIL_MEMBER}))
    assert editor.can(Permission.CURATE_LINKS) and not council.can(Permission.CURATE_LINKS)
    assert editor.can(Permission.RECORD_ACTUAL, departments=["ものづくり支援課"])
    assert not editor.can(Permission.RECORD_ACTUAL, departments=["スタートアップ支援課"])


def test_a_decision_leaves_an_audit_entry_with_the_request_id(client: TestClient, ids: Ids) -> None:
    link = _links(client, ids.initiative_hydrogen)[0]
    response = client.post(
        f"/api/v1/partners/links/{link['id']}",
        json={"action": "confirm", "note": "推進会議で確認"},
        headers={"x-request-id": "req-123"},
    )
    assert response.headers["x-request-id"] == "req-123"
    with read_session(client.app.state.settings.engine) as session:  # type: ignore[attr-defined]
        entry = session.scalars(select(AuditEntry).where(AuditEntry.object_type == "partner_link")).one()
        assert (entry.actor, entry.action, entry.object_id) == ("テスト編集者", "partner_link.confirm", str(link["id"]))
        assert entry.before == {"state": "suggested"} and entry.after["state"] == "confirmed"
        assert entry.reason == "推進会議で確認" and entry.request_id == "req-123"
