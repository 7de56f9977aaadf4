"""A server starting on an unindexed database answers at once; search says its index is being built."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from keikaku.services.core.actors import PUBLIC
from keikaku.services.search import index
from keikaku.synth.generate import Scale, generate
from keikaku.web import app as web_app
from keikaku.web.app import create_app
from keikaku.web.settings import WebSettings


def test_a_cold_start_builds_the_index_behind_the_server(
    sqlite_loaded_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate(Scale.SMALL, engine=sqlite_loaded_engine)  # 18 plans more than the foreground share below
    monkeypatch.setattr(web_app, "FOREGROUND_PLANS", 2)
    release, building = threading.Event(), threading.Event()
    real_sync = index._sync

    def slow_sync(engine: Engine, limit: int | None, progress: index.Progress | None = None) -> index.IndexStatus:
        if limit is None:  # the background build: held until the test has searched
            building.set()
            release.wait(30)
        return real_sync(engine, limit, progress)

    monkeypatch.setattr(index, "_sync", slow_sync)
    index.forget_checks()
    settings = WebSettings(engine=sqlite_loaded_engine, actor=PUBLIC, sync_on_start=True)
    with TestClient(create_app(settings)) as client:
        assert building.wait(10)
        body = client.get("/api/v1/search", params={"q": "水素"}).json()
        assert body["index_complete"] is False
        assert "索引を作成中" in client.get("/search", params={"q": "水素"}).text
        release.set()
        for thread in threading.enumerate():
            if thread.name == "search-index":
                thread.join(30)
        index.forget_checks()
        assert client.get("/api/v1/search", params={"q": "水素"}).json()["index_complete"] is True
