"""What roles grant, the home issuer setting, the app's start-up, ``keikaku serve``."""

import subprocess
import sys

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from keikaku.services.core.actors import PUBLIC, SYSTEM, Actor, Permission, Role, require
from keikaku.services.core.db import server_engine
from keikaku.services.core.errors import DatabaseError, PermissionDeniedError
from keikaku.services.core.home_issuer import get_home_issuer
from keikaku.services.search.index import forget_checks
from keikaku.web import create_app
from keikaku.web.settings import WebSettings


def test_roles_grant_what_the_issue_names() -> None:
    editor = Actor("ed", frozenset({Role.DEPARTMENT_EDITOR}), frozenset({"ものづくり支援課"}))
    assert editor.can(Permission.RECORD_ACTUAL, departments=["ものづくり支援課"])
    assert editor.can(Permission.EDIT_PROJECT, departments=["ものづくり支援課"])
    assert not editor.can(Permission.RECORD_ACTUAL, departments=["産業振興企画課"])
    assert not editor.can(Permission.COMMENT)
    council = Actor("iin", frozenset({Role.COUNCIL_MEMBER}))
    assert council.can(Permission.COMMENT) and not council.can(Permission.RECORD_ACTUAL)
    # Offered a form at all: somewhere in their own departments, never on unowned things.
    assert editor.can_anywhere(Permission.RECORD_ACTUAL) and not editor.can(Permission.RECORD_ACTUAL)
    assert not council.can_anywhere(Permission.RECORD_ACTUAL) and not PUBLIC.can_anywhere(Permission.RECORD_ACTUAL)
    hyogo = Actor("hyogo", frozenset({Role.MEMBER_CONTRIBUTOR}), frozenset({"兵庫県"}))
    assert hyogo.can_anywhere(Permission.MANAGE_COOPERATIVE) and not hyogo.can_anywhere(Permission.RECORD_ACTUAL)
    assert PUBLIC.is_public and not PUBLIC.can(Permission.COMMENT)
    assert SYSTEM.can(Permission.CURATE_LINKS)
    with pytest.raises(PermissionDeniedError):
        require(PUBLIC, Permission.RECORD_ACTUAL)


def test_home_issuer_can_be_configured(sqlite_loaded_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    assert get_home_issuer(engine=sqlite_loaded_engine) == "関西広域連合 広域産業振興局"
    monkeypatch.setenv("KEIKAKU_HOME_ISSUER", "どこか市")
    assert get_home_issuer(engine=sqlite_loaded_engine) == "どこか市"


def test_start_up_brings_the_index_up_to_date(sqlite_loaded_engine: Engine) -> None:
    forget_checks()
    app = create_app(WebSettings(engine=sqlite_loaded_engine, sync_on_start=True))
    with TestClient(app) as client:
        assert client.get("/api/v1/search?q=水素").json()["index_complete"] is True


def test_server_engine(tmp_path: object) -> None:
    engine = server_engine(f"sqlite:///{tmp_path}/x.sqlite3", pool_size=7)
    assert engine.pool.size() == 7  # type: ignore[attr-defined]
    engine.dispose()
    with pytest.raises(DatabaseError):
        server_engine("mysql://nobody@nowhere/db")


def test_serve_is_documented_and_help_stays_light() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "keikaku.cli.app", "serve", "--help"], capture_output=True, text=True, check=True
    )
    assert "--host" in result.stdout and "--port" in result.stdout and "127.0.0.1" in result.stdout
    probe = "import sys, keikaku.cli.app; print('uvicorn' in sys.modules, 'fastapi' in sys.modules)"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert loaded.stdout.split() == ["False", "False"]


def test_serve_trusts_forwarded_headers_only_from_the_named_proxy(
    sqlite_url: str, sqlite_loaded_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn
    from typer.testing import CliRunner

    from keikaku.cli.app import build_app

    calls: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda target, **options: calls.append(options))
    monkeypatch.setenv("KEIKAKU_DATABASE_URL", sqlite_url)
    runner = CliRunner()
    assert runner.invoke(build_app(["serve"]), ["serve"]).exit_code == 0
    assert runner.invoke(build_app(["serve"]), ["serve", "--trusted-proxy", "10.0.0.5"]).exit_code == 0
    assert calls[0]["proxy_headers"] is False and calls[0]["forwarded_allow_ips"] is None
    assert calls[1]["proxy_headers"] is True and calls[1]["forwarded_allow_ips"] == "10.0.0.5"


def test_hsts_is_sent_for_https_through_the_trusted_proxy_only(sqlite_loaded_engine: Engine) -> None:
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    # What `keikaku serve --trusted-proxy 10.0.0.5` runs: uvicorn's proxy-header middleware before the app.
    app = ProxyHeadersMiddleware(create_app(WebSettings(engine=sqlite_loaded_engine)), trusted_hosts="10.0.0.5")
    https = {"x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.9"}
    with TestClient(app, client=("10.0.0.5", 40000)) as proxy, TestClient(app, client=("198.51.100.7", 40000)) as other:
        for path in ("/", "/api/v1/plans", "/no-such-page"):
            through_proxy = proxy.get(path, headers=https)
            assert through_proxy.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
            assert "strict-transport-security" not in proxy.get(path).headers  # the proxy forwarded plain HTTP
            # Anyone else claiming HTTPS is not believed.
            assert "strict-transport-security" not in other.get(path, headers=https).headers
