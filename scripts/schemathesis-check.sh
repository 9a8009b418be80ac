#!/usr/bin/env bash
# Schemathesis (from PyPI, in a venv) against both mock binaries, each started on a free
# loopback port, from the OpenAPI document each serves at /__admin/openapi.json. Checks: no
# 5xx (not_a_server_error), every answer matches the document (status code, content type,
# body schema), and no operation that needs credentials answers without them
# (ignored_auth). Non-zero on any failure. Before the run, each mock gets one finished job
# whose ids (and Linkis result paths) schemathesis then uses most of the time for `{id}`,
# `{job_id}`, `taskID`, `path`, so the happy paths are reached, not only the 4xx ones.
#
# The admin operations that change the mock's state behind the run's back are excluded:
# reset, seeding, clock moves, faults (an injected 503 would be a "server error"), clearing the
# journal, PAT create/delete (a deleted demo PAT would turn every later answer into a 401),
# and Engee's `DELETE /account/api/engee/stop`: a stopped server makes the user API answer
# 503, which Engee does by design (spec: "a user API called while the server is not
# running: HTTP 503") and is documented, but which the "no 5xx" check cannot tell from a
# crash. The dashboard page and its redirect (`GET /__admin/`, `GET /__admin`) are left out
# too: an HTML page for a browser, not an API (the page's own reads, such as the
# overviews, are fuzzed). Their Rust tests and scripts/dashboard-check.sh cover them.
#
# Env: CARGO_TARGET_DIR (default: target), SCHEMATHESIS_VENV (default:
#      $CARGO_TARGET_DIR/schemathesis-venv), PYTHON (default: python3),
#      SCHEMATHESIS_VERSION (default: 4.32.5), SCHEMATHESIS_EXAMPLES (default: 25, the most
#      test cases per operation and phase), SCHEMATHESIS_SEED (default: 1).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
venv="${SCHEMATHESIS_VENV:-$target/schemathesis-venv}"
python="${PYTHON:-python3}"
version="${SCHEMATHESIS_VERSION:-4.32.5}"
examples="${SCHEMATHESIS_EXAMPLES:-25}"
seed="${SCHEMATHESIS_SEED:-1}"

echo "== building engee-mock and linkis-mock"
(cd "$root" && cargo build -q -p engee-mock -p linkis-mock --bins)

echo "== preparing venv $venv"
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -qF "$version"; then
  "$venv/bin/pip" install -q "schemathesis==$version"
fi

work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

# start NAME ARGS...: runs target/debug/NAME on a free port, sets $url.
start() {
  local name="$1"
  shift
  "$target/debug/$name" --addr 127.0.0.1:0 "$@" >"$work/$name.out" 2>"$work/$name.log" &
  pids+=("$!")
  url=""
  for _ in $(seq 1 100); do
    url="$(head -n1 "$work/$name.out" 2>/dev/null | sed -n 's/^listening on //p')"
    [ -n "$url" ] && return 0
    if ! kill -0 "${pids[-1]}" 2>/dev/null; then
      echo "$name exited early:"; cat "$work/$name.log"; exit 1
    fi
    sleep 0.1
  done
  echo "$name did not print its address"; cat "$work/$name.log"; exit 1
}

# run NAME URL CONFIG HEADER...: schemathesis on the mock's own document.
run() {
  local name="$1" url="$2" config="$3"
  shift 3
  local headers=()
  for h in "$@"; do headers+=(-H "$h"); done
  echo "== schemathesis against $name at $url ($examples examples per operation, seed $seed)"
  local status=0
  # From $work: schemathesis keeps a crash cache in `.schemathesis/` of its working directory.
  (cd "$work" && "$venv/bin/schemathesis" --config-file "$config" run "$url/__admin/openapi.json" \
    --url "$url" \
    "${headers[@]}" \
    --checks "${SCHEMATHESIS_CHECKS:-not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,ignored_auth}" \
    --max-examples "$examples" \
    --seed "$seed" \
    --generation-database none \
    --workers 2 \
    --request-timeout 10 \
    --exclude-operation-id reset \
    --exclude-operation-id dashboard_page \
    --exclude-operation-id dashboard_redirect \
    --exclude-operation-id seed \
    --exclude-operation-id clock_move \
    --exclude-operation-id faults_add \
    --exclude-operation-id faults_clear \
    --exclude-operation-id requests_clear \
    --exclude-operation-id pat_create \
    --exclude-operation-id pat_delete \
    --exclude-operation-id server_stop \
    --no-color) || status=$?
  if [ "$status" -ne 0 ]; then
    echo "== $name log (last 30 lines):"; tail -n 30 "$work/$name.log"
  fi
  return "$status"
}

