#!/usr/bin/env bash
# The main job of `make run`: show the policy tree and the FY2026 budget table.
set -euo pipefail
BIN=.venv/bin
"$BIN/keikaku" tree
"$BIN/keikaku" show plan 2026
