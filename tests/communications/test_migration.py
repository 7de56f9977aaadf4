"""Migration 0012 widens the measures' kinds without losing a measure or a computation (SQLite rebuilds
the table, which would cascade to computed_actuals), and downgrades back."""

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from keikaku.storage.migrate import _config, upgrade


def _migrate(engine: Engine, revision: str, *, down: bool = False) -> None:
    from alembic import command

    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)


MEASURE = (
    "INSERT INTO kpi_measures (id, kpi_id, version, kind, event_ids, codes, created_by, created_at)"
    " VALUES (:id, :kpi, :id, :kind, '[]', '[]', 't', CURRENT_TIMESTAMP)"
)
COMPUTED = (
    "INSERT INTO computed_actuals (kpi_id, measure_id, fiscal_year, value, records, outcome, computed_by,"
    " computed_at) VALUES (:kpi, 900, 2026, 5, 5, 'recorded', 't', CURRENT_TIMESTAMP)"
)


def test_down_and_up_keep_measures_and_their_computations(loaded_engine: Engine) -> None:
    _migrate(loaded_engine, "0010_derived_versions", down=True)
    with loaded_engine.begin() as conn:
        kpi = conn.execute(text("SELECT min(id) FROM kpis")).scalar()
        with pytest.raises(IntegrityError), conn.begin_nested():
            conn.execute(text(MEASURE), {"id": 901, "kpi": kpi, "kind": "web_views"})
        conn.execute(text(MEASURE), {"id": 900, "kpi": kpi, "kind": "attended_people"})
        conn.execute(text(COMPUTED), {"kpi": kpi})
    upgrade(loaded_engine)
    with loaded_engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM computed_actuals WHERE measure_id = 900")).scalar() == 1
        assert conn.execute(text("SELECT kind FROM kpi_measures WHERE id = 900")).scalar() == "attended_people"
        conn.execute(text(MEASURE), {"id": 901, "kpi": kpi, "kind": "web_views"})
        with pytest.raises(IntegrityError), conn.begin_nested():
            conn.execute(text(MEASURE), {"id": 902, "kpi": kpi, "kind": "no_such_kind"})


def test_down_and_up_keep_event_surveys_with_their_responses(loaded_engine: Engine) -> None:
    from tests.events.conftest import add_event, forum_project

    from keikaku.services.surveys.responses import create_survey, enter_paper_response

    forum = forum_project(loaded_engine)
    event = add_event(loaded_engine, forum)
    survey = create_survey(event.id, "", ["useful5", "comment"], actor=forum.editor, engine=loaded_engine)
    useful, comment = survey.questions
    enter_paper_response(
        survey.id, {useful.id: ["useful"], comment.id: ["良い"]}, actor=forum.editor, engine=loaded_engine
    )
    counts = "SELECT (SELECT count(*) FROM survey_items), (SELECT count(*) FROM survey_responses), (SELECT count(*) FROM survey_answers)"
    with loaded_engine.connect() as conn:
        before = tuple(conn.execute(text(counts)).one())
    assert before == (2, 1, 2)
    _migrate(loaded_engine, "0010_derived_versions", down=True)
    with loaded_engine.connect() as conn:
        assert tuple(conn.execute(text(counts)).one()) == before
    upgrade(loaded_engine)
    with loaded_engine.begin() as conn:
        assert tuple(conn.execute(text(counts)).one()) == before
        conn.execute(
            text(
                "INSERT INTO surveys (title, public_token, is_open, created_by, created_at, department)"
                " VALUES ('読者アンケート', 'tok', true, 't', CURRENT_TIMESTAMP, '広報課')"
            )
        )
        with pytest.raises(IntegrityError), conn.begin_nested():  # neither an event nor a department
            conn.execute(
                text(
                    "INSERT INTO surveys (title, public_token, is_open, created_by, created_at)"
                    " VALUES ('x', 'tok2', true, 't', CURRENT_TIMESTAMP)"
                )
            )


def test_0023_down_and_up_keep_registry_entries(loaded_engine: Engine) -> None:
    from keikaku.services.communications.registries import EntryForm, add_entry, list_entries
    from keikaku.services.core.actors import SYSTEM

    e = loaded_engine
    form = EntryForm("listing", "2026-06-01", "Crunchbase", "移行試験株式会社", "https://example.com/x")
    add_entry(form, "広報課", evidence=("shot.png", b"\x89PNG x"), actor=SYSTEM, engine=e)
    _migrate(e, "0022_platweb", down=True)
    with e.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM activity_entries")).scalar() == 1
        columns = {c["name"] for c in inspect(conn).get_columns("activity_entries")}
        assert "evidence_id" not in columns and not inspect(conn).has_table("visit_destinations")
    upgrade(e)
    (entry,) = list_entries("listing", viewer=SYSTEM, engine=e)
    assert entry.title == "移行試験株式会社" and not entry.has_evidence  # the link went with the column
    with e.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO visit_destinations (name, folded, search_text, department, entered_by, entered_at)"
                " VALUES ('x', 'x', 'x', '広報課', 't', CURRENT_TIMESTAMP)"
            )
        )
        with pytest.raises(IntegrityError), conn.begin_nested():  # one destination per folded name
            conn.execute(
                text(
                    "INSERT INTO visit_destinations (name, folded, search_text, department, entered_by, entered_at)"
                    " VALUES ('X', 'x', 'x', '広報課', 't', CURRENT_TIMESTAMP)"
                )
            )


def test_0026_down_and_up_swap_the_directory_index_and_keep_the_firms(loaded_engine: Engine) -> None:
    from keikaku.services.communications.directories import import_directory, search_directory
    from keikaku.services.core.actors import SYSTEM

    e = loaded_engine
    firms = "企業名,府県,掲載年度\n移行精工,大阪府,2026\n移行化学,京都府,2026\n"
    import_directory("kansai_companies", "f.csv", firms.encode(), "広報課", actor=SYSTEM, engine=e)

    def indexes() -> set[str]:
        with e.connect() as conn:
            return {str(i["name"]) for i in inspect(conn).get_indexes("directory_entries")}

    assert "ix_directory_entries_facets" in indexes() and "ix_directory_entries_directory" not in indexes()
    _migrate(e, "0025_case_list_index", down=True)
    assert "ix_directory_entries_directory" in indexes() and "ix_directory_entries_facets" not in indexes()
    upgrade(e)
    assert "ix_directory_entries_facets" in indexes()
    found, _facets = search_directory("kansai_companies", prefecture="大阪府", engine=e)
    assert [f.name for f in found.items] == ["移行精工"]
