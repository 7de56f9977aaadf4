"""A real server (uvicorn on 127.0.0.1) over a fresh database, and Debian's Chromium driven by Playwright."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
USERNAME = "browser-editor"
PASSWORD = "ブラウザ試験の合言葉-2026"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(tmp_path: Path, **env_vars: str) -> Iterator[str]:
    """``keikaku init`` into a fresh SQLite file and an administrator (:data:`USERNAME`), then the app under
    uvicorn with ``env_vars`` added to the environment (``KEIKAKU_BASE_URL`` is its own address, so that the
    links in its mail lead back to it); yields its base URL."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "KEIKAKU_DATABASE_URL": f"sqlite:///{tmp_path / 'keikaku.sqlite3'}",
        "KEIKAKU_BASE_URL": base,
        **env_vars,
    }
    subprocess.run([sys.executable, "-m", "keikaku.cli.app", "init"], env=env, check=True, capture_output=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "keikaku.cli.app",
            "user",
            "add",
            USERNAME,
            "--role",
            "bureau_admin",
            "--password-stdin",
        ],
        env=env,
        input=PASSWORD + "\n",
        text=True,
        check=True,
        capture_output=True,
    )
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "keikaku.web.asgi:app", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/api/v1/plans", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((tmp_path / "server.log").read_text()) from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """The app over a fresh database (see :func:`running_server`); yields its base URL."""
    with running_server(tmp_path) as base:
        yield base


@pytest.fixture
def browser_page() -> Iterator[object]:
    """A Chromium page (Debian's /usr/bin/chromium; no browser is downloaded)."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True, locale="ja-JP")
        page = context.new_page()
        try:
            yield page
        finally:
            context.close()
            browser.close()
