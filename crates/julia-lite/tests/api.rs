//! The public API as engee-mock uses it.
use julia_lite::{Host, Limits, MemHost, Workspace, eval};
use std::sync::Arc;
use std::time::Duration;

/// The undefined-variable example with the frames a host adds below the user's.
const UNDEF_WITH_HOST_FRAMES: &str = "UndefVarError: `unexisting_variable` not defined\n\nStacktrace:\n [1] top-level scope\n   @ none:1\n [2] handle(req::Request)\n   @ Server ./server.jl:10\n [3] main()\n   @ Main ./main.jl:1";

struct TokioHost;
impl Host for TokioHost {
    fn sleep(
        &self,
        d: Duration,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
        Box::pin(tokio::time::sleep(d))
    }
    fn now(&self) -> f64 {
        0.0
    }
    fn read_file(&self, p: &str) -> Result<Vec<u8>, String> {
        Err(format!("no file {p}"))
    }
    fn write_file(&self, _p: &str, _d: &[u8]) -> Result<(), String> {
        Ok(())
    }
}

fn host() -> Arc<dyn Host> {
    Arc::new(MemHost::default())
}

#[tokio::test]
async fn spec_examples() {
    let ws = Workspace::new();
    let l = Limits::default();
    let r = eval(&ws, "3 + 5", host(), &l).await.unwrap();
    assert_eq!(r.result, "8");
    assert!(!r.is_nothing);
    let e = eval(&ws, "unexisting_variable", host(), &l)
        .await
        .err()
        .unwrap();
    assert_eq!(e.type_name, "UndefVarError");
    assert_eq!(e.short_description, "UndefVarError(:unexisting_variable)");
    assert_eq!(
        e.full_description,
        "UndefVarError: `unexisting_variable` not defined\n\nStacktrace:\n [1] top-level scope\n   @ none:1",
        "without host frames, the user's frames only"
    );
    let r = eval(&ws, "using JSON\nJSON.json(\"a\"=>1)", host(), &l)
        .await
        .unwrap();
    assert_eq!(r.result, "{\"a\":1}");
    // persistence across evaluations
    eval(&ws, "a = 5", host(), &l).await.unwrap();
    assert_eq!(eval(&ws, "a * 2", host(), &l).await.unwrap().result, "10");
    let r = eval(&ws, "println(\"hi\"); nothing", host(), &l)
        .await
        .unwrap();
    assert!(r.is_nothing);
    assert_eq!(r.output, "hi\n");
}

#[tokio::test]
async fn future_is_send_and_sleep_uses_host() {
    let ws = Workspace::new();
    let h: Arc<dyn Host> = Arc::new(TokioHost);
    let l = Limits::default();
    let ws2 = ws.clone();
    let t0 = std::time::Instant::now();
    let j = tokio::spawn(async move {
        eval(&ws2, "a = 5; sleep(0.2); a * 2", h, &l)
            .await
            .map(|r| r.result)
    });
    assert_eq!(j.await.unwrap().unwrap(), "10");
    assert!(t0.elapsed() >= Duration::from_millis(200));
}

#[tokio::test(start_paused = true)]
async fn many_sleepers_share_one_thread() {
    let ws = Workspace::new();
    let mut hs = Vec::new();
    for i in 0..200 {
        let ws = ws.clone();
        hs.push(tokio::spawn(async move {
            let h: Arc<dyn Host> = Arc::new(TokioHost);
            eval(&ws, &format!("sleep(60); {i}"), h, &Limits::default())
                .await
                .map(|r| r.result)
        }));
    }
    for (i, h) in hs.into_iter().enumerate() {
        assert_eq!(h.await.unwrap().unwrap(), i.to_string());
    }
}

