#!/usr/bin/env bash
# Real third-party clients against the mock binaries: the original documents' curl lines,
# a Python OAuth client library (Authlib), the PyPI linkis-python-sdk, the README's
# curl walk-through and its "Use it in CI" shell example as written, schemathesis fuzzing both mocks from their own
# OpenAPI documents, and the dashboards in Chromium (skipped, with a SKIP line, where
# /usr/bin/chromium is missing); and the engee-linkis-mocks Python wheel with its pytest
# fixtures (python/mock-servers).
set -euo pipefail
cd "$(dirname "$0")/.."
passed=0
failed=0
for check in scripts/engee-curl-check.sh scripts/engee-oauth-check.sh scripts/linkis-sdk-check.sh \
  scripts/readme-walkthrough.sh scripts/ci-example-check.sh scripts/schemathesis-check.sh \
  scripts/dashboard-check.sh scripts/python-package-check.sh; do
  echo "== $check"
  if bash "$check"; then
    passed=$((passed + 1))
  else
    echo "!! $check failed" >&2
    failed=$((failed + 1))
  fi
done
echo "clients: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
