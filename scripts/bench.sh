#!/usr/bin/env bash
# Runs every benchmark in bench/ and prints its figures (bench_vs_datasette.py needs the bench extra:
# it is installed here when missing).
set -euo pipefail
if ! .venv/bin/python -c "import datasette" 2>/dev/null; then
  .venv/bin/pip install --quiet -e '.[bench]'
fi
for script in bench/bench_*.py; do
  echo "== $script"
  .venv/bin/python "$script"
done
