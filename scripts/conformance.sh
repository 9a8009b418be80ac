#!/usr/bin/env bash
# `make conformance`: builds both mock binaries and the conformance CLI, starts each mock on
# a free port, runs every check against them over the network (the real-endpoint path),
# writes target/conformance/report.jsonl and target/conformance/junit.xml, validates the
# JUnit file, stops the mocks and exits with the CLI's status.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO="${CARGO:-cargo}"
bin="${CARGO_TARGET_DIR:-target}/debug"
out="target/conformance"
mkdir -p "$out"

"$CARGO" build -q -p engee-mock -p linkis-mock -p conformance --bins

logs=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$logs"
}
trap cleanup EXIT INT TERM

"$bin/engee-mock" --addr 127.0.0.1:0 --auto-approve demo >"$logs/engee.out" 2>"$logs/engee.err" &
pids+=($!)
"$bin/linkis-mock" --addr 127.0.0.1:0 >"$logs/linkis.out" 2>"$logs/linkis.err" &
pids+=($!)
# A second Linkis mock speaking the seed's UJES 0.x dialect, for the SEED checks' texts.
"$bin/linkis-mock" --addr 127.0.0.1:0 --profile ujes-0.x >"$logs/ujes.out" 2>"$logs/ujes.err" &
pids+=($!)

first_line() { # file pid name
  for _ in $(seq 1 150); do
    if [ -s "$1" ]; then head -n1 "$1" | sed 's/^listening on //'; return 0; fi
    if ! kill -0 "$2" 2>/dev/null; then echo "$3 failed to start:" >&2; cat "${1%.out}.err" >&2; exit 1; fi
    sleep 0.1
  done
  echo "$3 did not start within 15 s" >&2
  exit 1
}
engee_url=$(first_line "$logs/engee.out" "${pids[0]}" engee-mock)
linkis_url=$(first_line "$logs/linkis.out" "${pids[1]}" linkis-mock)
ujes_url=$(first_line "$logs/ujes.out" "${pids[2]}" "linkis-mock --profile ujes-0.x")
echo "engee-mock at $engee_url, linkis-mock at $linkis_url (ujes-0.x at $ujes_url)"

status=0
"$bin/conformance" all \
  --engee-url "$engee_url" --linkis-url "$linkis_url" \
  --jsonl "$out/report.jsonl" --junit "$out/junit.xml" \
  "$@" || status=$?

echo
echo "== SEED checks against linkis-mock --profile ujes-0.x =="
"$bin/conformance" linkis --base-url "$ujes_url" --tier SEED \
  --jsonl "$out/report-ujes.jsonl" --junit "$out/junit-ujes.xml" "$@" || status=$?

python3 - "$out/junit.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag in ("testsuites", "testsuite"), f"root element is <{root.tag}>"
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
assert suites, "no <testsuite>"
cases = [c for s in suites for c in s.findall("testcase")]
assert cases, "no <testcase>"
for c in cases:
    assert c.get("name") and c.get("classname"), "testcase without name/classname"
failures = sum(1 for c in cases if c.find("failure") is not None)
print(f"junit.xml: valid JUnit, {len(suites)} suites, {len(cases)} test cases, {failures} failures")
PY
echo "reports: $out/report.jsonl $out/junit.xml"
exit "$status"
