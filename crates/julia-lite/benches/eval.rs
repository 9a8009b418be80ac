//! Evaluator micro-benchmarks: parse+eval of `3 + 5`, a 10^6-iteration loop, recursive fib(20).
use criterion::{Criterion, criterion_group, criterion_main};
use julia_lite::{Limits, NullHost, Workspace, eval_blocking};
use std::sync::Arc;

fn run(ws: &Workspace, code: &str) -> String {
    match eval_blocking(ws, code, Arc::new(NullHost), &Limits::default()) {
        Ok(r) => r.result,
        Err(e) => e.full_description,
    }
}

fn benches(c: &mut Criterion) {
    let ws = Workspace::new();
    c.bench_function("parse_eval_3_plus_5", |b| b.iter(|| run(&ws, "3 + 5")));
    let mut g = c.benchmark_group("heavy");
    g.sample_size(10);
    g.bench_function("loop_1e6", |b| {
        b.iter(|| run(&ws, "s = 0\nfor i in 1:1_000_000\n    s += i\nend\ns"))
    });
    g.bench_function("loop_1e6_func", |b| {
        b.iter(|| {
            run(
                &ws,
                "function loop1()\n s = 0\n for i in 1:1_000_000\n  s += i\n end\n s\nend\nloop1()",
            )
        })
    });
    g.bench_function("fib_20", |b| {
        b.iter(|| run(&ws, "fib(n) = n < 2 ? n : fib(n - 1) + fib(n - 2)\nfib(20)"))
    });
    g.finish();
}

criterion_group!(eval_benches, benches);
criterion_main!(eval_benches);
