//! The admin API over HTTP, on a tiny router: what every mock inherits.

mod common;

use std::sync::Arc;

use common::Tiny;
use mock_kit::{AdminAccess, AdminConfig, Clock, Entropy};
use serde_json::{Value, json};

#[tokio::test]
async fn a_rejected_clock_move_changes_nothing() {
    let t = Tiny::open().await;
    let before = t.clock.now();
    let url = t.url("/__admin/clock");
    for body in [
        json!({"frozen": false, "set": "not a time"}),
        json!({"frozen": false, "advance_ms": 5000, "advance_secs": -1.0}),
        json!({"set": "2030-01-01T00:00:00Z", "advance_secs": -1.0}),
        json!({"frozen": false, "set": "9999-12-31T23:59:59Z", "advance_secs": 2.0}),
        json!({"frozen": false, "set": "1969-12-31T23:59:59Z"}),
    ] {
        let (status, answer) = t.post_json("/__admin/clock", body.clone()).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(answer["tiny_error"], "bad_request", "{answer}");
        let now: Value = t.http.get(&url).send().await.unwrap().json().await.unwrap();
        assert_eq!(now["frozen"], true, "after {body}");
        assert_eq!(t.clock.now(), before, "after {body}");
    }
}

/// Issue 8.4: nine advances of 1e12 s took a flowing clock past chrono's range and every
/// request after that panicked.
#[tokio::test]
async fn huge_clock_advances_are_refused_and_the_server_keeps_answering() {
    for clock in [Clock::system(), Clock::frozen_now()] {
        let t = Tiny::start(clock, AdminAccess::open()).await;
        let mut statuses = Vec::new();
        for _ in 0..9 {
            let (status, answer) = t
                .post_json("/__admin/clock", json!({"advance_secs": 1e12}))
                .await;
            if status == 400 {
                let message = answer["tiny_message"].as_str().unwrap();
                assert!(message.contains("9999-12-31T23:59:59.999Z"), "{message}");
            }
            statuses.push(status);
        }
        assert!(statuses.iter().all(|s| *s == 400), "{statuses:?}");
        for _ in 0..3 {
            let (status, answer) = t
                .post_json("/__admin/clock", json!({"advance_ms": u64::MAX}))
                .await;
            assert_eq!(status, 400, "{answer}");
        }
        let r = t.http.get(t.url("/__admin/clock")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let r = t.http.get(t.url("/hello")).send().await.unwrap();
        assert_eq!(r.text().await.unwrap(), "hello");
        // A move to the very end is fine, and the clock then reads the end.
        let (status, answer) = t
            .post_json(
                "/__admin/clock",
                json!({"frozen": true, "set": "9999-12-31T23:59:59.999Z"}),
            )
            .await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["now"], "9999-12-31T23:59:59.999Z");
        let (status, _) = t
            .post_json("/__admin/clock", json!({"advance_ms": 1}))
            .await;
        assert_eq!(status, 400);
    }
}

