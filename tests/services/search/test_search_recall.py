"""Search recall (issue 18): a theme named only on an event's テーマ line finds its project."""

import pytest
from sqlalchemy import Engine

from keikaku.services.core.actors import PUBLIC
from keikaku.services.search.query import search


@pytest.mark.parametrize("word", ["水素", "電池"])
def test_the_forums_theme_finds_the_green_project(loaded_engine: Engine, word: str) -> None:
    """The FY2026 forum's theme is hydrogen and batteries; neither word is in the project's name, title or
    summary, so before the theme was read and indexed the search found no FY2026 project at all."""
    results = search(word, viewer=PUBLIC, kind="project", fiscal_year=2026, engine=loaded_engine)
    names = [hit.title for hit in results.hits]
    assert names and names[0] == "グリーン分野のさらなる深化", names
