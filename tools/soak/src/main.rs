//! `make soak`: a mixed, realistic, bounded load on both mock binaries from a second
//! process, over loopback only. Workers run scenarios drawn by weight (OAuth code flows
//! and refreshes, evals, uploads with file and ZIP downloads, async jobs; Linkis logins,
//! submits with status polls, log pages and result sets, kills) until the time is up.
//! Prints errors (count and a sample) and p50/p99 per operation, and each server's RSS at
//! start, after warm-up and at the end. Exits 1 on any error or an RSS growth after
//! warm-up above `--max-growth-pct`.

mod engee;
mod linkis;
mod report;

use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;

use report::{Rss, Stats};

#[derive(Parser, Debug, Clone)]
#[command(about = "Mixed load on the Engee and Linkis mocks (loopback only)")]
pub struct Args {
    /// Engee mock base URL (started with `--auto-approve demo`).
    #[arg(long)]
    engee: String,
    /// Linkis mock base URL.
    #[arg(long)]
    linkis: String,
    /// Engee mock process id, for VmRSS.
    #[arg(long)]
    engee_pid: u32,
    /// Linkis mock process id, for VmRSS.
    #[arg(long)]
    linkis_pid: u32,
    /// How long to run.
    #[arg(long, default_value_t = 600)]
    secs: u64,
    /// Concurrent workers (each runs one scenario at a time).
    #[arg(long, default_value_t = 8)]
    workers: usize,
    /// A pause between two scenarios of a worker, like a client doing something else.
    #[arg(long, default_value_t = 5)]
    think_ms: u64,
    /// RSS growth from the end of warm-up to the end that fails the run.
    #[arg(long, default_value_t = 10.0)]
    max_growth_pct: f64,
}

impl Args {
    /// Warm-up: 10% of the run, at least 30 s, at most half of it.
    fn warmup(&self) -> Duration {
        let secs = (self.secs / 10).max(30).min(self.secs / 2);
        Duration::from_secs(secs)
    }
}

/// A tiny deterministic generator per worker (no dependency for dice rolls).
pub struct Dice(u64);

impl Dice {
    pub fn new(seed: u64) -> Self {
        Dice(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
    /// A random UUID v4 string.
    pub fn uuid(&mut self) -> String {
        let (a, b) = (self.next_u64(), self.next_u64());
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | (b >> 48) & 0x3fff,
            b & 0xffff_ffff_ffff
        )
    }
}

fn loopback_only(url: &str) -> Result<(), String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("{url}: {e}"))?;
    match parsed.host() {
        Some(url::Host::Ipv4(ip)) if ip.is_loopback() => Ok(()),
        Some(url::Host::Ipv6(ip)) if ip.is_loopback() => Ok(()),
        Some(url::Host::Domain("localhost")) => Ok(()),
        _ => Err(format!(
            "{url}: the soak only sends traffic to loopback addresses"
        )),
    }
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    for url in [&args.engee, &args.linkis] {
        if let Err(e) = loopback_only(url) {
            eprintln!("soak: {e}");
            std::process::exit(2);
        }
    }
    let stats = Arc::new(Stats::default());
    let rss = Rss::new(args.engee_pid, args.linkis_pid);
    rss.sample("start");

    if let Err(e) = engee::prepare(&args).await {
        eprintln!("soak: cannot prepare the Engee mock: {e}");
        std::process::exit(2);
    }
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.secs);
    println!(
        "soak: {} workers for {} s (warm-up {} s) against {} and {}",
        args.workers,
        args.secs,
        args.warmup().as_secs(),
        args.engee,
        args.linkis
    );

    let mut workers = Vec::new();
    for n in 0..args.workers {
        let (args, stats) = (args.clone(), stats.clone());
        workers.push(tokio::spawn(async move {
            worker(n, &args, &stats, deadline).await;
        }));
    }
    // RSS: after warm-up, then every 10% of the run for the timeline, and at the end.
    let warmup_at = started + args.warmup();
    tokio::time::sleep_until(warmup_at.into()).await;
    rss.sample("warm-up");
    let step = Duration::from_secs((args.secs / 10).max(5));
    let mut next = warmup_at + step;
    while next < deadline {
        tokio::time::sleep_until(next.into()).await;
        rss.sample(&format!("{} s", next.duration_since(started).as_secs()));
        next += step;
    }
    for w in workers {
        let _ = w.await;
    }
    rss.sample("end");

    let elapsed = started.elapsed();
    stats.print(elapsed);
    let growth = rss.print();
    let errors = stats.errors();
    let ok = errors == 0 && growth.iter().all(|g| *g <= args.max_growth_pct);
    println!(
        "soak: {} ({} errors; RSS growth after warm-up {}; goal 0 errors and ≤ {}%)",
        if ok { "PASS" } else { "FAIL" },
        errors,
        growth
            .iter()
            .map(|g| format!("{g:+.1}%"))
            .collect::<Vec<_>>()
            .join(" / "),
        args.max_growth_pct
    );
    std::process::exit(if ok { 0 } else { 1 });
}

/// Scenarios and their weights (out of 100): roughly what a team's clients do.
async fn worker(n: usize, args: &Args, stats: &Stats, deadline: Instant) {
    let mut dice = Dice::new(n as u64 + 1);
    let mut engee = engee::Session::new(args, n);
    let mut linkis = linkis::Session::new(args, n);
    let think = Duration::from_millis(args.think_ms);
    while Instant::now() < deadline {
        let roll = dice.below(100);
        match roll {
            0..=9 => engee.code_flow(stats).await,
            10..=19 => engee.refresh(stats).await,
            20..=39 => engee.eval(stats, &mut dice).await,
            40..=49 => engee.files(stats, &mut dice).await,
            50..=57 => engee.job(stats, &mut dice, deadline).await,
            58..=61 => linkis.login(stats).await,
            62..=89 => linkis.job(stats, &mut dice, deadline).await,
            _ => linkis.kill(stats, &mut dice).await,
        }
        tokio::time::sleep(think).await;
    }
}
