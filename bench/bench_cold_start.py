"""The first requests after ``keikaku serve`` starts on a freshly loaded database whose search index is not
built yet (issue 16: the first request under 1 s, search saying its index is being built).

Load the database without its index first, then point this at its home:

    KEIKAKU_HOME=/tmp/nat keikaku init --no-index
    KEIKAKU_HOME=/tmp/nat keikaku synth --scale national --no-index
    python bench/bench_cold_start.py --home /tmp/nat

Printed: the seconds until the server listens, the first request's time (the dashboard), a search's time and
whether it said its index was complete, then the seconds until the background build completes (a search is
asked once a second until it says so).  It prints figures; it asserts nothing.  The database is changed (the
index is built); use a copy to measure again.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time

import httpx


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    """Start the server, time the first requests, then wait for the index."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--home", required=True, help="KEIKAKU_HOME of the freshly loaded database")
    parser.add_argument("--word", default="水素", help="the word searched for")
    parser.add_argument("--limit", type=float, default=3600, help="seconds to wait for the index at most")
    opts = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "KEIKAKU_DATABASE_URL"}
    env["KEIKAKU_HOME"] = opts.home
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    print(f"cpus: {os.cpu_count()}; load average: {os.getloadavg()[0]:.2f}")
    started = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "keikaku.cli.app", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if server.poll() is not None:
                    raise SystemExit("the server stopped before it listened") from None
                time.sleep(0.02)
        listening = time.perf_counter() - started
        with httpx.Client(base_url=base, timeout=120) as client:
            t = time.perf_counter()
            client.get("/api/v1/dashboard").raise_for_status()
            first = time.perf_counter() - t
            t = time.perf_counter()
            found = client.get("/api/v1/search", params={"q": opts.word})
            found.raise_for_status()
            search = time.perf_counter() - t
            body = found.json()
            print(f"listening after {listening:.2f} s; the first request (dashboard) {first:.3f} s")
            print(
                f"a search for {opts.word} {search:.3f} s: {body['total']} found, "
                f"index complete: {'yes' if body['index_complete'] else 'no (being built)'}"
            )
            built = time.perf_counter()
            while not body["index_complete"] and time.perf_counter() - built < opts.limit:
                time.sleep(1)
                body = client.get("/api/v1/search", params={"q": opts.word}).json()
            state = "complete" if body["index_complete"] else "still being built"
            print(f"index {state} {time.perf_counter() - built:.1f} s after that search; {body['total']} found")
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"load average: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
