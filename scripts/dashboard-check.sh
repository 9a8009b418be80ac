#!/usr/bin/env bash
# The dashboards at /__admin/ in a real browser: builds both debug binaries, starts them on
# free loopback ports, makes some traffic with curl (an Engee eval and a job with the demo
# PAT, a Linkis login and submit), then runs browser-tests/dashboard.mjs (playwright-core
# driving Debian's /usr/bin/chromium), which also takes a screenshot of each dashboard:
# into target/dashboard-screenshots/, or into docs/ (the README's pictures) with
# UPDATE_SCREENSHOTS=1, so that `make test` leaves the committed ones alone.
# Needs the `chromium` Debian package and `npm ci` in browser-tests/ (.ci/run does both).
set -euo pipefail
cd "$(dirname "$0")/.."

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
  echo "SKIP dashboard-check: no $CHROMIUM (apt-get install chromium)"
  exit 0
fi
if [ ! -d browser-tests/node_modules/playwright-core ]; then
  (cd browser-tests && npm ci --no-audit --no-fund --silent)
fi

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

cargo build -q -p engee-mock -p linkis-mock --bins
bin="${CARGO_TARGET_DIR:-target}/debug"

start() { # name [flags…] -> prints the URL from its `listening on` line
  local name=$1 out="$work/$1.$#.out"
  shift
  "$bin/$name" --addr 127.0.0.1:0 "$@" >"$out" 2>"${out%.out}.err" &
  pids+=($!)
  local pid=$!
  for _ in $(seq 1 300); do
    if [ -s "$out" ]; then head -n1 "$out" | sed 's/^listening on //'; return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then echo "$name failed to start:" >&2; cat "${out%.out}.err" >&2; exit 1; fi
    sleep 0.1
  done
  echo "$name did not start in 30 s" >&2; exit 1
}
# Not in $(…): the mock must be a child of this shell for the cleanup to stop it.
start engee-mock >"$work/engee.url"
start linkis-mock >"$work/linkis.url"
# A third, with an admin token: the page must work with one (?token= once, then a header).
ADMIN_TOKEN=dashboard-check-token
start engee-mock --admin-token "$ADMIN_TOKEN" >"$work/engee-token.url"
ENGEE_URL=$(cat "$work/engee.url")
LINKIS_URL=$(cat "$work/linkis.url")
TOKEN_URL=$(cat "$work/engee-token.url")

# Engee: start the demo user's server, upload a file, one eval, one job that sleeps on the
# mock clock.
pat='Authorization: Bearer demo-pat'
U="$ENGEE_URL/prod/user/personal-demo"
curl -sS -f -X POST -H "$pat" "$ENGEE_URL/account/api/engee/start" >/dev/null
printf 'x,y\n1,2\n' >"$work/points.csv"
curl -sS -f -H "$pat" -F 'paths={"sources": ["/user/data"]}' -F "upload_files=@$work/points.csv" \
  "$U/external/file/upload" >/dev/null
curl -sS -f -H "$pat" -H 'Content-Type: application/json' -d '{"command": "3 + 5"}' \
  "$U/external/command/eval" >/dev/null
# A hostile body: the page must show it as text, never as markup.
curl -sS -H "$pat" -H 'Content-Type: application/json' \
  -d '{"command": "\"<img id=injected src=x onerror=alert(1)>\""}' \
  "$U/external/command/eval" >/dev/null
ENGEE_JOB=6f1c1a52-8a2e-4d4b-9c39-3f8e2f0d2a11
curl -sS -f -H "$pat" -H 'Content-Type: application/json' \
  -d '{"job_id": "'"$ENGEE_JOB"'", "job_type": "EVAL", "code": "sleep(60); 6 * 7", "name": "dashboard demo"}' \
  "$U/external/command/jobs/create" >/dev/null

# Linkis: log in and submit a query.
B="$LINKIS_URL/api/rest_j/v1"
curl -sS -f -c "$work/jar" -H 'Content-Type: application/json' \
  -d '{"userName":"hadoop","password":"hadoop"}' "$B/user/login" >/dev/null
LINKIS_EXEC=$(curl -sS -f -b "$work/jar" -H 'Content-Type: application/json' \
  -d '{"executionContent":{"code":"select * from employees","runType":"sql"},"labels":{"engineType":"spark-2.4.3","userCreator":"hadoop-IDE"}}' \
  "$B/entrance/submit" | python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["execID"])')

export CHROMIUM ENGEE_URL LINKIS_URL TOKEN_URL ADMIN_TOKEN ENGEE_JOB LINKIS_EXEC
if [ "${UPDATE_SCREENSHOTS:-0}" = 1 ]; then
  SCREENSHOT_DIR="$PWD/docs"
else
  SCREENSHOT_DIR="$PWD/${CARGO_TARGET_DIR:-target}/dashboard-screenshots"
fi
export SCREENSHOT_DIR
mkdir -p "$SCREENSHOT_DIR"
node browser-tests/dashboard.mjs
echo "screenshots in $SCREENSHOT_DIR"
