"""API tokens in the browser: a user creates one (shown once), it works on the API, and revoking it ends it."""

from sqlalchemy import Engine
from tests.web.conftest import user_client

from keikaku.services.core.actors import Role


def test_create_use_and_revoke_a_token(sqlite_loaded_engine: Engine, cheap_hasher: None) -> None:
    client = user_client(sqlite_loaded_engine, "tanaka", Role.DEPARTMENT_EDITOR, departments=("産業振興企画課",))
    assert client.get("/account/tokens").status_code == 200
    assert 'value="admin"' not in client.get("/account/tokens").text  # no admin scope for an editor
    created = client.post("/account/tokens", data={"name": "集計スクリプト", "scope": "read"})
    assert created.status_code == 201
    token = created.text.split('data-testid="new-token"')[1].split("<code>")[1].split("</code>")[0]
    assert len(token) > 20
    assert token not in client.get("/account/tokens").text  # shown once
    with client.__class__(client.app) as api:
        answer = api.get("/api/v1/plans", headers={"authorization": f"Bearer {token}"})
        assert answer.status_code == 200
    listed = client.get("/account/tokens").text
    token_id = listed.split('action="/account/tokens/')[1].split("/revoke")[0]
    assert client.post(f"/account/tokens/{token_id}/revoke", follow_redirects=False).status_code == 303
    with client.__class__(client.app) as api:
        assert api.get("/api/v1/plans", headers={"authorization": f"Bearer {token}"}).status_code == 401


def test_a_visitor_is_sent_to_the_login_page(public_client: object) -> None:
    response = public_client.get("/account/tokens", follow_redirects=False)  # type: ignore[attr-defined]
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
