#!/usr/bin/env bash
# Runs the documentation's curl upload example against engee-mock, verbatim but for the
# host, the user prefix and the token, then downloads what it stored (one file as
# multipart/form-data, two as a ZIP) and checks the bytes. Needs curl and python3.
#
#   scripts/engee-curl-check.sh            # builds and starts the mock on a free port
#   ENGEE_URL=http://127.0.0.1:8088 scripts/engee-curl-check.sh   # an already running one
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
  cargo run -q -p engee-mock -- --addr 127.0.0.1:0 >"$work/out" 2>"$work/err" &
  pid=$!
  for _ in $(seq 1 300); do
    if [ -s "$work/out" ]; then break; fi
    if ! kill -0 "$pid" 2>/dev/null; then echo "engee-mock failed to start:" >&2; cat "$work/err" >&2; exit 1; fi
    sleep 0.1
  done
  line=$(head -n1 "$work/out")
  case "$line" in
    "listening on http://"*) ENGEE_URL=${line#listening on } ;;
    *) echo "unexpected first line: $line" >&2; exit 1 ;;
  esac
fi
URL=$ENGEE_URL
license=personal
user=demo
access_token=demo-pat
fail() { echo "FAIL: $*" >&2; exit 1; }

curl -sS -f -X POST -H 'Authorization: Bearer demo-pat' "$URL/account/api/engee/start" >/dev/null \
  || fail "could not start the Engee server"

cd "$work"
printf '\x89PNG\r\n\x1a\nengee-curl-check picture\n' >2.png

upload() {
  # The documentation's example, with only https://engee.com replaced (and the $variables
  # in its single-quoted strings filled in).
  curl -sS -X 'POST' \
    "$URL/prod/user/$license-$user/external/file/upload" \
    -H "Authorization: Bearer $access_token" \
    -H 'Content-Type: multipart/form-data' \
    -F 'paths={
  "sources": [
    "/user/some_directory"
  ]
}' \
    -F 'upload_files=@2.png;type=image/png'
}

first=$(upload) || fail "upload failed"
echo "upload 1: $first"
python3 - "$first" "$(wc -c <2.png)" <<'PY' || fail "unexpected upload answer"
import json, sys
f = json.loads(sys.argv[1])["files"]
assert [x["path"] for x in f] == ["/user/some_directory/2.png"], f
assert f[0]["size"] == int(sys.argv[2]), f
PY
second=$(upload) || fail "second upload failed"
echo "upload 2: $second"
python3 - "$second" <<'PY' || fail "an existing name should get a suffix"
import json, sys
assert json.loads(sys.argv[1])["files"][0]["path"] == "/user/some_directory/2_1.png"
PY

download() { # JSON body, output file; prints the Content-Type
  curl -sS -f -X POST "$URL/prod/user/$license-$user/external/file/download" \
    -H "Authorization: Bearer $access_token" -H 'Content-Type: application/json' \
    -d "$1" -o "$2" -w '%{content_type}'
}

ct=$(download '{"sources": ["/user/some_directory/2.png"]}' one.bin) || fail "download failed"
echo "download 1 file: $ct"
python3 - "$ct" one.bin 2.png <<'PY' || fail "single-file download is not the multipart we uploaded"
import sys
from email.parser import BytesParser
from email.policy import HTTP
ct, body, orig = sys.argv[1], open(sys.argv[2], "rb").read(), open(sys.argv[3], "rb").read()
assert ct.startswith("multipart/form-data; boundary="), ct
msg = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + ct.encode() + b"\r\n\r\n" + body)
parts = list(msg.iter_parts())
assert len(parts) == 1, parts
p = parts[0]
assert p.get_param("name", header="content-disposition") == "file"
assert p.get_filename() == "2.png", p.get_filename()
assert p.get_content_type() == "image/png", p.get_content_type()
assert p.get_payload(decode=True) == orig
PY

ct=$(download '{"sources": ["/user/some_directory/2.png", "/user/some_directory/2_1.png"]}' two.zip) \
  || fail "zip download failed"
