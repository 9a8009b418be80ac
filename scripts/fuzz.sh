#!/usr/bin/env bash
# `make fuzz`: every cargo-fuzz target in fuzz/ for FUZZ_SECS seconds (default 600) each,
# FUZZ_JOBS (default 2, one per core) libFuzzer processes per target in fork mode, which
# goes on after a crash so every crash of the run is counted. Prints executions and
# crashes per target; exits non-zero if any target crashed (reproducers in
# fuzz/artifacts/<target>/, to be copied to fuzz/regressions/<target>/ — see README).
#
# Toolchain: cargo-fuzz needs nightly-only flags. A rustup `nightly` toolchain is used
# when installed; otherwise the stable one with RUSTC_BOOTSTRAP=1. cargo-fuzz is installed
# from crates.io when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_SECS="${FUZZ_SECS:-600}"
FUZZ_JOBS="${FUZZ_JOBS:-2}"
FUZZ_TARGETS="${FUZZ_TARGETS:-julia_eval engee_upload linkis_request admin_bodies}"
# Safe Rust: what the targets hunt is panics, 5xx and budget overruns, not memory errors;
# no sanitizer doubles the speed. FUZZ_SANITIZER=address brings ASan back.
FUZZ_SANITIZER="${FUZZ_SANITIZER:-none}"

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz (cargo install --locked cargo-fuzz)"
  cargo install --locked cargo-fuzz
fi
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  fuzz=(cargo +nightly fuzz)
else
  export RUSTC_BOOTSTRAP=1
  fuzz=(cargo fuzz)
fi
# -O release, -a debug assertions (overflow checks panic), no sanitizer by default.
build_flags=(-O -a -s "$FUZZ_SANITIZER")

cd fuzz
"${fuzz[@]}" build "${build_flags[@]}"
mkdir -p logs
summary=()
failed=0
for t in $FUZZ_TARGETS; do
  mkdir -p "corpus-run/$t" "artifacts/$t"
  before=$(find "artifacts/$t" -type f | wc -l)
  log="logs/$t.log"
  echo "== $t: ${FUZZ_SECS} s, $FUZZ_JOBS jobs (log: fuzz/$log)"
  # corpus-run/ (git-ignored) collects what the run finds; corpus/ is the committed seed.
  # Fork mode can stop early ("MERGE: failed to parse the control file", seen once in
  # 40 min): start again for the time left, adding up the executions of every round.
  : >"$log"
  execs=0 otc="" started=$SECONDS
  while [ $(( SECONDS - started )) -lt $(( FUZZ_SECS - 5 )) ]; do
    left=$(( FUZZ_SECS - (SECONDS - started) ))
    round=$SECONDS
    "${fuzz[@]}" run "${build_flags[@]}" "$t" "corpus-run/$t" "corpus/$t" -- \
      -fork="$FUZZ_JOBS" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
      -max_total_time="$left" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
      -dict="dicts/$t.dict" -print_final_stats=1 >"$log.round" 2>&1 || true
    cat "$log.round" >>"$log"
    # Fork mode reports `#EXECS: cov: … exec/s: … oom/timeout/crash: O/T/C time: …`.
    last=$(grep -E '^#[0-9]+: ' "$log.round" | tail -n1 || true)
    n=$(printf '%s' "$last" | sed -n 's/^#\([0-9]*\):.*/\1/p')
    execs=$(( execs + ${n:-0} ))
    otc="$otc $(printf '%s' "$last" | sed -n 's/.*oom\/timeout\/crash: \([0-9\/]*\).*/\1/p')"
    if [ -z "$n" ] || [ $(( SECONDS - round )) -lt 10 ]; then break; fi
    [ $(( SECONDS - started )) -lt $(( FUZZ_SECS - 5 )) ] && echo "   (libFuzzer stopped early; going on for the time left)"
  done
  rm -f "$log.round"
  rate=$(( execs / ( SECONDS - started > 0 ? SECONDS - started : 1 ) ))
  otc=$(echo $otc)
  new=$(( $(find "artifacts/$t" -type f | wc -l) - before ))
  if [ "$execs" -eq 0 ]; then
    echo "   no statistics: libFuzzer did not run; the end of its log:"
    tail -n 30 "$log"
    failed=1
  fi
  line="$t: $execs executions ($rate/s), oom/timeout/crash ${otc:-?} (per round), $new new artifact(s)"
  echo "   $line"
  summary+=("$line")
  if [ "$new" -gt 0 ]; then
    failed=1
    ls -t "artifacts/$t" | head -n "$new" | head -n 5 | sed "s|^|   reproducer: fuzz/artifacts/$t/|" || true
    # Fork mode keeps the children's output to itself: replay the newest one for its trace.
    newest=$(ls -t "artifacts/$t" | head -n1)
    RUST_BACKTRACE=1 "target/x86_64-unknown-linux-gnu/release/$t" "artifacts/$t/$newest" 2>&1 |
      grep -A30 -m1 "panicked at" | head -n 30 | sed 's/^/   | /' || true
  fi
done
echo
echo "== fuzz summary (${FUZZ_SECS} s per target)"
printf '%s\n' "${summary[@]}"
exit $failed
