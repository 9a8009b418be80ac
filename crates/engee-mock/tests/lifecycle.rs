//! The Engee server lifecycle over HTTP: info/start/stop, delays, inactivity, session end,
//! and the guards of the per-user prefix.

mod common;

use std::time::Duration;

use common::*;
use engee_mock::Config;
use serde_json::json;

fn ts(v: &serde_json::Value) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(v.as_str().expect("timestamp"))
        .unwrap()
        .with_timezone(&chrono::Utc)
}

#[tokio::test]
async fn info_of_a_stopped_server_has_nulls_and_the_prefix_url() {
    let app = TestApp::start().await;
    let info = app.info(DEMO_PAT).await;
    assert_eq!(info["serverStatus"], "stopped");
    assert_eq!(info["username"], "demo");
    assert_eq!(
        info["url"],
        format!("{}/prod/user/personal-demo/", app.server.url())
    );
    for k in [
        "startingAt",
        "startedAt",
        "stoppingAt",
        "stoppedAt",
        "lastActivityAt",
        "stopSessionAt",
    ] {
        assert!(
            info[k].is_null(),
            "{k} should be null before the first start"
        );
    }
    assert_eq!(info["clusterNamespace"], json!({"minimalMode": true}));
    assert!(info["inactivityTimeout"].is_u64());
}

#[tokio::test]
async fn start_runs_at_once_without_delay_and_is_idempotent() {
    let app = TestApp::start().await;
    let started = app.start_engee(DEMO_PAT).await;
    assert_eq!(
        started["server"],
        format!("{}/prod/user/personal-demo/", app.server.url())
    );
    let info = app.info(DEMO_PAT).await;
    assert_eq!(info["serverStatus"], "running");
    let at = info["startedAt"].as_str().unwrap().to_owned();
    assert!(
        at.ends_with('Z') && at.len() == "2025-02-10T10:24:31.328Z".len(),
        "{at}"
    );
    app.server.advance(Duration::from_secs(5));
    let again = app.start_engee(DEMO_PAT).await;
    assert_eq!(again, started);
    assert_eq!(app.info(DEMO_PAT).await["startedAt"], at.as_str());
}

#[tokio::test]
async fn start_and_stop_delays_follow_the_mock_clock() {
    let mut config = Config::for_tests();
    config.lifecycle.start_delay_ms = 5_000;
    config.lifecycle.stop_delay_ms = 2_000;
    let app = TestApp::with_config(config).await;
    app.start_engee(DEMO_PAT).await;
    let info = app.info(DEMO_PAT).await;
    assert_eq!(info["serverStatus"], "starting");
    assert!(info["startedAt"].is_null());
    let (status, body) = app.eval("1").await;
    assert_eq!(status, 503, "user API while starting: {body}");
    assert_eq!(body["error"], "server_not_running");

    app.server.advance(Duration::from_millis(4_999));
    assert_eq!(app.info(DEMO_PAT).await["serverStatus"], "starting");
    app.server.advance(Duration::from_millis(1));
    let info = app.info(DEMO_PAT).await;
    assert_eq!(info["serverStatus"], "running");
    assert_eq!(
        ts(&info["startedAt"]) - ts(&info["startingAt"]),
        chrono::Duration::seconds(5)
    );

    app.stop_engee(DEMO_PAT).await;
    assert_eq!(app.info(DEMO_PAT).await["serverStatus"], "stopping");
    app.server.advance(Duration::from_secs(2));
    let info = app.info(DEMO_PAT).await;
    assert_eq!(info["serverStatus"], "stopped");
    assert_eq!(
        ts(&info["stoppedAt"]) - ts(&info["stoppingAt"]),
        chrono::Duration::seconds(2)
    );
}

