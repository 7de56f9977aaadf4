"""Core figures on the national synthetic data: generate + load into SQLite, database size, full export, memory.

Targets (issue: core): generate and load under 60 s, export everything under 30 s, peak memory under 1 GB.
Each step runs as its own `keikaku` process, as a user would run it; peak memory is the largest resident
set of those processes.  Usage: python bench/bench_core.py [--scale national|prefecture|small] [--keep DIR]
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Run one keikaku command; return (seconds, peak RSS in MiB of that process)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "keikaku.cli.app", *args], env=env, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) // 1024


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="national")
    parser.add_argument("--keep", help="keep the database in this folder (for other benches)")
    opts = parser.parse_args()
    home = Path(opts.keep) if opts.keep else Path(tempfile.mkdtemp(prefix="keikaku-bench-"))
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "KEIKAKU_DATABASE_URL"}
    env["KEIKAKU_HOME"] = str(home)
    db = home / "keikaku.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    print(f"scale: {opts.scale}; database: {db}; cpus: {os.cpu_count()}; load average: {os.getloadavg()[0]:.2f}")
    init_s, init_mb = run(["init"], env)
    synth_s, synth_mb = run(["synth", "--scale", opts.scale], env)
    size = sum(Path(f"{db}{s}").stat().st_size for s in ("", "-wal") if Path(f"{db}{s}").exists())
    json_s, json_mb = run(["export", "--format", "json", "-o", str(home / "all.json")], env)
    csv_s, csv_mb = run(["export", "--format", "csv", "-o", str(home / "all.csv")], env)
    print("(peak = largest resident set of the keikaku processes run so far)")
    print(f"init (schema + Kansai data):        {init_s:8.1f} s   peak {init_mb:5d} MiB")
    print(f"synth generate + load into SQLite:  {synth_s:8.1f} s   peak {synth_mb:5d} MiB   (target < 60 s)")
    print(f"database size:                      {size / 2**20:8.1f} MiB")
    print(
        f"export all, JSON:                   {json_s:8.1f} s   peak {json_mb:5d} MiB   (target < 30 s)"
        f"   {(home / 'all.json').stat().st_size / 2**20:.0f} MiB written"
    )
    print(
        f"export all, CSV:                    {csv_s:8.1f} s   peak {csv_mb:5d} MiB   (target < 30 s)"
        f"   {(home / 'all.csv').stat().st_size / 2**20:.0f} MiB written"
    )
    print(f"peak memory of any step:            {max(init_mb, synth_mb, json_mb, csv_mb):8d} MiB   (target < 1024 MiB)")
    if not opts.keep:
        for f in home.iterdir():
            f.unlink()
        home.rmdir()


if __name__ == "__main__":
    main()
