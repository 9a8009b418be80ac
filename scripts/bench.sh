#!/usr/bin/env bash
# `make bench`: evaluator micro-benchmarks, Linkis log paging, and HTTP load figures
# against the release binaries on this machine. Prints figures; asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
SECONDS_PER_RUN="${BENCH_SECONDS:-5}"
CONCURRENCY="${BENCH_CONCURRENCY:-32}"

cargo build --release -q -p engee-mock -p linkis-mock --bins
cargo build --release -q -p mock-kit --example load
load="$target/release/examples/load"

tmp=$(mktemp -d)
cleanup() {
  for f in "$tmp"/*.pid; do [ -e "$f" ] && kill "$(cat "$f")" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT

start() { # name binary args...
  local name=$1; shift
  "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
  echo $! >"$tmp/$name.pid" # `start` runs in $(…): a variable would not reach cleanup
  for _ in $(seq 1 100); do
    [ -s "$tmp/$name.out" ] && { head -n1 "$tmp/$name.out" | sed 's/^listening on //'; return; }
    sleep 0.1
  done
  echo "$name did not start" >&2; cat "$tmp/$name.err" >&2; exit 1
}

echo "== HTTP load (release build, $CONCURRENCY concurrent clients, ${SECONDS_PER_RUN}s each) =="
sed 's/^rotate_refresh_tokens = true/rotate_refresh_tokens = false/' fixtures/engee.toml >"$tmp/engee.toml"
E=$(start engee "$target/release/engee-mock" --addr 127.0.0.1:0 --config "$tmp/engee.toml" --auto-approve demo)
redirect=http://127.0.0.1:8765/callback
location=$(curl -s -o /dev/null -w '%{redirect_url}' "$E/account/authorize?response_type=code&client_id=demo-app&redirect_uri=$redirect&state=b")
code=$(printf '%s' "$location" | sed -n 's/.*[?&]code=\([^&]*\).*/\1/p')
tokens=$(curl -s -d grant_type=authorization_code -d "code=$code" -d client_id=demo-app -d client_secret=demo-secret -d "redirect_uri=$redirect" "$E/account/api/oauth2/token")
access=$(printf '%s' "$tokens" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
refresh=$(printf '%s' "$tokens" | python3 -c 'import json,sys; print(json.load(sys.stdin)["refresh_token"])')
curl -s -X POST -H "Authorization: Bearer demo-pat" "$E/account/api/engee/start" >/dev/null
U="$E/prod/user/personal-demo"
run() { "$load" --concurrency "$CONCURRENCY" --seconds "$SECONDS_PER_RUN" "$@"; }
run --name "engee eval 3 + 5" --method POST --url "$U/external/command/eval" \
  --header "Authorization: Bearer demo-pat" --header "Content-Type: application/json" --body '{"command":"3 + 5"}'
run --name "engee token (refresh grant)" --method POST --url "$E/account/api/oauth2/token" \
  --header "Content-Type: application/x-www-form-urlencoded" \
  --body "grant_type=refresh_token&refresh_token=$refresh&client_id=demo-app&client_secret=demo-secret"
run --name "engee oauth2/session" --url "$E/account/api/oauth2/session" --header "Authorization: Bearer $access"
run --name "engee info" --url "$E/account/api/engee/info" --header "Authorization: Bearer demo-pat"

# Memory must not grow with traffic: tokens carry their own signed claims (issue 8, item 9).
GRANTS="${BENCH_REFRESH_GRANTS:-1000000}"
rss() { awk '/^VmRSS/ {printf "%.1f MiB", $2 / 1024}' "/proc/$(cat "$tmp/engee.pid")/status"; }
echo "engee RSS before $GRANTS refresh grants: $(rss)"
"$load" --concurrency "$CONCURRENCY" --requests "$GRANTS" --name "engee $GRANTS refresh grants" \
  --method POST --url "$E/account/api/oauth2/token" \
  --header "Content-Type: application/x-www-form-urlencoded" \
  --body "grant_type=refresh_token&refresh_token=$refresh&client_id=demo-app&client_secret=demo-secret"
echo "engee RSS after $GRANTS refresh grants: $(rss) (target: at most 64 MiB)"

echo
echo "== linkis-mock: log paging and HTTP submit/status (in-process, bench profile) =="
cargo bench -q -p linkis-mock --bench log_paging 2>/dev/null

echo
echo "== julia-lite micro-benchmarks (criterion) =="
cargo bench -q -p julia-lite 2>/dev/null | grep -vE '^(Benchmarking|Gnuplot|$)'
