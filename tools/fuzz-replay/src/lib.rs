//! One function per fuzz target that drives one input through the mocks and panics on a
//! finding (a panic in the mock, a 5xx, an answer outside the API's format, a budget
//! overrun). `fuzz/` calls them under libFuzzer; `tests/replay.rs` feeds them every file
//! of `fuzz/corpus/<target>/` and `fuzz/regressions/<target>/` on stable Rust, so an
//! input that once crashed a mock stays fixed.
//!
//! Inputs are line-oriented text (see each module) so seeds and reproducers can be read
//! and written by hand; libFuzzer's byte mutations still reach every branch.

mod admin_bodies;
mod engee_upload;
mod julia_eval;
mod linkis_request;
mod rig;

pub use admin_bodies::admin_bodies;
pub use engee_upload::engee_upload;
pub use julia_eval::julia_eval;
pub use linkis_request::linkis_request;

/// A target's entry point: one fuzz input in, panics on a finding.
pub type Target = fn(&[u8]);

/// Every target by its name in `fuzz/fuzz_targets/` and `fuzz/corpus/`.
pub const TARGETS: &[(&str, Target)] = &[
    ("julia_eval", julia_eval),
    ("engee_upload", engee_upload),
    ("linkis_request", linkis_request),
    ("admin_bodies", admin_bodies),
];
