//! Wall-clock figures for the workloads compared with CPython in `make bench`
//! (`scripts/bench.sh`, next to `scripts/bench_cpython.py` doing the same in Python):
//! a 10^7-iteration loop at top level and in a function, recursive `fib(25)`, and a 200×200
//! Float64 matrix product. Prints the best of `TIMING_RUNS` (default 5) runs of each.
//!
//! `cargo run --release -p julia-lite --example timing`
use julia_lite::{Limits, NullHost, Workspace, eval_blocking};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The workloads: (name, set-up code, timed code, expected result).
const WORKLOADS: &[(&str, &str, &str, &str)] = &[
    (
        "loop 10^7, top level",
        "",
        "s = 0; for i in 1:10^7; s += i; end; s",
        "50000005000000",
    ),
    (
        "loop 10^7, in a function",
        "function loop7(); s = 0; for i in 1:10^7; s += i; end; s; end",
        "loop7()",
        "50000005000000",
    ),
    (
        "fib(25), recursive",
        "fib(n) = n < 2 ? n : fib(n - 1) + fib(n - 2)",
        "fib(25)",
        "75025",
    ),
    (
        "200×200 Float64 matrix product",
        "A = [sin(i + j) for i in 1:200, j in 1:200]; B = [cos(i - j) for i in 1:200, j in 1:200]",
        "C = A * B; size(C)",
        "(200, 200)",
    ),
];

fn main() {
    let runs: usize = std::env::var("TIMING_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let limits = Limits::default();
    for (name, setup, code, expected) in WORKLOADS {
        let ws = Workspace::new();
        if !setup.is_empty() {
            eval_blocking(&ws, setup, Arc::new(NullHost), &limits).expect("set-up evaluates");
        }
        let mut best = Duration::MAX;
        for _ in 0..runs {
            let t = Instant::now();
            let r = eval_blocking(&ws, code, Arc::new(NullHost), &limits).expect("evaluates");
            best = best.min(t.elapsed());
            assert_eq!(r.result, *expected, "{name}");
        }
        println!("{name:<34} {:>9.2} ms", best.as_secs_f64() * 1e3);
    }
}
