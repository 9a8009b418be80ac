//! How many concurrent `sleep(1)` evaluations complete within 2 s of wall time?
//! `cargo run --release -p julia-lite --example sleepers -- 10000 50000 100000`
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
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0)
    }
    fn read_file(&self, path: &str) -> Result<Vec<u8>, String> {
        Err(format!("no file {path}"))
    }
    fn write_file(&self, _path: &str, _data: &[u8]) -> Result<(), String> {
        Err("read-only".into())
    }
}

fn main() {
    let counts: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let counts = if counts.is_empty() {
        vec![1_000, 10_000, 50_000]
    } else {
        counts
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    for n in counts {
        rt.block_on(async move {
            let ws = Workspace::new();
            let host: Arc<dyn Host> = Arc::new(TokioHost);
            let done = Arc::new(AtomicUsize::new(0));
            let t0 = Instant::now();
            let mut handles = Vec::with_capacity(n);
            for i in 0..n {
                let ws = ws.clone();
                let host = host.clone();
                let done = done.clone();
                handles.push(tokio::spawn(async move {
                    let r = eval(&ws, &format!("x = {i}; sleep(1); x + 1"), host, &Limits::default()).await;
                    if r.is_ok() && t0.elapsed() <= Duration::from_secs(2) {
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                }));
            }
            let spawned = t0.elapsed();
            for h in handles {
                let _ = h.await;
            }
            println!(
                "{n} concurrent `sleep(1)` evals: {} completed within 2 s (all spawned after {:?}, all finished after {:?})",
                done.load(Ordering::Relaxed),
                spawned,
                t0.elapsed()
            );
        });
    }
}
