//! `julia_eval`: julia-lite parses and evaluates arbitrary text under small budgets.
//!
//! Input: Julia source (invalid UTF-8 replaced). A line `#---` splits it into up to four
//! evaluations in one workspace, so definitions made by one are used by the next.
//! Findings: a panic, an evaluation that overruns its time budget by far (parse and
//! compile included), output past its budget.

use std::sync::Arc;
use std::time::{Duration, Instant};

use julia_lite::{Limits, MemHost, Workspace, eval_blocking};

/// Small budgets so one input costs milliseconds, not the server's defaults.
fn limits() -> Limits {
    Limits {
        max_steps: 200_000,
        max_wall: Duration::from_millis(200),
        max_memory_bytes: 4 << 20,
        max_depth: 200,
        max_output_bytes: 16 << 10,
    }
}

/// Generous: the budget is 200 ms of execution; the rest is parse, compile and a slow
/// (instrumented) build.
const MAX_ELAPSED: Duration = Duration::from_secs(3);

pub fn julia_eval(data: &[u8]) {
    let code = crate::rig::text(data);
    let limits = limits();
    let ws = Workspace::new();
    let host = Arc::new(MemHost::default());
    for chunk in code.split("\n#---\n").take(4) {
        let started = Instant::now();
        let outcome = eval_blocking(&ws, chunk, host.clone(), &limits);
        let elapsed = started.elapsed();
        assert!(
            elapsed <= MAX_ELAPSED,
            "eval took {elapsed:?} (budget {:?})",
            limits.max_wall
        );
        if let Ok(done) = outcome {
            // Truncation may finish the line it cut; a few bytes over is fine.
            assert!(
                done.output.len() <= limits.max_output_bytes + 1024,
                "output of {} bytes past a {} byte budget",
                done.output.len(),
                limits.max_output_bytes
            );
        }
    }
}