#[tokio::test]
async fn budgets() {
    let ws = Workspace::new();
    let l = Limits {
        max_steps: 100_000,
        ..Limits::default()
    };
    let e = eval(&ws, "while true end", host(), &l).await.err().unwrap();
    assert_eq!(e.type_name, "InterruptException");
    assert_eq!(e.short_description, "InterruptException()");
    assert!(
        e.full_description.starts_with(
            "InterruptException:\nevaluation exceeded the step budget of 100000 steps"
        )
    );
    let e = eval(
        &ws,
        "while true\n try\n x = 1\n catch\n end\n end",
        host(),
        &l,
    )
    .await
    .err()
    .unwrap();
    assert_eq!(e.type_name, "InterruptException");
    let e = eval(&ws, "zeros(10^10)", host(), &Limits::default())
        .await
        .err()
        .unwrap();
    assert_eq!(e.type_name, "OutOfMemoryError");
    let e = eval(&ws, "f(x) = f(x) + 1; f(1)", host(), &Limits::default())
        .await
        .err()
        .unwrap();
    assert_eq!(e.type_name, "StackOverflowError");
    assert_eq!(e.short_description, "StackOverflowError()");
    let l = Limits {
        max_wall: Duration::from_millis(50),
        ..Limits::default()
    };
    let e = eval(&ws, "s = 0; while true; s += 1; end", host(), &l)
        .await
        .err()
        .unwrap();
    assert!(
        e.full_description.contains("time budget"),
        "{}",
        e.full_description
    );
    let l = Limits {
        max_output_bytes: 100,
        ..Limits::default()
    };
    let r = eval(&ws, "for i in 1:1000; println(i); end", host(), &l)
        .await
        .unwrap();
    assert!(r.output.len() < 200);
}

