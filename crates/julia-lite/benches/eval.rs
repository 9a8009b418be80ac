//! Evaluator micro-benchmarks: parse+eval of `3 + 5`, 10^6- and 10^7-iteration loops,
//! recursive fib(20) and fib(25), a 200×200 Float64 matrix product. (`make bench` also
//! prints the 10^7 loop, fib(25) and the product next to CPython's times: examples/timing.rs.)
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
    g.bench_function("fib_25", |b| b.iter(|| run(&ws, "fib(25)")));
    g.bench_function("loop_1e7", |b| {
        b.iter(|| run(&ws, "s = 0\nfor i in 1:10^7\n    s += i\nend\ns"))
    });
    g.bench_function("loop_1e7_func", |b| {
        b.iter(|| {
            run(
                &ws,
                "function loop7()\n s = 0\n for i in 1:10^7\n  s += i\n end\n s\nend\nloop7()",
            )
        })
    });
    g.finish();
    run(
        &ws,
        "A = [sin(i + j) for i in 1:200, j in 1:200]; B = [cos(i - j) for i in 1:200, j in 1:200]",
    );
    c.bench_function("matmul_200", |b| b.iter(|| run(&ws, "C = A * B; size(C)")));
}

criterion_group!(eval_benches, benches);
criterion_main!(eval_benches);
