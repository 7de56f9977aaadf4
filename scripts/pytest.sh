#!/usr/bin/env bash
# Runs every test. PostgreSQL tests run when a server is configured: KEIKAKU_TEST_POSTGRES_URL,
# or the local server on 127.0.0.1:5432 (database `test`) when it answers; otherwise they are skipped
# and the run says so.  Tests run in KEIKAKU_TEST_WORKERS processes (pytest-xdist; default 2, 0 runs them in
# this process): each worker builds its own database templates, and each test gets its own database.
set -euo pipefail
BIN=.venv/bin
if [ -z "${KEIKAKU_TEST_POSTGRES_URL:-}" ]; then
  if command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; then
    export KEIKAKU_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:5432/test"
  else
    echo "pytest.sh: no PostgreSQL server answers on 127.0.0.1:5432; PostgreSQL tests will be skipped" >&2
  fi
fi
mkdir -p test-artifacts
exec "$BIN/pytest" -n "${KEIKAKU_TEST_WORKERS:-2}" --cov=keikaku --cov-report=term:skip-covered --cov-fail-under=80 "$@"