echo "download 2 files: $ct"
[ "$ct" = "application/x-zip-compressed" ] || fail "zip content type: $ct"
python3 - two.zip 2.png <<'PY' || fail "the ZIP does not hold what was uploaded"
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
orig = open(sys.argv[2], "rb").read()
assert z.namelist() == ["some_directory/2.png", "some_directory/2_1.png"], z.namelist()
assert all(z.read(n) == orig for n in z.namelist())
PY

code=$(curl -sS -o /dev/null -w '%{http_code}' -X POST "$URL/prod/user/$license-$user/external/file/upload" \
  -H "Authorization: Bearer $access_token" -F 'paths={"sources":["/user/../etc"]}' -F 'upload_files=@2.png')
[ "$code" = 403 ] || fail "/user/../etc answered $code, not 403"

# The documentation's OAuth lines. The consent step is the mock's HTML form, approved the
# way a browser would submit it.
client_id=demo-app
client_secret=demo-secret
redirect_uri=http://127.0.0.1:8765/callback
location=$(curl -sS -o /dev/null -w '%{redirect_url}' -X POST "$URL/account/authorize" \
  --data-urlencode response_type=code --data-urlencode client_id=$client_id \
  --data-urlencode redirect_uri=$redirect_uri --data-urlencode state=curl-check \
  --data-urlencode "scope=user:id user:username profile:name profile:primary_email engee" \
  -d nickname=demo -d password=demo -d action=approve)
code=$(printf '%s' "$location" | sed -n 's/.*[?&]code=\([^&]*\).*/\1/p')
[ -n "$code" ] || fail "consent approval did not redirect with a code: $location"
case "$location" in *state=curl-check*) ;; *) fail "state lost: $location" ;; esac
tokens=$(curl -sS -d grant_type=authorization_code -d code=$code -d client_id=$client_id -d client_secret=$client_secret -d "scope=user:id user:username profile:name profile:primary_email engee" -d redirect_uri=$redirect_uri $URL/account/api/oauth2/token) \
  || fail "token request failed"
token=$(printf '%s' "$tokens" | python3 -c 'import json,sys; t=json.load(sys.stdin); assert t["token_type"]=="Bearer" and t["expires_in"]==600, t; print(t["access_token"])') \
  || fail "unexpected token answer: $tokens"
refresh_token=$(printf '%s' "$tokens" | python3 -c 'import json,sys; print(json.load(sys.stdin)["refresh_token"])')
session=$(curl -sS -H "Authorization: Bearer $token" $URL/account/api/oauth2/session)
python3 - "$session" <<'PY' || fail "unexpected session answer: $session"
import json, sys
s = json.loads(sys.argv[1])
assert s["nickname"] == "demo" and s["sub"] == "1d592c69-9664-4eb5-9166-447c421a02df" and "@" in s["email"], s
PY
refreshed=$(curl -sS -d grant_type=refresh_token -d refresh_token=$refresh_token -d client_id=$client_id -d client_secret=$client_secret -d "scope=user:id user:username profile:name profile:primary_email engee" -d redirect_uri=$redirect_uri $URL/account/api/oauth2/token)
printf '%s' "$refreshed" | python3 -c 'import json,sys; assert json.load(sys.stdin)["access_token"]' \
  || fail "refresh failed: $refreshed"

# The documentation's eval examples, with the OAuth token.
eval_cmd() { curl -sS -X POST "$URL/prod/user/$license-$user/external/command/eval" \
  -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "$1" -w '\n%{http_code}'; }
[ "$(eval_cmd '{"command": "3 + 5"}')" = $'{"result":"8"}\n200' ] || fail "eval 3 + 5"
out=$(eval_cmd '{"command": "unexisting_variable"}')
[ "${out##*$'\n'}" = 400 ] || fail "eval of an undefined variable: $out"
case "$out" in *'"short_description":"UndefVarError(:unexisting_variable)"'*) ;; *) fail "$out" ;; esac
[ "$(eval_cmd '{"command": "using JSON\nJSON.json(\"a\"=>1)"}')" = $'{"result":"{\\"a\\":1}"}\n200' ] || fail "eval JSON"
curl -sS -f -o /dev/null -X DELETE -H "Authorization: Bearer $token" "$URL/account/api/engee/stop" -w '%{http_code}' | grep -qx 204 \
  || fail "stop did not answer 204"

echo "engee-curl-check: ok"
