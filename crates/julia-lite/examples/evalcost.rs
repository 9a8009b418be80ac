//! Sequential cost of small evaluations (for profiling the per-eval overhead).
use julia_lite::{Limits, NullHost, Workspace, eval_blocking};
use std::sync::Arc;
use std::time::Instant;

fn main() {
    let ws = Workspace::new();
    let host = Arc::new(NullHost);
    let n = 50_000;
    for code in [
        "3 + 5",
        "x = 1; sleep(0); x + 1",
        "f(n) = n < 2 ? n : f(n - 1) + f(n - 2); f(15)",
    ] {
        let t0 = Instant::now();
        for _ in 0..n {
            let _ = eval_blocking(&ws, code, host.clone(), &Limits::default());
        }
        println!("{code:?}: {:?} per eval", t0.elapsed() / n);
    }
    let t0 = Instant::now();
    for _ in 0..n {
        let _ = Workspace::new();
    }
    println!("Workspace::new: {:?}", t0.elapsed() / n);
}
