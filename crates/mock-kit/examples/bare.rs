//! The baseline for `make bench`: one axum handler answering a small JSON, served by
//! mock-kit's [`RunningServer`] (the same HTTP stack as the mocks), with nothing else.
//! `--control` wraps it in the mocks' control plane (journal capturing bodies, faults), to
//! show what that costs on its own.
//!
//! `cargo run --release -p mock-kit --example bare -- [--addr 127.0.0.1:0] [--control]`
//! prints `listening on http://…` and serves `GET /ping` until stopped.

use axum::routing::get;
use axum::{Json, Router};
use mock_kit::{Clock, Control, RunningServer};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let mut control = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--addr" => {
                let value = args.next().unwrap_or_default();
                addr = value.parse().map_err(std::io::Error::other)?;
            }
            "--control" => control = true,
            other => return Err(std::io::Error::other(format!("unknown flag {other}"))),
        }
    }
    let app = Router::new().route(
        "/ping",
        get(|| async { Json(serde_json::json!({"status": "ok", "value": 8})) }),
    );
    let app = if control {
        // BENCH_JOURNAL=off|no-bodies narrows down what the control plane costs.
        let journal = match std::env::var("BENCH_JOURNAL").as_deref() {
            Ok("off") => mock_kit::JournalConfig {
                max_entries: 0,
                ..Default::default()
            },
            Ok("no-bodies") => mock_kit::JournalConfig {
                capture_bodies: false,
                ..Default::default()
            },
            _ => mock_kit::JournalConfig::default(),
        };
        Control::new(Clock::system(), || {})
            .with_journal(journal)
            .wrap(app, Router::new())
    } else {
        app
    };
    let server = RunningServer::start(app, addr).await?;
    println!("listening on {}", server.url());
    mock_kit::serve::shutdown_signal().await;
    server.shutdown().await;
    Ok(())
}
