#!/usr/bin/env bash
# Builds the engee-linkis-mocks wheel (python/mock-servers: maturin `bin` bindings),
# installs it into a fresh venv and runs python/mock-servers/tests with its pytest fixtures
# driving Authlib and linkis-python-sdk. Non-zero on failure.
#
# The wheel carries the debug binaries `cargo build` makes (as the other client checks
# use): a release build of both would cost CI's 2 cores minutes for no gain in a test.
# Release wheels: `maturin build --release` in python/mock-servers after copying
# target/release/linkis-mock into its data/scripts/.
#
# Env: CARGO_TARGET_DIR (honoured), PYTHON (default python3),
#      PYPKG_BUILD_VENV (default $target/python-package/build-venv: maturin, kept between runs).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
python="${PYTHON:-python3}"
# the versions the wheel was checked with; the other client checks pin the same
maturin_version=1.16.0
pytest_version=8.4.2
authlib_version=1.9.6
requests_version=2.34.2
sdk_version="${LINKIS_SDK_VERSION:-0.2.0}"

echo "== building engee-mock and linkis-mock (debug)"
cargo build --quiet -p engee-mock -p linkis-mock --bins
target="$(cargo metadata --format-version 1 --no-deps |
    "$python" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
work="$target/python-package"
build_venv="${PYPKG_BUILD_VENV:-$work/build-venv}"
test_venv="$work/test-venv"
pkg="$root/python/mock-servers"

echo "== maturin $maturin_version in $build_venv"
if ! "$build_venv/bin/maturin" --version 2>/dev/null | grep -qx "maturin $maturin_version"; then
    "$python" -m venv "$build_venv"
    "$build_venv/bin/pip" install --quiet --disable-pip-version-check "maturin==$maturin_version"
fi

echo "== building the wheel"
# linkis-mock rides along as a maturin `data` script (see pyproject.toml for why)
mkdir -p "$pkg/data/scripts"
cp "$target/debug/linkis-mock" "$pkg/data/scripts/linkis-mock"
rm -rf "$work/wheels"
# --profile dev: the same profile `cargo build` used, so the engee-mock crate is reused;
# --compatibility linux / --auditwheel skip: a local wheel, not a manylinux upload
(cd "$pkg" && CARGO_TARGET_DIR="$target" "$build_venv/bin/maturin" build --quiet --profile dev \
    --compatibility linux --auditwheel skip --out "$work/wheels")
wheel="$(ls "$work"/wheels/engee_linkis_mocks-*.whl)"
echo "   $(basename "$wheel")"
case "$(basename "$wheel")" in
    *-none-any.whl) echo "python-package-check: the wheel is not platform-tagged" >&2; exit 1 ;;
esac

echo "== fresh venv $test_venv with the wheel, pytest, authlib, requests, linkis-python-sdk"
rm -rf "$test_venv"
"$python" -m venv "$test_venv"
"$test_venv/bin/pip" install --quiet --disable-pip-version-check "pytest==$pytest_version" \
    "authlib==$authlib_version" "requests==$requests_version" "linkis-python-sdk==$sdk_version" "$wheel"

echo "== pytest python/mock-servers/tests (the installed package, from outside its source)"
run="$(mktemp -d)"
trap 'rm -rf "$run"' EXIT
(cd "$run" && "$test_venv/bin/python" -m pytest -q -p no:cacheprovider --rootdir "$run" "$pkg/tests")
