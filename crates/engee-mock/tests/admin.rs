//! The admin API's protections and the HTTP limits, as Engee answers them: JSON
//! `{"error", "message"}` errors (issue 8, items 3, 4 and 10).

mod common;

use common::*;
use engee_mock::Config;
use serde_json::{Value, json};

async fn status_and_json(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn cross_site_admin_calls_are_refused_in_engee_format() {
    let app = TestApp::start().await;
    app.start_engee(DEMO_PAT).await;
    let before = app.server.clock().now();
    let r = app
        .http
        .post(app.url("/__admin/clock"))
        .header("content-type", "text/plain")
        .header("origin", "http://evil.example")
        .body(r#"{"advance_secs": 100000}"#)
        .send()
        .await
        .unwrap();
    let (status, body) = status_and_json(r).await;
    assert_eq!(status, 403);
    assert_eq!(body["error"], "forbidden", "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("evil.example"),
        "{body}"
    );
    let r = app
        .http
        .post(app.url("/__admin/reset"))
        .send()
        .await
        .unwrap();
    let (status, body) = status_and_json(r).await;
    assert_eq!(status, 415);
    assert_eq!(body["error"], "unsupported_media_type", "{body}");
    let r = app
        .http
        .post(app.url("/__admin/engee/pats"))
        .header("origin", "http://evil.example")
        .json(&json!({"token": "evil-pat", "user": "demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(app.server.clock().now(), before);
    assert_eq!(
        app.info(DEMO_PAT).await["serverStatus"],
        "running",
        "not reset"
    );
    let r = app
        .http
        .get(app.url("/account/api/oauth2/session"))
        .bearer_auth("evil-pat")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "no PAT was added");
}

#[tokio::test]
async fn a_required_admin_token_guards_every_admin_route_but_health() {
    let mut config = Config::for_tests();
    // What a non-loopback address sets (the binary's tests bind 0.0.0.0).
    config.admin.require_token = true;
    let app = TestApp::with_config(config).await;
    let token = app
        .server
        .admin_token()
        .expect("a generated token")
        .to_owned();
    let pat = json!({"token": "late-pat", "user": "demo"});
    let r = app
        .http
        .post(app.url("/__admin/engee/pats"))
        .json(&pat)
        .send()
        .await
        .unwrap();
    let (status, body) = status_and_json(r).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "admin_token_required", "{body}");
    for path in ["/__admin/requests", "/__admin/clock", "/__admin/faults"] {
        let r = app.http.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 401, "{path}");
    }
    let r = app
        .http
        .get(app.url("/__admin/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = app
        .http
        .post(app.url("/__admin/engee/pats"))
        .bearer_auth(&token)
        .json(&pat)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = app
        .http
        .delete(app.url("/__admin/engee/pats/late-pat"))
        .header("x-admin-token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
}

/// `/__admin/engee/pats` used to be journaled and faultable like the Engee API.
#[tokio::test]
async fn pat_admin_calls_are_neither_faulted_nor_journaled() {
    let app = TestApp::start().await;
    let r = app
        .http
        .post(app.url("/__admin/faults"))
        .json(&json!({"path_prefix": "/", "status": 503}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = app
        .http
        .post(app.url("/__admin/engee/pats"))
        .json(&json!({"token": "my-pat", "user": "demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = app
        .http
        .delete(app.url("/__admin/engee/pats/my-pat"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = app
        .http
        .get(app.url("/__admin/requests"))
        .send()
        .await
        .unwrap();
    let journal: Value = r.json().await.unwrap();
    assert_eq!(journal["requests"], json!([]), "{journal}");
}

/// Issue 8.4: nine of these panicked the server; every request after got an empty reply.
#[tokio::test]
async fn huge_clock_advances_are_400_and_the_server_keeps_answering() {
    let mut config = Config::for_tests();
    config.clock = mock_kit::Clock::system(); // the binary's flowing clock
    let app = TestApp::with_config(config).await;
    for _ in 0..9 {
        let r = app
            .http
            .post(app.url("/__admin/clock"))
            .json(&json!({"advance_secs": 1e12}))
            .send()
            .await
            .unwrap();
        let (status, body) = status_and_json(r).await;
        assert_eq!(status, 400);
        assert_eq!(body["error"], "bad_request", "{body}");
        assert!(
            body["message"].as_str().unwrap().contains("9999-12-31"),
            "names the limit: {body}"
        );
    }
    assert_eq!(app.info(DEMO_PAT).await["serverStatus"], "stopped");
    assert!(
        app.server
            .try_advance(std::time::Duration::from_secs(u64::MAX))
            .is_err()
    );
}

/// Issue 8.10: oversized forms and URIs got axum's or hyper's bare answers.
#[tokio::test]
async fn oversized_forms_and_uris_get_engee_json_errors() {
    let app = TestApp::start().await;
    let big_form = format!(
        "response_type=code&client_id=demo-app&state={}",
        "s".repeat(3 * 1024 * 1024)
    );
    for path in ["/account/authorize", "/account/api/oauth2/token"] {
        let r = app
            .http
            .post(app.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(big_form.clone())
            .send()
            .await
            .unwrap();
        let (status, body) = status_and_json(r).await;
        assert_eq!(status, 413, "{path}");
        assert_eq!(body["error"], "payload_too_large", "{path}: {body}");
    }
    let r = app
        .http
        .get(app.url(&format!(
            "/account/authorize?response_type=code&client_id=demo-app&state={}",
            "s".repeat(20_000)
        )))
        .send()
        .await
        .unwrap();
    let (status, body) = status_and_json(r).await;
    assert_eq!(status, 414);
    assert_eq!(body["error"], "uri_too_long", "{body}");
}

#[tokio::test]
async fn a_token_from_the_config_file_is_required_on_loopback() {
    let text = format!(
        "{}\n[admin]\ntoken = \"from-file\"\n",
        engee_mock::config::DEMO_CONFIG
    );
    let mut config = Config::parse(&text).unwrap();
    config.addr = ([127, 0, 0, 1], 0).into();
    let app = TestApp::with_config(config).await;
    let reset = || app.http.post(app.url("/__admin/reset")).json(&json!({}));
    let (status, body) = status_and_json(reset().send().await.unwrap()).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "admin_token_required", "{body}");
    let r = reset().bearer_auth("from-file").send().await.unwrap();
    assert_eq!(r.status(), 204);
}
