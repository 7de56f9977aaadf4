"""Migrations create the schema on both backends and refuse unknown revisions."""

import pytest
from sqlalchemy import Engine, inspect, text

from keikaku.storage.migrate import SchemaTooNewError, check_schema, current_revisions, known_heads, upgrade


def test_upgrade_reaches_every_head_and_is_idempotent(engine: Engine) -> None:
    assert current_revisions(engine) == known_heads()
    upgrade(engine)
    assert current_revisions(engine) == known_heads()
    tables = set(inspect(engine).get_table_names())
    assert {"plans", "projects", "kpis", "documents", "visions", "initiatives", "theme_entries"} <= tables


def test_unknown_revision_is_too_new(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM alembic_version"))
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES ('zzzz')"))
    with pytest.raises(SchemaTooNewError):
        check_schema(engine)
    with pytest.raises(SchemaTooNewError):
        upgrade(engine)


def test_sqlite_runs_in_wal_with_foreign_keys(sqlite_url: str) -> None:
    from keikaku.storage.engine import make_engine

    eng = make_engine(sqlite_url)
    with eng.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    eng.dispose()
