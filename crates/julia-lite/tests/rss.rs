//! Process RSS after many evals that each fill the workspace past its memory budget.
//! A test binary of its own, so no other test's allocations move the figure.
use julia_lite::{Limits, MemHost, Workspace, eval_blocking};
use std::sync::Arc;

fn rss_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: usize = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

#[test]
fn rss_stays_below_the_budget_plus_overhead_after_failed_evals() {
    const MIB: usize = 1024 * 1024;
    let l = Limits {
        max_memory_bytes: 16 * MIB,
        ..Limits::default()
    };
    let ws = Workspace::new();
    let host = Arc::new(MemHost::default());
    let before = rss_bytes();
    for k in 1..=20 {
        let code =
            format!("g{k} = String[]; for i in 1:100000; push!(g{k}, repeat(\"z\", 100000)); end");
        let e = eval_blocking(&ws, &code, host.clone(), &l).err().unwrap();
        assert_eq!(e.type_name, "OutOfMemoryError");
    }
    let grown = rss_bytes().saturating_sub(before);
    // one budget's worth of data, the allocator's slack, no growth per eval
    assert!(grown < 48 * MIB, "RSS grew by {} MiB", grown / MIB);
}
