#![no_main]
//! See `tools/fuzz-replay/src/julia_eval.rs` for the input format and what counts as a finding.
libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_replay::julia_eval(data));
