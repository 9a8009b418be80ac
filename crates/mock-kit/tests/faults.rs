//! Fault rules over HTTP: body cut, dribble, sequences, matching, config and bad rules.

mod common;

use std::time::{Duration, Instant};

use common::{Tiny, alphabet};
use mock_kit::{AdminAccess, Clock, FaultRule, FaultStep};
use serde_json::{Value, json};

#[tokio::test]
async fn a_body_cut_sends_n_bytes_of_the_real_response_then_aborts() {
    let t = Tiny::open().await;
    t.fault(json!({"path": "/bytes/*", "cut_after_bytes": 1000, "times": 1}))
        .await;
    let r = t.http.get(t.url("/bytes/5000")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.content_length(),
        Some(5000),
        "the real head, promising 5000"
    );
    assert!(
        r.bytes().await.is_err(),
        "the client must see a truncated body"
    );
    let entries = t.journal("").await;
    assert_eq!(entries[0]["fault"], "body_cut");
    assert_eq!(entries[0]["response_body"]["size"], 1000);
    assert_eq!(
        entries[0]["response_body"]["data"]
            .as_str()
            .unwrap()
            .as_bytes(),
        &alphabet(1000)[..]
    );
    // `times: 1`: the next one is whole.
    let r = t.http.get(t.url("/bytes/5000")).send().await.unwrap();
    assert_eq!(r.bytes().await.unwrap().len(), 5000);
}

