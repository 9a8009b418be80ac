#!/usr/bin/env bash
# `make soak`: both release binaries on free loopback ports under a mixed load from a
# second process (tools/soak) for SOAK_SECS seconds (default 600). Prints errors and
# p50/p99 per operation, each server's RSS at start, after warm-up and at the end, and
# exits non-zero unless there were 0 errors and RSS grew ≤ SOAK_MAX_GROWTH_PCT (10) after
# warm-up. See README "Soak".
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
SOAK_SECS="${SOAK_SECS:-600}"
SOAK_WORKERS="${SOAK_WORKERS:-8}"
SOAK_MAX_GROWTH_PCT="${SOAK_MAX_GROWTH_PCT:-10}"

cargo build --release -q -p engee-mock -p linkis-mock -p soak --bins

tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM

start() { # name binary args...; sets $url and $pid
  local name=$1; shift
  "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 1 100); do
    if [ -s "$tmp/$name.out" ]; then url=$(head -n1 "$tmp/$name.out" | sed 's/^listening on //'); return; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "$name did not start" >&2; cat "$tmp/$name.err" >&2; exit 1
}

# The demo configs with small retention bounds: every bounded store (the journals, Engee's
# finished jobs, Linkis's job history and the result sets it keeps) is full within the
# warm-up at the soak's rate, so RSS growth after it is what the traffic leaks, not stores
# filling up to their documented bounds (with the defaults, Linkis's 1,000 kept jobs take
# ~6 minutes to fill here and RSS rises ~20% until then, then stays flat).
cp fixtures/proxy.properties fixtures/linkis-catalog.sql "$tmp/"
sed -e 's/^max_finished_jobs = .*/max_finished_jobs = 10/' fixtures/engee.toml >"$tmp/engee.toml"
sed -e 's/^max_jobs = .*/max_jobs = 100/' fixtures/linkis.toml >"$tmp/linkis.toml"
printf '\n[journal]\nmax_entries = 200\n' | tee -a "$tmp/engee.toml" >>"$tmp/linkis.toml"

start engee "$target/release/engee-mock" --config "$tmp/engee.toml" --addr 127.0.0.1:0 --auto-approve demo
engee_url=$url engee_pid=$pid
start linkis "$target/release/linkis-mock" --config "$tmp/linkis.toml" --addr 127.0.0.1:0
linkis_url=$url linkis_pid=$pid

status=0
"$target/release/soak" --engee "$engee_url" --linkis "$linkis_url" \
  --engee-pid "$engee_pid" --linkis-pid "$linkis_pid" \
  --secs "$SOAK_SECS" --workers "$SOAK_WORKERS" --max-growth-pct "$SOAK_MAX_GROWTH_PCT" || status=$?
for p in "$engee_pid" "$linkis_pid"; do
  if ! kill -0 "$p" 2>/dev/null; then
    echo "soak: a server (pid $p) is gone; its stderr:" >&2
    cat "$tmp"/*.err >&2
    status=1
  fi
done
if grep -qi 'panic' "$tmp"/*.err; then
  echo "soak: a server logged a panic:" >&2
  grep -i -A5 'panic' "$tmp"/*.err >&2
  status=1
fi
exit $status