#[test]
fn limits_deserialize_partial() {
    let l: Limits = serde_json::from_str(r#"{"max_steps": 10, "max_wall_ms": 1500}"#).unwrap();
    assert_eq!(l.max_steps, 10);
    assert_eq!(l.max_wall, Duration::from_millis(1500));
    assert_eq!(l.max_depth, Limits::default().max_depth);
}

#[tokio::test]
async fn sleeping_does_not_count_against_the_time_budget() {
    let ws = Workspace::new();
    let l = Limits {
        max_wall: Duration::from_millis(100),
        ..Limits::default()
    };
    let h: Arc<dyn Host> = Arc::new(TokioHost);
    let r = eval(&ws, "sleep(0.3); 1", h, &l).await.unwrap();
    assert_eq!(r.result, "1");
}

#[tokio::test]
async fn dropping_the_future_interrupts() {
    let ws = Workspace::new();
    let t0 = std::time::Instant::now();
    let r = tokio::time::timeout(
        Duration::from_millis(100),
        eval(
            &ws,
            "x = 0; while true; x += 1; end",
            host(),
            &Limits::default(),
        ),
    )
    .await;
    assert!(r.is_err());
    assert!(t0.elapsed() < Duration::from_secs(2));
    // the workspace is still usable and saw the partial progress
    let r = eval(&ws, "x > 0", host(), &Limits::default())
        .await
        .unwrap();
    assert_eq!(r.result, "true");
}

#[tokio::test]
async fn eval_runs_while_a_job_sleeps_in_the_same_workspace() {
    let ws = Workspace::new();
    let ws2 = ws.clone();
    let job = tokio::spawn(async move {
        let h: Arc<dyn Host> = Arc::new(TokioHost);
        eval(&ws2, "a = 5; sleep(0.5); a * 2", h, &Limits::default())
            .await
            .map(|r| r.result)
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let t0 = std::time::Instant::now();
    let r = eval(&ws, "a + 1", host(), &Limits::default())
        .await
        .unwrap();
    assert_eq!(r.result, "6");
    assert!(t0.elapsed() < Duration::from_millis(300));
    assert_eq!(job.await.unwrap().unwrap(), "10");
}

#[tokio::test(flavor = "current_thread")]
async fn cpu_bound_eval_yields_to_other_tasks() {
    let ws = Workspace::new();
    let ticks = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let t2 = ticks.clone();
    let ticker = tokio::spawn(async move {
        for _ in 0..20 {
            tokio::time::sleep(Duration::from_millis(5)).await;
            t2.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    });
    let r = eval(
        &ws,
        "s = 0; for i in 1:3_000_000; s += i; end; s",
        host(),
        &Limits::default(),
    )
    .await
    .unwrap();
    assert_eq!(r.result, "4500001500000");
    assert!(
        ticks.load(std::sync::atomic::Ordering::Relaxed) > 0,
        "the ticker never ran while the loop was executing"
    );
    ticker.await.unwrap();
}

/// The issue-8 sequence: each eval binds a new global and fills it past the budget.
fn fill_past_budget(name: &str) -> String {
    format!("{name} = String[]; for i in 1:100000; push!({name}, repeat(\"z\", 100000)); end")
}

const MIB: usize = 1024 * 1024;

#[tokio::test]
async fn memory_budget_bounds_the_workspace_not_one_eval() {
    let ws = Workspace::new();
    let l = Limits {
        max_memory_bytes: 16 * MIB,
        ..Limits::default()
    };
    for k in 1..=6 {
        let e = eval(&ws, &fill_past_budget(&format!("g{k}")), host(), &l)
            .await
            .err()
            .unwrap();
        assert_eq!(e.type_name, "OutOfMemoryError", "{}", e.full_description);
        let live = ws.live_bytes();
        assert!(live <= l.max_memory_bytes, "after g{k}: {live} bytes live");
    }
    // the failed evals' bindings were rolled back, so their data is gone...
    let e = eval(&ws, "g1", host(), &l).await.err().unwrap();
    assert_eq!(e.type_name, "UndefVarError");
    // ...and 12 MiB fit again, which needs the earlier partial data released
    let r = eval(
        &ws,
        "big = repeat(\"y\", 12 * 1024 * 1024); length(big)",
        host(),
        &l,
    )
    .await
    .unwrap();
    assert_eq!(r.result, (12 * MIB).to_string());
    assert!(ws.live_bytes() <= l.max_memory_bytes);
    // with 12 MiB held, another 12 MiB is refused
    let e = eval(&ws, "big2 = repeat(\"y\", 12 * 1024 * 1024)", host(), &l)
        .await
        .err()
        .unwrap();
    assert_eq!(e.type_name, "OutOfMemoryError");
    assert!(ws.live_bytes() <= l.max_memory_bytes);
}

#[tokio::test]
async fn growing_an_existing_global_stops_at_the_budget() {
    let ws = Workspace::new();
    let l = Limits {
        max_memory_bytes: 16 * MIB,
        ..Limits::default()
    };
    eval(&ws, "keep = String[]; alias = keep; n = 1", host(), &l)
        .await
        .unwrap();
    let e = eval(
        &ws,
        "n = 2; for i in 1:100000; push!(alias, repeat(\"z\", 100000)); end",
        host(),
        &l,
    )
    .await
    .err()
    .unwrap();
    assert_eq!(e.type_name, "OutOfMemoryError");
    // the container existed before: it keeps what was pushed, but within the budget
    let live = ws.live_bytes();
    assert!(live <= l.max_memory_bytes, "{live} bytes live");
    assert!(live > 8 * MIB, "{live} bytes live");
    // bindings the failed eval changed are rolled back
    let r = eval(&ws, "n", host(), &l).await.unwrap();
    assert_eq!(r.result, "1");
    let r = eval(
        &ws,
        "empty!(keep); x = repeat(\"y\", 12 * 1024 * 1024); length(x)",
        host(),
        &l,
    )
    .await
    .unwrap();
    assert_eq!(r.result, (12 * MIB).to_string());
}

#[tokio::test]
async fn other_errors_keep_the_globals_assigned_before_them() {
    let ws = Workspace::new();
    let e = eval(&ws, "x = 1; error(\"boom\")", host(), &Limits::default())
        .await
        .err()
        .unwrap();
    assert_eq!(e.type_name, "ErrorException");
    assert_eq!(
        eval(&ws, "x", host(), &Limits::default())
            .await
            .unwrap()
            .result,
        "1"
    );
}

#[tokio::test]
async fn living_at_the_edge_of_the_memory_budget_still_ends() {
    // the workspace is nearly full of small values; every temporary then needs a fresh
    // measurement of the live data, whose cost goes to the step budget
    let ws = Workspace::new();
    let mut l = Limits {
        max_memory_bytes: 16 * MIB,
        ..Limits::default()
    };
    eval(&ws, "keep = String[]", host(), &l).await.unwrap();
    let fill = "while true; push!(keep, string(length(keep))); end";
    let e = eval(&ws, fill, host(), &l).await.err().unwrap();
    assert_eq!(e.type_name, "OutOfMemoryError", "{}", e.full_description);
    let full = ws.live_bytes();
    assert!(full > 15 * MIB && full <= l.max_memory_bytes, "{full}");
    l.max_steps = 2_000_000;
    let t0 = std::time::Instant::now();
    let r = eval(&ws, "for i in 1:1000000; s = string(i); end", host(), &l).await;
    assert!(t0.elapsed() < Duration::from_secs(20), "{:?}", t0.elapsed());
    if let Err(e) = r {
        assert!(
            matches!(&*e.type_name, "InterruptException" | "OutOfMemoryError"),
            "{}",
            e.full_description
        );
    }
    assert!(ws.live_bytes() <= l.max_memory_bytes);
}

#[tokio::test]
async fn what_builtins_return_is_charged_to_the_budget() {
    let l = Limits {
        max_memory_bytes: 4 * MIB,
        ..Limits::default()
    };
    for make in [
        "uppercase(s)",
        "lowercase(s)",
        "replace(s, \"a\" => \"b\")",
        "split(s, \"\")",
        "collect(s)",
        "reverse(s)",
        "lpad(s, 1000)",
        "join([s, s])",
    ] {
        let ws = Workspace::new();
        eval(&ws, "s = repeat(\"a\", 1000); keep = []", host(), &l)
            .await
            .unwrap();
        let code = format!("while true; push!(keep, {make}); end");
        let e = eval(&ws, &code, host(), &l).await.err().unwrap();
        assert_eq!(
            e.type_name, "OutOfMemoryError",
            "{make}: {}",
            e.full_description
        );
        let live = ws.live_bytes();
        assert!(live <= l.max_memory_bytes, "{make}: {live} bytes live");
    }
}

/// A native module only this test registers: `counter.bump(n)` adds to a per-workspace count.
#[allow(clippy::result_large_err)]
mod counter {
    use julia_lite::native::{Ctx, Exc, Name, NativeModule, Value, method_error};

    #[derive(Default)]
    struct Count(i64);

    fn bump(cx: &mut Ctx<'_>, args: &[Value], _kw: &[(Name, Value)]) -> Result<Value, Exc> {
        match args {
            [Value::Int(n)] => {
                let mut st = cx.state::<Count>("counter");
                st.0 += n;
                Ok(Value::Int(st.0))
            }
            _ => Err(method_error("counter.bump", args)),
        }
    }

    pub fn module() -> NativeModule {
        NativeModule {
            name: "counter",
            functions: vec![("counter.bump", bump)],
            getindex: None,
        }
    }
}

#[test]
fn native_modules_are_registered_by_the_host() {
    let host = || Arc::new(MemHost::default());
    let run = |ws: &Workspace, code: &str| {
        julia_lite::eval_blocking(ws, code, host(), &Limits::default()).map(|e| e.result)
    };
    let ws = Workspace::new();
    let e = run(&ws, "counter.bump(1)").unwrap_err();
    assert_eq!(e.type_name, "UndefVarError", "unregistered: {e:?}");

    assert!(julia_lite::native::register_module(counter::module()));
    assert!(
        !julia_lite::native::register_module(counter::module()),
        "registered twice"
    );
    assert_eq!(run(&ws, "counter.bump(2); counter.bump(3)").unwrap(), "5");
    assert_eq!(run(&ws, "using counter; counter.bump(1)").unwrap(), "6");
    // the state is per workspace
    assert_eq!(run(&Workspace::new(), "counter.bump(10)").unwrap(), "10");
    let e = run(&ws, "counter.bump(\"x\")").unwrap_err();
    assert_eq!(e.type_name, "MethodError");
    assert!(
        e.full_description
            .starts_with("MethodError: no method matching counter.bump(::String)"),
        "{}",
        e.full_description
    );
}

/// A host whose own frames appear below the user's in every stack trace.
struct FramedHost;
impl Host for FramedHost {
    fn sleep(
        &self,
        _d: Duration,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
        Box::pin(async {})
    }
    fn now(&self) -> f64 {
        0.0
    }
    fn read_file(&self, p: &str) -> Result<Vec<u8>, String> {
        Err(format!("no file {p}"))
    }
    fn write_file(&self, _p: &str, _d: &[u8]) -> Result<(), String> {
        Err("read-only".into())
    }
    fn trace_frames(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("handle(req::Request)", "Server ./server.jl:10"),
            ("main()", "Main ./main.jl:1"),
        ]
    }
}

#[test]
fn the_host_frames_follow_the_user_frames() {
    let e = julia_lite::eval_blocking(
        &Workspace::new(),
        "unexisting_variable",
        Arc::new(FramedHost),
        &Limits::default(),
    )
    .err()
    .expect("an UndefVarError");
    assert_eq!(e.full_description, UNDEF_WITH_HOST_FRAMES);
}
