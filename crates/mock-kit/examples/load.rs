//! A small HTTP load generator for `make bench`: N concurrent workers send the same
//! request for a fixed time and report requests/second and latency percentiles.
//!
//! `cargo run --release -p mock-kit --example load -- --url URL [--method POST]
//!   [--header 'K: V']... [--body TEXT] [--concurrency 32] [--seconds 5] [--name NAME] [--raw]
//!   [--requests N]`
//!
//! `--requests N` stops after N requests in all instead of after `--seconds`.
//!
//! `--raw` sends hand-written HTTP/1.1 over keep-alive connections instead of using
//! reqwest: about a third of the CPU per request, so one core of load can saturate a
//! server on another core (what the bench's ratios need). It reads `Content-Length`
//! bodies only; anything else counts as an error.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

struct Args {
    name: String,
    url: String,
    method: reqwest::Method,
    headers: Vec<(String, String)>,
    body: Option<String>,
    concurrency: usize,
    seconds: u64,
    raw: bool,
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
        raw: false,
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
            "--raw" => args.raw = true,
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
    let budget = Arc::new(Budget {
        deadline: Instant::now() + Duration::from_secs(args.seconds),
        requests: args.requests,
        sent: AtomicU64::new(0),
    });
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..args.concurrency {
        let (client, args, budget) = (client.clone(), args.clone(), budget.clone());
        if args.raw {
            workers.push(tokio::spawn(raw::worker(args, budget)));
            continue;
        }
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            while budget.one_more() {
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

/// When the run ends: after `--requests` in all, else at the deadline.
struct Budget {
    deadline: Instant,
    requests: Option<u64>,
    sent: AtomicU64,
}

impl Budget {
    /// Whether a worker may send one more request (counts it when a total is set).
    fn one_more(&self) -> bool {
        match self.requests {
            Some(n) => self.sent.fetch_add(1, Ordering::Relaxed) < n,
            None => Instant::now() < self.deadline,
        }
    }

    /// Whether the run is over (without counting a request).
    fn is_spent(&self) -> bool {
        match self.requests {
            Some(n) => self.sent.load(Ordering::Relaxed) >= n,
            None => Instant::now() >= self.deadline,
        }
    }
}

mod raw {
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    /// One keep-alive connection sending the same request until the budget is spent.
    pub async fn worker(
        args: Arc<super::Args>,
        budget: Arc<super::Budget>,
    ) -> (Vec<Duration>, u64) {
        let mut latencies = Vec::new();
        let mut errors = 0u64;
        let Some((addr, request)) = prepare(&args) else {
            return (latencies, 1);
        };
        let mut buf = Vec::with_capacity(16 * 1024);
        'connect: while !budget.is_spent() {
            let Ok(mut conn) = TcpStream::connect(&addr).await else {
                errors += 1;
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            };
            let _ = conn.set_nodelay(true);
            while budget.one_more() {
                let t = Instant::now();
                buf.clear();
                if conn.write_all(&request).await.is_err() {
                    errors += 1;
                    continue 'connect;
                }
                match read_response(&mut conn, &mut buf).await {
                    Some(status) if (200..300).contains(&status) => latencies.push(t.elapsed()),
                    Some(_) => errors += 1,
                    None => {
                        errors += 1;
                        continue 'connect;
                    }
                }
            }
        }
        (latencies, errors)
    }

    fn prepare(args: &super::Args) -> Option<(String, Vec<u8>)> {
        let rest = args.url.strip_prefix("http://")?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let mut req = format!("{} {path} HTTP/1.1\r\nHost: {authority}\r\n", args.method);
        for (k, v) in &args.headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        let body = args.body.clone().unwrap_or_default();
        if args.body.is_some() {
            req.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        req.push_str("\r\n");
        req.push_str(&body);
        Some((authority.to_owned(), req.into_bytes()))
    }

    /// Reads one response with a `Content-Length` body; its status, or `None` when the
    /// connection broke or the response had no length.
    async fn read_response(conn: &mut TcpStream, buf: &mut Vec<u8>) -> Option<u16> {
        let mut chunk = [0u8; 8192];
        loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = std::str::from_utf8(&buf[..end]).ok()?;
                let status: u16 = head.get(9..12)?.parse().ok()?;
                let length: usize = head.lines().find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse().ok())?
                })?;
                while buf.len() < end + 4 + length {
                    let n = conn.read(&mut chunk).await.ok().filter(|n| *n > 0)?;
                    buf.extend_from_slice(&chunk[..n]);
                }
                return Some(status);
            }
            let n = conn.read(&mut chunk).await.ok().filter(|n| *n > 0)?;
            buf.extend_from_slice(&chunk[..n]);
        }
    }
}
