#!/usr/bin/env bash
# `make bench`: evaluator micro-benchmarks, Linkis log paging, and HTTP load figures
# against the release binaries on this machine. Prints figures; asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
SECONDS_PER_RUN="${BENCH_SECONDS:-5}"
CONCURRENCY="${BENCH_CONCURRENCY:-32}"

cargo build --release -q -p engee-mock -p linkis-mock --bins
cargo build --release -q -p mock-kit --example load --example bare
load="$target/release/examples/load"
bare="$target/release/examples/bare"

# Servers on core 0, the load generator on core 1, so they do not take turns on one core
# (BENCH_PIN=0 turns this off; it is off by itself without taskset or with one core).
pin_server=() pin_load=()
if [ "${BENCH_PIN:-1}" = 1 ] && command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  pin_server=(taskset -c 0) pin_load=(taskset -c 1)
fi

tmp=$(mktemp -d)
# `start` runs in a command substitution (a subshell), so each server's pid goes to a file.
cleanup() { for f in "$tmp"/*.pid; do [ -e "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

start() { # name binary args...
  local name=$1; shift
  "${pin_server[@]}" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
  echo $! >"$tmp/$name.pid"
  for _ in $(seq 1 100); do
    [ -s "$tmp/$name.out" ] && { head -n1 "$tmp/$name.out" | sed 's/^listening on //'; return; }
    sleep 0.1
  done
  echo "$name did not start" >&2; cat "$tmp/$name.err" >&2; exit 1
}

echo "== HTTP load (release build, $CONCURRENCY concurrent clients, ${SECONDS_PER_RUN}s each${pin_server:+, server on core 0, load on core 1}) =="
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
run() { "${pin_load[@]}" "$load" --concurrency "$CONCURRENCY" --seconds "$SECONDS_PER_RUN" "$@" | tee "$tmp/last"; }
rate() { sed -n 's/.* \([0-9][0-9]*\) req\/s.*/\1/p' "$tmp/last"; }
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
echo "== control plane on (journal capturing bodies) vs a bare axum handler on mock-kit's serve =="
B=$(start bare "$bare" --addr 127.0.0.1:0)
BC=$(start bare-control "$bare" --addr 127.0.0.1:0 --control)
L=$(start linkis "$target/release/linkis-mock" --addr 127.0.0.1:0 --fast)
curl -s -c "$tmp/jar" -H 'Content-Type: application/json' \
  -d '{"userName":"alice","password":"alice"}' "$L/api/rest_j/v1/user/login" >/dev/null
ticket=$(awk '$6 == "linkis_user_session_ticket_id_v1" {print $7}' "$tmp/jar")
exec_id=$(curl -s -b "$tmp/jar" -H 'Content-Type: application/json' \
  -d '{"executionContent":{"code":"select 1","runType":"sql"},"labels":{"engineType":"spark-2.4.3","userCreator":"bench-IDE"}}' \
  "$L/api/rest_j/v1/entrance/submit" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["execID"])')
# `--raw` load (hand-written HTTP/1.1) so one core of load can saturate the server's core;
# alongside req/s, the server's own CPU time per request (from /proc), which the other
# processes on a shared machine do not disturb.
ticks() { awk '{print $14 + $15}' "/proc/$(cat "$tmp/$1.pid")/stat"; }
measure() { # server-name label args...
  local server=$1 label=$2; shift 2
  local before; before=$(ticks "$server")
  run --raw --name "$label" "$@" >/dev/null
  local after; after=$(ticks "$server")
  local ok; ok=$(sed -n 's/.*(\([0-9]*\) ok.*/\1/p' "$tmp/last")
  local cpu_us; cpu_us=$(python3 -c "print(f'{($after - $before) * 1e6 / $(getconf CLK_TCK) / max($ok, 1):.1f}')")
  printf '%s  server CPU %s µs/request\n' "$(cat "$tmp/last")" "$cpu_us"
  echo "$(rate) $cpu_us" >"$tmp/$server.measure"
}
measure bare "bare axum GET /ping" --url "$B/ping"; read -r bare1 bare1_cpu <"$tmp/bare.measure"
measure bare-control "bare axum + control plane" --url "$BC/ping"; read -r control control_cpu <"$tmp/bare-control.measure"
measure engee "engee eval 3 + 5" --method POST --url "$U/external/command/eval" \
  --header "Authorization: Bearer demo-pat" --header "Content-Type: application/json" --body '{"command":"3 + 5"}'
read -r eval_rate eval_cpu <"$tmp/engee.measure"
measure linkis "linkis status" --url "$L/api/rest_j/v1/entrance/$exec_id/status" \
  --header "Cookie: linkis_user_session_ticket_id_v1=$ticket"
read -r status_rate status_cpu <"$tmp/linkis.measure"
measure bare "bare axum GET /ping (again)" --url "$B/ping"; read -r bare2 bare2_cpu <"$tmp/bare.measure"
python3 - "$bare1" "$bare2" "$control" "$eval_rate" "$status_rate" \
  "$bare1_cpu" "$bare2_cpu" "$control_cpu" "$eval_cpu" "$status_cpu" <<'PY'
import sys
b1, b2, control, ev, st, c1, c2, ccpu, ecpu, scpu = map(float, sys.argv[1:])
bare, bare_cpu = (b1 + b2) / 2, (c1 + c2) / 2
print(f"bare axum (mean of two runs): {bare:.0f} req/s, {bare_cpu:.1f} µs server CPU/request")
print(f"{'':<22} {'throughput':>12} {'CPU/request':>13}")
for name, r, cpu in [("bare + control plane", control, ccpu), ("engee eval", ev, ecpu),
                     ("linkis status", st, scpu)]:
    print(f"{name:<22} {r / bare:>10.2f}x {bare_cpu / cpu:>11.2f}x   (of bare)")
PY
echo
echo "== linkis-mock: log paging and HTTP submit/status (in-process, bench profile) =="
cargo bench -q -p linkis-mock --bench log_paging 2>/dev/null

echo
echo "== julia-lite micro-benchmarks (criterion) =="
cargo bench -q -p julia-lite 2>/dev/null | grep -vE '^(Benchmarking|Gnuplot|$)'

echo
echo "== julia-lite vs CPython (same workloads, best of ${TIMING_RUNS:-5} runs each, wall clock) =="
# Bounded: 4 workloads × TIMING_RUNS runs on each side, about a minute in all.
cargo build --release -q -p julia-lite --example timing
python3 scripts/bench_cpython.py "${TIMING_RUNS:-5}" "$target/release/examples/timing"
