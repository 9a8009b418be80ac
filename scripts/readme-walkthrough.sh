#!/usr/bin/env bash
# Runs the README's curl walk-through (its ```bash walkthrough blocks) exactly as written
# against a fresh engee-mock on a free port, and checks what each block prints against the
# README (scripts/readme_walkthrough.py). Needs curl and python3.
#
#   scripts/readme-walkthrough.sh                                  # builds and starts the mock
#   ENGEE_URL=http://127.0.0.1:8088 scripts/readme-walkthrough.sh  # an already running one
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

if [ -z "${ENGEE_URL:-}" ]; then
  cargo build -q -p engee-mock
  # As `make run` starts it (system clock, no auto-approval), but on a free port.
  "${CARGO_TARGET_DIR:-target}/debug/engee-mock" --addr 127.0.0.1:0 >"$work/out" 2>"$work/err" &
  pid=$!
  for _ in $(seq 1 300); do
    if [ -s "$work/out" ]; then break; fi
    if ! kill -0 "$pid" 2>/dev/null; then echo "engee-mock failed to start:" >&2; cat "$work/err" >&2; exit 1; fi
    sleep 0.1
  done
  line=$(head -n1 "$work/out")
  case "$line" in
    "listening on http://"*) export ENGEE_URL=${line#listening on } ;;
    *) echo "unexpected first line: $line" >&2; exit 1 ;;
  esac
fi
python3 scripts/readme_walkthrough.py README.md