failed=0

start engee-mock --frozen-clock
engee="$url"
# The demo user's server runs, so the user API answers rather than 409.
curl -sS -f -X POST -H 'Authorization: Bearer demo-pat' "$engee/account/api/engee/start" >/dev/null
# One finished job, so `{job_id}` can name a real one (dictionaries: mostly the real value,
# sometimes a generated one).
job=6f0c2a52-1d3b-4b7e-9a53-5c3d2e1f0a11
curl -sS -f -X POST -H 'Authorization: Bearer demo-pat' -H 'Content-Type: application/json' \
  -d "{\"job_id\": \"$job\", \"job_type\": \"EVAL\", \"code\": \"1 + 1\"}" \
  "$engee/prod/user/personal-demo/external/command/jobs/create" >/dev/null
cat >"$work/engee.toml" <<EOF
[dictionaries.job]
values = ["$job"]

[parameters]
"path.prefix" = "personal-demo"
"path.job_id" = { dictionary = "job", probability = 0.7 }
EOF
run engee-mock "$engee" "$work/engee.toml" "Authorization: Bearer demo-pat" || failed=$((failed + 1))

start linkis-mock --fast
linkis="$url"
# One finished SQL job, so `{id}`, `{task_id}`, `taskID` and `path` can name real ones.
lcurl() { curl -sS -f -H 'Token-Code: LINKIS-AUTH' -H 'Token-User: hadoop' "$@"; }
# field PATH: data.PATH of the envelope on stdin (empty when absent or null).
field() { "$python" -c 'import json, sys
d = json.load(sys.stdin).get("data")
for k in sys.argv[1].split("."): d = d.get(k) if isinstance(d, dict) else None
print("" if d is None else d)' "$1"; }
submit="$(lcurl -H 'Content-Type: application/json' \
  -d '{"executionContent": {"code": "select 1", "runType": "sql"}, "labels": {"engineType": "hive-2.3.3", "userCreator": "hadoop-IDE"}}' \
  "$linkis/api/rest_j/v1/entrance/submit")" || { echo "linkis-mock: submit failed"; exit 1; }
exec_id="$(field execID <<<"$submit")"
task_id="$(field taskID <<<"$submit")"
result_dir=""
for _ in $(seq 1 100); do # the job finishes within milliseconds with --fast
  result_dir="$(lcurl "$linkis/api/rest_j/v1/jobhistory/$task_id/get" | field task.resultLocation)" || true
  [ -n "$result_dir" ] && break
  sleep 0.1
done
if [ -z "$exec_id" ] || [ -z "$result_dir" ]; then
  echo "linkis-mock: no finished job to test with: $submit"; exit 1
fi
cat >"$work/linkis.toml" <<EOF
[dictionaries.id]
values = ["$exec_id", "$task_id"]

[dictionaries.task]
values = ["$task_id"]

[dictionaries.path]
values = ["$result_dir", "$result_dir/_0.dolphin"]

[parameters]
"path.id" = { dictionary = "id", probability = 0.7 }
"path.task_id" = { dictionary = "task", probability = 0.7 }
"query.taskID" = { dictionary = "task", probability = 0.7 }
"query.path" = { dictionary = "path", probability = 0.7 }
EOF
run linkis-mock "$linkis" "$work/linkis.toml" "Token-Code: LINKIS-AUTH" "Token-User: hadoop" \
  || failed=$((failed + 1))

echo "schemathesis: $((2 - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
