"""A database held by another writer past the wait (seen in bench_rw: sign-ins answered 500 "database is
locked"): a 503 in Japanese with Retry-After, nothing half-written, and the next attempt works."""

import sqlite3
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from tests.web.conftest import PASSWORD, add_user, csrf_from

from keikaku.services.core.actors import Role
from keikaku.storage.engine import make_engine
from keikaku.web import create_app
from keikaku.web.settings import WebSettings


def test_a_sign_in_while_another_writer_holds_the_database_is_a_clear_503(sqlite_loaded_engine: Engine) -> None:
    engine: Engine = make_engine(sqlite_loaded_engine.url)
    add_user(engine, "busy-editor", Role.BUREAU_ADMIN)
    path = Path(str(engine.url.database))
    client = TestClient(create_app(WebSettings(engine=engine)), raise_server_exceptions=False)
    token = csrf_from(client.get("/login").text)
    form = {"username": "busy-editor", "password": PASSWORD, "csrf_token": token}
    holder = sqlite3.connect(path, timeout=0)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another writer, longer than the busy timeout
        refused = client.post("/login", data=form, follow_redirects=False)
    finally:
        holder.rollback()
        holder.close()
    assert refused.status_code == 503, refused.text
    assert refused.headers["retry-after"] == "5"
    assert "混み合っている" in refused.text and "何も保存していません" in refused.text
    again = client.post("/login", data=form, follow_redirects=False)
    assert again.status_code == 303
    engine.dispose()
