//! One set of conformance checks for the Engee and Apache Linkis HTTP APIs, run against
//! the in-process mocks, the mock binaries over the network, or real deployments.
//!
//! - [`check`]: what a check is (id, API, tier, what it asserts) and how it fails;
//! - [`target`]: where the checks run and with which credentials (flags, env, TOML);
//! - [`http`]: a small reqwest wrapper that records every exchange (for snapshots/parity);
//! - [`runner`]: runs checks with per-check timeouts and collects [`Outcome`]s;
//! - [`report`]: text, JSON lines and JUnit XML;
//! - [`expected`]: per-target expected-failures files;
//! - [`parity`]: record response shapes from one target, diff another against them;
//! - [`checks`]: the checks themselves.

pub mod check;
pub mod checks;
pub mod ctx;
pub mod expected;
pub mod http;
pub mod parity;
pub mod redact;
pub mod report;
pub mod runner;
pub mod target;

pub use check::{Api, Check, Ctx, Fail, Outcome, Tier};
pub use runner::{CheckReport, RunReport, run};
pub use target::TargetConfig;
