//! The admin API over HTTP, on a bare router: what every mock inherits.

use axum::Router;
use mock_kit::{Clock, Control, RunningServer};
use serde_json::{Value, json};

async fn start() -> (RunningServer, Clock) {
    let clock = Clock::frozen(chrono::Utc::now());
    let control = Control::new(clock.clone(), || {});
    let server = RunningServer::start(control.wrap(Router::new()), ([127, 0, 0, 1], 0).into())
        .await
        .unwrap();
    (server, clock)
}

#[tokio::test]
async fn a_rejected_clock_move_changes_nothing() {
    let (server, clock) = start().await;
    let before = clock.now();
    let http = reqwest::Client::new();
    let url = format!("{}/__admin/clock", server.url());
    for body in [
        json!({"frozen": false, "set": "not a time"}),
        json!({"frozen": false, "advance_ms": 5000, "advance_secs": -1.0}),
        json!({"set": "2030-01-01T00:00:00Z", "advance_secs": -1.0}),
    ] {
        let r = http.post(&url).json(&body).send().await.unwrap();
        assert_eq!(r.status(), 400, "{body}");
        let now: Value = http.get(&url).send().await.unwrap().json().await.unwrap();
        assert_eq!(now["frozen"], true, "after {body}");
        assert_eq!(clock.now(), before, "after {body}");
    }
}
