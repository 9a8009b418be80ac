//! Run every line of a file as a separate evaluation (small budgets); report panics.
//! `cargo run --release -p julia-lite --example fuzzlines -- lines.txt`
use julia_lite::{Limits, MemHost, Workspace, eval_blocking};
use std::sync::Arc;
use std::time::Duration;

fn main() {
    let path = std::env::args().nth(1).unwrap_or_default();
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let limits = Limits {
        max_steps: 100_000,
        max_wall: Duration::from_millis(200),
        max_memory_bytes: 32 << 20,
        max_depth: 500,
        max_output_bytes: 10_000,
    };
    std::panic::set_hook(Box::new(|_| {}));
    let (mut n, mut panics) = (0, 0);
    for line in text.lines() {
        n += 1;
        let code = line.replace("\\n", "\n");
        let ws = Workspace::new();
        if std::env::var("FUZZ_TRACE").is_ok() {
            eprintln!("{n}");
        }
        let t0 = std::time::Instant::now();
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            eval_blocking(&ws, &code, Arc::new(MemHost::default()), &limits)
        }));
        if t0.elapsed() > Duration::from_secs(2) {
            println!("SLOW ({:?}): {code}", t0.elapsed());
        }
        if r.is_err() {
            panics += 1;
            println!("PANIC: {code}");
        }
    }
    println!("{n} programs, {panics} panics");
}