/// Issue 8.3: a web page could move the clock with a `text/plain` POST and reset with a
/// bodyless one.
#[tokio::test]
async fn cross_site_simple_requests_change_nothing() {
    let t = Tiny::open().await;
    let before = t.clock.now();
    let r = t
        .http
        .post(t.url("/__admin/clock"))
        .header("content-type", "text/plain")
        .header("origin", "http://evil.example")
        .body(r#"{"advance_secs": 3600}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["tiny_error"], "forbidden", "{body}");
    // Without an Origin (an old browser, a form from a file://), the content type stops it.
    let r = t
        .http
        .post(t.url("/__admin/clock"))
        .header("content-type", "text/plain")
        .body(r#"{"advance_secs": 3600}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["tiny_error"], "unsupported_media_type", "{body}");
    for form in [
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        let r = t
            .http
            .post(t.url("/__admin/reset"))
            .header("content-type", form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 415, "{form}");
    }
    let r = t.http.post(t.url("/__admin/reset")).send().await.unwrap();
    assert_eq!(r.status(), 415, "a bodyless POST without a content type");
    assert_eq!(t.clock.now(), before);
    assert_eq!(t.reset_count(), 0);

    // A JSON call with a foreign Origin (or `null`) is refused too; the mock's own is fine.
    for origin in ["http://evil.example", "null", "http://127.0.0.1:1"] {
        let r = t
            .http
            .post(t.url("/__admin/reset"))
            .header("origin", origin)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{origin}");
    }
    assert_eq!(t.reset_count(), 0);
    let own = format!("http://{}", t.server.addr());
    let r = t
        .http
        .post(t.url("/__admin/reset"))
        .header("origin", own)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    // A script's JSON call (no Origin) works on loopback without a token.
    let (status, _) = t.post_json("/__admin/reset", json!({})).await;
    assert_eq!(status, 204);
    assert_eq!(t.reset_count(), 2);
}

/// DNS rebinding: a page whose host name resolves to 127.0.0.1 is "same-origin" with the
/// mock; without a token, only loopback host names are served.
#[tokio::test]
async fn without_a_token_only_loopback_host_names_are_served() {
    let t = Tiny::open().await;
    let port = t.server.addr().port();
    let r = t
        .http
        .post(t.url("/__admin/reset"))
        .header("host", format!("rebound.example:{port}"))
        .header("origin", format!("http://rebound.example:{port}"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(t.reset_count(), 0);
    let r = t
        .http
        .post(t.url("/__admin/reset"))
        .header("host", format!("localhost:{port}"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
}

/// Issue 8.3: on a non-loopback address a token is required; one is generated when none is
/// configured. `require_token` is the knob the bind address sets.
#[tokio::test]
async fn a_required_token_is_generated_and_enforced() {
    let access = AdminAccess::resolve(
        &AdminConfig {
            token: None,
            require_token: true,
        },
        ([127, 0, 0, 1], 0).into(),
        &Entropy::os(),
    );
    let token = access
        .generated_token()
        .expect("a generated token")
        .to_owned();
    assert!(token.len() >= 32, "{token}");
    let t = Tiny::start(Clock::frozen_now(), access).await;
    let before = t.clock.now();
    let (status, body) = t
        .post_json("/__admin/clock", json!({"advance_secs": 60}))
        .await;
    assert_eq!(status, 401);
    assert_eq!(body["tiny_error"], "admin_token_required", "{body}");
    for (header, value) in [
        ("authorization", "Bearer wrong".to_owned()),
        ("x-admin-token", format!("{token}x")),
    ] {
        let r = t
            .http
            .get(t.url("/__admin/requests"))
            .header(header, value)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    assert_eq!(t.clock.now(), before);
    let r = t
        .http
        .post(t.url("/__admin/clock"))
        .bearer_auth(&token)
        .json(&json!({"advance_secs": 60}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = t
        .http
        .get(t.url("/__admin/faults"))
        .header("x-admin-token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Health checks need no token.
    let r = t.http.get(t.url("/__admin/health")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // Non-loopback binds generate one; loopback ones stay open; a configured one wins.
    let none = AdminConfig::default();
    assert!(
        AdminAccess::resolve(&none, ([0, 0, 0, 0], 0).into(), &Entropy::os())
            .generated_token()
            .is_some()
    );
    assert!(
        AdminAccess::resolve(&none, ([127, 0, 0, 1], 0).into(), &Entropy::os())
            .token()
            .is_none()
    );
    let set = AdminConfig {
        token: Some("s3cret".into()),
        require_token: false,
    };
    let access = AdminAccess::resolve(&set, ([10, 0, 0, 1], 0).into(), &Entropy::os());
    assert_eq!(
        (access.token(), access.generated_token()),
        (Some("s3cret"), None)
    );
}

#[tokio::test]
async fn a_configured_token_is_required_on_loopback_too() {
    let access = AdminAccess::resolve(
        &AdminConfig {
            token: Some("s3cret".into()),
            require_token: false,
        },
        ([127, 0, 0, 1], 0).into(),
        &Entropy::os(),
    );
    let t = Tiny::start(Clock::frozen_now(), access).await;
    let (status, _) = t.post_json("/__admin/reset", json!({})).await;
    assert_eq!(status, 401);
    let r = t
        .http
        .post(t.url("/__admin/reset"))
        .bearer_auth("s3cret")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    // The token does not lift the content-type and Origin rules.
    let r = t
        .http
        .post(t.url("/__admin/reset"))
        .bearer_auth("s3cret")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let r = t
        .http
        .post(t.url("/__admin/reset"))
        .bearer_auth("s3cret")
        .header("origin", "http://evil.example")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(t.reset_count(), 1);
}

/// Issue 8.3: a mock's own admin routes (Engee's PATs) were journaled and could be faulted.
#[tokio::test]
async fn a_mocks_own_admin_routes_are_guarded_and_neither_journaled_nor_faulted() {
    let t = Tiny::open().await;
    let (status, _) = t
        .post_json(
            "/__admin/faults",
            json!({"path_prefix": "/", "status": 503}),
        )
        .await;
    assert_eq!(status, 201);
    let r = t
        .http
        .post(t.url("/__admin/tiny"))
        .header("content-type", "text/plain")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415, "guarded like the shared routes");
    let r = t
        .http
        .post(t.url("/__admin/tiny"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "not faulted");
    let r = t.http.delete(t.url("/__admin/tiny")).send().await.unwrap();
    assert_eq!(r.status(), 204, "DELETE needs no content type");
    let r = t
        .http
        .put(t.url("/__admin/tiny"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["tiny_error"], "method_not_allowed", "{body}");
    let r = t.http.get(t.url("/hello")).send().await.unwrap();
    assert_eq!(r.status(), 503, "the API itself is faulted");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["tiny_error"], "fault_injected", "{body}");
    let journal: Value = t
        .http
        .get(t.url("/__admin/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths: Vec<&str> = journal["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["/hello"]);
}

/// A toy [`mock_kit::Seeding`]: a list of words, refused whole when one is empty.
struct Words(Arc<std::sync::Mutex<Vec<String>>>);

impl mock_kit::Seeding for Words {
    fn seed(&self, document: &[u8]) -> Result<(), mock_kit::Refusal> {
        let bad = |m: String| {
            mock_kit::Refusal::new(axum::http::StatusCode::BAD_REQUEST, "bad_request", m)
        };
        let words: Vec<String> =
            serde_json::from_slice(document).map_err(|e| bad(format!("not a list: {e}")))?;
        if let Some(i) = words.iter().position(String::is_empty) {
            return Err(bad(format!("word #{i} is empty")));
        }
        self.0.lock().unwrap().extend(words);
        Ok(())
    }
    fn state(&self) -> Result<Value, mock_kit::Refusal> {
        Ok(json!(*self.0.lock().unwrap()))
    }
}

#[tokio::test]
async fn ready_seed_and_state_go_through_the_mock_and_the_guard() {
    let words = Arc::new(std::sync::Mutex::new(Vec::new()));
    let t = Tiny::start_with(Clock::frozen_now(), AdminAccess::open(), {
        let words = words.clone();
        |c| c.with_seeding(Words(words))
    })
    .await;
    // Not declared ready yet: 503 in the mock's format.
    let r = t.http.get(t.url("/__admin/ready")).send().await.unwrap();
    assert_eq!(r.status(), 503);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["tiny_error"], "not_ready", "{body}");
    t.control.mark_ready();
    let r = t.http.get(t.url("/__admin/ready")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"ready": true}));

    let (status, _) = t.post_json("/__admin/seed", json!(["a", "b"])).await;
    assert_eq!(status, 204);
    let (status, answer) = t.post_json("/__admin/seed", json!(["c", ""])).await;
    assert_eq!(status, 400);
    assert_eq!(answer["tiny_message"], "word #1 is empty", "{answer}");
    let state: Value = t
        .http
        .get(t.url("/__admin/state"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state, json!(["a", "b"]));
    // The guard: no JSON content type, a foreign Origin.
    let r = t
        .http
        .post(t.url("/__admin/seed"))
        .body("[]")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let r = t
        .http
        .get(t.url("/__admin/state"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn without_seeding_there_are_no_seed_routes() {
    let t = Tiny::open().await;
    let r = t.http.get(t.url("/__admin/state")).send().await.unwrap();
    assert_eq!(r.status(), 404);
}

/// A seeding that holds its seed until told to go on, to look at readiness meanwhile.
struct Slow(std::sync::Mutex<std::sync::mpsc::Receiver<()>>);

impl mock_kit::Seeding for Slow {
    fn seed(&self, _: &[u8]) -> Result<(), mock_kit::Refusal> {
        let _ = self.0.lock().unwrap().recv();
        Ok(())
    }
    fn state(&self) -> Result<Value, mock_kit::Refusal> {
        Ok(json!({}))
    }
}

#[tokio::test]
async fn not_ready_while_a_seed_is_being_applied() {
    let (go, wait) = std::sync::mpsc::channel();
    let t = Tiny::start_with(Clock::frozen_now(), AdminAccess::open(), |c| {
        c.with_seeding(Slow(std::sync::Mutex::new(wait)))
    })
    .await;
    t.control.mark_ready();
    let seeding = tokio::spawn({
        let (http, url) = (t.http.clone(), t.url("/__admin/seed"));
        async move {
            http.post(url)
                .json(&json!({}))
                .send()
                .await
                .unwrap()
                .status()
        }
    });
    let mut statuses = Vec::new();
    for _ in 0..200 {
        let r = t.http.get(t.url("/__admin/ready")).send().await.unwrap();
        statuses.push(r.status().as_u16());
        if r.status() == 503 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert_eq!(statuses.last(), Some(&503), "{statuses:?}");
    go.send(()).unwrap();
    assert_eq!(seeding.await.unwrap(), 204);
    let r = t.http.get(t.url("/__admin/ready")).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

/// The dashboard page is an admin route like the others: a fault on every path does not
/// touch it and it leaves no journal entry, while an unrouted request still does.
#[tokio::test]
async fn the_dashboard_is_neither_journaled_nor_faulted() {
    let t = Tiny::open().await;
    t.fault(json!({"path": "/", "status": 503})).await;
    let r = t.http.get(t.url("/__admin/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
    let r = t.http.get(t.url("/nowhere")).send().await.unwrap();
    assert_eq!(r.status(), 503, "faulted");
    let paths: Vec<Value> = t
        .journal("")
        .await
        .iter()
        .map(|e| e["path"].clone())
        .collect();
    assert_eq!(paths, [json!("/nowhere")]);
}
