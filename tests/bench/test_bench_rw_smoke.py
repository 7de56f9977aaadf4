"""``bench/bench_rw.py`` in small: 5 clients for 3 seconds on SQLite, nothing lost, no errors (no timings)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import keikaku

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_rw.py"
FIGURE = re.compile(r"^\s*([a-z][a-z ()0-9]*):\s+([\d,]+)(?:\s|$)")


@pytest.mark.slow
def test_reads_and_writes_under_load_lose_nothing(tmp_path: Path) -> None:
    source = str(Path(keikaku.__file__).resolve().parents[1])  # the server and the bench use this tree
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (source, os.environ.get("PYTHONPATH")) if p)}
    env.pop("KEIKAKU_DATABASE_URL", None)
    command = [sys.executable, str(BENCH), "--db", str(tmp_path / "rw.sqlite3"), "--scale", "kansai"]
    command += ["--clients", "5", "--duration", "3", "--workers", "1"]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    figures = {
        found.group(1): int(found.group(2).replace(",", ""))
        for line in result.stdout.splitlines()
        if (found := FIGURE.match(line))
    }
    assert figures["lost writes"] == 0 and figures["errors"] == 0, output
    assert figures["version gaps"] == figures["audit mismatches"] == figures["own slots overwritten"] == 0, output
    assert figures["unacknowledged versions"] == 0, output
    assert figures["acknowledged writes"] > 2, output  # the clients wrote, not only the locking probe
    assert "login: 2 browser sessions" in result.stdout, output
