//! `make bench` figure: how many concurrent `sleep(1)` evaluations (each a separate `eval`
//! on one shared workspace, tokio multi-thread runtime, host sleep = tokio::time::sleep)
//! complete within 2 s of wall time. Not a criterion benchmark; prints one line per size.
use julia_lite::{Host, Limits, Workspace, eval};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

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
    fn read_file(&self, path: &str) -> Result<Vec<u8>, String> {
        Err(format!("no file {path}"))
    }
    fn write_file(&self, _path: &str, _data: &[u8]) -> Result<(), String> {
        Err("read-only".into())
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    for n in [1_000usize, 10_000, 50_000] {
        let (done, total) = rt.block_on(async move {
            let ws = Workspace::new();
            let host: Arc<dyn Host> = Arc::new(TokioHost);
            let done = Arc::new(AtomicUsize::new(0));
            let t0 = Instant::now();
            let mut hs = Vec::with_capacity(n);
            for i in 0..n {
                let (ws, host, done) = (ws.clone(), host.clone(), done.clone());
                hs.push(tokio::spawn(async move {
                    let r = eval(
                        &ws,
                        &format!("x = {i}; sleep(1); x + 1"),
                        host,
                        &Limits::default(),
                    )
                    .await;
                    if r.is_ok() && t0.elapsed() <= Duration::from_secs(2) {
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                }));
            }
            for h in hs {
                let _ = h.await;
            }
            (done.load(Ordering::Relaxed), t0.elapsed())
        });
        println!(
            "sleepers/{n:<6} concurrent sleep(1) evals, {done} completed within 2 s   time: [{:.3} s for all]",
            total.as_secs_f64()
        );
    }
}
