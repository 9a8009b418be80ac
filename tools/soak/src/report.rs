//! What the soak measures: per-operation latency and errors, and the servers' RSS.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Default)]
struct Op {
    micros: Vec<u32>,
    errors: u64,
    sample: Option<String>,
}

#[derive(Default)]
pub struct Stats {
    ops: Mutex<BTreeMap<&'static str, Op>>,
}

impl Stats {
    /// Runs one operation, timing it; an `Err` is counted (and the first one kept).
    pub async fn time<T>(
        &self,
        op: &'static str,
        f: impl Future<Output = Result<T, String>>,
    ) -> Option<T> {
        let started = Instant::now();
        let outcome = f.await;
        let micros = started.elapsed().as_micros().min(u32::MAX as u128) as u32;
        let mut ops = self.ops.lock().unwrap_or_else(|e| e.into_inner());
        let entry = ops.entry(op).or_default();
        entry.micros.push(micros);
        match outcome {
            Ok(v) => Some(v),
            Err(e) => {
                entry.errors += 1;
                entry.sample.get_or_insert(e);
                None
            }
        }
    }

    pub fn errors(&self) -> u64 {
        let ops = self.ops.lock().unwrap_or_else(|e| e.into_inner());
        ops.values().map(|o| o.errors).sum()
    }

    pub fn print(&self, elapsed: Duration) {
        let mut ops = self.ops.lock().unwrap_or_else(|e| e.into_inner());
        let total: usize = ops.values().map(|o| o.micros.len()).sum();
        println!(
            "\n{total} operations in {:.0} s ({:.0}/s)",
            elapsed.as_secs_f64(),
            total as f64 / elapsed.as_secs_f64()
        );
        println!(
            "{:<22} {:>9} {:>7} {:>10} {:>10}",
            "operation", "count", "errors", "p50 ms", "p99 ms"
        );
        for (name, op) in ops.iter_mut() {
            op.micros.sort_unstable();
            let pct = |p: f64| {
                let i = ((op.micros.len() as f64 - 1.0) * p).round() as usize;
                op.micros.get(i).copied().unwrap_or(0) as f64 / 1000.0
            };
            println!(
                "{:<22} {:>9} {:>7} {:>10.2} {:>10.2}",
                name,
                op.micros.len(),
                op.errors,
                pct(0.50),
                pct(0.99)
            );
        }
        for (name, op) in ops.iter() {
            if let Some(sample) = &op.sample {
                println!("  error sample {name}: {sample}");
            }
        }
    }
}

/// VmRSS of both servers over the run.
pub struct Rss {
    pids: [(&'static str, u32); 2],
    samples: Mutex<Vec<(String, [Option<u64>; 2])>>,
}

impl Rss {
    pub fn new(engee_pid: u32, linkis_pid: u32) -> Self {
        Rss {
            pids: [("engee-mock", engee_pid), ("linkis-mock", linkis_pid)],
            samples: Mutex::new(Vec::new()),
        }
    }

    pub fn sample(&self, label: &str) {
        let kib = self.pids.map(|(_, pid)| vm_rss_kib(pid));
        println!(
            "rss {label:>8}: engee-mock {}  linkis-mock {}",
            mib(kib[0]),
            mib(kib[1])
        );
        self.samples
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((label.to_owned(), kib));
    }

    /// Prints start / warm-up / end per server; returns the growth after warm-up in %.
    pub fn print(&self) -> Vec<f64> {
        let samples = self.samples.lock().unwrap_or_else(|e| e.into_inner());
        let at = |label: &str, i: usize| {
            samples
                .iter()
                .find(|(l, _)| l == label)
                .and_then(|(_, kib)| kib[i])
        };
        println!(
            "\n{:<12} {:>10} {:>10} {:>10} {:>10} {:>22}",
            "server", "start", "warm-up", "end", "max", "growth after warm-up"
        );
        let mut growth = Vec::new();
        for (i, (name, _)) in self.pids.iter().enumerate() {
            let max = samples.iter().filter_map(|(_, kib)| kib[i]).max();
            let (warm, end) = (at("warm-up", i), at("end", i));
            let g = match (warm, end) {
                (Some(w), Some(e)) if w > 0 => (e as f64 - w as f64) * 100.0 / w as f64,
                // A server that died or was never measured fails the run.
                _ => f64::INFINITY,
            };
            growth.push(g);
            println!(
                "{:<12} {:>10} {:>10} {:>10} {:>10} {:>21.1}%",
                name,
                mib(at("start", i)),
                mib(warm),
                mib(end),
                mib(max),
                g
            );
        }
        growth
    }
}

fn vm_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn mib(kib: Option<u64>) -> String {
    match kib {
        Some(k) => format!("{:.1} MiB", k as f64 / 1024.0),
        None => "gone".into(),
    }
}
