#!/usr/bin/env bash
# Starts both mocks on the fixtures' defaults and prints their URLs and demo credentials.
# Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${CARGO_TARGET_DIR:-target}/debug"
ENGEE_ADDR="${ENGEE_ADDR:-127.0.0.1:8088}"
LINKIS_ADDR="${LINKIS_ADDR:-127.0.0.1:9001}"

logs=$(mktemp -d)
"$bin/engee-mock" --addr "$ENGEE_ADDR" >"$logs/engee.out" 2>"$logs/engee.err" &
engee_pid=$!
"$bin/linkis-mock" --addr "$LINKIS_ADDR" >"$logs/linkis.out" 2>"$logs/linkis.err" &
linkis_pid=$!
trap 'kill $engee_pid $linkis_pid 2>/dev/null; wait 2>/dev/null; rm -rf "$logs"' EXIT INT TERM

first_line() { # file pid name
  for _ in $(seq 1 100); do
    if [ -s "$1" ]; then head -n1 "$1" | sed 's/^listening on //'; return 0; fi
    if ! kill -0 "$2" 2>/dev/null; then echo "$3 failed to start:" >&2; cat "${1%.out}.err" >&2; exit 1; fi
    sleep 0.1
  done
  echo "$3 did not start in 10 s" >&2; exit 1
}
engee_url=$(first_line "$logs/engee.out" $engee_pid engee-mock)
linkis_url=$(first_line "$logs/linkis.out" $linkis_pid linkis-mock)
# On a non-loopback address (or with MOCK_ADMIN_TOKEN set) the admin API needs a token;
# a generated one is printed right after the `listening on` line.
admin_token() { sed -n 's/^admin token: //p' "$1"; }
engee_admin=$(admin_token "$logs/engee.out")
linkis_admin=$(admin_token "$logs/linkis.out")

cat <<TXT
Engee mock   $engee_url
  user        demo / demo   (license personal, prefix /prod/user/personal-demo/)
  second user other / other
  OAuth       client_id demo-app, client_secret demo-secret,
              redirect_uri http://127.0.0.1:8765/callback
              scope "user:id user:username profile:name profile:primary_email engee"
              consent page: $engee_url/account/authorize?response_type=code&client_id=demo-app&redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%2Fcallback&state=xyz
  PAT         demo-pat (user demo), other-pat (user other)
  try         curl -X POST -H 'Authorization: Bearer demo-pat' $engee_url/account/api/engee/start

Linkis mock  $linkis_url
  users       hadoop / hadoop (admin), alice / alice, bob / bob
  token       Token-Code: LINKIS-AUTH with Token-User: <any user>
  proxy       Validation-Code: LINKIS-PROXY-AB (Proxy-User alice|bob), LINKIS-PROXY-ANY (any user)
              (built-in copy of fixtures/proxy.properties; carol/carol logs in acting as etl_user)
  try         curl -s -X POST -H 'Content-Type: application/json' -d '{"userName":"hadoop","password":"hadoop"}' $linkis_url/api/rest_j/v1/user/login

Dashboards (state, clock, faults, the request journal live)
  engee       $engee_url/__admin/${engee_admin:+?token=$engee_admin}
  linkis      $linkis_url/__admin/${linkis_admin:+?token=$linkis_admin}

Admin API on both: /__admin/health, /__admin/reset, /__admin/clock, /__admin/requests, /__admin/faults
  POST calls need Content-Type: application/json (send {} when there is nothing to say):
  curl -X POST -H 'Content-Type: application/json' -d '{"advance_secs": 601}' $engee_url/__admin/clock
${engee_admin:+  engee admin token   $engee_admin  (send as Authorization: Bearer <token>)
}${linkis_admin:+  linkis admin token  $linkis_admin  (send as Authorization: Bearer <token>)
}Logs: $logs   (Ctrl-C stops both mocks)
TXT
wait -n $engee_pid $linkis_pid
