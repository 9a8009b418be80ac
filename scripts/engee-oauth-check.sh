#!/usr/bin/env bash
# Runs the OAuth authorization-code flow against engee-mock with a real third-party OAuth
# client library (Authlib, from PyPI): builds the mock, starts it on a free port with
# `--auto-approve demo`, installs the library in a venv under /tmp and runs
# scripts/engee_oauth_check.py. Exits non-zero when anything fails.
#
# Environment: CARGO_TARGET_DIR (honoured), ENGEE_OAUTH_VENV (default /tmp/engee-oauth-venv),
# PYTHON (default python3).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
venv="${ENGEE_OAUTH_VENV:-/tmp/engee-oauth-venv}"
python="${PYTHON:-python3}"

echo "== building engee-mock"
cargo build --quiet -p engee-mock
target_dir="$(cargo metadata --format-version 1 --no-deps |
    "$python" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
bin="$target_dir/debug/engee-mock"

echo "== preparing $venv (authlib, requests)"
if ! "$venv/bin/python" -c 'import authlib, requests' 2>/dev/null; then
    "$python" -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check authlib requests
fi

logs="$(mktemp -d /tmp/engee-oauth-check.XXXXXX)"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$logs"
}
trap cleanup EXIT

echo "== starting engee-mock --auto-approve demo"
"$bin" --addr 127.0.0.1:0 --auto-approve demo >"$logs/out" 2>"$logs/err" &
server_pid=$!
base=""
for _ in $(seq 1 300); do
    if line="$(head -n 1 "$logs/out" 2>/dev/null)" && [[ "$line" == "listening on "* ]]; then
        base="${line#listening on }"
        break
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
        break
    fi
    sleep 0.1
done
if [[ -z "$base" ]]; then
    echo "engee-oauth-check: engee-mock did not start; its stderr:" >&2
    cat "$logs/err" >&2
    exit 1
fi
echo "   at $base"

echo "== running scripts/engee_oauth_check.py"
status=0
"$venv/bin/python" scripts/engee_oauth_check.py "$base" || status=$?
if [[ $status -ne 0 ]]; then
    echo "engee-oauth-check: FAILED (exit $status); engee-mock's log:" >&2
    tail -n 40 "$logs/err" >&2
fi
exit "$status"
