//! A small HTTP load generator for `make bench`: N concurrent workers send the same
//! request for a fixed time and report requests/second and latency percentiles.
//!
//! `cargo run --release -p mock-kit --example load -- --url URL [--method POST]
//!   [--header 'K: V']... [--body TEXT] [--form] [--concurrency 32] [--seconds 5] [--name NAME]
//!   [--requests N]` (`--requests`: stop after N requests in all instead of after a time)

use std::sync::Arc;
use std::time::{Duration, Instant};

struct Args {
    name: String,
    url: String,
    method: reqwest::Method,
    headers: Vec<(String, String)>,
    body: Option<String>,
    concurrency: usize,
    seconds: u64,
    requests: Option<u64>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        name: String::new(),
        url: String::new(),
        method: reqwest::Method::GET,
        headers: Vec::new(),
        body: None,
        concurrency: 32,
        seconds: 5,
        requests: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--name" => args.name = value()?,
            "--url" => args.url = value()?,
            "--method" => args.method = value()?.parse().map_err(|e| format!("{e}"))?,
            "--header" => {
                let h = value()?;
                let (k, v) = h.split_once(':').ok_or("header must be 'K: V'")?;
                args.headers.push((k.trim().into(), v.trim().into()));
            }
            "--body" => args.body = Some(value()?),
            "--concurrency" => args.concurrency = value()?.parse().map_err(|e| format!("{e}"))?,
            "--seconds" => args.seconds = value()?.parse().map_err(|e| format!("{e}"))?,
            "--requests" => {
                args.requests = Some(value()?.parse().map_err(|e| format!("{e}"))?);
            }
            other => return Err(format!("unknown flag {other}")),
        }
    }
    if args.url.is_empty() {
        return Err("--url is required".into());
    }
    if args.name.is_empty() {
        args.name = format!("{} {}", args.method, args.url);
    }
    Ok(args)
}

#[tokio::main]
async fn main() {
    let args = match parse_args() {
        Ok(a) => Arc::new(a),
        Err(e) => {
            eprintln!("load: {e}");
            std::process::exit(2);
        }
    };
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .build()
        .expect("client");
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let started = Instant::now();
    let sent = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut workers = Vec::new();
    for _ in 0..args.concurrency {
        let (client, args, sent) = (client.clone(), args.clone(), sent.clone());
        let requests = args.requests;
        let more = move || match requests {
            Some(n) => sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < n,
            None => Instant::now() < deadline,
        };
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            while more() {
                let mut req = client.request(args.method.clone(), &args.url);
                for (k, v) in &args.headers {
                    req = req.header(k, v);
                }
                if let Some(b) = &args.body {
                    req = req.body(b.clone());
                }
                let t = Instant::now();
                match req.send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        latencies.push(t.elapsed());
                    }
                    _ => errors += 1,
                }
            }
            (latencies, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for w in workers {
        let (l, e) = w.await.expect("worker");
        all.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    println!(
        "{:<28} {:>9.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  ({} ok, {} errors, {} workers, {:.1} s)",
        args.name,
        all.len() as f64 / elapsed,
        pct(0.50),
        pct(0.99),
        all.len(),
        errors,
        args.concurrency,
        elapsed
    );
    if all.is_empty() {
        std::process::exit(1);
    }
}
