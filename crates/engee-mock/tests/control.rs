//! The shared control plane on Engee: the journal shows the eval body and the user; faults
//! (from the admin API and from `[[faults]]` in the config) answer in Engee's format.

mod common;

use common::{DEMO_PAT, DEMO_PREFIX, TestApp};
use engee_mock::Config;
use serde_json::{Value, json};

#[tokio::test]
async fn the_journal_shows_the_eval_body_and_the_authenticated_user() {
    let app = TestApp::start().await;
    app.start_engee(DEMO_PAT).await;
    let (status, answer) = app.eval("3 + 5").await;
    assert_eq!(status, 200, "{answer}");
    let r = app
        .http
        .get(app.url("/__admin/requests?method=POST&path=/prod/user/*/external/command/eval"))
        .send()
        .await
        .unwrap();
    let journal: Value = r.json().await.unwrap();
    let entries = journal["requests"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{journal}");
    let e = &entries[0];
    assert_eq!(e["user"], "demo");
    assert_eq!(e["headers"]["authorization"], "[redacted]");
    assert!(!journal.to_string().contains(DEMO_PAT), "the PAT leaked");
    assert_eq!(e["body"]["data"], r#"{"command":"3 + 5"}"#);
    assert!(
        e["response_body"]["data"].as_str().unwrap().contains('8'),
        "{e}"
    );
    let r = app
        .http
        .post(app.url("/__admin/requests/count"))
        .json(&json!({"path": DEMO_PREFIX, "body_contains": "3 + 5"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"count": 1}));
}

#[tokio::test]
async fn a_users_fault_sequence_answers_in_engee_format_then_passes() {
    let app = TestApp::start().await;
    app.start_engee(DEMO_PAT).await;
    let rule = json!({"path": "/prod/user/*/external/command/eval", "user": "demo",
                      "sequence": [{"status": 503}]});
    let r = app
        .http
        .post(app.url("/__admin/faults"))
        .json(&rule)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let (status, answer) = app.eval("1 + 1").await;
    assert_eq!(status, 503);
    assert_eq!(answer["error"], "fault_injected", "{answer}");
    let (status, answer) = app.eval("1 + 1").await;
    assert_eq!(
        (status, answer["result"].clone()),
        (200, json!("2")),
        "{answer}"
    );
    // A bad rule is a 400 in Engee's format naming the problem.
    let r = app
        .http
        .post(app.url("/__admin/faults"))
        .json(&json!({"path": "/", "explode": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "bad_request");
    assert!(
        body["message"].as_str().unwrap().contains("explode"),
        "{body}"
    );
}

#[tokio::test]
async fn faults_and_journal_bounds_come_from_the_config_file() {
    let mut config = Config::parse(&format!(
        "{}\n[journal]\nmax_entries = 2\n\n[[faults]]\npath = \"/account/api/engee/info\"\nsequence = [{{ status = 429 }}]\n",
        engee_mock::config::DEMO_CONFIG
    ))
    .expect("config parses");
    config.clock = mock_kit::Clock::frozen_now();
    config.addr = ([127, 0, 0, 1], 0).into();
    let app = TestApp::with_config(config).await;
    let r = app
        .http
        .get(app.url("/account/api/engee/info"))
        .bearer_auth(DEMO_PAT)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "fault_injected");
    for _ in 0..3 {
        app.info(DEMO_PAT).await;
    }
    assert_eq!(app.server.control().journal.entries().len(), 2);
    let bad = format!(
        "{}\n[[faults]]\npath = \"/\"\nstatus = 700\n",
        engee_mock::config::DEMO_CONFIG
    );
    let mut config = Config::parse(&bad).expect("serde accepts it");
    config.addr = ([127, 0, 0, 1], 0).into();
    let err = engee_mock::MockServer::start(config).await.err().unwrap();
    assert!(err.to_string().contains("fault rule #1: status"), "{err}");
}