#[tokio::test]
async fn stop_is_204_even_when_already_stopped() {
    let app = TestApp::start().await;
    for _ in 0..2 {
        let r = app
            .http
            .delete(app.url("/account/api/engee/stop"))
            .bearer_auth(DEMO_PAT)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
        assert!(r.bytes().await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn inactivity_stops_the_server_counting_from_the_last_call() {
    let app = TestApp::start().await;
    let r = app
        .http
        .post(app.url("/account/api/engee/start"))
        .bearer_auth(DEMO_PAT)
        .json(&json!({"url": "ignored", "inactivityTimeout": 60}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(app.info(DEMO_PAT).await["inactivityTimeout"], 60);
    app.server.advance(Duration::from_secs(59));
    let (status, _) = app
        .get_user_api(DEMO_PAT, "/external/command/jobs/list")
        .await;
    assert_eq!(status, 200, "a user-API call counts as activity");
    app.server.advance(Duration::from_secs(59));
    let info = app.info(DEMO_PAT).await;
    assert_eq!(
        info["serverStatus"], "running",
        "info is not user activity, but 59 s < 60 s"
    );
    let last = ts(&info["lastActivityAt"]);
    app.server.advance(Duration::from_secs(1));
    let info = app.info(DEMO_PAT).await;
    assert_eq!(info["serverStatus"], "stopped");
    assert_eq!(ts(&info["stoppedAt"]) - last, chrono::Duration::seconds(60));
}

#[tokio::test]
async fn the_session_ends_at_stop_session_at() {
    let mut config = Config::for_tests();
    config.lifecycle.max_session_secs = 3600;
    config.lifecycle.default_inactivity_timeout_secs = 0;
    let app = TestApp::with_config(config).await;
    app.start_engee(DEMO_PAT).await;
    let info = app.info(DEMO_PAT).await;
    assert_eq!(
        ts(&info["stopSessionAt"]) - ts(&info["startingAt"]),
        chrono::Duration::hours(1)
    );
    app.server.advance(Duration::from_secs(3599));
    assert_eq!(app.info(DEMO_PAT).await["serverStatus"], "running");
    app.server.advance(Duration::from_secs(1));
    assert_eq!(app.info(DEMO_PAT).await["serverStatus"], "stopped");
}

#[tokio::test]
async fn start_accepts_an_empty_body_but_not_garbage() {
    let app = TestApp::start().await;
    let r = app
        .http
        .post(app.url("/account/api/engee/start"))
        .bearer_auth(DEMO_PAT)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"], "bad_request");
    assert_eq!(app.info(DEMO_PAT).await["serverStatus"], "stopped");
}

#[tokio::test]
async fn prefix_guards_answer_401_404_403_503_in_that_order() {
    let app = TestApp::start().await;
    // `eval` under `prefix`, with `token` as bearer when given.
    let eval = |prefix: &str, token: Option<&str>| {
        let req = app
            .http
            .post(app.url(&format!("/prod/user/{prefix}/external/command/eval")))
            .json(&json!({"command": "1"}));
        let req = match token {
            Some(t) => req.bearer_auth(t),
            None => req,
        };
        async move { req.send().await.unwrap() }
    };

    let r = eval("personal-demo", None).await;
    assert_eq!(r.status(), 401);
    let www = r.headers()["www-authenticate"].to_str().unwrap().to_owned();
    assert_eq!(www, "Bearer realm=\"engee\"");

    let r = eval("personal-demo", Some("nope")).await;
    assert_eq!(r.status(), 401);
    let www = r.headers()["www-authenticate"].to_str().unwrap().to_owned();
    assert!(
        www.starts_with("Bearer ") && www.contains("error=\"invalid_token\""),
        "{www}"
    );

    let r = eval("personal-nobody", Some(DEMO_PAT)).await;
    assert_eq!(r.status(), 404);

    app.start_engee(OTHER_PAT).await;
    let r = eval("personal-other", Some(DEMO_PAT)).await;
    assert_eq!(r.status(), 403, "demo's token on other's prefix");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"], "forbidden");

    let r = eval("personal-demo", Some(DEMO_PAT)).await;
    assert_eq!(r.status(), 503, "demo's own server is not running");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"], "server_not_running");
    assert!(body["message"].as_str().unwrap().contains("stopped"));
}

#[tokio::test]
async fn a_pat_created_while_the_server_runs_works_from_the_next_start() {
    let app = TestApp::start().await;
    app.start_engee(DEMO_PAT).await;
    app.server.advance(Duration::from_secs(1));
    app.server
        .state()
        .tokens
        .add_pat("late-pat".into(), "demo".into(), app.server.clock().now());
    // Account APIs accept it at once ...
    assert_eq!(app.info("late-pat").await["serverStatus"], "running");
    // ... user APIs only after a restart.
    let (status, _) = app
        .get_user_api("late-pat", "/external/command/jobs/list")
        .await;
    assert_eq!(status, 401);
    app.stop_engee(DEMO_PAT).await;
    app.server.advance(Duration::from_secs(1));
    app.start_engee("late-pat").await;
    let (status, _) = app
        .get_user_api("late-pat", "/external/command/jobs/list")
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_json() {
    let app = TestApp::start().await;
    let r = app.http.get(app.url("/nope")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"], "not_found");
    let r = app
        .http
        .get(app.url("/account/api/engee/start"))
        .bearer_auth(DEMO_PAT)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"], "method_not_allowed");
}

#[tokio::test]
async fn admin_reset_and_clock_work_over_http() {
    let app = TestApp::start().await;
    app.start_engee(DEMO_PAT).await;
    let r = app
        .http
        .post(app.url("/__admin/clock"))
        .json(&json!({"advance_secs": 10}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = app
        .http
        .post(app.url("/__admin/reset"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(app.info(DEMO_PAT).await["serverStatus"], "stopped");
    let r = app
        .http
        .post(app.url("/__admin/clock"))
        .json(&json!({"advance_secs": -1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn injected_faults_answer_in_engee_format_and_retire() {
    let app = TestApp::start().await;
    let rule = json!({"path_prefix": "/account/api/engee", "status": 503, "times": 1});
    let r = app
        .http
        .post(app.url("/__admin/faults"))
        .json(&rule)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = app
        .http
        .get(app.url("/account/api/engee/info"))
        .bearer_auth(DEMO_PAT)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"], "fault_injected");
    assert_eq!(
        app.info(DEMO_PAT).await["serverStatus"],
        "stopped",
        "the rule retired after one use"
    );

    let drop =
        json!({"path_prefix": "/account/api/engee/info", "drop_connection": true, "times": 1});
    app.http
        .post(app.url("/__admin/faults"))
        .json(&drop)
        .send()
        .await
        .unwrap();
    let r = app
        .http
        .get(app.url("/account/api/engee/info"))
        .bearer_auth(DEMO_PAT)
        .send()
        .await;
    let failed = match r {
        Err(_) => true,
        Ok(resp) => resp.bytes().await.is_err(),
    };
    assert!(
        failed,
        "a dropped connection must not yield a complete response"
    );

    let r = app
        .http
        .get(app.url("/__admin/requests"))
        .send()
        .await
        .unwrap();
    let journal: serde_json::Value = r.json().await.unwrap();
    let paths: Vec<&str> = journal["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"/account/api/engee/info"), "{paths:?}");
    assert!(
        !paths.iter().any(|p| p.starts_with("/__admin")),
        "admin calls are not journaled"
    );
}

#[tokio::test]
async fn a_huge_inactivity_timeout_means_never_instead_of_a_panic() {
    let mut config = Config::for_tests();
    config.lifecycle.max_session_secs = 0;
    let app = TestApp::with_config(config).await;
    for timeout in [10_000_000_000_000u64, u64::MAX] {
        let r = app
            .http
            .post(app.url("/account/api/engee/start"))
            .bearer_auth(DEMO_PAT)
            .json(&json!({"inactivityTimeout": timeout}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "inactivityTimeout {timeout}");
        let info = app.info(DEMO_PAT).await;
        assert_eq!(info["serverStatus"], "running");
        assert_eq!(info["inactivityTimeout"], timeout);
    }
    app.server.advance(Duration::from_secs(365 * 24 * 3600));
    assert_eq!(app.info(DEMO_PAT).await["serverStatus"], "running");
}
