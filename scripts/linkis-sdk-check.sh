#!/usr/bin/env bash
# Builds linkis-mock, starts it on a free port, installs the real PyPI linkis-python-sdk
# into a venv and runs scripts/linkis_sdk_check.py against the mock. Non-zero on failure.
#
# Env: CARGO_TARGET_DIR (default: target), LINKIS_SDK_VENV (default: $CARGO_TARGET_DIR/linkis-sdk-venv),
#      PYTHON (default: python3), LINKIS_SDK_VERSION (default: 0.2.0).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
venv="${LINKIS_SDK_VENV:-$target/linkis-sdk-venv}"
python="${PYTHON:-python3}"
sdk_version="${LINKIS_SDK_VERSION:-0.2.0}"

echo "== building linkis-mock"
(cd "$root" && cargo build -q -p linkis-mock --bin linkis-mock)
bin="$target/debug/linkis-mock"

echo "== preparing venv $venv"
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import linkis_python_sdk" 2>/dev/null; then
  "$venv/bin/pip" install -q "linkis-python-sdk==$sdk_version"
fi

log="$(mktemp)"
out="$(mktemp)"
"$bin" --addr 127.0.0.1:0 --fast >"$out" 2>"$log" &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -f "$out" "$log"
}
trap cleanup EXIT

url=""
for _ in $(seq 1 100); do
  url="$(head -n1 "$out" 2>/dev/null | sed -n 's/^listening on //p')"
  [ -n "$url" ] && break
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "linkis-mock exited early:"; cat "$log"; exit 1
  fi
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "linkis-mock did not print its address"; cat "$log"; exit 1
fi
echo "== linkis-mock at $url"

status=0
"$venv/bin/python" "$root/scripts/linkis_sdk_check.py" "$url" || status=$?
if [ "$status" -ne 0 ]; then
  echo "== linkis-mock log:"; tail -n 50 "$log"
fi
exit "$status"
