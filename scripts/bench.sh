#!/usr/bin/env bash
# Runs every benchmark in bench/ and prints its figures.
set -euo pipefail
for script in bench/bench_*.py; do
  echo "== $script"
  .venv/bin/python "$script"
done
