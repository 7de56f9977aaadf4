"""A full disk (issue 17 item 8): a clear 503 in Japanese, nothing committed lost, the failure logged.

The test mounts a small tmpfs of its own (root only; skipped otherwise), puts the SQLite database on it,
fills the rest of it, and then asks the app to store an actual value."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.web.conftest import csrf_from

from keikaku.services.core.actors import SYSTEM
from keikaku.services.exchange.initialize import initialize_database
from keikaku.services.plans.kpis import find_kpi
from keikaku.storage.actuals import ActualValue
from keikaku.storage.engine import make_engine
from keikaku.storage.uow import read_session
from keikaku.web import create_app
from keikaku.web.settings import WebSettings


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 24 MiB tmpfs mounted for this test and removed after it."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mount)], capture_output=True, check=False
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(folder: Path) -> None:
    """Take every free block of the file system the folder is on."""
    with (folder / f"filler-{uuid.uuid4().hex}").open("wb", buffering=0) as handle:
        for size in (65536, 4096, 512, 1):
            try:
                while True:
                    handle.write(b"\0" * size)
            except OSError:
                continue


def test_a_full_disk_is_a_clear_503_and_loses_nothing(small_disk: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = small_disk / "keikaku.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    initialize_database(engine=engine)
    with read_session(engine) as session:
        before = session.scalars(select(ActualValue.id)).all()
    client = TestClient(create_app(WebSettings(engine=engine, actor=SYSTEM)), raise_server_exceptions=False)
    client.headers["x-csrf-token"] = csrf_from(client.get("/login").text)
    with read_session(engine) as session:
        kpi = find_kpi(session, 2026, "参加者数").id
    _fill(small_disk)
    body = {"fiscal_year": "2026", "value": "12", "note": "あ" * 2000, "evidence_text": "い" * 2000}
    with caplog.at_level(logging.ERROR, logger="keikaku.web"):
        answers = [client.post(f"/api/v1/kpis/{kpi}/actuals", json=body) for _ in range(30)]
    refused = [a for a in answers if a.status_code == 503]
    assert refused, [a.status_code for a in answers]
    assert {a.status_code for a in answers} <= {201, 200, 503}
    error = refused[0].json()["error"]
    assert error["code"] == "storage_full" and "ディスクが一杯" in error["message"]
    assert any("disk full" in r.getMessage() for r in caplog.records)
    engine.dispose()
    # Nothing committed before is lost, and the database is whole.
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    with read_session(engine) as session:
        after = session.scalars(select(ActualValue.id)).all()
    assert set(before) <= set(after)
    engine.dispose()