#[tokio::test]
async fn a_dribbled_body_arrives_whole_and_slowly() {
    let t = Tiny::open().await;
    t.fault(json!({"path": "/bytes", "dribble": {"bytes": 100, "interval_ms": 60}}))
        .await;
    let started = Instant::now();
    let r = t.http.get(t.url("/bytes/300")).send().await.unwrap();
    let body = r.bytes().await.unwrap();
    let took = started.elapsed();
    assert_eq!(body.as_ref(), alphabet(300).as_slice());
    // Three pieces with two pauses between them.
    assert!(took >= Duration::from_millis(120), "{took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert_eq!(t.journal("").await[0]["fault"], "dribble");
}

#[tokio::test]
async fn a_sequence_answers_503_twice_then_passes_through_and_retires() {
    let t = Tiny::open().await;
    t.fault(
        json!({"method": "GET", "path": "/hello", "sequence": [{"status": 503}, {"status": 503}]}),
    )
    .await;
    let mut got = Vec::new();
    for _ in 0..3 {
        let r = t.http.get(t.url("/hello")).send().await.unwrap();
        got.push(r.status().as_u16());
        if r.status() == 503 {
            let body: Value = r.json().await.unwrap();
            assert_eq!(body["tiny_error"], "fault_injected", "{body}");
        } else {
            assert_eq!(r.text().await.unwrap(), "hello");
        }
    }
    assert_eq!(got, [503, 503, 200]);
    let rules: Value = t
        .http
        .get(t.url("/__admin/faults"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rules["faults"], json!([]), "the sequence retired");
    // A `{}` step passes one request through; steps are per matching request only.
    t.fault(json!({"path": "/hello", "sequence": [{}, {"status": 502}]}))
        .await;
    t.http.get(t.url("/echo")).send().await.unwrap();
    let a = t.http.get(t.url("/hello")).send().await.unwrap().status();
    let b = t.http.get(t.url("/hello")).send().await.unwrap().status();
    assert_eq!((a.as_u16(), b.as_u16()), (200, 502));
}

#[tokio::test]
async fn rules_match_by_method_glob_tenant_and_authenticated_user() {
    let t = Tiny::open().await;
    t.fault(json!({"path": "/m*", "user": "alice", "status": 500}))
        .await;
    t.fault(json!({"path": "/hello", "tenant": "t1", "status": 500}))
        .await;
    t.fault(json!({"method": "POST", "path": "/hello", "status": 500}))
        .await;
    let as_user = |user: &'static str| t.http.get(t.url("/me")).header("x-tiny-user", user).send();
    let r = as_user("alice").await.unwrap();
    assert_eq!(r.status(), 500);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["tiny_error"], "fault_injected");
    assert_eq!(as_user("bob").await.unwrap().status(), 200);
    let r = t.http.get(t.url("/hello")).send().await.unwrap();
    assert_eq!(r.status(), 200, "neither the t1 nor the POST rule matches");
    let entries = t.journal("path=/me").await;
    assert_eq!(
        (
            entries[0]["user"].clone(),
            entries[0]["status"].clone(),
            entries[0]["fault"].clone()
        ),
        (json!("alice"), json!(500), json!("status"))
    );
    assert_eq!(entries[1]["fault"], Value::Null);
}

#[tokio::test]
async fn configured_faults_apply_from_the_start_and_come_back_after_a_reset() {
    let rule = FaultRule {
        sequence: Some(vec![FaultStep {
            status: Some(429),
            ..FaultStep::default()
        }]),
        ..FaultRule::on("/hello")
    };
    let t = Tiny::start_with(Clock::frozen_now(), AdminAccess::open(), |c| {
        c.with_faults(vec![rule]).expect("a valid rule")
    })
    .await;
    let status = || async { t.http.get(t.url("/hello")).send().await.unwrap().status() };
    assert_eq!(status().await, 429);
    assert_eq!(status().await, 200);
    let (code, _) = t.post_json("/__admin/reset", json!({})).await;
    assert_eq!(code, 204);
    assert_eq!(
        status().await,
        429,
        "reset brings the configured rules back"
    );

    // The same rules from a mock's TOML file, and a bad one named with what to fix.
    #[derive(serde::Deserialize)]
    struct File {
        faults: Vec<FaultRule>,
    }
    let file: File = mock_kit::config::parse_toml(
        r#"
        [[faults]]
        path = "/hello"
        sequence = [{ status = 503 }, { status = 503 }]

        [[faults]]
        path = "/echo"
        status = 999
        "#,
    )
    .unwrap();
    let err = mock_kit::Control::new(Clock::frozen_now(), || {})
        .with_faults(file.faults)
        .err()
        .unwrap();
    assert!(
        err.contains("fault rule #2") && err.contains("status"),
        "{err}"
    );
    let err = mock_kit::config::parse_toml::<File>("[[faults]]\npath = \"/\"\nexplode = true\n")
        .err()
        .unwrap();
    assert!(err.contains("unknown field `explode`"), "{err}");
}

#[tokio::test]
async fn malformed_rules_are_400_in_the_mocks_format_and_say_what_to_fix() {
    let t = Tiny::open().await;
    for (rule, says) in [
        (
            json!({"path": "/", "explode": true}),
            "unknown field `explode`",
        ),
        (json!({"path": "/"}), "the rule does nothing"),
        (
            json!({"status": 999}),
            "status must be a final HTTP status code",
        ),
        (json!({"status": 101}), "(200-599), not 101"),
        (
            json!({"path": "hello", "status": 500}),
            "path must start with `/`",
        ),
        (
            json!({"dribble": {"bytes": 0, "interval_ms": 10}}),
            "dribble needs bytes ≥ 1",
        ),
        (
            json!({"drop_connection": true, "status": 500}),
            "drop_connection",
        ),
        (
            json!({"status": 503, "sequence": [{"status": 503}]}),
            "into the steps",
        ),
        (json!({"sequence": []}), "sequence must have 1 to"),
        (json!({"sequence": [{"status": 5}]}), "sequence[0]: status"),
        (
            json!({"sequence": [{"teapot": true}]}),
            "unknown field `teapot`",
        ),
        (
            json!({"method": "GE T", "status": 500}),
            "not an HTTP method",
        ),
        (json!({"status": 500, "probability": 2}), "probability"),
    ] {
        let (status, body) = t.post_json("/__admin/faults", rule.clone()).await;
        assert_eq!(status, 400, "{rule}");
        assert_eq!(body["tiny_error"], "bad_request", "{body}");
        let message = body["tiny_message"].as_str().unwrap();
        assert!(message.contains(says), "{rule}: {message}");
    }
    let rules: Value = t
        .http
        .get(t.url("/__admin/faults"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rules["faults"], json!([]), "nothing half-applied");
}
