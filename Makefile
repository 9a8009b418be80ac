# The two set-up commands: `make run` and `make test`.
CARGO ?= cargo

.PHONY: run test test-rust test-clients walkthrough lint fmt bench conformance build fuzz soak

build:
	$(CARGO) build --workspace --bins

## Start both mocks on the fixtures' defaults; prints URLs and demo credentials.
run:
	$(CARGO) build -p engee-mock -p linkis-mock --bins
	bash scripts/run.sh

## Everything CI runs: Rust tests (in-process servers) and real third-party clients.
test: test-rust test-clients

test-rust:
	$(CARGO) test --workspace

test-clients:
	bash scripts/client-checks.sh

## The README's curl walk-through, every marked block as written, against a fresh mock
## (also part of test-clients).
walkthrough:
	bash scripts/readme-walkthrough.sh

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all

## Evaluator micro-benchmarks, log paging, and HTTP load figures (release builds).
bench:
	bash scripts/bench.sh

## Both mock binaries on free ports, the conformance CLI against them over the network.
conformance:
	bash scripts/conformance.sh

## cargo-fuzz targets, FUZZ_SECS (600) each; non-zero on a crash. Seeds and reproducers
## in fuzz/ are also replayed by `make test` (tools/fuzz-replay).
fuzz:
	bash scripts/fuzz.sh

## Both release binaries under a mixed load for SOAK_SECS (600); errors, p50/p99, RSS.
soak:
	bash scripts/soak.sh
