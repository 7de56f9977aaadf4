#!/usr/bin/env bash
# The main job of `make run`: show the policy tree and the FY2026 budget table, then serve the web
# application and API on http://127.0.0.1:8000 (Ctrl+C stops it), with a first administrator account.
set -euo pipefail
BIN=.venv/bin
"$BIN/keikaku" tree
"$BIN/keikaku" show plan 2026
# A new installation gets a first administrator (its one-time password is printed once); an existing one
# keeps its accounts.
"$BIN/keikaku" user ensure-admin
exec "$BIN/keikaku" serve --host 127.0.0.1 --port 8000
