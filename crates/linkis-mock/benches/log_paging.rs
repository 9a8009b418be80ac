//! `cargo bench -p linkis-mock --bench log_paging`
//!
//! 1. Log paging: one job with 2,000,000 synthetic log lines; a 100-line page read at line
//!    0 and at line 1,000,000 (both should cost the page, not the log).
//! 2. HTTP: submit and status-poll requests per second against an in-process server
//!    (built with the bench profile, i.e. optimised), 16 concurrent clients.

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use linkis_mock::joblog::{JobLog, Level};
use linkis_mock::{Config, MockServer};
use serde_json::json;

fn per_op(label: &str, iters: u32, mut f: impl FnMut()) {
    for _ in 0..iters / 10 {
        f();
    }
    let start = Instant::now();
    for _ in 0..iters {
        f();
    }
    let ns = start.elapsed().as_nanos() as f64 / f64::from(iters);
    println!("{label:<44} {:>10.2} µs/op", ns / 1000.0);
}

fn log_paging() {
    let t0 = Utc::now();
    let mut log = JobLog::new(20_000);
    log.push(t0, Level::Info, "Your job is accepted");
    log.push(t0, Level::Info, "Your job is Running now");
    log.push_synthetic(2_000_000, t0, t0 + chrono::Duration::seconds(60));
    log.push(
        t0 + chrono::Duration::seconds(60),
        Level::Info,
        "Congratulations. Your job completed with status Success.",
    );
    let now = t0 + chrono::Duration::seconds(120);
    assert_eq!(log.visible(now), 2_000_003);
    per_op("log page (100 lines) at line 0", 20_000, || {
        black_box(log.page(now, 0, 100));
    });
    per_op("log page (100 lines) at line 1,000,000", 20_000, || {
        black_box(log.page(now, 1_000_000, 100));
    });
    per_op("log page (100 lines) at line 1,999,950", 20_000, || {
        black_box(log.page(now, 1_999_950, 100));
    });
}

async fn load(
    label: &str,
    secs: u64,
    clients: usize,
    make: impl Fn(reqwest::Client) -> reqwest::RequestBuilder + Send + Sync + 'static,
    http: Vec<reqwest::Client>,
) {
    let make = Arc::new(make);
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    let mut lat = Vec::new();
    for i in 0..clients {
        let (make, done, failed, client) = (
            make.clone(),
            done.clone(),
            failed.clone(),
            http[i % http.len()].clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut l = Vec::new();
            while Instant::now() < deadline {
                let s = Instant::now();
                match make(client.clone()).send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
                l.push(s.elapsed());
            }
            l
        }));
    }
    for t in tasks {
        lat.extend(t.await.unwrap());
    }
    lat.sort();
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    println!(
        "{label:<44} {:>10.0} req/s  (p50 {:?}, p99 {:?}, {} failed)",
        done.load(Ordering::Relaxed) as f64 / secs as f64,
        pct(0.5),
        pct(0.99),
        failed.load(Ordering::Relaxed)
    );
}

async fn http_load() {
    let mut cfg = Config::testing();
    cfg.limits.max_jobs = 2000;
    let server = MockServer::start(cfg).await.unwrap();
    let url = server.url();
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let r = client
        .post(format!("{url}/api/rest_j/v1/user/login"))
        .json(&json!({"userName": "alice", "password": "alice"}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let submit_url = format!("{url}/api/rest_j/v1/entrance/submit");
    let body = json!({"executionContent": {"code": "select count(1) from employees", "runType": "sql"}, "labels": {"engineType": "spark-2.4.3"}});
    let b2 = body.clone();
    let u2 = submit_url.clone();
    load(
        "HTTP submit (sql, fast mode)",
        5,
        16,
        move |c| c.post(&u2).json(&b2),
        vec![client.clone()],
    )
    .await;
    let text_body = json!({"executionContent": {"code": "print('x')", "runType": "python"}, "labels": {"engineType": "python"}});
    let u3 = submit_url.clone();
    load(
        "HTTP submit (python text engine)",
        5,
        16,
        move |c| c.post(&u3).json(&text_body),
        vec![client.clone()],
    )
    .await;
    let r: serde_json::Value = client
        .post(&submit_url)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let exec = r["data"]["execID"].as_str().unwrap().to_string();
    let status_url = format!("{url}/api/rest_j/v1/entrance/{exec}/status");
    load(
        "HTTP status poll",
        5,
        16,
        move |c| c.get(&status_url),
        vec![client.clone()],
    )
    .await;
    let task = r["data"]["taskID"].as_u64().unwrap();
    let hist = format!("{url}/api/rest_j/v1/jobhistory/{task}/get");
    load(
        "HTTP jobhistory get",
        5,
        16,
        move |c| c.get(&hist),
        vec![client.clone()],
    )
    .await;
    server.shutdown().await;
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` does not: skip the run there.
    if !std::env::args().any(|a| a == "--bench") {
        println!("log_paging: run with `cargo bench -p linkis-mock --bench log_paging`");
        return;
    }
    log_paging();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(http_load());
}
