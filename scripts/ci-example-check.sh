#!/usr/bin/env bash
# Runs README "Use it in CI"'s shell example (its ```bash ci-example block) exactly as
# written, with the freshly built mock binaries first on PATH, and checks what it prints
# against the README (scripts/readme_walkthrough.py). Needs curl and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q -p engee-mock -p linkis-mock --bins
target="${CARGO_TARGET_DIR:-target}"
case "$target" in /*) ;; *) target="$(pwd)/$target" ;; esac
PATH="$target/debug:$PATH" README_BLOCKS=ci-example \
  python3 scripts/readme_walkthrough.py README.md
